import { CliError, ExitCode } from '../exit-codes.js';
import { serviceStatus, type StatusReport, type UnitStatus } from '../flows/status.js';
import type { ProfileState } from '../checks/status.js';
import { defineCommand } from './define.js';
import { jsonOption, pid1Option, runnerFor } from './shared.js';
import { PLAIN, type CommandIO, type Paint } from './types.js';

export interface StatusArgs {
  json: boolean;
  pid1?: number;
}

/** Version of `status --json`'s output; bumped only when a field changes meaning or goes away. */
export const STATUS_SCHEMA_VERSION = 1;

const PROGRESS_AFTER_MS = 1000;

export const statusCommand = defineCommand<StatusArgs>({
  command: 'status',
  describe: 'List every running or enabled service: how it is locked down, what it can still see, write and reach, and what to run next',
  options: { json: jsonOption(`print the table as JSON (schemaVersion ${STATUS_SCHEMA_VERSION})`), pid1: pid1Option('list the services of') },
  examples: [
    ['$0 status', 'every service, worst exposed first, with the next command for each'],
    ["$0 status --json | jq '.units[] | select(.state == \"none\") | .unit'", 'the services that still see the whole host'],
  ],
  epilogue:
    'State: none (the service sees the host\'s root), bindscout (a profile discover installed, as installed), drifted (what check ' +
    'reports of that profile: a new path, a changed unit, a missing link), hand-made (TemporaryFileSystem=/, RootDirectory= or ' +
    'RootImage= that bindscout did not write). Exposure, from the audit behind view, for each service with a process: entries ' +
    'visible outside the system trees and its own directories, host places it can write that are not its own, sockets of systemd ' +
    'and of other services, secret files; "-" (null in --json) when it has no process. Worst first: secrets, then writable, ' +
    'sockets, visible. Reads /proc/PID/root of every service: needs root. Exit code 0 when the table could be made.',

  async run(args, io) {
    if (io.isRoot === false) {
      throw new CliError('status reads /proc/PID/root of every service, which only root may', ExitCode.permission, 'run it as root: sudo bindscout status');
    }
    const runner = args.pid1 === undefined ? (io.runner ?? runnerFor(undefined)) : runnerFor(args.pid1);
    const progress = createProgress(io);
    let report: StatusReport;
    try {
      report = await serviceStatus(runner, { onProgress: progress.update });
    } finally {
      progress.done();
    }
    if (args.json) io.out(JSON.stringify({ schemaVersion: STATUS_SCHEMA_VERSION, ...report }, null, 2) + '\n');
    else io.out(formatStatus(report, io.outPaint ?? PLAIN));
    return ExitCode.ok;
  },
});

/** "looked into 7 of 25 services", on a terminal only, and only once the wait has lasted a second. */
function createProgress(io: CommandIO): { update: (done: number, total: number) => void; done: () => void } {
  const started = Date.now();
  let drawn = false;
  return {
    update(done, total) {
      if (!io.stderrIsTTY || Date.now() - started < PROGRESS_AFTER_MS) return;
      drawn = true;
      io.err(`\r${io.paint.dim(`looked into ${done} of ${total} services`)}\x1b[K`);
    },
    done() {
      if (drawn) io.err('\r\x1b[K');
    },
  };
}

const NUMBER_COLUMNS = [
  ['visible', 8],
  ['writable', 8],
  ['sockets', 7],
  ['secrets', 7],
] as const;

function paintState(state: ProfileState, paint: Paint): string {
  const text = state.padEnd(9);
  switch (state) {
    case 'none':
      return paint.red(text);
    case 'drifted':
      return paint.yellow(text);
    case 'bindscout':
      return paint.bold(text);
    case 'hand-made':
      return text;
  }
}

export function formatStatus(report: StatusReport, paint: Paint): string {
  const width = Math.min(40, Math.max(4, ...report.units.map((u) => u.unit.length)));
  const running = report.units.filter((u) => u.exposure !== null).length;
  const lines = [
    paint.bold(`${report.host || 'this host'}: ${report.units.length} service${report.units.length === 1 ? '' : 's'}, ${running} looked into; worst first`),
    `${'unit'.padEnd(width)}  ${'state'.padEnd(9)} ${NUMBER_COLUMNS.map(([name, w]) => name.padStart(w)).join(' ')}  next`,
  ];
  for (const u of report.units) lines.push(row(u, width, paint));
  const notes = report.units.filter((u) => u.note !== undefined);
  if (notes.length > 0) {
    lines.push('', 'not looked into ("-"):');
    for (const u of notes) lines.push(`  ${u.unit}: ${u.note}`);
  }
  return lines.join('\n') + '\n';
}

function row(u: UnitStatus, width: number, paint: Paint): string {
  const numbers = NUMBER_COLUMNS.map(([name, w]) => {
    const cell = (u.exposure === null ? '-' : String(u.exposure[name])).padStart(w);
    // Every violation is red, as in view's audit; the count of visible entries is no violation on its own.
    return u.exposure !== null && name !== 'visible' && u.exposure[name] > 0 ? paint.red(cell) : cell;
  }).join(' ');
  const line = `${u.unit.padEnd(width)}  ${paintState(u.state, paint)} ${numbers}  ${u.next ?? ''}`;
  return u.exposure === null ? paint.dim(line.trimEnd()) : line.trimEnd();
}
