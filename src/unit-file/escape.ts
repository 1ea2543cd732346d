/**
 * Writing paths into `BindReadOnlyPaths=`/`BindPaths=` so that systemd reads back exactly the same bytes.
 *
 * How systemd 252 reads such a value (src/core/load-fragment.c, config_parse_bind_paths, and
 * src/basic/extract-word.c), checked against this host's `systemd-analyze verify`:
 * - The config parser drops the whole assignment when the line is not valid UTF-8 ("String is not UTF-8
 *   clean"), and bind paths have no escape that produces a raw byte: a non-UTF-8 path cannot be written.
 * - Words are split at whitespace and at `:` (source:destination:options). `"…"` and `'…'` quote, may
 *   start anywhere in a word and concatenate with what surrounds them.
 * - In 252 a backslash makes any following character literal (`\n` is `n`; there are no C escapes).
 *   Newer releases only accept a backslash before a separator or a backslash (`\"` becomes an error), so
 *   quote characters are written inside the other kind of quotes, which both read the same way.
 * - A line ending in a backslash continues on the next line, and trailing whitespace is stripped before
 *   that, so whitespace is quoted rather than backslash-escaped.
 * - After unquoting, `%` starts a specifier (`%b` is the boot id): a literal `%` is `%%`.
 * - Then a leading `-` means "ignore a missing source"; the path must be absolute and normalised.
 * - A newline or carriage return ends the line (read_line): no value can contain one.
 */
import type { ByteString } from '../core/model.js';

const SEPARATORS = ':' + ' \t\n\r';
/** Linux PATH_MAX includes the terminating NUL; systemd's path_is_valid() applies it. */
const PATH_MAX = 4096;
const NAME_MAX = 255;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The UTF-8 text a byte string spells, or undefined when it is not valid UTF-8. */
export function decodeUtf8Bytes(bytes: ByteString): string | undefined {
  try {
    return utf8.decode(Buffer.from(bytes, 'latin1'));
  } catch {
    return undefined;
  }
}

export function encodeUtf8Bytes(text: string): ByteString {
  return Buffer.from(text, 'utf8').toString('latin1');
}

export type EscapeResult = string | { error: string };

/** Why systemd would refuse this path as a bind source or destination, or undefined when it accepts it. */
export function bindPathProblem(path: ByteString): string | undefined {
  if (!path.startsWith('/')) return 'not an absolute path';
  if (/[\n\r]/.test(path)) return 'contains a line break, which a unit file line cannot hold';
  if (path.includes('\0')) return 'contains a NUL byte';
  if (decodeUtf8Bytes(path) === undefined) return 'not valid UTF-8: systemd ignores unit file lines that are not UTF-8 and has no escape for raw bytes';
  if (path.length > PATH_MAX - 1) return `longer than ${PATH_MAX - 1} bytes`;
  if (path !== '/') {
    const parts = path.slice(1).split('/');
    if (parts.some((part) => part === '' || part === '.')) return 'not normalised (empty or "." component)';
    if (parts.includes('..')) return 'contains "..", which systemd rejects';
    if (parts.some((part) => part.length > NAME_MAX)) return `has a component longer than ${NAME_MAX} bytes`;
  }
  return undefined;
}

/** Quotes and escapes valid UTF-8 text as one unit-file word; see the module comment for the rules. */
export function escapeUnitWord(text: string): string {
  let out = '';
  let whitespace = '';
  const flushWhitespace = () => {
    if (whitespace) out += '"' + whitespace + '"';
    whitespace = '';
  };
  for (const ch of text) {
    if (ch === ' ' || ch === '\t') {
      whitespace += ch;
      continue;
    }
    flushWhitespace();
    if (ch === '\\') out += '\\\\';
    else if (ch === ':') out += '\\:';
    else if (ch === '"') out += `'"'`;
    else if (ch === "'") out += `"'"`;
    else if (ch === '%') out += '%%';
    else out += ch;
  }
  flushWhitespace();
  return out;
}

/**
 * The text to put after `BindReadOnlyPaths=` / `BindPaths=` (without the `-` prefix) for `path`, or the
 * reason systemd cannot be told about it. The result is ordinary (decoded) text, to be written as UTF-8.
 */
export function escapeBindPath(path: ByteString): EscapeResult {
  const problem = bindPathProblem(path);
  if (problem !== undefined) return { error: problem };
  return escapeUnitWord(decodeUtf8Bytes(path)!);
}

export interface BindSpec {
  optional: boolean;
  source: ByteString;
  destination: ByteString;
  recursive: boolean;
}

interface Word {
  text: string;
  /** The separator that ended the word; undefined at the end of the value. */
  separator: string | undefined;
  next: number;
}

/** extract_first_word(…, ":" WHITESPACE, EXTRACT_UNQUOTE|EXTRACT_DONT_COALESCE_SEPARATORS) as in 252. */
function extractWord(value: string, start: number, separators: string): Word | { error: string } | undefined {
  let i = start;
  // Leading separators: without coalescing, one separator ends an empty word.
  if (i >= value.length) return undefined;
  let text = '';
  let quote: string | undefined;
  while (i < value.length) {
    const ch = value[i];
    if (ch === '\\') {
      if (i + 1 >= value.length) return { error: 'trailing backslash' };
      text += value[i + 1];
      i += 2;
      continue;
    }
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      else text += ch;
      i++;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      i++;
      continue;
    }
    if (separators.includes(ch)) return { text, separator: ch, next: i + 1 };
    text += ch;
    i++;
  }
  if (quote !== undefined) return { error: 'unbalanced quoting' };
  return { text, separator: undefined, next: value.length };
}

/**
 * `%%` → `%`; any other specifier is kept as written (it needs systemd to expand) and named in
 * `specifiers`, so a reader can tell a path from a template.
 */
function expandSpecifiers(word: string): { text: string; specifiers: string[] } {
  let text = '';
  const specifiers: string[] = [];
  for (let i = 0; i < word.length; i++) {
    if (word[i] !== '%') {
      text += word[i];
      continue;
    }
    if (word[i + 1] === '%') {
      text += '%';
      i++;
      continue;
    }
    specifiers.push('%' + (word[i + 1] ?? ''));
    text += word.slice(i, i + 2);
    i++;
  }
  return { text, specifiers };
}

/**
 * What systemd's path_simplify() makes of a path it reads: `//`, `/./` and a trailing `/` go (a `..`
 * stays, and is then refused as systemd refuses it).
 */
function simplifyPath(path: ByteString): ByteString {
  if (!path.startsWith('/')) return path;
  const parts = path.split('/').filter((part) => part !== '' && part !== '.');
  return '/' + parts.join('/');
}

function checkedPath(word: string, what: string, templated: boolean): ByteString | { error: string } {
  const bytes = simplifyPath(encodeUtf8Bytes(word));
  // A path with specifiers is only known once systemd expands them: its shape cannot be judged here.
  if (templated) return bytes;
  const problem = bindPathProblem(bytes);
  return problem === undefined ? bytes : { error: `${what} ${problem}` };
}

/** One bind of a `BindPaths=` value as systemd reads it, with the specifiers it would expand. */
export interface ReadBind extends BindSpec {
  /** Specifiers other than `%%` in source or destination (`%n`): the paths are templates, not paths. */
  specifiers: string[];
  /** The bind as it stands in the value, escapes and all. */
  written: string;
}

/**
 * Reads a `BindPaths=`/`BindReadOnlyPaths=` value the way systemd 252 does: the inverse of
 * escapeBindPath, plus source:destination:options and specifiers (kept, and listed in `specifiers`).
 */
export function readBindPaths(value: string): ReadBind[] | { error: string } {
  const specs: ReadBind[] = [];
  let pos = 0;
  for (;;) {
    const start = pos;
    const sourceWord = extractWord(value, pos, SEPARATORS);
    if (sourceWord === undefined) break;
    if ('error' in sourceWord) return sourceWord;
    pos = sourceWord.next;
    if (sourceWord.text === '' && sourceWord.separator !== ':') continue;
    const expanded = expandSpecifiers(sourceWord.text);
    const specifiers = [...expanded.specifiers];
    let sourceText = expanded.text;
    const optional = sourceText.startsWith('-');
    if (optional) sourceText = sourceText.slice(1);
    const source = checkedPath(sourceText, 'source', expanded.specifiers.length > 0);
    if (typeof source !== 'string') return source;
    let destination = source;
    let recursive = true;
    if (sourceWord.separator === ':') {
      const destWord = extractWord(value, pos, SEPARATORS);
      if (destWord === undefined || 'error' in destWord) return destWord ?? { error: 'missing destination' };
      pos = destWord.next;
      const destExpanded = expandSpecifiers(destWord.text);
      specifiers.push(...destExpanded.specifiers);
      const dest = checkedPath(destExpanded.text, 'destination', destExpanded.specifiers.length > 0);
      if (typeof dest !== 'string') return dest;
      destination = dest;
      if (destWord.separator === ':') {
        const optionsWord = extractWord(value, pos, ' \t\n\r');
        if (optionsWord !== undefined) {
          if ('error' in optionsWord) return optionsWord;
          pos = optionsWord.next;
          if (optionsWord.text === 'norbind') recursive = false;
          else if (optionsWord.text !== '' && optionsWord.text !== 'rbind') {
            return { error: `unknown bind option ${optionsWord.text}` };
          }
        }
      }
    }
    specs.push({ optional, source, destination, recursive, specifiers, written: value.slice(start, pos).replace(/[\s:]+$/, '') });
  }
  return specs;
}

/**
 * Reads a `BindPaths=` value back the way systemd 252 does, for the syntax this module writes: only
 * `%%`, never another specifier, so that tests can check what the escaping produces.
 */
export function parseBindPaths(value: string): BindSpec[] | { error: string } {
  const read = readBindPaths(value);
  if ('error' in read) return read;
  const templated = read.find((spec) => spec.specifiers.length > 0);
  if (templated !== undefined) return { error: `specifier ${templated.specifiers[0]} is not supported here` };
  return read.map(({ optional, source, destination, recursive }) => ({ optional, source, destination, recursive }));
}

/** A bind as it must be written after `BindPaths=` (escaped, `-` when optional, `:DEST` when elsewhere). */
export function bindWord(source: ByteString, destination: ByteString, optional: boolean): EscapeResult {
  const from = escapeBindPath(source);
  if (typeof from !== 'string') return from;
  if (destination === source) return (optional ? '-' : '') + from;
  const to = escapeBindPath(destination);
  if (typeof to !== 'string') return to;
  return `${optional ? '-' : ''}${from}:${to}`;
}

/** Comment text: one line, control characters shown as escapes so nothing can end the comment early. */
export function commentText(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]/g, (ch) => '\\x' + ch.charCodeAt(0).toString(16).padStart(2, '0'));
}
