import { writeFile } from 'node:fs/promises';
import { discover, type DiscoverReport, type Reviewer } from '../flows/discover.js';
import { describeExposure } from '../checks/audit.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { forgetUnit, memoryDir } from '../systemd/memory.js';
import { defineCommand } from './define.js';
import {
  baselineOption, checkedNumber, EXCLUDE_OPTION, includeOption, jsonOption, pid1Option, printFound, requiredPositional, runnerFor, unitArgument,
  type JsonAndPid1Args,
} from './shared.js';
import type { CommandIO } from './types.js';
import { terminalReviewer } from './review-prompt.js';
import { effectiveDefault } from '../profile/review-groups.js';
import type { UnitName } from '../unit-file/unit-name.js';

export { terminalReviewer };

export interface DiscoverArgs extends JsonAndPid1Args {
  unit: string;
  probe?: string[];
  forget: boolean;
  exercise: number;
  maxStarts: number;
  yes: boolean;
  dryRun: boolean;
  output?: string;
  baseline: boolean;
  include: string[];
  exclude: string[];
  settle: number;
  startTimeout: number;
  probeTimeout: number;
  name: string;
  acceptAudit: boolean;
}

export const discoverCommand = defineCommand<DiscoverArgs>({
  command: 'discover <unit>',
  describe: 'Trace a unit, propose a TemporaryFileSystem=/:ro profile, verify it and install it',
  positionals: { unit: requiredPositional('the unit, e.g. nginx or postgresql@15-main') },
  options: {
    probe: {
      type: 'string',
      array: true,
      requiresArg: true,
      describe: 'shell command that must succeed while the service runs (run with /bin/sh -c); repeatable: run in turn, each must succeed',
    },
    'probe-timeout': {
      type: 'number',
      default: 10,
      describe: 'seconds the probe is tried again after a start (a service is often active before it answers) before it counts as failed',
    },
    exercise: { type: 'number', default: 0, describe: 'seconds to keep tracing after the start while you use the service' },
    'max-starts': { type: 'number', default: 10, describe: 'give up after this many starts of the unit' },
    yes: { alias: 'y', type: 'boolean', default: false, describe: 'accept every default without asking (for scripts)' },
    'dry-run': { type: 'boolean', default: false, describe: 'find and verify the profile, install nothing' },
    output: { alias: 'o', type: 'string', requiresArg: true, describe: 'write the drop-in to this file instead of installing it' },
    json: jsonOption('print the final report as JSON'),
    baseline: {
      type: 'boolean',
      default: false,
      describe: "also bind the seed's full baseline (libraries, ld.so, zoneinfo, locale, certificates, /etc/alternatives, journald sockets) whether the service used it or not; by default only what the trace, the ELF and #! facts or the verification need",
    },
    include: includeOption(),
    exclude: EXCLUDE_OPTION,
    settle: { type: 'number', default: 2, describe: 'seconds a started service must stay up to count as working' },
    'start-timeout': { type: 'number', default: 90, describe: 'seconds to wait for a start or stop' },
    'accept-audit': {
      type: 'boolean',
      default: false,
      describe: 'install the working profile even when the audit of the running service finds violations (without it, --yes refuses such a profile)',
    },
    name: { type: 'string', requiresArg: true, default: 'bindscout.conf', describe: 'file name of the installed drop-in' },
    forget: { type: 'boolean', default: false, describe: 'remove what discover remembered about the unit (/var/lib/bindscout/UNIT/) and do nothing else' },
    pid1: pid1Option('work on'),
  },
  examples: [
    ['$0 discover nginx --probe "curl -fsS http://127.0.0.1/"', 'interactive: review each path, then install'],
    ['$0 discover redis-server --yes --probe "redis-cli ping"', 'no questions: accept the defaults and install'],
    ['$0 discover memcached --yes --dry-run --json', 'find a working profile, print it as JSON, install nothing'],
    ['$0 discover app --output /tmp/app-lockdown.conf', 'verify, then write the drop-in to a file for review'],
    ['$0 discover app --baseline', 'also bind the full baseline set, used or not'],
    ['$0 discover nginx --yes --probe "curl -fsS http://127.0.0.1/" --probe "curl -fsS http://127.0.0.1/status"', 'several probes, run in turn'],
    ['$0 discover --forget nginx', 'the next discover of nginx starts afresh'],
  ],
  epilogue:
    'Before installing, the service running under the working profile is audited as `bindscout view` does (writable host paths that ' +
    'are not its own, sockets of systemd and other services, visible secrets). A profile that fails the audit is installed only after ' +
    'a yes: asked interactively, --accept-audit for scripts; --yes alone refuses it (exit code 1, the unit as it was found).',

  async run(args, io) {
    if (args.forget) return forget(unitArgument(args.unit), args, io);
    if (!args.yes && !io.interactive) {
      throw new CliError('discover asks questions and stdin is not a terminal', ExitCode.usage, 'run it in a terminal, or add --yes to accept the defaults');
    }
    const maxStarts = checkedNumber('max-starts', args.maxStarts, { integer: true, min: 2 });
    const exercise = checkedNumber('exercise', args.exercise);
    const settle = checkedNumber('settle', args.settle);
    const startTimeout = checkedNumber('start-timeout', args.startTimeout, { min: 1 });
    const probeTimeout = checkedNumber('probe-timeout', args.probeTimeout);
    const runner = runnerFor(args.pid1);
    const log = (message: string) => io.err(`${io.paint.dim('bindscout:')} ${message}\n`);
    const unit = unitArgument(args.unit);

    const report = await discover(
      {
        unit,
        ...(args.probe !== undefined && args.probe.length > 0 ? { probe: probesInTurn(args.probe) } : {}),
        exercise,
        maxStarts,
        dryRun: args.dryRun,
        ...(args.output !== undefined ? { output: args.output } : {}),
        baseline: args.baseline,
        include: args.include,
        exclude: args.exclude,
        settleMs: settle * 1000,
        startTimeoutMs: startTimeout * 1000,
        probeTimeoutMs: probeTimeout * 1000,
        dropInName: args.name,
        acceptAudit: args.acceptAudit,
      },
      {
        runner,
        fs: runner.fsView(),
        reviewer: args.yes ? acceptDefaults : terminalReviewer(io),
        log,
        ...(io.signal ? { signal: io.signal } : {}),
        isRoot: io.isRoot === true,
        pid: io.pid ?? 0,
        // Without a way to tell, a lock's holder counts as alive: two runs never share a unit.
        alive: io.alive ?? (() => true),
        writeOutput: (path, text) => writeFile(path, text, { mode: 0o644 }),
        sleep: (ms, signal) => sleep(ms, signal),
      },
    );

    if (args.json) io.out(JSON.stringify(report, null, 2) + '\n');
    else {
      if (report.installed === null && (report.result === 'working' || report.result === 'refused')) io.out(report.dropin);
      io.err(summary(report, io));
    }
    return report.result === 'working' ? ExitCode.ok : ExitCode.failed;
  },
});

/**
 * Several probes as the one shell command the session runs: each in its own subshell, in turn, the
 * first failure ending it with that probe's exit code and output.
 */
export function probesInTurn(probes: string[]): string {
  if (probes.length === 1) return probes[0];
  return probes.map((p) => `(\n${p}\n)`).join(' &&\n');
}

async function forget(unit: UnitName, args: DiscoverArgs, io: CommandIO): Promise<number> {
  if (io.isRoot === false) {
    throw new CliError(`removing ${memoryDir(unit)} needs root`, ExitCode.permission, `run: sudo bindscout discover --forget ${unit}`);
  }
  const runner = runnerFor(args.pid1);
  const removed = await forgetUnit(runner, unit);
  io.err(removed ? `forgot ${unit}: removed ${memoryDir(unit)}/\n` : `nothing remembered about ${unit} (${memoryDir(unit)}/ does not exist)\n`);
  return ExitCode.ok;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

const acceptDefaults: Reviewer = {
  review: async (items) => new Map(items.map((item) => [item.path, effectiveDefault(item)])),
  confirmInstall: async () => true,
};

function summary(report: DiscoverReport, io: CommandIO): string {
  const lines = [''];
  const verdict =
    report.result === 'working'
      ? io.paint.bold(`${report.unit} works under TemporaryFileSystem=/:ro`)
      : report.result === 'refused'
        ? io.paint.red(`${report.unit} works under the profile, but it fails the audit: not installed`)
        : report.result === 'stuck'
          ? io.paint.red(`${report.unit}: stuck after ${report.starts} starts, the same failure again with nothing new to grant`)
          : io.paint.red(`${report.unit}: no working profile found`);
  lines.push(verdict);
  lines.push(`  starts used:        ${report.starts}`);
  const probed = report.attempts.filter((a) => a.sandboxed && a.probe !== undefined).at(-1)?.probe;
  if (probed) lines.push(`  probe:              ${probed.passed ? 'passed' : 'failed'} after ${probed.seconds.toFixed(1)} s (${probed.tries} ${probed.tries === 1 ? 'try' : 'tries'})`);
  lines.push(`  bound read-only:    ${report.readOnly.length}`);
  lines.push(`  bound writable:     ${report.writable.length}${report.writable.length ? ` (${report.writable.join(', ')})` : ''}`);
  lines.push(`  sensitive refused:  ${report.refused.length}${report.refused.length ? ` (${report.refused.join(', ')})` : ''}`);
  if (report.audit) {
    const verdict = report.audit.clean ? 'clean' : `${report.audit.violations.length} violation(s)`;
    lines.push(`  audit:              ${verdict}, ${report.audit.outside} entries visible outside the system trees and its own directories`);
  }
  if (report.exposure.before !== null || report.exposure.after !== null) {
    // What the lockdown took away, by the same audit on the unit as found and under the profile.
    lines.push('  as found → under the profile:');
    for (const line of describeExposure(report.exposure.before, report.exposure.after)) lines.push(`    ${line}`);
  }
  for (const write of report.writesRefused) lines.push(`  write refused:      ${write.path}: ${write.reason}`);
  lines.push(`  drop-in:            ${report.installed ?? (report.result === 'working' ? 'not installed (printed on stdout)' : 'none')}`);
  if (report.failure) lines.push(`  ${report.result === 'refused' ? 'refused:          ' : 'still failing:    '}  ${report.failure}`);
  for (const line of report.stuck?.evidence ?? []) lines.push(`  evidence:           ${line}`);
  if (report.stuck) lines.push(`  to get further:     ${report.stuck.next}`);
  for (const note of report.notes) lines.push(`  note: ${note}`);
  return lines.join('\n') + '\n';
}
