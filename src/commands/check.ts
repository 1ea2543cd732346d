import type { Argv } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { auditRunningNamespace, checkUnits, DEFAULT_DROPIN_NAME, type UnitCheck } from '../flows/check.js';
import { pid1Option, runnerFor, unitArgument } from './shared.js';
import type { BindscoutCommand, CommandIO } from './types.js';

export interface CheckArgs {
  units: string[];
  json: boolean;
  name: string;
  pid1?: number;
}

/** Version of `check --json`'s output; bumped only when a field changes meaning or goes away. */
export const CHECK_SCHEMA_VERSION = 1;

export const checkCommand: BindscoutCommand<CheckArgs> = {
  command: 'check <units..>',
  describe: 'Tell whether installed profiles still fit (after a package upgrade, a new drop-in), without starting anything',
  builder: (yargs: Argv) =>
    yargs
      .positional('units', { describe: 'units with a profile installed by discover, e.g. nginx', type: 'string', array: true, demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: `print the findings as JSON (schemaVersion ${CHECK_SCHEMA_VERSION})` })
      .option('name', { type: 'string', default: DEFAULT_DROPIN_NAME, describe: 'file name of the installed drop-in, when discover did not remember it' })
      .option('pid1', pid1Option('check units of'))
      .example('$0 check nginx', 'will nginx still start under its profile?')
      .example('$0 check --json nginx redis-server', 'the findings as JSON, for monitoring')
      .epilogue(
        'Checks, without starting or stopping anything: bind sources without "-" that no longer exist (the next start would fail with ' +
          '226/NAMESPACE), "-" sources that disappeared, every Exec*= program of the unit as it is now with its ELF interpreter, libraries ' +
          'and #! chain visible under the profile (203/EXEC), ProtectSystem=/NoExecPaths=/ re-exposing the root, and settings changed since ' +
          'discover installed the profile (User=, a new ExecStartPre=, ProtectSystem= …; remembered under /var/lib/bindscout/UNIT/). ' +
          'Exit code 0 when every unit fits, 1 when a restart would fail or a profile is weaker than installed. Warnings alone exit 0.',
      ) as unknown as Argv<CheckArgs>,

  async run(args, io) {
    const units = args.units.map((unit) => unitArgument(unit, 'give a unit name as systemctl shows it, e.g. nginx'));
    const results = await checkUnits({ units, dropInName: args.name }, { runner: runnerFor(args.pid1), audit: auditRunningNamespace });
    const fits = results.every((r) => r.fits);
    if (args.json) io.out(JSON.stringify({ schemaVersion: CHECK_SCHEMA_VERSION, fits, units: results }, null, 2) + '\n');
    else io.out(formatCheck(results, io));
    return fits ? ExitCode.ok : ExitCode.failed;
  },
};

export function formatCheck(results: UnitCheck[], io: Pick<CommandIO, 'paint'>): string {
  const lines: string[] = [];
  for (const r of results) {
    const errors = r.findings.filter((f) => f.severity === 'error').length;
    const warnings = r.findings.length - errors;
    const since = r.installedAt ? `installed ${r.installedAt}` : 'no install remembered: settings not compared';
    if (r.findings.length === 0) {
      lines.push(`${r.unit}: fits (${r.dropIn}, ${since})`);
      continue;
    }
    const verdict = r.fits ? io.paint.yellow('fits, with warnings') : io.paint.red('does not fit');
    lines.push(`${io.paint.bold(r.unit)}: ${verdict}: ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'} (${r.dropIn}, ${since})`);
    for (const f of r.findings) {
      const label = f.severity === 'error' ? io.paint.red('error') : io.paint.yellow('warning');
      const where = f.file ? `${f.file}${f.line ? `:${f.line}` : ''}: ` : '';
      lines.push(`  ${where}${label}: ${f.message} [${f.check}]`);
      lines.push(`    fix: ${f.fix}`);
    }
  }
  return lines.join('\n') + '\n';
}
