import { hostname } from 'node:os';
import { analyzeInputs, type AnalyzeProgress } from '../flows/analyze.js';
import { formatMergedTable, REPORT_SCHEMA_VERSION } from '../checks/merge.js';
import { classifyInput, type Input } from '../host/report-input.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { formatAccessTable, profileToJson, unresolvedToJson, warningToJson } from '../profile/report.js';
import { chooseJudge } from '../host/judge.js';
import { findTraceGaps } from '../trace/trace-gaps.js';
import { judgeTraceInput } from '../trace/trace-input.js';
import { unlessInterrupted } from './interruptible.js';
import { accessesJsonPieces } from '../profile/report-json.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import { defineCommand } from './define.js';
import { baselineOption, EXCLUDE_OPTION, includeOption, jsonOption, STDIN_WORD } from './shared.js';
import type { CommandIO } from './types.js';

export interface AnalyzeArgs {
  inputs: string[];
  format?: 'dropin' | 'table' | 'json';
  json: boolean;
  baseline: boolean;
  include: string[];
  exclude: string[];
  quiet: boolean;
  root?: string;
  host: boolean;
  recordedOn?: string;
}

const SHOWN_WARNINGS = 10;
/** Where the accesses go in the report's text. */
const ACCESSES_MARK = '\0accesses\0';
const PROGRESS_INTERVAL_MS = 1000;

export const analyzeCommand = defineCommand<AnalyzeArgs>({
  command: 'analyze [inputs..]',
  describe: 'Turn saved strace logs into a suggested drop-in',
  positionals: {
    inputs: {
      describe: 'strace log files, `strace -ff` directories, journalctl exports, earlier --json reports, or - for stdin; several are folded as one observation',
      type: 'string',
      array: true,
      default: [] as string[],
    },
  },
  options: {
    format: {
      alias: 'f',
      requiresArg: true,
      choices: ['dropin', 'table', 'json'] as const,
      // No default, so that --json with another --format is told apart from --json alone.
      defaultDescription: 'dropin',
      describe: 'dropin: systemd drop-in; table: one line per path; json: everything as data',
    },
    json: jsonOption('same as --format json'),
    baseline: baselineOption(' and journald sockets, used or not: on by default because a saved trace cannot be verified'),
    include: includeOption('glob of paths to grant even if sensitive (explicit consent); repeatable'),
    exclude: EXCLUDE_OPTION,
    root: {
      type: 'string',
      requiresArg: true,
      describe: "judge the paths that failed in the trace by another machine's tree (mounted or copied here) instead of this machine's files",
    },
    host: { type: 'boolean', default: true, describe: "judge by this machine's files (--no-host: by the trace alone, for a log from another machine)" },
    quiet: { alias: 'q', type: 'boolean', default: false, describe: 'no warnings or progress on stderr' },
    'recorded-on': {
      type: 'string',
      requiresArg: true,
      describe: "the host the traces were recorded on, kept as their provenance (default: this machine's name)",
    },
  },
  examples: [
    ['$0 analyze nginx.strace', 'suggest a drop-in from a saved `strace -f -y -o nginx.strace` log'],
    ['$0 analyze --format table traces/', 'list the paths from `strace -ff -o traces/app` per-pid files'],
    ['journalctl -u nginx -o json -a | $0 analyze --json -', 'analyze strace lines from the journal, as JSON'],
    ["$0 analyze --exclude '/srv/cache/**' --no-baseline app.log", 'leave out a tree and the default baseline'],
    ['$0 analyze web1.json web2.json web3.json', 'one drop-in from the --json reports of three hosts ("needed on 2 of 3 hosts")'],
  ],

  async run(args, io) {
    if (args.json && args.format !== undefined && args.format !== 'json') {
      throw new CliError(`--json and --format ${args.format} ask for two different outputs: give one`, ExitCode.usage);
    }
    const format = args.json ? 'json' : (args.format ?? 'dropin');
    const judge = chooseJudge(args);
    const inputs: Input[] = [];
    const given = args.inputs.length > 0 ? args.inputs.map((arg) => (arg === STDIN_WORD ? '-' : arg)) : ['-'];
    if (given.filter((arg) => arg === '-').length > 1) throw new CliError('`-` (stdin) given more than once', ExitCode.usage);
    for (const arg of given) inputs.push(await classifyInput(arg, io.stdin));
    const names = inputs.map((i) => i.name).join(', ');
    const recordedOn = args.recordedOn ?? hostname();
    const progress = args.quiet ? undefined : createProgress(io);
    const result = await unlessInterrupted(analyzeInputs(
      inputs,
      {
        baseline: args.baseline,
        include: args.include,
        exclude: args.exclude,
        header: [`Suggested by bindscout analyze from ${names}`, judge.description],
        host: recordedOn,
        signal: io.signal,
      },
      judge.fs,
      progress?.update,
    ), io.signal, 'no profile was printed');
    progress?.done();

    // Reports carry no strace lines: only what was read as a trace is judged as one.
    let mostlyOtherLines: string | undefined;
    if (result.reports === 0) {
      const verdict = judgeTraceInput(names, result.stats, result.summaryTables);
      if (verdict?.accepted === true) mostlyOtherLines = `${verdict.message}\n  ${verdict.hint}`;
      else if (verdict !== undefined) throw new CliError(verdict.message, ExitCode.badInput, verdict.hint);
    }
    if (!args.quiet && mostlyOtherLines !== undefined) io.err(`${io.paint.yellow('warning:')} ${mostlyOtherLines}\n`);
    else if (!args.quiet) reportWarnings(result.stats.unparsed, result.warnings, io);
    const gaps = findTraceGaps(result.accesses, result.unresolved);
    if (!args.quiet) for (const gap of gaps) io.err(`${io.paint.yellow('warning:')} ${gap.message}\n`);

    // A signal that came during the last stretch of work is seen here, before anything is printed.
    await unlessInterrupted(new Promise((resolve) => setImmediate(resolve)), io.signal, 'no profile was printed');
    if (format === 'json') {
      const text = JSON.stringify(
        {
          schemaVersion: REPORT_SCHEMA_VERSION,
          host: recordedOn,
          observedAt: new Date().toISOString(),
          observations: result.observations,
          stats: result.stats,
          judgedBy: judge.json,
          accesses: ACCESSES_MARK,
          unresolved: result.unresolved.map(unresolvedToJson),
          profile: profileToJson(result.profile),
          needsConsent: result.profile.needsConsent.map((n) => ({ path: bytesToDisplay(n.path), reason: n.reason })),
          omitted: result.profile.omitted.map((n) => ({ path: bytesToDisplay(n.path), reason: n.reason })),
          dropin: result.dropin,
          warnings: result.warnings.map(warningToJson),
          gaps,
        },
        null,
        2,
      );
      // The accesses are most of a large report: written apart, piece by piece (src/profile/report-json.ts).
      // Nothing before them can hold the mark's NUL characters (names, numbers, a host name).
      const mark = '"accesses": ' + JSON.stringify(ACCESSES_MARK);
      const at = text.indexOf(mark);
      io.out(text.slice(0, at) + '"accesses": ');
      for (const piece of accessesJsonPieces(result.accesses, (a) => result.seenIn.get(a.path) ?? [])) {
        io.out(piece);
        await io.drained?.();
      }
      io.out(text.slice(at + mark.length) + '\n');
    } else if (format === 'table') {
      io.out(
        result.observations.length > 1
          ? formatMergedTable(result.accesses, result.seenIn, result.observations)
          : formatAccessTable(result.accesses),
      );
    } else {
      io.out(result.dropin);
    }
    return ExitCode.ok;
  },
});

function reportWarnings(total: number, kept: { source: string; line: number; reason: string; text: string }[], io: CommandIO): void {
  if (total === 0) return;
  const label = io.paint.yellow('warning:');
  io.err(`${label} ${total} line${total === 1 ? '' : 's'} could not be parsed and ${total === 1 ? 'was' : 'were'} skipped\n`);
  for (const w of kept.slice(0, SHOWN_WARNINGS)) {
    io.err(`  ${w.source}:${w.line}: ${w.reason}: ${bytesToDisplay(w.text).slice(0, 120)}\n`);
  }
  if (total > SHOWN_WARNINGS) io.err(`  … and ${total - SHOWN_WARNINGS} more (all of the first 100 are in --json)\n`);
}

/** A one-line progress meter, redrawn at most once a second, only on a terminal. */
function createProgress(io: CommandIO) {
  if (!io.stderrIsTTY) return undefined;
  const started = Date.now();
  let lastDraw = started;
  let drawn = false;
  return {
    update(p: AnalyzeProgress) {
      const now = Date.now();
      if (now - lastDraw < PROGRESS_INTERVAL_MS) return;
      lastDraw = now;
      drawn = true;
      const mb = p.bytes / 1e6;
      const rate = mb / ((now - started) / 1000);
      const of = p.totalBytes ? ` of ${(p.totalBytes / 1e6).toFixed(0)}` : '';
      io.err(`\r${io.paint.dim(`reading ${p.source}: ${mb.toFixed(0)}${of} MB, ${rate.toFixed(0)} MB/s`)}\x1b[K`);
    },
    done() {
      if (drawn) io.err('\r\x1b[K');
    },
  };
}
