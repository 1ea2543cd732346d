/**
 * strace output as journald shows it (§10 of the format notes): `journalctl -o short*` text and `-o json`.
 * Every journal stream (identifier + writer pid) gets its own StraceParser, so a line split by another
 * process writing to the same stream is rejoined within its own stream. The writer pid is strace's, not the
 * traced task's: task pids come from the `[pid N]` prefix inside the message. Events carry journal line numbers.
 */
import type { ParseStats, StraceEvent } from './events.js';
import { StraceParser, type StraceParseStats } from './strace.js';
import { detachBytes } from './strings.js';

export interface JournalParserOptions {
  source: string;
  onEvent: (event: StraceEvent) => void;
}

/**
 * `TIMESTAMP HOST IDENT[PID]: MESSAGE`, the timestamp being 1–4 tokens in any of the short formats, in any
 * locale (month names are not checked). Lazy so the first `ident[pid]: ` wins over colons in the message.
 */
const SHORT_PREFIX = /^(.*?) (\S+) ([^\s[\]]+)(?:\[(\d+)\])?: /;
/** A timestamp of one of the short formats: `07:50:20`, `[ 1218.039194]`, `1795939130.710308`, ISO. */
const TIMESTAMP_LIKE = /\d:\d\d|^\[\s*\d+\.\d+|^\d{9,}\.\d+/;
/** journalctl's own lines: `-- Boot 1a2b… --`, `-- Logs begin at … --`, `-- No entries --`. */
const META_LINE = /^-- .* --$/;
/** Only the start of a line can hold the prefix; a bounded slice keeps the lazy regex linear. */
const PREFIX_WINDOW = 1024;
const MAX_STREAMS = 4096;
const MAX_REJOIN_BYTES = 4 << 20;
const WARNING_TEXT_MAX = 200;

export interface ShortPrefix {
  timestamp: string;
  host: string;
  identifier: string;
  pid: number | undefined;
  /** Where the message starts in the line. */
  messageStart: number;
}

export function parseShortPrefix(text: string): ShortPrefix | undefined {
  const match = SHORT_PREFIX.exec(text.length > PREFIX_WINDOW ? text.slice(0, PREFIX_WINDOW) : text);
  if (!match || !TIMESTAMP_LIKE.test(match[1])) return undefined;
  return {
    timestamp: match[1],
    host: match[2],
    identifier: match[3],
    pid: match[4] === undefined ? undefined : Number(match[4]),
    messageStart: match[0].length,
  };
}

export function isJournalMetaLine(text: string): boolean {
  return META_LINE.test(text);
}

/** Per-stream strace parsers sharing one event sink and one set of counters. */
abstract class JournalParserBase {
  private readonly streams = new Map<string, StraceParser>();
  private readonly retired: StraceParseStats = { lines: 0, syscalls: 0, unparsed: 0, merged: 0, neverResumed: 0 };
  protected lineCount = 0;
  protected ownWarnings = 0;

  constructor(protected readonly opts: JournalParserOptions) {}

  abstract line(text: string): void;

  get stats(): StraceParseStats {
    const total = { ...this.retired, lines: this.lineCount };
    total.unparsed += this.ownWarnings;
    for (const parser of this.streams.values()) {
      total.syscalls += parser.stats.syscalls;
      total.unparsed += parser.stats.unparsed;
      total.merged += parser.stats.merged;
      total.neverResumed += parser.stats.neverResumed;
    }
    return total;
  }

  end(): void {
    this.flushPending();
    for (const parser of this.streams.values()) parser.end();
  }

  protected flushPending(): void {}

  protected stream(key: string): StraceParser {
    let parser = this.streams.get(key);
    if (parser === undefined) {
      if (this.streams.size >= MAX_STREAMS) this.retireOldest();
      parser = new StraceParser({ source: this.opts.source, onEvent: this.opts.onEvent });
      this.streams.set(key, parser);
    }
    return parser;
  }

  /** Bounds memory when a journal holds thousands of short-lived writers (each tracee output line has one). */
  private retireOldest(): void {
    const [key, parser] = this.streams.entries().next().value as [string, StraceParser];
    parser.end();
    this.streams.delete(key);
    this.retired.syscalls += parser.stats.syscalls;
    this.retired.unparsed += parser.stats.unparsed;
    this.retired.merged += parser.stats.merged;
    this.retired.neverResumed += parser.stats.neverResumed;
  }

  /** The service manager's own lines (`Starting nginx.service…`) are context, not trace output. */
  protected managerMessage(text: string, lineNo: number): void {
    this.opts.onEvent({ type: 'message', line: lineNo, text: detachBytes(text), source: this.opts.source });
  }

  protected warn(lineNo: number, reason: string, text: string): void {
    this.ownWarnings++;
    this.opts.onEvent({
      type: 'warning',
      line: lineNo,
      reason,
      text: detachBytes(text.length > WARNING_TEXT_MAX ? text.slice(0, WARNING_TEXT_MAX) + '...' : text),
      source: this.opts.source,
    });
  }
}

/** `journalctl -o short`, `short-precise`, `short-iso`, `short-iso-precise`, `short-full`, `short-monotonic`, `short-delta`, `short-unix`, `with-unit`. */
export class JournalTextParser extends JournalParserBase {
  line(text: string): void {
    const lineNo = ++this.lineCount;
    this.lineAt(text, lineNo);
  }

  lineAt(text: string, lineNo: number): void {
    if (text.length === 0) return;
    const prefix = parseShortPrefix(text);
    if (prefix === undefined) {
      if (isJournalMetaLine(text)) {
        this.opts.onEvent({ type: 'message', line: lineNo, text, source: this.opts.source });
        return;
      }
      // Not a journal line: raw strace text mixed in, or a message continuation; the raw stream judges.
      this.stream('').lineAt(text, lineNo);
      return;
    }
    if (prefix.identifier === 'systemd' || prefix.pid === 1) {
      this.managerMessage(text.slice(prefix.messageStart), lineNo);
      return;
    }
    const key = `${prefix.identifier}[${prefix.pid ?? ''}]`;
    this.stream(key).lineAt(text.slice(prefix.messageStart), lineNo);
  }
}

interface JournalRecord {
  MESSAGE?: unknown;
  _PID?: unknown;
  _STREAM_ID?: unknown;
  SYSLOG_IDENTIFIER?: unknown;
  _LINE_BREAK?: unknown;
}

/** MESSAGE as bytes: a JSON string (UTF-8 text, here already one char per byte) or an array of byte values. */
export function messageBytes(message: unknown): string | undefined {
  if (typeof message === 'string') {
    for (let i = 0; i < message.length; i++) {
      if (message.charCodeAt(i) > 0xff) return reencodeWide(message);
    }
    return message;
  }
  if (Array.isArray(message) && message.every((b) => typeof b === 'number' && b >= 0 && b <= 255)) {
    let out = '';
    for (let i = 0; i < message.length; i += 8192) out += String.fromCharCode(...(message.slice(i, i + 8192) as number[]));
    return out;
  }
  return undefined;
}

/** `\uXXXX` escapes above 0xff denote Unicode text: store them as their UTF-8 bytes like the rest. */
function reencodeWide(message: string): string {
  let out = '';
  for (const ch of message) {
    const code = ch.codePointAt(0)!;
    out += code <= 0xff ? ch : Buffer.from(ch, 'utf8').toString('latin1');
  }
  return out;
}

/** `journalctl -o json` (and `json-seq`): one object per line. */
export class JournalJsonParser extends JournalParserBase {
  /** Entries cut by journald (`_LINE_BREAK`), waiting for the next entry of the same stream and pid. */
  private readonly cut = new Map<string, { text: string; line: number; stream: string }>();

  line(text: string): void {
    const lineNo = ++this.lineCount;
    this.lineAt(text, lineNo);
  }

  lineAt(text: string, lineNo: number): void {
    if (text.charCodeAt(0) === 0x1e) text = text.slice(1);
    if (text.trim().length === 0) return;
    let record: JournalRecord;
    try {
      record = JSON.parse(text) as JournalRecord;
    } catch {
      this.warn(lineNo, 'not a journal JSON record', text);
      return;
    }
    if (record === null || typeof record !== 'object') {
      this.warn(lineNo, 'not a journal JSON record', text);
      return;
    }
    if (record.MESSAGE === null) {
      this.warn(lineNo, 'MESSAGE is null (longer than 4096 bytes: export with journalctl --all)', text);
      return;
    }
    const message = messageBytes(record.MESSAGE);
    if (message === undefined) {
      this.warn(lineNo, 'journal record without a usable MESSAGE', text);
      return;
    }
    const pid = typeof record._PID === 'string' || typeof record._PID === 'number' ? String(record._PID) : '';
    const identifier = typeof record.SYSLOG_IDENTIFIER === 'string' ? record.SYSLOG_IDENTIFIER : '';
    const streamId = typeof record._STREAM_ID === 'string' ? record._STREAM_ID : '';
    if (identifier === 'systemd' || pid === '1') {
      this.managerMessage(message, lineNo);
      return;
    }
    const stream = `${identifier}[${pid}]`;
    const cutKey = `${streamId}/${pid}`;
    const earlier = this.cut.get(cutKey);
    const joined = earlier ? earlier.text + message : message;
    if (earlier) this.cut.delete(cutKey);
    const lineBreak = typeof record._LINE_BREAK === 'string' ? record._LINE_BREAK : undefined;
    if (lineBreak !== undefined && lineBreak !== 'eof' && joined.length < MAX_REJOIN_BYTES) {
      if (this.cut.size >= MAX_STREAMS) {
        const [oldestKey, oldest] = this.cut.entries().next().value as [string, { text: string; line: number; stream: string }];
        this.cut.delete(oldestKey);
        this.stream(oldest.stream).lineAt(oldest.text, oldest.line);
      }
      this.cut.set(cutKey, { text: joined, line: lineNo, stream });
      return;
    }
    this.stream(stream).lineAt(joined, lineNo);
  }

  protected override flushPending(): void {
    for (const piece of this.cut.values()) this.stream(piece.stream).lineAt(piece.text, piece.line);
    this.cut.clear();
  }
}

export type { ParseStats };
