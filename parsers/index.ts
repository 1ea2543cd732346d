/**
 * Entry point for trace input of any supported form. The form (plain strace text, journalctl short text,
 * journalctl JSON) is sniffed from the first lines that are decisive; lines seen before the decision are
 * replayed, so nothing is lost and line numbers stay those of the input.
 */
import type { ParseStats, StraceEvent } from './events.js';
import { isJournalMetaLine, JournalJsonParser, JournalTextParser, parseShortPrefix } from './journal.js';
import { looksLikeStrace, StraceParser } from './strace.js';

export * from './strings.js';
export type * from './events.js';
export { LineSplitter } from './lines.js';
export { StraceParser, looksLikeStrace, type StraceParseStats, type StraceParserOptions } from './strace.js';
export { JournalJsonParser, JournalTextParser, parseShortPrefix } from './journal.js';

export type InputForm = 'strace' | 'journal-text' | 'journal-json';

export interface TraceParser {
  line(text: string): void;
  end(): void;
  readonly stats: ParseStats;
  /** The detected form; undefined until a decisive line was seen. */
  readonly form: InputForm | undefined;
}

export interface TraceParserOptions {
  source: string;
  /** pid of a `-ff` per-task file (from its suffix). */
  pid?: number;
  onEvent: (event: StraceEvent) => void;
  /** Skip sniffing when the caller knows the form. */
  form?: InputForm;
}

/** Lines held back while sniffing; past this the input is taken as strace text with foreign lines on top. */
const SNIFF_MAX_LINES = 64;

/** The form a single line proves, if any. */
export function sniffLine(text: string): InputForm | undefined {
  const trimmed = text.charCodeAt(0) === 0x1e ? text.slice(1) : text;
  if (trimmed.startsWith('{"') && trimmed.trimEnd().endsWith('}')) return 'journal-json';
  if (looksLikeStrace(text)) return 'strace';
  if (isJournalMetaLine(text)) return 'journal-text';
  const prefix = parseShortPrefix(text);
  if (prefix !== undefined) return 'journal-text';
  return undefined;
}

interface LineSink {
  lineAt(text: string, lineNo: number): void;
  end(): void;
  readonly stats: ParseStats;
}

export function createTraceParser(opts: TraceParserOptions): TraceParser {
  let sink: LineSink | undefined;
  let form: InputForm | undefined;
  let lineCount = 0;
  const held: string[] = [];

  const decide = (chosen: InputForm): void => {
    form = chosen;
    if (chosen === 'journal-json') sink = new JournalJsonParser({ source: opts.source, onEvent: opts.onEvent });
    else if (chosen === 'journal-text') sink = new JournalTextParser({ source: opts.source, onEvent: opts.onEvent });
    else sink = new StraceParser({ source: opts.source, pid: opts.pid, onEvent: opts.onEvent });
    for (let i = 0; i < held.length; i++) sink.lineAt(held[i], i + 1);
    held.length = 0;
  };
  if (opts.form) decide(opts.form);

  return {
    line(text: string): void {
      lineCount++;
      if (sink !== undefined) {
        sink.lineAt(text, lineCount);
        return;
      }
      held.push(text);
      const proven = sniffLine(text);
      if (proven !== undefined) decide(proven);
      else if (held.length >= SNIFF_MAX_LINES) decide('strace');
    },
    end(): void {
      if (sink === undefined) decide('strace');
      sink!.end();
    },
    get stats(): ParseStats {
      const inner = sink?.stats;
      return { lines: lineCount, syscalls: inner?.syscalls ?? 0, unparsed: inner?.unparsed ?? 0 };
    },
    get form(): InputForm | undefined {
      return form;
    },
  };
}
