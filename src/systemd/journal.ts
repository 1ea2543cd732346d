/**
 * Reading a unit's journal since a cursor: strace's lines go to the trace parser, the service's own
 * output and systemd's messages are kept for diagnosing a failed start.
 *
 * Strace writes to the unit's stderr, so its lines arrive in the same stream as the service's output,
 * under the same SYSLOG_IDENTIFIER when the unit sets SyslogIdentifier= (postgresql@): what tells them
 * apart is whether the line is strace output, not who wrote it.
 */
import { createTraceParser, type TraceParser } from '../../parsers/index.js';
import { messageBytes } from '../../parsers/journal.js';
import { looksLikeStrace } from '../../parsers/strace.js';
import type { StraceEvent } from '../../parsers/events.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { Runner } from './runner.js';

/** Fields journalctl prints per entry; __CURSOR always comes too. Fewer fields, a much smaller stream. */
const FIELDS = '_PID,_STREAM_ID,_LINE_BREAK,_TRANSPORT,SYSLOG_IDENTIFIER,MESSAGE,PRIORITY,_SYSTEMD_INVOCATION_ID';
/** Service output and systemd messages kept for diagnosis; beyond this the oldest are dropped. */
export const KEPT_MESSAGES = 2000;
/**
 * Entries read from one traced start at the most. A service that handles log lines (a syslog daemon)
 * receives strace's lines about itself through journald, and each one it handles makes more: the
 * journal grows without end while it runs. A real start stays far below this (nginx: about 3,000
 * entries; the largest trace of the shared corpus: 23,000 lines); the same few calls repeated fill the
 * rest, so what was read already holds every path the loop touches.
 */
export const MAX_JOURNAL_ENTRIES = 500_000;

/** The journal's current end, to read only what comes after it. */
export async function journalCursor(runner: Runner): Promise<string> {
  const result = await runner.run('journalctl', ['-q', '-n', '0', '--show-cursor', '--no-pager'], { timeoutMs: 60_000 });
  const match = /^-- cursor: (\S+)$/m.exec(result.stdout);
  if (result.exitCode !== 0 || !match) {
    throw new Error(result.failedToStart ?? `journalctl --show-cursor gave no cursor (exit ${result.exitCode}): ${result.stderr.trim()}`);
  }
  return match[1];
}

/** Everything written to the journal so far is readable (journald buffers stream lines briefly). */
export async function journalSync(runner: Runner): Promise<void> {
  await runner.run('journalctl', ['--sync'], { timeoutMs: 60_000 });
}

export type EntryKind = 'strace' | 'output' | 'manager';

export interface JournalMessage {
  kind: 'output' | 'manager';
  /** Decoded as UTF-8 for display. */
  text: string;
  pid: number | undefined;
  identifier: string;
  priority: number | undefined;
}

export interface UnitJournalStats {
  entries: number;
  straceEntries: number;
  outputEntries: number;
  managerEntries: number;
  /** Messages not kept because more than KEPT_MESSAGES came. */
  droppedMessages: number;
  /** Reading stopped at the limit of entries (MAX_JOURNAL_ENTRIES): more were in the journal. */
  cut?: boolean;
}

interface Record {
  __CURSOR?: unknown;
  MESSAGE?: unknown;
  _PID?: unknown;
  _STREAM_ID?: unknown;
  _LINE_BREAK?: unknown;
  _TRANSPORT?: unknown;
  SYSLOG_IDENTIFIER?: unknown;
  PRIORITY?: unknown;
}

/**
 * Splits `journalctl -o json` lines of one unit (read as latin1) into strace lines for the parser
 * and messages for the report. Pure: the I/O below feeds it.
 */
export class UnitJournalSplitter {
  readonly messages: JournalMessage[] = [];
  readonly stats: UnitJournalStats = { entries: 0, straceEntries: 0, outputEntries: 0, managerEntries: 0, droppedMessages: 0 };
  lastCursor: string | undefined;
  private readonly parser: TraceParser;
  /** Heads of entries journald cut (line too long): their continuations belong with them. */
  private readonly cut = new Map<string, EntryKind>();

  constructor(
    source: string,
    onEvent: (event: StraceEvent) => void,
    /** An entry with this cursor is skipped: `--cursor=` is inclusive and the start cursor is not ours. */
    private readonly skipCursor?: string,
  ) {
    this.parser = createTraceParser({ source, form: 'journal-json', onEvent });
  }

  line(text: string): void {
    if (text.trim() === '') return;
    let record: Record;
    try {
      record = JSON.parse(text) as Record;
    } catch {
      // Not JSON: let the parser report it with its line number rather than lose it.
      this.parser.line(text);
      return;
    }
    const cursor = typeof record.__CURSOR === 'string' ? record.__CURSOR : undefined;
    if (cursor !== undefined && cursor === this.skipCursor) return;
    if (cursor !== undefined) this.lastCursor = cursor;
    this.stats.entries++;
    const kind = this.classify(record);
    if (kind === 'strace') {
      this.stats.straceEntries++;
      this.parser.line(text);
      return;
    }
    if (kind === 'manager') this.stats.managerEntries++;
    else this.stats.outputEntries++;
    const bytes = messageBytes(record.MESSAGE) ?? '';
    if (this.messages.length >= KEPT_MESSAGES) {
      this.messages.shift();
      this.stats.droppedMessages++;
    }
    const pid = Number(record._PID);
    const priority = Number(record.PRIORITY);
    this.messages.push({
      kind,
      text: Buffer.from(bytes, 'latin1').toString('utf8'),
      pid: Number.isInteger(pid) ? pid : undefined,
      identifier: typeof record.SYSLOG_IDENTIFIER === 'string' ? record.SYSLOG_IDENTIFIER : '',
      priority: Number.isInteger(priority) ? priority : undefined,
    });
  }

  private classify(record: Record): EntryKind {
    const pid = String(record._PID ?? '');
    if (pid === '1' || (record.SYSLOG_IDENTIFIER === 'systemd' && record._TRANSPORT !== 'stdout')) return 'manager';
    const key = `${String(record._STREAM_ID ?? '')}/${pid}`;
    const lineBreak = typeof record._LINE_BREAK === 'string' ? record._LINE_BREAK : undefined;
    const head = this.cut.get(key);
    let kind: EntryKind;
    if (head !== undefined) {
      kind = head;
      this.cut.delete(key);
    } else {
      const message = messageBytes(record.MESSAGE);
      kind = message !== undefined && looksLikeStrace(message) ? 'strace' : 'output';
    }
    if (lineBreak !== undefined && lineBreak !== 'eof') this.cut.set(key, kind);
    return kind;
  }

  end(): TraceParser['stats'] {
    this.parser.end();
    return this.parser.stats;
  }

  /** Lines the diagnosis wants first: the service's own output and systemd's messages, in order. */
  get output(): JournalMessage[] {
    return this.messages.filter((m) => m.kind === 'output');
  }
}

function journalArgs(unit: UnitName, cursor: string, follow: boolean): string[] {
  // --cursor, not --after-cursor: systemd < 255 with a match and --after-cursor skips the first
  // matching entry (systemd#30288). The start cursor is never an entry of the unit (it was taken
  // before the unit did anything), and the splitter skips it should it be one.
  return [
    '-u', unit, '-o', 'json', '-a', '--no-pager', `--output-fields=${FIELDS}`, `--cursor=${cursor}`,
    ...(follow ? ['-f'] : []),
  ];
}

export interface ReadOptions {
  /** Stop after this many entries and mark the splitter's stats `cut` (default MAX_JOURNAL_ENTRIES). */
  maxEntries?: number;
  /** Stops reading at once (Ctrl-C): what was read so far stays in the splitter. */
  signal?: AbortSignal;
}

/**
 * Reads the unit's entries since `cursor` (once, to the journal's current end) into `splitter`, up to
 * `maxEntries` of them.
 */
export async function readUnitJournal(
  runner: Runner,
  unit: UnitName,
  cursor: string,
  splitter: UnitJournalSplitter,
  options: ReadOptions = {},
): Promise<void> {
  const maxEntries = options.maxEntries ?? MAX_JOURNAL_ENTRIES;
  const streamed = runner.stream('journalctl', journalArgs(unit, cursor, false));
  let stopped = false;
  const stop = (): void => {
    stopped = true;
    streamed.stop();
  };
  options.signal?.addEventListener('abort', stop, { once: true });
  if (options.signal?.aborted === true) stop();
  try {
    // After a stop, what journalctl already wrote is drained unread so that it can exit.
    for await (const line of streamed.lines) {
      if (stopped) continue;
      splitter.line(line);
      if (splitter.stats.entries >= maxEntries) {
        splitter.stats.cut = true;
        stop();
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  const done = await streamed.done;
  if (stopped) return;
  if (done.exitCode !== 0) throw new Error(`journalctl -u ${unit} exited with ${done.exitCode}: ${done.stderr.trim()}`);
}

export interface JournalFollower {
  splitter: UnitJournalSplitter;
  /**
   * Call once the unit has stopped: waits until every entry of the unit that is in the journal now has
   * been read, then stops following.
   */
  finish(timeoutMs?: number): Promise<void>;
  /** Stops at once (on error paths). */
  abort(): void;
}

/** `s=` (seqnum id of one journald run) and `i=` (seqnum, hex) of a cursor. */
function seqnum(cursor: string): { id: string; n: bigint } | undefined {
  const id = /(?:^|;)s=([0-9a-f]+)/.exec(cursor)?.[1];
  const n = /(?:^|;)i=([0-9a-f]+)/.exec(cursor)?.[1];
  return id !== undefined && n !== undefined ? { id, n: BigInt(`0x${n}`) } : undefined;
}

/**
 * Whether reading has got to `target` or past it. Seqnums grow within one journald run; across runs
 * (journald restarted meanwhile) only the exact cursor proves it.
 */
export function cursorReached(seen: string | undefined, target: string): boolean {
  if (seen === undefined) return false;
  if (seen === target) return true;
  const a = seqnum(seen);
  const b = seqnum(target);
  return a !== undefined && b !== undefined && a.id === b.id && a.n >= b.n;
}

/** Follows the unit's entries from `cursor` while the unit runs (`journalctl -f`). */
export function followUnitJournal(runner: Runner, unit: UnitName, cursor: string, splitter: UnitJournalSplitter): JournalFollower {
  const streamed = runner.stream('journalctl', journalArgs(unit, cursor, true));
  let failure: unknown;
  const pump = (async () => {
    try {
      for await (const line of streamed.lines) splitter.line(line);
    } catch (err) {
      failure = err;
    }
  })();

  /** The cursor of the unit's last entry in the journal now, if it is newer than `cursor`. */
  const lastEntryAfter = async (from: string): Promise<string | undefined> => {
    const probe = new UnitJournalSplitter('probe', () => undefined, from);
    await readUnitJournal(runner, unit, from, probe);
    return probe.lastCursor;
  };

  return {
    splitter,
    async finish(timeoutMs = 60_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      try {
        await journalSync(runner);
        const target = await lastEntryAfter(splitter.lastCursor ?? cursor);
        while (target !== undefined && !cursorReached(splitter.lastCursor, target) && failure === undefined) {
          if (Date.now() > deadline) throw new Error(`journalctl -f did not deliver ${unit}'s entries within ${timeoutMs} ms`);
          await new Promise((r) => setTimeout(r, 20));
        }
        if (failure !== undefined) throw failure;
      } finally {
        streamed.stop();
        await pump;
        await streamed.done;
      }
    },
    abort(): void {
      streamed.stop();
    },
  };
}
