import type { Argv } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { lintTargets, type LintedTarget } from '../flows/lint.js';
import { readUnitFile } from '../host/inputs.js';
import { pid1Option, runnerFor, unitOrFileArgument } from './shared.js';
import { PLAIN, type BindscoutCommand, type CommandIO } from './types.js';

export interface LintArgs {
  targets: string[];
  json: boolean;
  pid1?: number;
}

export const lintCommand: BindscoutCommand<LintArgs> = {
  command: 'lint <targets..>',
  describe: 'Check units or unit files for TemporaryFileSystem=/ mistakes, before they are started',
  builder: (yargs: Argv) =>
    yargs
      .positional('targets', {
        describe: 'unit names (nginx, postgresql@15-main) or unit files and drop-ins (anything with a "/": ./app.service)',
        type: 'string',
        array: true,
        demandOption: true,
      })
      .option('json', { type: 'boolean', default: false, describe: 'print the findings as JSON' })
      .option('pid1', pid1Option('lint units of'))
      .example('$0 lint nginx', "check the installed unit with its drop-ins (systemctl cat nginx)")
      .example('$0 lint ./app.service ./app.service.d/lockdown.conf', 'check unit files not installed yet, each on its own')
      .example('$0 lint --json nginx memcached', 'the findings as JSON, for scripts')
      .epilogue(
        'Exit code 1 when anything is found. Checks: ' +
        'ProtectSystem=/DynamicUser= re-exposing a hidden root; NoExecPaths=/, ReadOnlyPaths=/, InaccessiblePaths=/ dropping TemporaryFileSystem=/; ' +
        'ReadOnlyPaths=/ReadWritePaths= used to punch through a tmpfs; missing bind sources without "-"; single % and $ in Exec lines; ' +
        'ProtectHome= against binds under /home; binds exposing secrets; Exec programs whose interpreter or libraries are not visible.',
      ) as unknown as Argv<LintArgs>,

  async run(args, io) {
    const targets = args.targets.map((target) => unitOrFileArgument(target, 'give a unit name, or a path with a "/" for a unit file (./app.service)'));
    const results = await lintTargets(targets, runnerFor(args.pid1), readUnitFile);

    const total = results.reduce((n, r) => n + r.findings.length, 0);
    if (args.json) io.out(JSON.stringify({ findings: total, targets: results }, null, 2) + '\n');
    else io.out(formatFindings(results, { paint: io.outPaint ?? PLAIN }));
    return total > 0 ? ExitCode.failed : ExitCode.ok;
  },
};

export function formatFindings(results: LintedTarget[], io: Pick<CommandIO, 'paint'>): string {
  const lines: string[] = [];
  for (const result of results) {
    if (result.findings.length === 0) {
      lines.push(`${result.target}: no problems found`);
      continue;
    }
    for (const f of result.findings) {
      const label = f.severity === 'error' ? io.paint.red('error') : io.paint.yellow('warning');
      lines.push(`${f.file}:${f.line}: ${label}: ${io.paint.bold(f.message)} [${f.check}]`);
      lines.push(`  why: ${f.explanation}`);
      lines.push(`  fix: ${f.fix}`);
    }
  }
  const total = results.reduce((n, r) => n + r.findings.length, 0);
  if (total > 0) lines.push('', `${total} problem${total === 1 ? '' : 's'} found`);
  return lines.join('\n') + '\n';
}
