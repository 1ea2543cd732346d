/**
 * The events that strace text turns into. Everything downstream (src/core) consumes only these.
 *
 * Byte strings: strace prints paths as escaped bytes that need not be UTF-8. Lines are read as latin1,
 * so every JS string here holds one byte per UTF-16 code unit (0..255). A decoded path is such a
 * "byte string" too: lossless, cheap to compare and usable as a Map key. Use `bytesToDisplay` in
 * ./strings.ts to show one to a person.
 */
export type ByteString = string;

/**
 * A slot for the results the parser shares between every repeat of one call text (same name, argsText
 * and result): a consumer may keep there what it derives from those three alone, and skip deriving it
 * again on the next repeat. Kept beside the results, not on them, so that events stay plain data.
 */
export interface CallMemoSlot {
  [consumer: string]: unknown;
}

const memoSlots = new WeakMap<SyscallResult, CallMemoSlot>();

/** Marks `result` as shared by every repeat of one call text (see CallMemoSlot). */
export function shareResult(result: SyscallResult): SyscallResult {
  memoSlots.set(result, {});
  return result;
}

/** The memo slot of a shared result, undefined for a result made for one event only. */
export function callMemoSlot(result: SyscallResult): CallMemoSlot | undefined {
  return memoSlots.get(result);
}

/** How a syscall ended. */
export type SyscallResult =
  /** `= 3`, `= 0`, `= 3</etc/passwd>`: `value` is the raw text before any `<…>` decoration. */
  | { kind: 'ok'; value: string; fdPath?: ByteString }
  /** `= -1 ENOENT (No such file or directory)`; errno is the symbol, `EUNKNOWN` for `(errno 1234)`. */
  | { kind: 'error'; errno: string }
  /** `= ?`, ERESTART*, `<unavailable>`, or an unfinished call that never resumed. */
  | { kind: 'unknown'; reason: string };

export interface SyscallEvent {
  type: 'syscall';
  /** 1-based number of the input line that completed the call (the resumed half for split calls). */
  line: number;
  /** pid from the prefix, the `-ff` file suffix or the journal; undefined when the log has none. */
  pid: number | undefined;
  name: string;
  /** Verbatim text between the call's parentheses (both halves joined for split calls). */
  argsText: string;
  result: SyscallResult;
  /** Where the input came from (file name or `-`), for messages. */
  source: string;
}

export interface ExitEvent {
  type: 'exit';
  line: number;
  pid: number | undefined;
  /** `+++ exited with N +++` */
  code?: number;
  /** `+++ killed by SIGX +++` */
  signal?: string;
  source: string;
}

/** `+++ superseded by execve in pid T +++`: thread T exec'd and took over pid `pid`. */
export interface SupersededEvent {
  type: 'superseded';
  line: number;
  pid: number | undefined;
  by: number;
  source: string;
}

export interface SignalEvent {
  type: 'signal';
  line: number;
  pid: number | undefined;
  signal: string;
  source: string;
}

/** `strace: Process N attached` and friends. */
export interface MessageEvent {
  type: 'message';
  line: number;
  text: string;
  /** For attach/detach messages, the pid they name. */
  pid?: number;
  source: string;
}

/** A line (or line fragment) that could not be understood. Never dropped silently. */
export interface WarningEvent {
  type: 'warning';
  line: number;
  reason: string;
  /** The offending text, cut to a reasonable length. */
  text: string;
  source: string;
}

export type StraceEvent =
  | SyscallEvent
  | ExitEvent
  | SupersededEvent
  | SignalEvent
  | MessageEvent
  | WarningEvent;

/** What a complete call line says once its leader is set aside; the same for every line with that text. */
export interface CompleteCall {
  name: string;
  argsText: string;
  result: SyscallResult;
}

/**
 * Complete calls in input order with no other event between them, handed on in bulk by a reader that
 * parses each distinct call text once (see onCalls in src/host/trace-reader/read.ts): call i stands for the event
 * `{ type: 'syscall', line: lines[i], pid: pids[i] < 0 ? undefined : pids[i], ...callOf(run, i), source }`,
 * where the call is `calls[ids[i]]`, or for a negative id the call a resumed half completed on that
 * line, `joined[-1 - ids[i]]` (joined once for each pair of halves' texts, then the same object).
 * The arrays are lent for the call only. `calls` may be the same array from run to run with other calls
 * at the same ids (a consumer keeping something per id must check the call is still the one it saw);
 * every call's result is shared by its repeats (see shareResult).
 */
export interface CallRun {
  source: string;
  count: number;
  lines: Int32Array;
  pids: Int32Array;
  ids: Int32Array;
  calls: readonly CompleteCall[];
  joined: readonly CompleteCall[];
}

/** The call that call i of the run stands for. */
export function callOf(run: CallRun, i: number): CompleteCall {
  const id = run.ids[i];
  return id >= 0 ? run.calls[id] : run.joined[-1 - id];
}

/** The events a run stands for, one by one, for a consumer that takes only events. */
export function forEachRunEvent(run: CallRun, onEvent: (event: SyscallEvent) => void): void {
  for (let i = 0; i < run.count; i++) {
    const call = callOf(run, i);
    const pid = run.pids[i];
    onEvent({ type: 'syscall', line: run.lines[i], pid: pid < 0 ? undefined : pid, name: call.name, argsText: call.argsText, result: call.result, source: run.source });
  }
}

export interface ParseStats {
  /** Physical input lines seen (journal entries count as lines). */
  lines: number;
  /** Syscall events emitted. */
  syscalls: number;
  /** Lines or fragments that produced a warning. */
  unparsed: number;
}
