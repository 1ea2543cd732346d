import { readFile } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';
import type { ExecClosure } from '../core/elf.js';
import type { FsView } from '../core/fsview.js';
import { execPrograms, lintUnit, parseUnitText, UnitSettings, type Finding } from '../core/lint.js';
import { UnitNameError, validateUnitName } from '../core/unitfile.js';
import { resolveExecClosure, runnerElfReader, findOnDefaultPath, type ElfFileReader } from '../host/elf.js';
import { createHostRunner, createNamespaceRunner, type Runner } from '../systemd/runner.js';
import { catUnit, UnitError } from '../systemd/unit.js';
import { runnerFsView } from '../systemd/view.js';
import { PLAIN, type BindscoutCommand, type CommandIO } from './types.js';
import { UNIT_TEXT_HINT, whyNotUnitText } from '../core/unit-syntax.js';

export interface LintArgs {
  targets: string[];
  json: boolean;
  pid1?: number;
}

export interface LintedTarget {
  target: string;
  kind: 'unit' | 'file';
  findings: Finding[];
}

/** A target is a file when it names one (has a slash); otherwise a unit name, as systemctl reads it. */
function isFileTarget(target: string): boolean {
  return target.includes('/');
}

export async function lintText(text: string, file: string, fs: FsView, reader: ElfFileReader): Promise<Finding[]> {
  const settings = new UnitSettings(parseUnitText(text, file));
  const closures = new Map<string, ExecClosure>();
  for (const program of execPrograms(settings)) {
    const path = findOnDefaultPath(program, (path) => fs.lstat(path) !== undefined);
    if (path === undefined) continue;
    closures.set(program, await resolveExecClosure(path, reader));
  }
  return lintUnit(settings, { fs, closures });
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
      .option('pid1', { type: 'number', describe: "lint units of the systemd that runs as PID 1 of a container, given that PID as seen here" })
      .example('$0 lint nginx', "check the installed unit with its drop-ins (systemctl cat nginx)")
      .example('$0 lint ./app.service ./app.service.d/lockdown.conf', 'check unit files not installed yet, each on its own')
      .example('$0 lint --json nginx memcached', 'the findings as JSON, for scripts')
      .epilogue('Exit code 1 when anything is found. Checks: ' +
        'ProtectSystem=/DynamicUser= re-exposing a hidden root; NoExecPaths=/, ReadOnlyPaths=/, InaccessiblePaths=/ dropping TemporaryFileSystem=/; ' +
        'ReadOnlyPaths=/ReadWritePaths= used to punch through a tmpfs; missing bind sources without "-"; single % and $ in Exec lines; ' +
        'ProtectHome= against binds under /home; binds exposing secrets; Exec programs whose interpreter or libraries are not visible.') as unknown as Argv<LintArgs>,

  async run(args, io) {
    const results: LintedTarget[] = [];
    let runner: Runner | undefined;
    const getRunner = () => (runner ??= args.pid1 === undefined ? createHostRunner() : createNamespaceRunner(args.pid1));
    for (const target of args.targets) {
      if (isFileTarget(target)) {
        let text: string;
        try {
          text = await readFile(target, 'utf8');
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          throw new CliError(`cannot read ${target}: ${(err as Error).message}`, code === 'EACCES' ? ExitCode.permission : ExitCode.badInput);
        }
        const notUnit = whyNotUnitText(text);
        if (notUnit !== undefined) throw new CliError(`${target} is not a unit file: ${notUnit}`, ExitCode.badInput, UNIT_TEXT_HINT);
        // The host's files decide whether bind sources exist: the unit is meant for this machine.
        const r = args.pid1 === undefined ? createHostRunner() : getRunner();
        results.push({ target, kind: 'file', findings: await lintText(text, target, runnerFsView(r), runnerElfReader(r)) });
        continue;
      }
      let name: string;
      try {
        name = validateUnitName(target);
      } catch (err) {
        if (err instanceof UnitNameError) throw new CliError(err.message, ExitCode.usage, 'give a unit name, or a path with a "/" for a unit file (./app.service)');
        throw err;
      }
      const r = getRunner();
      let text: string;
      try {
        text = await catUnit(r, name);
      } catch (err) {
        if (err instanceof UnitError) {
          throw new CliError(err.message, ExitCode.missingPrerequisite, /No files found|not found/i.test(err.message) ? `is it installed? systemctl status ${name}` : undefined);
        }
        throw err;
      }
      results.push({ target: name, kind: 'unit', findings: await lintText(text, name, runnerFsView(r), runnerElfReader(r)) });
    }

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
