/**
 * analyze over several inputs folded as one observation: traces (each through the one parser and
 * access collector, as analyze reads a single one) and earlier `--json` reports, merged with the
 * provenance of every access, then folded once. Returns data; printing is the command's business.
 */
import type { ParseStats, WarningEvent } from '../../parsers/events.js';
import { foldProfile } from '../core/profile/fold.js';
import type { FsView } from '../core/fsview.js';
import { annotateProvenance, ObservationMerger, ReportError, type Observation } from '../core/checks/merge.js';
import type { Access, ByteString, Profile, UnresolvedAccess } from '../core/model.js';
import { renderDropIn } from '../core/profile/render.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Input } from '../host/report-input.js';
import { analyzeTraces, KEPT_WARNINGS, type AnalyzeOptions, type AnalyzeProgress, type AnalyzeResult } from './analyze.js';

export interface MergedResult extends AnalyzeResult {
  observations: Observation[];
  /** Observation ids that saw each path. */
  seenIn: Map<ByteString, number[]>;
  /** How many inputs were reports (they carry no strace lines). */
  reports: number;
}

export async function analyzeInputs(
  inputs: Input[],
  options: AnalyzeOptions & { host: string | null },
  /** As in analyzeTraces: a function when the view is built from the trace itself (--no-host). */
  fs: FsView | ((accesses: Access[]) => FsView),
  onProgress?: (progress: AnalyzeProgress) => void,
): Promise<MergedResult> {
  const merger = new ObservationMerger();
  const stats: ParseStats = { lines: 0, syscalls: 0, unparsed: 0 };
  const warnings: WarningEvent[] = [];
  const unresolved: UnresolvedAccess[] = [];
  let reports = 0;
  let summaryTables = 0;
  let single: AnalyzeResult | undefined;
  for (const input of inputs) {
    if (input.kind === 'report') {
      reports++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(await input.read());
      } catch (err) {
        throw new CliError(`${input.name}: not valid JSON (${(err as Error).message})`, ExitCode.badInput, 'give the file analyze --json wrote, unchanged');
      }
      try {
        merger.addReport(input.name, parsed);
      } catch (err) {
        if (err instanceof ReportError) throw new CliError(err.message, ExitCode.badInput);
        throw err;
      }
      continue;
    }
    const result = await analyzeTraces(input.sources, options, fs, onProgress);
    single = result;
    merger.addTrace(input.name, result.accesses, input.observedAt, options.host);
    stats.lines += result.stats.lines;
    stats.syscalls += result.stats.syscalls;
    stats.unparsed += result.stats.unparsed;
    summaryTables += result.summaryTables;
    warnings.push(...result.warnings.slice(0, KEPT_WARNINGS - warnings.length));
    unresolved.push(...result.unresolved);
  }
  const { observations, accesses, seenIn } = merger.result();
  // One trace alone: exactly what analyze always printed.
  if (inputs.length === 1 && single !== undefined) return { ...single, observations, seenIn, reports };

  const view = typeof fs === 'function' ? fs(accesses as Access[]) : fs;
  const folded: Profile = foldProfile(accesses as Access[], { baseline: options.baseline, include: options.include, exclude: options.exclude }, view);
  const profile = annotateProvenance(folded, accesses, seenIn, observations);
  const dropin = renderDropIn(profile, { header: options.header });
  return { stats, accesses, unresolved, profile, dropin, warnings, summaryTables, observations, seenIn, reports };
}
