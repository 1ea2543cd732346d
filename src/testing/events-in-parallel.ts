/** The events of a strace file read by the parallel reader, for tests that hold them against the line-by-line parser's. */
import { statSync } from 'node:fs';
import { forEachRunEvent, type ParseStats, type StraceEvent } from '../../parsers/events.js';
import { parseStraceFileInParallel } from '../host/trace-reader/parallel.js';

export interface InParallel {
  chunkBytes: number;
  workers: number;
  tableLimit: number;
  /** Complete calls in bulk (CallRun), each turned back into its event in its place among the others. */
  inRuns: boolean;
}

export async function eventsInParallel(file: string, how: InParallel): Promise<{ events: StraceEvent[]; stats: ParseStats; bytes: number }> {
  const events: StraceEvent[] = [];
  let bytes = 0;
  const stats = await parseStraceFileInParallel({
    file,
    size: statSync(file).size,
    source: file,
    onEvent: (e) => events.push(e),
    onCalls: how.inRuns ? (run) => forEachRunEvent(run, (e) => events.push(e)) : undefined,
    onBytes: (n) => (bytes += n),
    workers: how.workers,
    chunkBytes: how.chunkBytes,
    tableLimit: how.tableLimit,
  });
  return { events, stats, bytes };
}
