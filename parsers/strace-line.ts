/**
 * The grammar of one strace line, as pure functions of its text: the leader (pid, timestamps, syscall
 * number, instruction pointer, security context), a call's name and depth-0 closing parenthesis, the
 * ` = ` result, and the resumed half's marker. The streaming parser (strace.ts) keeps the state.
 */
import type { CompleteCall, SyscallResult } from './events.js';
import { detachBytes, parseFdArg, skipDecoration } from './strings.js';

/** Warnings quote at most this much of the offending text. */
export const WARNING_TEXT_MAX = 200;
/** The largest pid Linux hands out; a bigger bare number at line start is a `unix,precision:s` timestamp. */
export const PID_MAX = 4194304;

export const UNFINISHED_MARK = ' <unfinished ...>';
export const DETACHED_MARK = ' <detached ...>';
export const RESUMED_MARK = ' resumed>';

export const SUMMARY_ROW = /^\s*\d+\.\d+\s+\d+(?:\.\d+)?\s+\d+\s+\d+(?:\s+\d+)?\s+[\w?]+\s*$/;
export const SUMMARY_HEADER = /^%?\s*time\s+seconds\s+usecs\/call\s+calls\s+/;
export const SUMMARY_RULE = /^-{6} -{6,}/;
export const MESSAGE_LINE = /^(?:\S*strace: |Process \d+ (?:attached|detached)|Detached unknown pid)/;
export const MESSAGE_PID = /Process (\d+) (?:attached|detached)/;
export const PID_CHANGED = / <pid changed to (\d+) \.\.\.>$/;
export const PERSONALITY = /^\[ Process PID=(\d+) runs in .* mode\. \]$/;
export const TIPS_EDGE = /^\s*_{8,}(?:\s|$)/;
/** The tips box (and the art beside it) is a couple of dozen lines; past that, foreign text is warned again. */
export const TIPS_MAX_LINES = 40;
export const RESULT_AFTER_PAREN = /^ +=  ?(?:-?\d|\?|0x)/;
export const ANSI_SGR = /\x1b\[[0-9;]*m/g;

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

export function isNameChar(code: number): boolean {
  return (code >= 97 && code <= 122) || isDigit(code) || code === 95;
}

/** Index of the `"` closing the string opened at `open`, skipping escaped quotes with native searches. */
export function stringEnd(text: string, open: number): number {
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
export function closingParen(text: string, from: number): number {
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

export function indexOrNone(text: string, char: string, from: number, none: number): number {
  const at = text.indexOf(char, from);
  return at < 0 ? none : at;
}

/** What parseLeader found besides where the body starts: the pid from the prefix, undefined when none. */
export interface Leader {
  pid: number | undefined;
}

/**
 * Skips the leader (§3 of the format notes): pid prefix, SELinux context, timestamps, syscall number,
 * instruction pointer. Returns where the body starts (or -1) and leaves the pid in `leader`.
 */
export function parseLeader(text: string, leader: Leader): number {
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
  leader.pid = pid;
  return i;
}

/** `[ 257]`/`[???]` (-n), `[00007f0e85092b1d]` (-i), `[system_u:system_r:…]` (--secontext). */
export const LEADER_BRACKET = /^(?: *\d+|\?+|[0-9a-f?]{8,16}|[^\s\]]*:[^\s\]]*)$/;

export function skipComm(text: string, lt: number): number {
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
export function resultParenFromRight(text: string, argsStart: number): number {
  let candidate = text.lastIndexOf(')');
  for (let tries = 0; candidate >= argsStart && tries < 32; tries++) {
    if (RESULT_AFTER_PAREN.test(text.slice(candidate + 1, candidate + 64))) return candidate;
    candidate = text.lastIndexOf(')', candidate - 1);
  }
  return -1;
}

export function warningText(text: string): string {
  return detachBytes(text.length > WARNING_TEXT_MAX ? text.slice(0, WARNING_TEXT_MAX) + '...' : text);
}


/** ` = RETVAL …` after the closing parenthesis, or undefined when the text there is not a result. */
export function parseResult(text: string, after: number): SyscallResult | undefined {
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


export function splicedMessageAt(text: string): number{
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

/** The call a pending half's text and a resumed half's make together, or their joined text when they make none. */
export function joinHalves(body: string, name: string, rest: string): CompleteCall | { incomplete: string }{
  const merged = body + rest;
  const argsStart = name.length + 1;
  let close = closingParen(merged, argsStart);
  let result = close < 0 ? undefined : parseResult(merged, close + 1);
  if (result === undefined) {
    close = resultParenFromRight(merged, argsStart);
    if (close > 0) result = parseResult(merged, close + 1);
  }
  if (result === undefined) return { incomplete: merged };
  return { name, argsText: merged.slice(argsStart, close), result };
}


/** `<... name resumed>rest` from `body` on: the name and the text to join to the pending half. */
export function resumedParts(text: string, body: number): { name: string; rest: string } | undefined {
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
  const body = parseLeader(text, { pid: undefined });
  if (body < 0) return false;
  if (text.startsWith('<... ', body) || text.startsWith('+++ ', body) || text.startsWith('--- ', body)) return true;
  return /^(?:[a-z_][a-z0-9_]*|\?\?\?)\(/.test(text.slice(body, body + 64));
}
