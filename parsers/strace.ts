/**
 * Streaming parser for strace's text output: one call per physical line, events out through a callback.
 * It verifies each line's structure (leader, name, depth-0 closing parenthesis, ` = ` result) but leaves the
 * arguments as text: src/core splits only the calls it cares about.
 */
import { shareResult, type CompleteCall, type ParseStats, type StraceEvent, type SyscallResult } from './events.js';
import { detachBytes, parseFdArg, skipDecoration } from './strings.js';

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

/** Warnings quote at most this much of the offending text. */
const WARNING_TEXT_MAX = 200;
/** A line left open by tracee output may absorb this many following lines before it is given up. */
const PARTIAL_MAX_LINES = 256;
const PARTIAL_MAX_BYTES = 4 << 20;
/** Beyond this many tasks with a pending call, the oldest is given up (a log of endless never-resumed calls). */
const PENDING_MAX_TASKS = 65536;
/** The largest pid Linux hands out; a bigger bare number at line start is a `unix,precision:s` timestamp. */
const PID_MAX = 4194304;

const UNFINISHED_MARK = ' <unfinished ...>';
const DETACHED_MARK = ' <detached ...>';
const RESUMED_MARK = ' resumed>';
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
  /** The unfinished half's text, when it came through unfinishedLine: the resumed halves it met are kept there. */
  from?: UnfinishedCall;
}

/** An unfinished half's text after the leader, taken once for every line with that text (see unfinishedCall). */
export interface UnfinishedCall {
  unfinished: string;
  /** What the half leaves pending: its text without the unfinished marker. */
  body: string;
  /** The calls it made with each resumed half's text: a complete call, or the merged text that is none. */
  merges: Map<ResumedCall, CompleteCall | { incomplete: string }>;
}

/** A resumed half's text after the leader, taken once for every line with that text (see resumedCall). */
export interface ResumedCall {
  resumed: string;
  /** The text it was taken from. */
  text: string;
  /** The text after the resumed marker, as joined to the pending half. */
  rest: string;
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

const SUMMARY_ROW = /^\s*\d+\.\d+\s+\d+(?:\.\d+)?\s+\d+\s+\d+(?:\s+\d+)?\s+[\w?]+\s*$/;
const SUMMARY_HEADER = /^%?\s*time\s+seconds\s+usecs\/call\s+calls\s+/;
const SUMMARY_RULE = /^-{6} -{6,}/;
const MESSAGE_LINE = /^(?:\S*strace: |Process \d+ (?:attached|detached)|Detached unknown pid)/;
const MESSAGE_PID = /Process (\d+) (?:attached|detached)/;
const PID_CHANGED = / <pid changed to (\d+) \.\.\.>$/;
const PERSONALITY = /^\[ Process PID=(\d+) runs in .* mode\. \]$/;
const TIPS_EDGE = /^\s*_{8,}(?:\s|$)/;
/** The tips box (and the art beside it) is a couple of dozen lines; past that, foreign text is warned again. */
const TIPS_MAX_LINES = 40;
const RESULT_AFTER_PAREN = /^ +=  ?(?:-?\d|\?|0x)/;
const ANSI_SGR = /\x1b\[[0-9;]*m/g;

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isNameChar(code: number): boolean {
  return (code >= 97 && code <= 122) || isDigit(code) || code === 95;
}

/** Index of the `"` closing the string opened at `open`, skipping escaped quotes with native searches. */
function stringEnd(text: string, open: number): number {
  let close = open;
  for (;;) {
    close = text.indexOf('"', close + 1);
    if (close < 0) return -1;
    let backslashes = 0;
    while (text.charCodeAt(close - 1 - backslashes) === 92) backslashes++;
    if ((backslashes & 1) === 0) return close;
  }
}

/**
 * Index of the `)` closing the argument list that starts at `from` (just after `name(`), or -1. Only
 * parentheses are counted: tracee output glued into a line brings stray `[`/`{`, never balanced ones.
 * Strings and fd decorations are skipped whole (they may hold parentheses). The scan jumps between the
 * next `)`, `(`, `"` and `<` with native searches: a loop over every character in JS costs twice as much.
 */
function closingParen(text: string, from: number): number {
  const none = text.length + 1;
  let depth = 1;
  let i = from;
  let close = text.indexOf(')', i);
  let quote = -1;
  let open = -1;
  let lt = -1;
  while (close >= 0) {
    if (quote < i && quote !== none) quote = indexOrNone(text, '"', i, none);
    if (open < i && open !== none) open = indexOrNone(text, '(', i, none);
    if (lt < i && lt !== none) lt = indexOrNone(text, '<', i, none);
    if (close < quote && close < open && close < lt) {
      if (--depth === 0) return close;
      i = close + 1;
      close = text.indexOf(')', i);
      continue;
    }
    if (quote < open && quote < lt) {
      const end = stringEnd(text, quote);
      if (end < 0) return -1;
      i = end + 1;
    } else if (open < lt) {
      depth++;
      i = open + 1;
    } else {
      i = lt + 1;
      // An fd decoration (`3</a(b>`) holds unescaped parentheses; `1<<CAP` is not one.
      const before = text.charCodeAt(lt - 1);
      if ((isDigit(before) || before === 68) && text.charCodeAt(lt + 1) !== 60) {
        const after = skipDecoration(text, lt, text.length);
        if (after > 0) i = after;
      }
    }
    if (close < i) close = text.indexOf(')', i);
  }
  return -1;
}

function indexOrNone(text: string, char: string, from: number, none: number): number {
  const at = text.indexOf(char, from);
  return at < 0 ? none : at;
}

/** Set by parseLeader: the pid from the prefix, undefined when the line has none. */
let leaderPid: number | undefined;

/**
 * Skips the leader (§3 of the format notes): pid prefix, SELinux context, timestamps, syscall number,
 * instruction pointer. Returns where the body starts (or -1) and leaves the pid in `leaderPid`.
 */
function parseLeader(text: string): number {
  let i = 0;
  let pid: number | undefined;
  const end = text.length;
  let code = text.charCodeAt(0);
  if (code === 32) {
    while (text.charCodeAt(i) === 32) i++;
    code = text.charCodeAt(i);
  }
  if (code === 91 && text.startsWith('[pid ', i)) {
    i += 5;
    while (text.charCodeAt(i) === 32) i++;
    let value = 0;
    const digits = i;
    while (isDigit((code = text.charCodeAt(i)))) (value = value * 10 + (code - 48)), i++;
    if (i === digits) return -1;
    if (code === 60) {
      i = skipComm(text, i);
      if (i < 0) return -1;
    }
    if (text.charCodeAt(i) !== 93 || text.charCodeAt(i + 1) !== 32) return -1;
    i += 2;
    pid = value;
  } else if (isDigit(code)) {
    let value = 0;
    const digits = i;
    while (isDigit((code = text.charCodeAt(i)))) (value = value * 10 + (code - 48)), i++;
    if (code === 60) {
      i = skipComm(text, i);
      if (i < 0 || text.charCodeAt(i) !== 32) return -1;
      pid = value;
    } else if (code === 32) {
      let next = i;
      while (text.charCodeAt(next) === 32) next++;
      // A lone huge number straight before the body is a seconds-precision timestamp, not a pid.
      if (value <= PID_MAX || isDigit(text.charCodeAt(next)) || text.charCodeAt(next) === 40) pid = value;
      else i = digits;
    } else {
      i = digits; // a timestamp: handled below
    }
  }
  // Timestamps, syscall number, IP and security context, in that order but each optional.
  for (;;) {
    while (text.charCodeAt(i) === 32) i++;
    code = text.charCodeAt(i);
    if (isDigit(code)) {
      let j = i;
      while (j < end) {
        const c = text.charCodeAt(j);
        if (isDigit(c) || c === 58 || c === 46) j++;
        else break;
      }
      if (text.charCodeAt(j) !== 32) return -1;
      i = j + 1;
    } else if (code === 40 && text.charCodeAt(i + 1) === 43) {
      const close = text.indexOf(') ', i);
      if (close < 0 || close - i > 32) return -1;
      i = close + 2;
    } else if (code === 91) {
      if (text.charCodeAt(i + 1) === 32 && text.startsWith('[ Process PID=', i)) break;
      const close = text.indexOf('] ', i);
      if (close < 0 || close - i > 200) return -1;
      if (!LEADER_BRACKET.test(text.slice(i + 1, close))) return -1;
      i = close + 2;
    } else {
      break;
    }
  }
  leaderPid = pid;
  return i;
}

/** `[ 257]`/`[???]` (-n), `[00007f0e85092b1d]` (-i), `[system_u:system_r:…]` (--secontext). */
const LEADER_BRACKET = /^(?: *\d+|\?+|[0-9a-f?]{8,16}|[^\s\]]*:[^\s\]]*)$/;

function skipComm(text: string, lt: number): number {
  for (let i = lt + 1; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 92) i++;
    else if (code === 62) return i + 1;
  }
  return -1;
}

/**
 * Fallback for lines whose parentheses do not balance because the tracee's own output was glued into them
 * (`write(2, "(\\n", 2(` … `) = 2`): the rightmost `)` that is followed by a valid result. Bounded so a
 * line full of parentheses stays linear.
 */
function resultParenFromRight(text: string, argsStart: number): number {
  let candidate = text.lastIndexOf(')');
  for (let tries = 0; candidate >= argsStart && tries < 32; tries++) {
    if (RESULT_AFTER_PAREN.test(text.slice(candidate + 1, candidate + 64))) return candidate;
    candidate = text.lastIndexOf(')', candidate - 1);
  }
  return -1;
}

function warningText(text: string): string {
  return detachBytes(text.length > WARNING_TEXT_MAX ? text.slice(0, WARNING_TEXT_MAX) + '...' : text);
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
    if (text.length === 0) return;
    if (text.indexOf('\x1b') >= 0) text = text.replace(ANSI_SGR, '');
    const status = this.parse(text, lineNo);
    if (status === Status.Handled) {
      this.tipsLines = 0;
      return;
    }
    // `strace: Process N attached` written into the middle of a pending trace line (§6.1).
    const splice = this.findSplicedMessage(text);
    if (splice > 0) {
      this.fragment(text.slice(0, splice), lineNo, this.parse(text.slice(0, splice), lineNo));
      this.message(text.slice(splice), lineNo);
      return;
    }
    this.fragment(text, lineNo, status);
  }

  /**
   * The call that `body` (a line's text after its leader) states on its own, when lineAt would emit it
   * as one syscall event and nothing else; undefined for anything else (unfinished halves, lines cut
   * or glued by tracee output, foreign text), which must then go through lineAt whole.
   */
  completeCall(body: string): CompleteCall | undefined {
    let i = 0;
    while (isNameChar(body.charCodeAt(i))) i++;
    const first = body.charCodeAt(0);
    if (i === 0 || !((first >= 97 && first <= 122) || first === 95) || body.charCodeAt(i) !== 40) return undefined;
    if (body.indexOf('\x1b') >= 0) return undefined;
    if (body.endsWith(UNFINISHED_MARK) || body.endsWith(DETACHED_MARK)) return undefined;
    const argsStart = i + 1;
    let close = closingParen(body, argsStart);
    let result = close < 0 ? undefined : this.result(body, close + 1);
    if (result === undefined) {
      close = resultParenFromRight(body, argsStart);
      if (close > 0) result = this.result(body, close + 1);
    }
    if (result === undefined) return undefined;
    return { name: body.slice(0, i), argsText: body.slice(argsStart, close), result: shareResult(result) };
  }

  /**
   * A line whose text after the leader is `call` (from completeCall): exactly what lineAt does with it,
   * without looking at the text again. `pid` is the leader's, undefined when the line had none.
   */
  callLine(lineNo: number, pid: number | undefined, call: CompleteCall): void {
    this.tipsLines = 0;
    const taskPid = pid ?? this.defaultPid;
    this.beforeTaskEvent(taskPid ?? NO_PID);
    this.emitSyscall(lineNo, taskPid, call.name, call.argsText, call.result);
  }

  /**
   * The unfinished half that `body` (a line's text after its leader) states, when lineAt would only set
   * it pending; undefined for anything else.
   */
  unfinishedCall(body: string): UnfinishedCall | undefined {
    let i = 0;
    while (isNameChar(body.charCodeAt(i))) i++;
    const first = body.charCodeAt(0);
    if (i === 0 || !((first >= 97 && first <= 122) || first === 95) || body.charCodeAt(i) !== 40) return undefined;
    if (body.indexOf('\x1b') >= 0 || !body.endsWith(UNFINISHED_MARK)) return undefined;
    return { unfinished: body.slice(0, i), body: detachBytes(body.slice(0, body.length - UNFINISHED_MARK.length)), merges: new Map() };
  }

  /** A line whose text after the leader is `call` (from unfinishedCall): exactly what lineAt does with it. */
  unfinishedLine(lineNo: number, pid: number | undefined, call: UnfinishedCall): void {
    const taskPid = pid ?? this.defaultPid;
    const key = taskPid ?? NO_PID;
    this.beforeTaskEvent(key);
    this.addPending(key, { name: call.unfinished, body: call.body, line: lineNo, pid: taskPid, from: call });
    this.tipsLines = 0;
  }

  /** The resumed half that `body` (a line's text after its leader) states, as lineAt reads it; undefined for anything else. */
  resumedCall(body: string): ResumedCall | undefined {
    if (!body.startsWith('<... ') || body.indexOf('\x1b') >= 0) return undefined;
    const parts = resumedParts(body, 0);
    return parts === undefined ? undefined : { resumed: parts.name, text: body, rest: detachBytes(parts.rest) };
  }

  /**
   * A line whose text after the leader is `call` (from resumedCall): exactly what lineAt does with it.
   * `line` gives the whole line, for a warning.
   */
  resumedLine(lineNo: number, pid: number | undefined, call: ResumedCall, line: () => string): void {
    this.resume(call.resumed, call.rest, pid ?? this.defaultPid, lineNo, line, call);
    this.tipsLines = 0;
  }

  /**
   * The call a resumed line (text `call`, from resumedCall) completes, when resumedLine would emit that
   * call's event and nothing else: its task's own pending half has that name, no line of that task is
   * open, and the two halves' texts were joined before into a complete call. The pending half is then
   * taken as resumedLine takes it, and the event is the caller's to hand on (counted as takeCalls
   * counts). Undefined, with nothing changed, for anything else: resumedLine must then take the line.
   */
  takeResumedCall(pid: number | undefined, call: ResumedCall): CompleteCall | undefined {
    const key = pid ?? this.defaultPid ?? NO_PID;
    if (this.partial !== undefined && this.partial.key === key) return undefined;
    const own = this.pending.get(key);
    if (own === undefined || own.name !== call.resumed || own.from === undefined) return undefined;
    const joined = own.from.merges.get(call);
    if (joined === undefined || 'incomplete' in joined) return undefined;
    this.pending.delete(key);
    this.stats.merged++;
    return joined;
  }

  /**
   * True when callLine for a task with leader pid `pid` would emit the call's event and nothing else:
   * that task has no call pending and left no line open. Then takeCalls may stand for such calls.
   */
  quietFor(pid: number | undefined): boolean {
    const key = pid ?? this.defaultPid ?? NO_PID;
    return (this.partial === undefined || this.partial.key !== key) && (this.pending.size === 0 || !this.pending.has(key));
  }

  /** What callLine leaves in this parser for `count` calls that were each quietFor their task, when their events are handed on in bulk. */
  takeCalls(count: number): void {
    if (count === 0) return;
    this.tipsLines = 0;
    this.stats.syscalls += count;
  }

  /** Flushes what is still open: a cut line, calls that never resumed. */
  end(): void {
    if (this.partial) this.abandonPartial();
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

  private findSplicedMessage(text: string): number {
    const at = text.indexOf('strace: ', 1);
    if (at < 0) return -1;
    let start = at;
    // strace's argv[0] may be a path: `/usr/bin/strace: Process 1 attached`.
    while (start > 0 && text.charCodeAt(start - 1) === 47) {
      const slash = text.lastIndexOf(' ', start - 1);
      const token = text.slice(slash + 1, start);
      if (!/^(?:\/[\w.-]+)+\/$/.test(token)) break;
      start = slash + 1;
    }
    if (!MESSAGE_LINE.test(text.slice(start, start + 64))) return -1;
    return start;
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
    const body = parseLeader(text);
    if (body < 0) return this.parseLeaderless(text, lineNo);
    const pid = leaderPid ?? this.defaultPid;
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
    let result = close < 0 ? undefined : this.result(text, close + 1);
    if (result === undefined) {
      close = resultParenFromRight(text, argsStart);
      if (close > 0) result = this.result(text, close + 1);
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
    this.completeLines.set(detachBytes(body), { name, argsText: detachBytes(argsText), result: shareResult(result) });
  }

  /** ` = RETVAL …` after the closing parenthesis, or undefined when the text there is not a result. */
  private result(text: string, after: number): SyscallResult | undefined {
    let i = after;
    if (text.charCodeAt(i) !== 32) return undefined;
    while (text.charCodeAt(i) === 32) i++;
    if (text.charCodeAt(i) !== 61 || text.charCodeAt(i + 1) !== 32) return undefined;
    i += 2;
    const code = text.charCodeAt(i);
    if (code === 63) {
      const rest = text.slice(i + 1).trim();
      if (rest.startsWith('ERESTART') || rest.startsWith('EINTR')) {
        const space = rest.indexOf(' ');
        return { kind: 'unknown', reason: space < 0 ? rest : rest.slice(0, space) };
      }
      if (rest.startsWith('<unavailable>')) return { kind: 'unknown', reason: 'unavailable' };
      return { kind: 'unknown', reason: '?' };
    }
    if (code === 45 && text.charCodeAt(i + 1) === 49 && text.charCodeAt(i + 2) === 32) {
      const errStart = i + 3;
      let j = errStart;
      if (text.charCodeAt(j) === 69) {
        while (j < text.length) {
          const c = text.charCodeAt(j);
          if ((c >= 65 && c <= 90) || isDigit(c) || c === 95) j++;
          else break;
        }
        return { kind: 'error', errno: text.slice(errStart, j) };
      }
      if (text.startsWith('(errno ', errStart)) return { kind: 'error', errno: 'EUNKNOWN' };
    }
    if (!(isDigit(code) || code === 45)) return undefined;
    let j = i + 1;
    const end = text.length;
    while (j < end) {
      const c = text.charCodeAt(j);
      if (c === 32 || c === 60) break;
      j++;
    }
    const value = text.slice(i, j);
    if (text.charCodeAt(j) === 60) {
      const decorationEnd = skipDecoration(text, j, end);
      if (decorationEnd > 0) {
        // Common case: a plain absolute path with nothing to unescape and no device note.
        if (text.charCodeAt(j + 1) === 47 && text.charCodeAt(decorationEnd) !== 40) {
          const inner = text.slice(j + 1, decorationEnd - 1);
          if (inner.indexOf('\\') < 0 && inner.indexOf('<') < 0 && !inner.endsWith(' (deleted)')) {
            return { kind: 'ok', value, fdPath: detachBytes(inner) };
          }
        }
        let fdEnd = decorationEnd;
        if (text.startsWith('(deleted)', fdEnd)) fdEnd += 9;
        const fd = parseFdArg(text.slice(i, fdEnd));
        if (fd.path !== undefined) return { kind: 'ok', value, fdPath: fd.path };
      }
    }
    return { kind: 'ok', value };
  }

  private resumed(text: string, body: number, pid: number | undefined, lineNo: number): Status {
    const parts = resumedParts(text, body);
    if (parts === undefined) return Status.Foreign;
    this.resume(parts.name, parts.rest, pid, lineNo, () => text, undefined);
    return Status.Handled;
  }

  /**
   * The resumed half of `name` for task `pid`, joined to its pending half. When both halves' texts were
   * taken once for all their lines (`resumed`, and the pending call's `from`), the call they make is kept
   * with the unfinished half: the joined text is then parsed once for every pair of texts.
   */
  private resume(name: string, rest: string, pid: number | undefined, lineNo: number, line: () => string, resumed: ResumedCall | undefined): void {
    const key = pid ?? NO_PID;
    const call = this.takePending(key, name);
    if (!call) {
      this.warn(lineNo, `resumed ${name} without its start (log began mid-call or lost it)`, line());
      return;
    }
    this.beforeTaskEvent(key);
    const from = resumed !== undefined ? call.from : undefined;
    let joined = from?.merges.get(resumed!);
    if (joined === undefined) {
      joined = this.join(call.body, name, rest);
      if (from !== undefined) {
        if ('result' in joined) joined = { name: joined.name, argsText: detachBytes(joined.argsText), result: shareResult(joined.result) };
        from.merges.set(resumed!, joined);
      }
    }
    if ('incomplete' in joined) {
      this.warn(lineNo, `resumed ${name} does not complete the call started on line ${call.line}`, joined.incomplete);
      return;
    }
    this.stats.merged++;
    this.emitSyscall(lineNo, pid ?? call.pid, name, joined.argsText, joined.result);
  }

  /** The call a pending half's text and a resumed half's make together, or their joined text when they make none. */
  private join(body: string, name: string, rest: string): CompleteCall | { incomplete: string } {
    const merged = body + rest;
    const argsStart = name.length + 1;
    let close = closingParen(merged, argsStart);
    let result = close < 0 ? undefined : this.result(merged, close + 1);
    if (result === undefined) {
      close = resultParenFromRight(merged, argsStart);
      if (close > 0) result = this.result(merged, close + 1);
    }
    if (result === undefined) return { incomplete: merged };
    return { name, argsText: merged.slice(argsStart, close), result };
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
    const body = parseLeader(partial.original);
    const pid = leaderPid ?? this.defaultPid;
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

/** `<... name resumed>rest` from `body` on: the name and the text to join to the pending half. */
function resumedParts(text: string, body: number): { name: string; rest: string } | undefined {
  const markAt = text.indexOf(RESUMED_MARK, body + 5);
  if (markAt < 0) return undefined;
  const name = text.slice(body + 5, markAt);
  let rest = text.slice(markAt + RESUMED_MARK.length);
  // strace < 5.0 printed a space after the marker (§5.2).
  if (rest.charCodeAt(0) === 32 && rest.charCodeAt(1) !== 32) rest = rest.slice(1);
  // The task died or exec'd while blocked and strace had more to print: `<unfinished ...>) = ?`.
  if (rest.startsWith('<unfinished ...>')) rest = rest.slice(16);
  return { name, rest };
}

/**
 * True when `text` starts like a strace line (leader then a syscall, resumed half, `+++`/`---` line or a
 * strace message). Used to sniff the input form; emits nothing.
 */
export function looksLikeStrace(text: string): boolean {
  if (MESSAGE_LINE.test(text)) return true;
  const body = parseLeader(text);
  if (body < 0) return false;
  if (text.startsWith('<... ', body) || text.startsWith('+++ ', body) || text.startsWith('--- ', body)) return true;
  return /^(?:[a-z_][a-z0-9_]*|\?\?\?)\(/.test(text.slice(body, body + 64));
}

