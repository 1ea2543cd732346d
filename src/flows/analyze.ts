/**
 * One pass over strace logs: text → events → accesses → profile → drop-in. Returns data; printing is
 * the command's business. Memory grows with the number of distinct paths, not with the log size:
 * events are consumed as they are produced and only the first warnings are kept.
 */
import { parseTraceInput } from '../host/trace-reader/read.js';
import type { ParseStats, StraceEvent, WarningEvent } from '../../parsers/events.js';
import { AccessCollector } from '../core/trace/accesses.js';
import { foldProfile } from '../core/profile/fold.js';
import { renderDropIn } from '../core/profile/render.js';
import type { FsView } from '../core/fsview.js';
import type { Access, Profile, UnresolvedAccess } from '../core/model.js';
import type { TraceSource } from '../host/inputs.js';

export interface AnalyzeOptions {
  baseline: boolean;
  include: string[];
  exclude: string[];
  /** Lines kept in the drop-in's header comment. */
  header?: string[];
}

export interface AnalyzeProgress {
  bytes: number;
  totalBytes: number | undefined;
  source: string;
}

export interface AnalyzeResult {
  stats: ParseStats;
  accesses: Access[];
  unresolved: UnresolvedAccess[];
  profile: Profile;
  dropin: string;
  /** The first warnings, in input order; `stats.unparsed` counts all of them. */
  warnings: WarningEvent[];
  /** `strace -c` summary tables met: a log of only those has counts and no paths. */
  summaryTables: number;
}

/** The message the strace parser emits at the header of a `strace -c` table. */
const SUMMARY_TABLE_MESSAGE = 'summary table';

/** Enough to show what went wrong without letting a garbage file grow memory without bound. */
export const KEPT_WARNINGS = 100;

export async function analyzeTraces(
  sources: TraceSource[],
  options: AnalyzeOptions,
  /** The filesystem failed paths are judged by; a function when it is built from the trace itself. */
  fs: FsView | ((accesses: Access[]) => FsView),
  onProgress?: (progress: AnalyzeProgress) => void,
): Promise<AnalyzeResult> {
  const collector = new AccessCollector();
  const warnings: WarningEvent[] = [];
  const stats: ParseStats = { lines: 0, syscalls: 0, unparsed: 0 };
  const totalBytes = sources.every((s) => s.size !== undefined)
    ? sources.reduce((sum, s) => sum + (s.size ?? 0), 0)
    : undefined;
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
    const parsed = await parseTraceInput(
      source,
      onEvent,
      (chunkBytes) => {
        bytes += chunkBytes;
        onProgress?.({ bytes, totalBytes, source: source.name });
      },
      { onCalls: (run) => collector.addRun(run) },
    );
    stats.lines += parsed.lines;
    stats.syscalls += parsed.syscalls;
    stats.unparsed += parsed.unparsed;
  }

  const { accesses, unresolved } = collector.result();
  const view = typeof fs === 'function' ? fs(accesses) : fs;
  const profile = foldProfile(accesses, { baseline: options.baseline, include: options.include, exclude: options.exclude }, view);
  const dropin = renderDropIn(profile, { header: options.header });
  return { stats, accesses, unresolved, profile, dropin, warnings, summaryTables };
}
