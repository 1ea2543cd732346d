/**
 * Streaming parser for strace's text output: one call per physical line, events out through a callback.
 * It verifies each line's structure (leader, name, depth-0 closing parenthesis, ` = ` result) but leaves the
 * arguments as text: src/core splits only the calls it cares about.
 */
import { type CompleteCall, type ParseStats, type StraceEvent, type SyscallResult } from './events.js';
import {
  UNFINISHED_MARK, DETACHED_MARK, SUMMARY_ROW, SUMMARY_HEADER, SUMMARY_RULE, MESSAGE_LINE, MESSAGE_PID, PID_CHANGED,
  PERSONALITY, TIPS_EDGE, TIPS_MAX_LINES, ANSI_SGR, isNameChar, closingParen, parseLeader, resultParenFromRight,
  warningText, parseResult, splicedMessageAt, joinHalves, resumedParts, type Leader
} from './strace-line.js';
import { detachBytes } from './strings.js';

export interface StraceParserOptions {
  /** File name or `-`, copied into every event. */
  source: string;
  /** The pid a `-ff` file belongs to (its suffix): used for lines without a pid prefix. */
  pid?: number;
  onEvent: (event: StraceEvent) => void;
}

export type { CompleteCall } from './events.js';

export interface StraceParseStats extends ParseStats {
  /** `<unfinished ...>` halves joined with their `<... resumed>` half. */
  merged: number;
  /** Calls emitted without a result because they never resumed (task died, log ended). */
  neverResumed: number;
}

/** A line left open by tracee output may absorb this many following lines before it is given up. */
const PARTIAL_MAX_LINES = 256;
const PARTIAL_MAX_BYTES = 4 << 20;
/** Beyond this many tasks with a pending call, the oldest is given up (a log of endless never-resumed calls). */
const PENDING_MAX_TASKS = 65536;
const NO_PID = -1;
/** Distinct complete-line texts kept before the table starts over. */
const LINE_CACHE_LIMIT = 50000;
/** Below this share of repeats the table costs more than it saves, and is switched off. */
const LINE_CACHE_MIN_HIT_RATE = 0.3;

const enum Status {
  /** Understood; its events (if any) were emitted. */
  Handled,
  /** A syscall whose start is valid but whose text stops before its result: may continue on a later line. */
  Open,
  /** Not strace output. */
  Foreign,
}

interface PendingCall {
  name: string;
  /** `name(` plus the arguments printed at entry, without the unfinished marker. */
  body: string;
  line: number;
  pid: number | undefined;
}

interface PartialLine {
  /** The line as first seen, used if it never completes. */
  original: string;
  /** The line with every absorbed continuation appended. */
  text: string;
  line: number;
  key: number;
  absorbed: { text: string; line: number }[];
  bytes: number;
}

export class StraceParser {
  readonly stats: StraceParseStats = { lines: 0, syscalls: 0, unparsed: 0, merged: 0, neverResumed: 0 };
  private readonly source: string;
  private readonly defaultPid: number | undefined;
  private readonly onEvent: (event: StraceEvent) => void;
  private readonly pending = new Map<number, PendingCall>();
  private readonly completeLines = new Map<string, { name: string; argsText: string; result: SyscallResult }>();
  private cacheLines = true;
  private cacheHits = 0;
  private cacheMisses = 0;
  private partial: PartialLine | undefined;
  /** Lines still taken as part of the `--tips` box once its top edge was seen. */
  private tipsLines = 0;
  /** While re-parsing a joined line, the partial it came from must not be given up. */
  private joining = false;
  /** Set by syscall() when it returns Open: the task the open line belongs to. */
  private openKey = NO_PID;
  /** The number of the last line given, to tell a log cut inside its last line. */
  private lastLine = 0;
  /** parseLeader's pid of the line being parsed. */
  private readonly leader: Leader = { pid: undefined };

  constructor(opts: StraceParserOptions) {
    this.source = opts.source;
    this.defaultPid = opts.pid;
    this.onEvent = opts.onEvent;
  }

  /** One physical line, without its `\n`, as a byte string. */
  line(text: string): void {
    this.lineAt(text, ++this.stats.lines);
  }

  /** One line whose number the caller owns (journal input numbers its own lines). */
  lineAt(text: string, lineNo: number): void {
    this.lastLine = lineNo;
    // A log that went through a CRLF tool: strace itself never ends a line with `\r` (it prints `\r` escaped).
    if (text.charCodeAt(text.length - 1) === 13) text = text.slice(0, -1);
    if (text.length === 0) return;
    if (text.indexOf('\x1b') >= 0) text = text.replace(ANSI_SGR, '');
    const status = this.parse(text, lineNo);
    if (status === Status.Handled) {
      this.tipsLines = 0;
      return;
    }
    // `strace: Process N attached` written into the middle of a pending trace line (§6.1).
    const splice = splicedMessageAt(text);
    if (splice > 0) {
      this.fragment(text.slice(0, splice), lineNo, this.parse(text.slice(0, splice), lineNo));
      this.message(text.slice(splice), lineNo);
      return;
    }
    this.fragment(text, lineNo, status);
  }

  /** Flushes what is still open: a cut line, calls that never resumed. */
  end(): void {
    if (this.partial) {
      // An open last line that nothing followed: the log stops inside it, so what it names may be cut short.
      if (this.partial.line === this.lastLine && this.partial.absorbed.length === 0) {
        this.warn(this.partial.line, 'the trace ends inside this line: it was cut (strace killed, or the log copied while written)', this.partial.original);
      }
      this.abandonPartial();
    }
    for (const call of this.pending.values()) this.emitNeverResumed(call, 'unfinished');
    this.pending.clear();
  }

  /** Text that failed on its own: a new open line, the continuation of the open line, or foreign text. */
  private fragment(text: string, lineNo: number, alone: Status): void {
    if (alone === Status.Handled) return;
    if (alone === Status.Open) {
      this.openPartial(text, lineNo, this.openKey);
      return;
    }
    if (this.partial) {
      const partial = this.partial;
      const joined = partial.text + text;
      this.joining = true;
      const status = this.parse(joined, lineNo, partial);
      this.joining = false;
      if (status === Status.Handled) {
        this.partial = undefined;
        return;
      }
      if (status === Status.Open) {
        partial.text = joined;
        partial.bytes += text.length;
        partial.absorbed.push({ text: warningText(text), line: lineNo });
        if (partial.absorbed.length > PARTIAL_MAX_LINES || partial.bytes > PARTIAL_MAX_BYTES) this.abandonPartial();
        return;
      }
    }
    if (this.foreignKnown(text, lineNo)) return;
    this.warn(lineNo, 'not strace output', text);
  }

  /** Non-trace text strace itself prints: summary tables, the tips box. */
  private foreignKnown(text: string, lineNo: number): boolean {
    if (SUMMARY_ROW.test(text) || SUMMARY_RULE.test(text) || text.startsWith('System call usage summary')) return true;
    if (SUMMARY_HEADER.test(text)) {
      this.onEvent({ type: 'message', line: lineNo, text: 'summary table', source: this.source });
      return true;
    }
    if (TIPS_EDGE.test(text)) {
      this.tipsLines = TIPS_MAX_LINES;
      return true;
    }
    if (this.tipsLines > 0) {
      this.tipsLines--;
      return true;
    }
    return false;
  }

  private message(line: string, lineNo: number): void {
    const text = detachBytes(line);
    const match = MESSAGE_PID.exec(text);
    this.onEvent(
      match
        ? { type: 'message', line: lineNo, text, pid: Number(match[1]), source: this.source }
        : { type: 'message', line: lineNo, text, source: this.source },
    );
  }

  private warn(lineNo: number, reason: string, text: string): void {
    this.stats.unparsed++;
    this.onEvent({ type: 'warning', line: lineNo, reason, text: warningText(text), source: this.source });
  }

  /**
   * Parses one complete line (possibly joined from pieces) and emits its events. `from` is the partial line a
   * joined text came from: its line number stays that of the completing line, which is the one read last.
   */
  private parse(text: string, lineNo: number, from?: PartialLine): Status {
    const body = parseLeader(text, this.leader);
    if (body < 0) return this.parseLeaderless(text, lineNo);
    const pid = this.leader.pid ?? this.defaultPid;
    const code = text.charCodeAt(body);
    if ((code >= 97 && code <= 122) || code === 95) {
      const status = this.syscall(text, body, pid, lineNo, from);
      return status === Status.Foreign && body === 0 ? this.parseLeaderless(text, lineNo) : status;
    }
    if (code === 60 && text.startsWith('<... ', body)) return this.resumed(text, body, pid, lineNo);
    if (code === 43 && text.startsWith('+++ ', body)) return this.exitLine(text, body, pid, lineNo);
    if (code === 45 && text.startsWith('--- ', body) && text.endsWith(' ---')) {
      const space = text.indexOf(' ', body + 4);
      let signal = text.slice(body + 4, space);
      if (signal === 'stopped' && text.startsWith('stopped by ', body + 4)) {
        signal = text.slice(body + 15, text.indexOf(' ', body + 15));
      }
      this.onEvent({ type: 'signal', line: lineNo, pid, signal, source: this.source });
      return Status.Handled;
    }
    if (code === 63 && text.startsWith('???(', body)) return this.syscall(text, body, pid, lineNo, from);
    if (code === 91) {
      const personality = PERSONALITY.exec(text.slice(body));
      if (personality) {
        this.onEvent({ type: 'message', line: lineNo, text: text.slice(body), pid: Number(personality[1]), source: this.source });
        return Status.Handled;
      }
    }
    return this.parseLeaderless(text, lineNo);
  }

  /** Lines with no leader: strace's own messages, stack frames, I/O dumps. */
  private parseLeaderless(text: string, lineNo: number): Status {
    const code = text.charCodeAt(0);
    if (code === 32) {
      // ` > frame` (-k) and ` | 00000  hex  ascii |` (-e read=/write=): not about files.
      const second = text.charCodeAt(1);
      if ((second === 62 || second === 124) && text.charCodeAt(2) === 32) return Status.Handled;
      return Status.Foreign;
    }
    if (MESSAGE_LINE.test(text)) {
      this.message(text, lineNo);
      return Status.Handled;
    }
    return Status.Foreign;
  }

  private syscall(text: string, start: number, pid: number | undefined, lineNo: number, from?: PartialLine): Status {
    let i = start;
    if (text.charCodeAt(i) === 63) i += 3;
    else while (isNameChar(text.charCodeAt(i))) i++;
    if (text.charCodeAt(i) !== 40) return Status.Foreign;
    const name = text.slice(start, i);
    const argsStart = i + 1;
    const key = pid ?? NO_PID;
    // Every marker ends in `...>`; checking that first keeps complete lines off the endsWith calls.
    const marked = text.charCodeAt(text.length - 1) === 62 && text.charCodeAt(text.length - 2) === 46;
    if (marked && text.endsWith(UNFINISHED_MARK)) {
      this.beforeTaskEvent(key);
      this.addPending(key, {
        name,
        // Detached: a call can stay pending for the rest of the log and must not pin its input chunk.
        body: detachBytes(text.slice(start, text.length - UNFINISHED_MARK.length)),
        line: from ? from.line : lineNo,
        pid,
      });
      return Status.Handled;
    }
    if (marked && text.endsWith(DETACHED_MARK)) {
      this.beforeTaskEvent(key);
      this.emitSyscall(lineNo, pid, name, text.slice(argsStart, text.length - DETACHED_MARK.length), {
        kind: 'unknown',
        reason: 'detached',
      });
      return Status.Handled;
    }
    const body = marked ? undefined : text.slice(start);
    const known = body === undefined ? undefined : this.completeLines.get(body);
    if (known !== undefined) {
      this.cacheHits++;
      this.beforeTaskEvent(key);
      this.emitSyscall(lineNo, pid, known.name, known.argsText, known.result);
      return Status.Handled;
    }
    let close = closingParen(text, argsStart);
    let result = close < 0 ? undefined : parseResult(text, close + 1);
    if (result === undefined) {
      close = resultParenFromRight(text, argsStart);
      if (close > 0) result = parseResult(text, close + 1);
    }
    if (result === undefined) {
      const changed = marked ? PID_CHANGED.exec(text) : null;
      if (changed) {
        // -ff: a thread's execve; the leader's file holds its result (§5.5).
        this.beforeTaskEvent(key);
        this.emitSyscall(lineNo, pid, name, text.slice(argsStart, changed.index), {
          kind: 'unknown',
          reason: `pid changed to ${changed[1]}`,
        });
        return Status.Handled;
      }
      this.openKey = key;
      return Status.Open;
    }
    this.beforeTaskEvent(key);
    const argsText = text.slice(argsStart, close);
    if (body !== undefined) this.rememberCompleteLine(body, name, argsText, result);
    this.emitSyscall(lineNo, pid, name, argsText, result);
    return Status.Handled;
  }

  /**
   * A service repeats the same complete calls (same file, same flags, same result) again and again:
   * the text after the leader decides everything the event says, so each distinct text is parsed once.
   * The very same argsText string then also reaches src/core on every repeat, which makes its own
   * per-text cache cheap. Kept texts are detached copies (they must not pin 1 MiB input chunks), the
   * table is cleared when full, and it switches itself off on logs that never repeat.
   */
  private rememberCompleteLine(body: string, name: string, argsText: string, result: SyscallResult): void {
    if (!this.cacheLines) return;
    this.cacheMisses++;
    if (this.completeLines.size >= LINE_CACHE_LIMIT) {
      const lookups = this.cacheHits + this.cacheMisses;
      if (this.cacheHits < lookups * LINE_CACHE_MIN_HIT_RATE) {
        this.cacheLines = false;
        this.completeLines.clear();
        return;
      }
      this.completeLines.clear();
      this.cacheHits = 0;
      this.cacheMisses = 0;
    }
    this.completeLines.set(detachBytes(body), { name, argsText: detachBytes(argsText), result });
  }

  private resumed(text: string, body: number, pid: number | undefined, lineNo: number): Status {
    const parts = resumedParts(text, body);
    if (parts === undefined) return Status.Foreign;
    this.resume(parts.name, parts.rest, pid, lineNo, () => text);
    return Status.Handled;
  }

  /**
   * The resumed half of `name` for task `pid`, joined to its pending half.
   */
  private resume(name: string, rest: string, pid: number | undefined, lineNo: number, line: () => string): void {
    const key = pid ?? NO_PID;
    const call = this.takePending(key, name);
    if (!call) {
      this.warn(lineNo, `resumed ${name} without its start (log began mid-call or lost it)`, line());
      return;
    }
    this.beforeTaskEvent(key);
    const joined = joinHalves(call.body, name, rest);
    if ('incomplete' in joined) {
      this.warn(lineNo, `resumed ${name} does not complete the call started on line ${call.line}`, joined.incomplete);
      return;
    }
    this.stats.merged++;
    this.emitSyscall(lineNo, pid ?? call.pid, name, joined.argsText, joined.result);
  }

  private exitLine(text: string, body: number, pid: number | undefined, lineNo: number): Status {
    if (!text.endsWith(' +++')) return Status.Foreign;
    const inner = text.slice(body + 4, text.length - 4);
    const key = pid ?? NO_PID;
    if (inner.startsWith('exited with ')) {
      this.taskGone(key);
      this.onEvent({ type: 'exit', line: lineNo, pid, code: Number(inner.slice(12)), source: this.source });
      return Status.Handled;
    }
    if (inner.startsWith('killed by ')) {
      this.taskGone(key);
      const signal = inner.slice(10).replace(/ \(core dumped\)$/, '');
      this.onEvent({ type: 'exit', line: lineNo, pid, signal, source: this.source });
      return Status.Handled;
    }
    const superseded = /^superseded by execve in pid (\d+)$/.exec(inner);
    if (superseded) {
      const by = Number(superseded[1]);
      // The exec'ing thread now runs as `pid`: its pending execve resumes under the leader's pid (§5.5).
      const own = this.pending.get(key);
      if (own) {
        this.pending.delete(key);
        this.emitNeverResumed(own, 'unfinished');
      }
      const moved = this.pending.get(by);
      if (moved) {
        this.pending.delete(by);
        this.pending.set(key, { ...moved, pid });
      }
      this.onEvent({ type: 'superseded', line: lineNo, pid, by, source: this.source });
      return Status.Handled;
    }
    return Status.Foreign;
  }

  /** A task that exited can no longer resume its pending call. */
  private taskGone(key: number): void {
    const call = this.pending.get(key);
    if (call) {
      this.pending.delete(key);
      this.emitNeverResumed(call, 'unfinished');
    }
    if (this.partial && this.partial.key === key && !this.joining) this.abandonPartial();
  }

  /**
   * A task starting a new call can no longer complete an older one: its pending call (§5.3) and any line it
   * left open are given up first, so events keep their order.
   */
  private beforeTaskEvent(key: number): void {
    if (this.partial && this.partial.key === key && !this.joining) this.abandonPartial();
    const stale = this.pending.get(key);
    if (stale) {
      this.pending.delete(key);
      this.emitNeverResumed(stale, 'unfinished');
    }
  }

  private addPending(key: number, call: PendingCall): void {
    if (this.pending.size >= PENDING_MAX_TASKS) {
      const [oldestKey, oldest] = this.pending.entries().next().value as [number, PendingCall];
      this.pending.delete(oldestKey);
      this.warn(oldest.line, 'too many calls left unfinished; giving this one up', oldest.body);
    }
    this.pending.set(key, call);
  }

  /**
   * The pending call a resumed half belongs to. Without `-o`, strace drops the `[pid N]` prefix while only one
   * task is traced, so a half with no pid may match a prefixed entry and vice versa, by name.
   */
  private takePending(key: number, name: string): PendingCall | undefined {
    const own = this.pending.get(key);
    if (own && own.name === name) {
      this.pending.delete(key);
      return own;
    }
    if (own) return undefined;
    if (key !== NO_PID) {
      const unprefixed = this.pending.get(NO_PID);
      if (unprefixed && unprefixed.name === name) {
        this.pending.delete(NO_PID);
        return unprefixed;
      }
      return undefined;
    }
    let match: number | undefined;
    for (const [candidateKey, call] of this.pending) {
      if (call.name === name) match = candidateKey;
    }
    if (match === undefined) return undefined;
    const call = this.pending.get(match)!;
    this.pending.delete(match);
    return call;
  }

  private openPartial(text: string, lineNo: number, key: number): void {
    if (this.partial) this.abandonPartial();
    this.partial = { original: text, text, line: lineNo, key, absorbed: [], bytes: text.length };
  }

  /** An open line that never completed: the call is reported without a result, absorbed text as warnings. */
  private abandonPartial(): void {
    const partial = this.partial!;
    this.partial = undefined;
    const body = parseLeader(partial.original, this.leader);
    const pid = this.leader.pid ?? this.defaultPid;
    const open = partial.original.indexOf('(', body);
    this.stats.neverResumed++;
    this.emitSyscall(partial.line, pid, partial.original.slice(body, open), partial.original.slice(open + 1), {
      kind: 'unknown',
      reason: 'unfinished',
    });
    for (const piece of partial.absorbed) this.warn(piece.line, 'not strace output', piece.text);
  }

  private emitNeverResumed(call: PendingCall, reason: string): void {
    this.stats.neverResumed++;
    this.emitSyscall(call.line, call.pid, call.name, call.body.slice(call.name.length + 1), { kind: 'unknown', reason });
  }

  private emitSyscall(lineNo: number, pid: number | undefined, name: string, argsText: string, result: SyscallResult): void {
    this.stats.syscalls++;
    this.onEvent({ type: 'syscall', line: lineNo, pid, name, argsText, result, source: this.source });
  }
}

export { looksLikeStrace } from './strace-line.js';
