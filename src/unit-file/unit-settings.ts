/**
 * A unit file's text as systemd reads it: `Key=Value` assignments with continuation lines joined and
 * `systemctl cat` file headers followed, words split as systemd splits path lists, and the effective
 * [Service] settings (the last assignment wins, an empty one resets a list).
 */
import { EXEC_KINDS, isCatFileHeader, type ExecKind } from './unitfile.js';

/** One `Key=Value` line of a unit file, after joining continuation lines. */
export interface Assignment {
  file: string;
  /** Line number in `file` (1-based) where the assignment starts. */
  line: number;
  section: string;
  key: string;
  value: string;
}

/**
 * The assignments of one unit file, or of `systemctl cat` output (a fragment and its drop-ins, each
 * after a `# /path` header line). Leading whitespace is stripped as systemd strips it.
 */
export function parseUnitText(text: string, file: string): Assignment[] {
  const out: Assignment[] = [];
  let section = '';
  let currentFile = file;
  let fileLine = 0;
  let previousBlank = true;
  let pending: { value: string; line: number } | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let raw = lines[i];
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    fileLine++;
    const trimmed = raw.trim();
    if (pending === undefined && isCatFileHeader(raw) && previousBlank && text.startsWith('# /')) {
      // systemctl cat: a new file starts; its first line is the one after the header.
      currentFile = raw.slice(2).trim();
      fileLine = 0;
      section = '';
      previousBlank = false;
      continue;
    }
    previousBlank = trimmed === '';
    if (pending !== undefined) {
      if (/^[#;]/.test(trimmed)) continue;
      const joined = pending.value + raw.trimStart();
      if (joined.endsWith('\\')) {
        pending = { value: joined.slice(0, -1) + ' ', line: pending.line };
        continue;
      }
      push(joined, pending.line);
      pending = undefined;
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      section = trimmed.slice(1, -1);
      continue;
    }
    if (trimmed.endsWith('\\')) {
      pending = { value: trimmed.slice(0, -1) + ' ', line: fileLine };
      continue;
    }
    push(trimmed, fileLine);
  }
  if (pending !== undefined) push(pending.value, pending.line);
  return out;

  function push(text: string, line: number): void {
    const eq = text.indexOf('=');
    if (eq <= 0) return;
    out.push({ file: currentFile, line, section, key: text.slice(0, eq).trim(), value: text.slice(eq + 1).trim() });
  }
}

/** A word of a path-list setting with where it was written. */
export interface ListWord {
  word: string;
  at: Assignment;
}

/** Unquoted, whitespace-separated words, as systemd's extract_first_word reads path lists. */
export function splitWords(value: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let inWord = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (quote === undefined && /\s/.test(c)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === '\\' && i + 1 < value.length) {
      current += value[++i];
    } else if (quote !== undefined && c === quote) {
      quote = undefined;
    } else if (quote === undefined && (c === '"' || c === "'")) {
      quote = c;
    } else {
      current += c;
    }
  }
  if (inWord) words.push(current);
  return words;
}

export const TRUE_WORDS = /^(1|yes|y|true|t|on)$/i;

/** The effective settings of a unit's [Service] section, with where each came from. */
export class UnitSettings {
  readonly service: Assignment[];
  constructor(readonly assignments: Assignment[]) {
    this.service = assignments.filter((a) => a.section === 'Service');
  }

  /** The last assignment of a single-valued setting. */
  last(key: string): Assignment | undefined {
    for (let i = this.service.length - 1; i >= 0; i--) if (this.service[i].key === key) return this.service[i];
    return undefined;
  }

  bool(key: string): boolean {
    const a = this.last(key);
    return a !== undefined && TRUE_WORDS.test(a.value);
  }

  /** A list setting: words accumulate, an empty assignment resets the list. */
  list(key: string): ListWord[] {
    let words: ListWord[] = [];
    for (const a of this.service) {
      if (a.key !== key) continue;
      if (a.value === '') words = [];
      else words.push(...splitWords(a.value).map((word) => ({ word, at: a })));
    }
    return words;
  }

  /** The assignments of a list setting in effect: an empty one resets those before it. */
  listAssignments(key: string): Assignment[] {
    let out: Assignment[] = [];
    for (const a of this.service) {
      if (a.key !== key) continue;
      if (a.value === '') out = [];
      else out.push(a);
    }
    return out;
  }

  /** Exec*= lines in effect, with the same reset rule. */
  exec(): { kind: ExecKind; at: Assignment }[] {
    const lists = new Map<ExecKind, Assignment[]>();
    for (const a of this.service) {
      if (!(EXEC_KINDS as readonly string[]).includes(a.key)) continue;
      const kind = a.key as ExecKind;
      if (a.value === '') lists.set(kind, []);
      else lists.set(kind, [...(lists.get(kind) ?? []), a]);
    }
    return EXEC_KINDS.flatMap((kind) => (lists.get(kind) ?? []).map((at) => ({ kind, at })));
  }
}
