/**
 * Trace reading behind one door: trace sources in, accesses out. Each source's form is sniffed (strace
 * text or a journal export) and its lines parsed into StraceEvents, which are the only thing the
 * collector (src/trace/accesses.ts) takes from the parser. Read line by line on one thread: a
 * parallel reader with WebAssembly scanners was measured and removed (see the README's Performance).
 */
import type { ParseStats, StraceEvent, WarningEvent } from '../../../parsers/events.js';
import { createTraceParser } from '../../../parsers/index.js';
import { LineSplitter } from '../../../parsers/lines.js';
import { AccessCollector } from '../../trace/accesses.js';
import type { Access, UnresolvedAccess } from '../../core/model.js';
import type { TraceSource } from '../inputs.js';
import { runStepsPausing } from '../../core/steps.js';

export interface CollectOptions {
  /** Bytes read so far over all sources, after each chunk. */
  onProgress?: (progress: { bytes: number; totalBytes: number | undefined; source: string }) => void;
  /** Checked after each chunk and between steps of the work after: an aborted read stops there and rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface CollectedTrace {
  /** Sorted by path (byte order). */
  accesses: Access[];
  unresolved: UnresolvedAccess[];
  stats: ParseStats;
  /** The first KEPT_WARNINGS warnings, in input order; `stats.unparsed` counts all of them. */
  warnings: WarningEvent[];
  /** `strace -c` summary tables met: a log of only those has counts and no paths. */
  summaryTables: number;
}

/** Enough to show what went wrong without letting a garbage file grow memory without bound. */
export const KEPT_WARNINGS = 100;

/** The message the strace parser emits at the header of a `strace -c` table. */
const SUMMARY_TABLE_MESSAGE = 'summary table';

export async function collectAccesses(sources: readonly TraceSource[], options: CollectOptions = {}): Promise<CollectedTrace> {
  const collector = new AccessCollector();
  const warnings: WarningEvent[] = [];
  const stats: ParseStats = { lines: 0, syscalls: 0, unparsed: 0 };
  const totalBytes = sources.every((s) => s.size !== undefined) ? sources.reduce((sum, s) => sum + (s.size ?? 0), 0) : undefined;
  let bytes = 0;
  let summaryTables = 0;
  const onEvent = (event: StraceEvent): void => {
    if (event.type === 'warning') {
      if (warnings.length < KEPT_WARNINGS) warnings.push(event);
      return;
    }
    if (event.type === 'message' && event.text === SUMMARY_TABLE_MESSAGE) summaryTables++;
    collector.add(event);
  };
  for (const source of sources) {
    const parser = createTraceParser({ source: source.name, pid: source.pid, onEvent });
    const splitter = new LineSplitter();
    const onLine = (line: string): void => parser.line(line);
    for await (const chunk of source.open()) {
      splitter.push(chunk, onLine);
      bytes += chunk.length;
      options.onProgress?.({ bytes, totalBytes, source: source.name });
      options.signal?.throwIfAborted();
    }
    splitter.end(onLine);
    parser.end();
    stats.lines += parser.stats.lines;
    stats.syscalls += parser.stats.syscalls;
    stats.unparsed += parser.stats.unparsed;
  }
  const { accesses, unresolved } = await runStepsPausing(collector.resultInSteps(), options.signal);
  return { accesses, unresolved, stats, warnings, summaryTables };
}
