import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Argv } from 'yargs';
import { bytesToDisplay } from '../../parsers/strings.js';
import type { ExecClosure } from '../core/elf.js';
import { resolveSymlinks, type FsView } from '../core/fsview.js';
import { execPrograms, parseUnitText, UnitSettings } from '../core/lint.js';
import { renderDropIn } from '../core/render.js';
import { profileToJson } from '../core/report.js';
import { starterProfile } from '../core/starter.js';
import { UnitNameError, validateUnitName } from '../core/unitfile.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { resolveExecClosure, runnerElfReader, findOnDefaultPath } from '../host/elf.js';
import { createHostRunner, createNamespaceRunner, type Runner } from '../systemd/runner.js';
import { catUnit, UnitError } from '../systemd/unit.js';
import { runnerFsView } from '../systemd/view.js';
import type { BindscoutCommand, CommandIO } from './types.js';
import { UNIT_TEXT_HINT, whyNotUnitText } from '../core/unit-syntax.js';
import type { Access } from '../core/model.js';
import { AccessCollector } from '../core/accesses.js';
import { journalCursor, journalSync, readUnitJournal, UnitJournalSplitter } from '../systemd/journal.js';
import { daemonReload, installTracing, removeTracing } from '../systemd/tracing.js';
import { unitJob } from '../systemd/control.js';
import { loadUnit } from '../systemd/unit.js';
import { repeatableOption } from './repeatable.js';

export interface ProfileArgs {
  target?: string;
  exec?: string;
  json: boolean;
  baseline: boolean;
  include: string[];
  exclude: string[];
  pid1?: number;
  trace?: number;
}

/** Interpreters whose module trees come along, as AppArmor's abstractions bring them. */
const TREE_QUERIES: { match: RegExp; args: string[] }[] = [
  { match: /^perl[0-9.]*$/, args: ['-e', 'print join("\\n", @INC), "\\n"'] },
  { match: /^python[0-9.]*$/, args: ['-c', 'import sys; print("\\n".join(p for p in sys.path if p))'] },
];

/** `%` and `$` are systemd's in an Exec line; a command typed at a prompt means them literally. */
function execValue(command: string): string {
  return command.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

async function interpreterTrees(runner: Runner, closures: Iterable<ExecClosure>): Promise<string[]> {
  const trees = new Set<string>();
  for (const closure of closures) {
    for (const item of closure.items) {
      if (item.role !== 'script-interpreter') continue;
      const query = TREE_QUERIES.find((q) => q.match.test(path.basename(item.path)));
      if (query === undefined) continue;
      const result = await runner.run(item.path, query.args, { timeoutMs: 30_000 });
      if (result.exitCode !== 0) continue;
      for (const line of result.stdout.split('\n')) if (line.startsWith('/')) trees.add(line.trim());
    }
  }
  return [...trees].sort();
}

export const profileCommand: BindscoutCommand<ProfileArgs> = {
  command: 'profile [target]',
  describe: 'A starter lockdown for a unit, a unit file or a command line, without running anything',
  builder: (yargs: Argv) =>
    yargs
      .positional('target', { describe: 'a unit name (nginx) or a unit file (anything with a "/": ./app.service)', type: 'string' })
      .option('exec', { type: 'string', describe: 'a command line with no unit yet: prints a complete .service file' })
      .option('json', { type: 'boolean', default: false, describe: 'print the profile and the reasons as JSON' })
      .option('baseline', { type: 'boolean', default: true, describe: 'include the usual libraries, ld.so, zoneinfo, locale, certificates (--no-baseline to leave them out)' })
      .option('include', repeatableOption('glob of sensitive paths to grant (explicit consent); repeatable'))
      .option('exclude', repeatableOption('glob of paths never to grant; repeatable'))
      .option('trace', {
        type: 'number',
        describe: 'with --exec, as root: run the command for SECONDS as a runtime unit under strace with the starter profile, and fold in what it did',
      })
      .option('pid1', { type: 'number', describe: 'read units and files of the systemd that runs as PID 1 of a container, given that PID as seen here' })
      .example('$0 profile memcached', 'a starter drop-in for an installed unit')
      .example('$0 profile ./app.service > app.service.d/lockdown.conf', 'for a unit file not installed yet')
      .example('$0 profile --exec "/usr/local/bin/app --config /etc/app/app.yml"', 'a complete .service file for a program with no unit')
      .example('$0 profile --exec "/usr/local/bin/app" --trace 20', 'the same, completed by 20 s of the program running under strace in the sandbox')
      .check((argv) => {
        if ((argv.target === undefined) === (argv.exec === undefined)) throw new Error('give either a unit or unit file, or --exec "COMMAND"');
        if (argv.trace !== undefined && argv.exec === undefined) throw new Error('--trace goes with --exec; a unit that exists is traced by: bindscout discover UNIT');
        if (argv.trace !== undefined && !(Number.isFinite(argv.trace) && argv.trace > 0)) throw new Error('--trace takes a number of seconds > 0');
        return true;
      }) as unknown as Argv<ProfileArgs>,

  async run(args, io) {
    const runner = args.pid1 === undefined ? createHostRunner() : createNamespaceRunner(args.pid1);
    const fs = runnerFsView(runner);
    let text: string;
    let name: string;
    if (args.exec !== undefined) {
      const program = args.exec.trim().split(/\s+/)[0] ?? '';
      if (program === '') throw new CliError('--exec needs a command', ExitCode.usage);
      name = `${path.basename(program).replace(/[^A-Za-z0-9_.@-]/g, '-') || 'app'}.service`;
      text = `[Service]\nExecStart=${execValue(args.exec.trim())}\n`;
    } else if (args.target!.includes('/')) {
      name = path.basename(args.target!);
      try {
        text = await readFile(args.target!, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new CliError(`cannot read ${args.target}: ${(err as Error).message}`, code === 'EACCES' ? ExitCode.permission : ExitCode.badInput);
      }
      const notUnit = whyNotUnitText(text);
      if (notUnit !== undefined) throw new CliError(`${args.target} is not a unit file: ${notUnit}`, ExitCode.badInput, UNIT_TEXT_HINT);
    } else {
      try {
        name = validateUnitName(args.target!);
        text = await catUnit(runner, name);
      } catch (err) {
        if (err instanceof UnitNameError) throw new CliError(err.message, ExitCode.usage);
        if (err instanceof UnitError) throw new CliError(err.message, ExitCode.missingPrerequisite, `is it installed? systemctl status ${args.target}`);
        throw err;
      }
    }

    const settings = new UnitSettings(parseUnitText(text, name));
    const reader = runnerElfReader(runner);
    const closures = new Map<string, ExecClosure>();
    const missing: string[] = [];
    for (const program of execPrograms(settings)) {
      const found = findOnDefaultPath(program, (path) => fs.lstat(path) !== undefined);
      // An absolute path comes back as given: it still has to name a file here.
      if (found === undefined || resolveSymlinks(fs, found).kind !== 'file') missing.push(program);
      else closures.set(program, await resolveExecClosure(found, reader));
    }
    if (args.exec !== undefined && missing.length > 0) {
      const absolute = missing[0].startsWith('/');
      throw new CliError(
        `${missing[0]}: ${absolute ? 'no such program on this machine' : 'not found on this machine'}`,
        ExitCode.badInput,
        absolute ? 'check the path: the first word of --exec is the program' : 'give the program with its absolute path',
      );
    }
    const stem = name.replace(/\.[a-z]+$/, '');
    const starterInput = {
      settings,
      closures,
      interpreterTrees: await interpreterTrees(runner, closures.values()),
      serviceNames: [...new Set([stem.split('@')[0], stem.split('@')[0].split('-')[0]])],
      baseline: args.baseline,
      include: args.include,
      exclude: args.exclude,
    };
    let traced: Access[] | undefined;
    if (args.trace !== undefined) {
      if (io.isRoot !== true) throw new CliError('--trace starts a unit: run as root', ExitCode.permission);
      const first = starterProfile(starterInput, fs);
      traced = await traceUnderStarter(runner, stem, args.exec!.trim(), renderDropIn(first.profile), args.trace, io);
    }
    const starter = starterProfile({ ...starterInput, ...(traced ? { traced } : {}) }, fs);
    const header = [
      `Starter profile for ${name} by bindscout profile, from its settings and programs alone.`,
      'A start, not the answer: the files a service opens at run time only a trace shows.',
      args.exec !== undefined
        ? `Install it as /etc/systemd/system/${name}, then complete it with: bindscout discover ${stem}`
        : `Complete it with: bindscout discover ${stem}`,
    ];
    const dropin = renderDropIn(starter.profile, { header });
    const output =
      args.exec !== undefined
        ? dropin.replace('[Service]\n', `[Unit]\nDescription=${stem} (locked down by bindscout)\n\n[Service]\nType=exec\nExecStart=${execValue(args.exec.trim())}\n\n`) +
          '\n[Install]\nWantedBy=multi-user.target\n'
        : dropin;

    if (args.json) {
      io.out(
        JSON.stringify(
          {
            unit: name,
            profile: profileToJson(starter.profile),
            needsConsent: starter.profile.needsConsent.map((n) => ({ path: bytesToDisplay(n.path), reason: n.reason })),
            reasons: starter.reasons,
            notFound: missing,
            text: output,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      io.out(output);
      for (const program of missing) io.err(`${io.paint.yellow('warning:')} ${program}: not found on this machine; its libraries are not in the profile\n`);
      io.err(`${io.paint.dim('bindscout:')} a starter profile is a start: run \`bindscout discover ${stem}\` to complete it\n`);
    }
    return ExitCode.ok;
  },
};

/**
 * Runs the command as a runtime unit (under /run/systemd/system, gone at reboot) with the starter
 * profile and the tracing drop-in, for `seconds`, and returns what it touched. The unit file and the
 * drop-in are removed afterwards, also when interrupted.
 */
async function traceUnderStarter(runner: Runner, stem: string, command: string, sandbox: string, seconds: number, io: CommandIO): Promise<Access[]> {
  const unit = `bindscout-profile-${stem.replace(/[^A-Za-z0-9_.-]/g, '-')}.service`;
  const file = `/run/systemd/system/${unit}`;
  if ((await runner.readFile(file)) !== undefined) {
    throw new CliError(`${file} exists: another bindscout profile --trace is running, or one was killed (remove the file)`, ExitCode.failed);
  }
  const collector = new AccessCollector();
  await runner.writeFileAtomic(file, `[Unit]\nDescription=bindscout profile --trace of ${stem}\n\n[Service]\nType=exec\nExecStart=${execValue(command)}\n`);
  try {
    await daemonReload(runner);
    await installTracing(runner, await loadUnit(runner, unit), { sandbox });
    const cursor = await journalCursor(runner);
    io.err(`${io.paint.dim('bindscout:')} running ${unit} under strace for ${seconds} s\n`);
    const started = await unitJob(runner, 'start', unit, 90_000);
    if (started.exitCode !== 0) io.err(`${io.paint.yellow('warning:')} ${unit} did not start under the starter profile: ${started.stderr.trim()}\n`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, seconds * 1000);
      io.signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
    await unitJob(runner, 'stop', unit, 90_000);
    await journalSync(runner);
    const splitter = new UnitJournalSplitter(`journal of ${unit}`, (event) => collector.add(event), cursor);
    await readUnitJournal(runner, unit, cursor, splitter);
    splitter.end();
  } finally {
    await removeTracing(runner, unit).catch(() => undefined);
    await runner.removeFile(file);
    await daemonReload(runner);
    await runner.run('systemctl', ['reset-failed', '--', unit]);
  }
  if (io.signal?.aborted) throw new CliError('interrupted; the runtime unit was removed', ExitCode.interrupted);
  return collector.result().accesses;
}
