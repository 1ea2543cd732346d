/**
 * Lexical helpers for strace argument text. Everything here works on byte strings (see ./events.ts):
 * one JS char per input byte, so decoding escapes yields the exact bytes the tracee passed.
 */
import type { ByteString } from './events.js';

export type { ByteString };

const BACKSLASH = 92;

/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 slices point into their
 * parent, so a path kept from a line would otherwise keep the whole input chunk alive. The text is
 * joined from two pieces and read at once, which makes V8 flatten the join into a fresh string of the
 * text's own size; the collector then drops the join's header. (A slice of such a copy, as before,
 * kept a 32-byte slice header and the copy for every path: 8 % of the live heap on a million paths.)
 * Shorter texts are copied by slice() itself.
 */
export function detachBytes(text: ByteString): ByteString {
  if (text.length < 13) return text;
  const copy = text.slice(0, 1) + text.slice(1);
  // Compared, not just read: a read whose value is unused could be dropped by the optimiser, and an
  // unflattened join would hold the input chunk through its second piece.
  return copy.charCodeAt(0) === text.charCodeAt(0) ? copy : text;
}
const QUOTE = 34;

/** Values of the single-letter C escapes strace (and the `-x` modes) print. */
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\x08',
  f: '\x0c',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\x0b',
  '\\': '\\',
  '"': '"',
  "'": "'",
  '?': '?',
};

function isOctalDigit(code: number): boolean {
  return code >= 48 && code <= 55;
}

function hexValue(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 102) return code - 87;
  if (code >= 65 && code <= 70) return code - 55;
  return -1;
}

/**
 * Decodes strace escapes in `text[start, end)`. Octal takes 1–3 digits (strace pads to 3 only when a digit
 * follows, so greedy C decoding is exact); `\x` takes exactly 2 hex digits. An escape we do not know keeps
 * its character, which is what a C compiler would do too.
 */
function unescapeRange(text: string, start: number, end: number): ByteString {
  const firstEscape = text.indexOf('\\', start);
  if (firstEscape < 0 || firstEscape >= end) return detachBytes(text.slice(start, end));
  let out = text.slice(start, firstEscape);
  let i = firstEscape;
  while (i < end) {
    if (text.charCodeAt(i) !== BACKSLASH) {
      let next = text.indexOf('\\', i);
      if (next < 0 || next > end) next = end;
      out += text.slice(i, next);
      i = next;
      continue;
    }
    if (i + 1 >= end) {
      // A lone trailing backslash: keep it rather than lose a byte.
      out += '\\';
      break;
    }
    const escape = text.charCodeAt(i + 1);
    if (isOctalDigit(escape)) {
      let value = escape - 48;
      let j = i + 2;
      while (j < end && j < i + 4 && isOctalDigit(text.charCodeAt(j))) {
        value = value * 8 + (text.charCodeAt(j) - 48);
        j++;
      }
      out += String.fromCharCode(value & 0xff);
      i = j;
      continue;
    }
    if (escape === 120 /* x */ && i + 3 < end) {
      const high = hexValue(text.charCodeAt(i + 2));
      const low = hexValue(text.charCodeAt(i + 3));
      if (high >= 0 && low >= 0) {
        out += String.fromCharCode(high * 16 + low);
        i += 4;
        continue;
      }
    }
    out += SIMPLE_ESCAPES[text[i + 1]] ?? text[i + 1];
    i += 2;
  }
  // The pieces copied above are slices of the line; flatten so the result does not keep it alive.
  return detachBytes(out);
}

/** strace escapes without surrounding quotes, as inside `<…>` fd decorations (where `\74`/`\76` are `<`/`>`). */
export function unescapeBytes(text: string): ByteString {
  return unescapeRange(text, 0, text.length);
}

/** Index of the `"` closing the string opened at `openQuote`, or -1 when the string never closes. */
export function findClosingQuote(text: string, openQuote: number, end = text.length): number {
  let i = openQuote + 1;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) return i;
    i += code === BACKSLASH ? 2 : 1;
  }
  return -1;
}

/**
 * One argument as printed (`"/etc/passwd"`, `"\x2f\x65"`, `"aaa"...`) → its bytes. `truncated` marks the
 * `...` strace appends when it cut the string. Anything else (NULL, an address, AT_FDCWD) → undefined.
 */
export function decodeQuoted(text: string): { bytes: ByteString; truncated: boolean } | undefined {
  if (text.charCodeAt(0) !== QUOTE) return undefined;
  const close = findClosingQuote(text, 0);
  if (close < 0) return undefined;
  const tail = text.length - close - 1;
  let truncated = false;
  if (tail !== 0) {
    if (tail === 3 && text.endsWith('...')) truncated = true;
    else return undefined;
  }
  return { bytes: unescapeRange(text, 1, close), truncated };
}

/** `N<` starts a decoration unless another `<` follows (`1<<CAP_SYS_CHROOT` is a shift). */
function startsDecoration(text: string, lt: number): boolean {
  if (lt === 0 || text.charCodeAt(lt + 1) === 60) return false;
  const before = text.charCodeAt(lt - 1);
  // A digit (fd) or the D of AT_FDCWD.
  return (before >= 48 && before <= 57) || (before === 68 && text.startsWith('AT_FDCWD', lt - 8));
}

const SOCKET_DETAIL = /^[A-Z][A-Za-z0-9-]*:\[/;

/**
 * `indexOf` that remembers its last answer for the same text, so the searches made for each of a line's
 * decorations add up to one pass over the line instead of one pass per decoration.
 */
class NextIndex {
  private text = '';
  private from = 0;
  private at = -1;

  constructor(private readonly char: string) {}

  find(text: string, from: number): number {
    if (text === this.text && from >= this.from && (this.at < 0 || this.at >= from)) return this.at;
    this.text = text;
    this.from = from;
    this.at = text.indexOf(this.char, from);
    return this.at;
  }
}

const nextLt = new NextIndex('<');
const nextBackslash = new NextIndex('\\');

/** For `-yy` socket details (`TCP:[…]`, `UNIX-STREAM:[…]`) starting at `i`: the index after `:[`, else -1. */
function socketDetailStart(text: string, i: number, end: number): number {
  let code = text.charCodeAt(i);
  if (code < 65 || code > 90) return -1;
  const limit = Math.min(end, i + 32);
  for (let j = i + 1; j < limit; j++) {
    code = text.charCodeAt(j);
    if (code === 58) return text.charCodeAt(j + 1) === 91 ? j + 2 : -1;
    const ok = (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45;
    if (!ok) return -1;
  }
  return -1;
}

/**
 * Index just past the `>` closing the decoration opened at `lt`, or -1. Nested `<…>` (device numbers) and
 * escapes are honoured; `-yy` socket details are not escaped and may hold a literal `->`, so they are skipped
 * to their matching `]`.
 */
export function skipDecoration(text: string, lt: number, end = text.length): number {
  let i = lt + 1;
  const detailStart = socketDetailStart(text, i, end);
  if (detailStart > 0) {
    i = detailStart;
    let depth = 1;
    while (i < end && depth > 0) {
      const code = text.charCodeAt(i);
      if (code === QUOTE) {
        const close = findClosingQuote(text, i, end);
        if (close < 0) return -1;
        i = close + 1;
        continue;
      }
      if (code === 91) depth++;
      else if (code === 93) depth--;
      i++;
    }
    if (depth !== 0 || text.charCodeAt(i) !== 62) return -1;
    return i + 1;
  }
  // Common case, `3</usr/lib/libc.so.6>`: nothing nested or escaped before the first `>`.
  const gt = text.indexOf('>', i);
  if (gt < 0 || gt >= end) return -1;
  const nested = nextLt.find(text, i);
  const escape = nextBackslash.find(text, i);
  if ((nested < 0 || nested > gt) && (escape < 0 || escape > gt)) return gt + 1;
  let depth = 1;
  while (i < end) {
    const code = text.charCodeAt(i);
    if (code === BACKSLASH) {
      i += 2;
      continue;
    }
    if (code === 60) depth++;
    else if (code === 62 && --depth === 0) return i + 1;
    i++;
  }
  return -1;
}

/**
 * Splits a syscall's argument text at top-level commas. Honours strings, `{}` `[]` `()` nesting, fd
 * decorations and comments, so `makedev(0x1, 0x3)` or `"a, b"` stay whole. Each argument is trimmed.
 */
export function splitArgs(argsText: string): string[] {
  const args: string[] = [];
  const end = argsText.length;
  let depth = 0;
  let start = 0;
  let i = 0;
  while (i < end) {
    const code = argsText.charCodeAt(i);
    switch (code) {
      case QUOTE: {
        const close = findClosingQuote(argsText, i, end);
        i = close < 0 ? end : close + 1;
        continue;
      }
      case 123: // {
      case 91: // [
      case 40: // (
        depth++;
        break;
      case 125:
      case 93:
      case 41:
        if (depth > 0) depth--;
        break;
      case 60: // <
        if (startsDecoration(argsText, i)) {
          const after = skipDecoration(argsText, i, end);
          if (after > 0) {
            i = after;
            continue;
          }
        }
        break;
      case 47: // /
        if (argsText.charCodeAt(i + 1) === 42) {
          const close = argsText.indexOf('*/', i + 2);
          i = close < 0 ? end : close + 2;
          continue;
        }
        break;
      case 44: // ,
        if (depth === 0) {
          args.push(argsText.slice(start, i).trim());
          start = i + 1;
        }
        break;
    }
    i++;
  }
  const last = argsText.slice(start).trim();
  if (last !== '' || args.length > 0) args.push(last);
  return args;
}

const DELETED_SUFFIX = ' (deleted)';

/**
 * A dirfd/fd argument: `3`, `3</etc>`, `AT_FDCWD</srv>`, `-100</srv>` (raw), `-100 /* AT_FDCWD *\/`
 * (verbose), `3</a/gone>(deleted)`, `6</dev/null<char 1:3>>`. `path` is set only when the decoration names
 * a file system path (sockets, pipes and anon inodes do not). Older strace and the AT_FDCWD decoration put
 * the kernel's ` (deleted)` inside the brackets; it is stripped and reported as `deleted` either way.
 */
export function parseFdArg(arg: string): { fd: number | 'AT_FDCWD' | undefined; path?: ByteString; deleted?: boolean } {
  const text = arg.trim();
  const lt = text.indexOf('<');
  let head = lt < 0 ? text : text.slice(0, lt);
  const comment = head.indexOf('/*');
  if (comment >= 0) head = head.slice(0, comment);
  head = head.trim();
  let fd: number | 'AT_FDCWD' | undefined;
  if (head === 'AT_FDCWD' || head === '-100' || head === '0xffffff9c') fd = 'AT_FDCWD';
  else if (/^-?\d+$/.test(head)) fd = Number(head);
  else return { fd: undefined };
  if (lt < 0) return { fd };
  const after = skipDecoration(text, lt);
  if (after < 0) return { fd };
  let inner = text.slice(lt + 1, after - 1);
  // `/dev/null<char 1:3>`: the device note is a nested decoration after the path.
  const nested = inner.lastIndexOf('<');
  if (nested > 0 && inner.endsWith('>') && inner.charCodeAt(nested - 1) !== BACKSLASH) {
    inner = inner.slice(0, nested);
  }
  if (SOCKET_DETAIL.test(inner)) return { fd };
  let path = unescapeBytes(inner);
  if (path.charCodeAt(0) !== 47) return { fd };
  let deleted = text.slice(after).trim().startsWith('(deleted)');
  if (path.endsWith(DELETED_SUFFIX)) {
    path = path.slice(0, -DELETED_SUFFIX.length);
    deleted = true;
  }
  return deleted ? { fd, path, deleted } : { fd, path };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function hexByte(code: number): string {
  return '\\x' + code.toString(16).padStart(2, '0');
}

/**
 * A byte string shown to a person: UTF-8 when the bytes are valid UTF-8, otherwise each byte that is not
 * printable ASCII as `\xHH`. Control characters are always escaped so a path cannot break a terminal line.
 */
export function bytesToDisplay(b: ByteString): string {
  let plain = true;
  for (let i = 0; i < b.length; i++) {
    const code = b.charCodeAt(i);
    if (code < 0x20 || code >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return b;
  let decoded: string | undefined;
  try {
    decoded = utf8.decode(Buffer.from(b, 'latin1'));
  } catch {
    decoded = undefined;
  }
  let out = '';
  if (decoded !== undefined) {
    for (const ch of decoded) {
      const code = ch.codePointAt(0)!;
      out += code < 0x20 || code === 0x7f ? hexByte(code) : ch;
    }
    return out;
  }
  for (let i = 0; i < b.length; i++) {
    const code = b.charCodeAt(i);
    out += code < 0x20 || code >= 0x7f ? hexByte(code) : b[i];
  }
  return out;
}
