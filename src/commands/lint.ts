import { lintTargets, type LintedTarget } from '../flows/lint.js';
import { readUnitFile } from '../host/inputs.js';
import { defineJudgingCommand } from './define.js';
import { jsonOption, pid1Option, requiredPositional, runnerFor, unitOrFileArgument, type JsonAndPid1Args } from './shared.js';
import { PLAIN, type CommandIO } from './types.js';

export interface LintArgs extends JsonAndPid1Args {
  targets: string[];
}

export const lintCommand = defineJudgingCommand<LintArgs>({
  command: 'lint <targets..>',
  describe: 'Check units or unit files for TemporaryFileSystem=/ mistakes, before they are started',
  positionals: {
    targets: requiredPositional('unit names (nginx, postgresql@15-main) or unit files and drop-ins (anything with a "/": ./app.service)', { list: true }),
  },
  options: { json: jsonOption('print the findings as JSON'), pid1: pid1Option('lint units of') },
  examples: [
    ['$0 lint nginx', 'check the installed unit with its drop-ins (systemctl cat nginx)'],
    ['$0 lint ./app.service ./app.service.d/lockdown.conf', 'check unit files not installed yet, each on its own'],
    ['$0 lint --json nginx memcached', 'the findings as JSON, for scripts'],
  ],
  epilogue:
    'Exit code 1 when anything is found. Checks: ' +
    'ProtectSystem=/DynamicUser= re-exposing a hidden root; NoExecPaths=/, ReadOnlyPaths=/, InaccessiblePaths=/ dropping TemporaryFileSystem=/; ' +
    'ReadOnlyPaths=/ReadWritePaths= used to punch through a tmpfs; missing bind sources without "-"; single % and $ in Exec lines; ' +
    'ProtectHome= against binds under /home; binds exposing secrets; Exec programs whose interpreter or libraries are not visible.',

  async judge(args, io) {
    const targets = args.targets.map((target) => unitOrFileArgument(target, 'give a unit name, or a path with a "/" for a unit file (./app.service)'));
    const results = await lintTargets(targets, runnerFor(args.pid1), readUnitFile);
    const total = results.reduce((n, r) => n + r.findings.length, 0);
    return { found: { findings: total, targets: results }, asText: () => formatFindings(results, { paint: io.outPaint ?? PLAIN }), clean: total === 0 };
  },
});

export function formatFindings(results: LintedTarget[], io: Pick<CommandIO, 'paint'>): string {
  const lines: string[] = [];
  for (const result of results) {
    if (result.findings.length === 0) {
      lines.push(result.checked ? `${result.target}: no problems found` : `${result.target}: nothing to check: no [Service] settings`);
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
