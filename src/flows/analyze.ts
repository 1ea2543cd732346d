/**
 * analyze: strace logs and earlier `--json` reports → one profile and its drop-in. Each trace is one
 * pass, text → events → accesses; several inputs are merged as one observation with the provenance of
 * every access, then folded once. Returns data; printing is the command's business. Memory grows with
 * the number of distinct paths, not with the log size: events are consumed as they are produced and
 * only the first warnings are kept.
 */
import { collectAccesses, KEPT_WARNINGS } from '../host/trace-reader/read.js';
import type { ParseStats, WarningEvent } from '../../parsers/events.js';
import { foldProfileInSteps } from '../profile/fold.js';
import { runStepsPausing, type Steps } from '../core/steps.js';
import { renderDropIn } from '../profile/render.js';
import type { FsView } from '../core/fsview.js';
import type { Access, Profile, UnresolvedAccess } from '../core/model.js';
import { annotateProvenance, loneTrace, ObservationMerger, type Observation, type SeenIn } from '../checks/merge.js';
import { InputError } from '../errors.js';
import type { TraceSource } from '../host/inputs.js';
import type { Input } from '../host/report-input.js';

export interface AnalyzeOptions {
  baseline: boolean;
  include: string[];
  exclude: string[];
  /** Lines kept in the drop-in's header comment. */
  header?: string[];
  /** Once aborted, the work stops at its next step (a fraction of a second) and rejects. */
  signal?: AbortSignal;
}

export interface AnalyzeProgress {
  bytes: number;
  totalBytes: number | undefined;
  source: string;
}

/** What one trace gives, before it is merged with the other inputs. */
interface TraceAnalysis {
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

export interface AnalyzeResult extends TraceAnalysis {
  observations: Observation[];
  /** Observation ids that saw each path. */
  seenIn: SeenIn;
  /** How many inputs were reports (they carry no strace lines). */
  reports: number;
}

export async function analyzeInputs(
  inputs: Input[],
  options: AnalyzeOptions & { host: string | null },
  /** As in analyzeTraces: a function when the view is built from the trace itself (--no-host). */
  fs: FsView | ((accesses: Access[]) => Steps<FsView>),
  onProgress?: (progress: AnalyzeProgress) => void,
): Promise<AnalyzeResult> {
  const lone = inputs.length === 1 ? inputs[0] : undefined;
  if (lone !== undefined && lone.kind !== 'report') {
    const result = await analyzeTraces(lone.sources, options, fs, onProgress);
    return { ...result, ...loneTrace(lone.name, lone.observedAt, options.host), reports: 0 };
  }
  const merger = new ObservationMerger();
  const stats: ParseStats = { lines: 0, syscalls: 0, unparsed: 0 };
  const warnings: WarningEvent[] = [];
  const unresolved: UnresolvedAccess[] = [];
  let reports = 0;
  let summaryTables = 0;
  for (const input of inputs) {
    if (input.kind === 'report') {
      reports++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await input.read());
      } catch (err) {
        throw new InputError(`${input.name}: not valid JSON (${(err as Error).message})`, 'give the file analyze --json wrote, unchanged');
      }
      merger.addReport(input.name, parsed);
      continue;
    }
    const result = await analyzeTraces(input.sources, options, fs, onProgress);
    merger.addTrace(input.name, result.accesses, input.observedAt, options.host);
    stats.lines += result.stats.lines;
    stats.syscalls += result.stats.syscalls;
    stats.unparsed += result.stats.unparsed;
    summaryTables += result.summaryTables;
    warnings.push(...result.warnings.slice(0, KEPT_WARNINGS - warnings.length));
    unresolved.push(...result.unresolved);
  }
  const { observations, accesses, seenIn } = merger.result();

  const view = typeof fs === 'function' ? await runStepsPausing(fs(accesses as Access[]), options.signal) : fs;
  const folding = foldProfileInSteps(accesses as Access[], { baseline: options.baseline, include: options.include, exclude: options.exclude }, view);
  const folded: Profile = await runStepsPausing(folding, options.signal);
  const profile = annotateProvenance(folded, accesses, seenIn, observations);
  const dropin = renderDropIn(profile, { header: options.header });
  return { stats, accesses, unresolved, profile, dropin, warnings, summaryTables, observations, seenIn, reports };
}

async function analyzeTraces(
  sources: TraceSource[],
  options: AnalyzeOptions,
  /** The filesystem failed paths are judged by; a function when it is built from the trace itself. */
  fs: FsView | ((accesses: Access[]) => Steps<FsView>),
  onProgress?: (progress: AnalyzeProgress) => void,
): Promise<TraceAnalysis> {
  const { accesses, unresolved, stats, warnings, summaryTables } = await collectAccesses(sources, { onProgress, signal: options.signal });
  const view = typeof fs === 'function' ? await runStepsPausing(fs(accesses), options.signal) : fs;
  const folding = foldProfileInSteps(accesses, { baseline: options.baseline, include: options.include, exclude: options.exclude }, view);
  const profile = await runStepsPausing(folding, options.signal);
  const dropin = renderDropIn(profile, { header: options.header });
  return { stats, accesses, unresolved, profile, dropin, warnings, summaryTables };
}
