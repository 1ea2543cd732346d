/**
 * The events that strace text turns into. Everything downstream (src/core) consumes only these.
 *
 * Byte strings: strace prints paths as escaped bytes that need not be UTF-8. Lines are read as latin1,
 * so every JS string here holds one byte per UTF-16 code unit (0..255). A decoded path is such a
 * "byte string" too: lossless, cheap to compare and usable as a Map key. Use `bytesToDisplay` in
 * ./strings.ts to show one to a person.
 */
export type ByteString = string;

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

export interface ParseStats {
  /** Physical input lines seen (journal entries count as lines). */
  lines: number;
  /** Syscall events emitted. */
  syscalls: number;
  /** Lines or fragments that produced a warning. */
  unparsed: number;
}
