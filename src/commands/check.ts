import { auditRunningNamespace, checkUnits, DEFAULT_DROPIN_NAME, type UnitCheck } from '../flows/check.js';
import { defineJudgingCommand } from './define.js';
import { jsonOption, pid1Option, requiredPositional, runnerFor, unitArgument, type JsonAndPid1Args } from './shared.js';
import type { CommandIO } from './types.js';

export interface CheckArgs extends JsonAndPid1Args {
  units: string[];
  name: string;
}

/** Version of `check --json`'s output; bumped only when a field changes meaning or goes away. */
export const CHECK_SCHEMA_VERSION = 1;

export const checkCommand = defineJudgingCommand<CheckArgs>({
  command: 'check <units..>',
  describe: 'Tell whether installed profiles still fit (after a package upgrade, a new drop-in), without starting anything',
  positionals: { units: requiredPositional('units with a profile installed by discover, e.g. nginx', { list: true }) },
  options: {
    json: jsonOption(`print the findings as JSON (schemaVersion ${CHECK_SCHEMA_VERSION})`),
    name: { type: 'string', requiresArg: true, default: DEFAULT_DROPIN_NAME, describe: 'file name of the installed drop-in, when discover did not remember it' },
    pid1: pid1Option('check units of'),
  },
  examples: [
    ['$0 check nginx', 'will nginx still start under its profile?'],
    ['$0 check --json nginx redis-server', 'the findings as JSON, for monitoring'],
  ],
  epilogue:
    'Checks, without starting or stopping anything: bind sources without "-" that no longer exist (the next start would fail with ' +
    '226/NAMESPACE), "-" sources that disappeared, every Exec*= program of the unit as it is now with its ELF interpreter, libraries ' +
    'and #! chain visible under the profile (203/EXEC), ProtectSystem=/NoExecPaths=/ re-exposing the root, and settings changed since ' +
    'discover installed the profile (User=, a new ExecStartPre=, ProtectSystem= …; remembered under /var/lib/bindscout/UNIT/). ' +
    'Exit code 0 when every unit fits, 1 when a restart would fail or a profile is weaker than installed. Warnings alone exit 0.',

  async judge(args, io) {
    const units = args.units.map((unit) => unitArgument(unit, 'give a unit name as systemctl shows it, e.g. nginx'));
    const results = await checkUnits({ units, dropInName: args.name }, { runner: runnerFor(args.pid1), audit: auditRunningNamespace });
    const fits = results.every((r) => r.fits);
    return { found: { schemaVersion: CHECK_SCHEMA_VERSION, fits, units: results }, asText: () => formatCheck(results, io), clean: fits };
  },
});

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
