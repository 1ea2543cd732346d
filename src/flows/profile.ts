/**
 * `bindscout profile`: a starter lockdown for a unit, a unit file or a command line, from its
 * settings and the files its programs need to start; with `--trace`, completed by one traced run of
 * the command. Returns data; printing is the command's business.
 */
import path from 'node:path';
import { AccessCollector } from '../trace/accesses.js';
import type { ExecClosure } from '../profile/elf.js';
import { execPrograms } from '../unit-file/exec-programs.js';
import { resolveSymlinks } from '../core/fsview.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import type { Access } from '../core/model.js';
import { renderDropIn } from '../profile/render.js';
import { starterProfile, type Starter } from '../profile/starter.js';
import { execLineValue } from '../unit-file/unitfile.js';
import type { UnitOrFile } from '../unit-file/unit-name.js';
import { UNIT_TEXT_HINT, whyNotUnitText } from '../unit-file/unit-syntax.js';
import { ArgumentError, CannotProceed, InputError, InterruptedError, PermissionDenied } from '../errors.js';
import { findOnDefaultPath, resolveExecClosure, tolerantReader } from '../host/elf.js';
import { interpreterTrees } from '../systemd/interpreters.js';
import type { Runner } from '../systemd/runner.js';
import { traceCommandUnit } from '../systemd/trace-run.js';
import { catUnit } from '../systemd/unit.js';

export interface ProfileRequest {
  /** An installed unit, or a unit file. */
  target?: UnitOrFile;
  /** A command line with no unit yet. */
  exec?: string;
  baseline: boolean;
  include: string[];
  exclude: string[];
  /** With `exec`: seconds to run the command under strace in the starter sandbox. */
  trace?: number;
}

export interface ProfileDeps {
  runner: Runner;
  readUnitFile(file: string): Promise<string>;
  log(message: string): void;
  warn(message: string): void;
  isRoot: boolean;
  signal?: AbortSignal;
}

export interface ProfileResult {
  unit: string;
  /** The unit's name without its suffix: what `bindscout discover` is then given. */
  stem: string;
  starter: Starter;
  /** Exec programs not found: their libraries are not in the profile. */
  notFound: string[];
  /** The drop-in, or with `exec` a complete .service file. */
  text: string;
}

export async function profileTarget(request: ProfileRequest, deps: ProfileDeps): Promise<ProfileResult> {
  const { runner } = deps;
  const fs = runner.fsView();
  const { name, text } = await unitText(request, deps);

  const settings = new UnitSettings(parseUnitText(text, name));
  if (request.exec === undefined) {
    const unread = withoutService(text, settings);
    const target = request.target === undefined ? name : 'file' in request.target ? request.target.file : request.target.unit;
    if (unread !== undefined) deps.warn(`${target}: ${unread}: the starter drop-in below holds only what every service gets, nothing of this unit's own`);
  }
  const reader = tolerantReader(runner);
  const closures = new Map<string, ExecClosure>();
  const notFound: string[] = [];
  for (const program of execPrograms(settings)) {
    const found = findOnDefaultPath(program, (path) => fs.lstat(path) !== undefined);
    // An absolute path comes back as given: it still has to name a file here.
    if (found === undefined || resolveSymlinks(fs, found).kind !== 'file') notFound.push(program);
    else closures.set(program, await resolveExecClosure(found, reader));
  }
  if (request.exec !== undefined && notFound.length > 0) {
    const absolute = notFound[0].startsWith('/');
    throw new InputError(
      `${notFound[0]}: ${absolute ? 'no such program on this machine' : 'not found on this machine'}`,
      absolute ? 'check the path: the first word of --exec is the program' : 'give the program with its absolute path',
    );
  }
  const stem = name.replace(/\.[a-z]+$/, '');
  const service = stem.split('@')[0];
  const starterInput = {
    settings,
    closures,
    interpreterTrees: await interpreterTrees(runner, closures.values()),
    serviceNames: [...new Set([service, service.split('-')[0]])],
    baseline: request.baseline,
    include: request.include,
    exclude: request.exclude,
  };
  let traced: Access[] | undefined;
  if (request.trace !== undefined) {
    if (!deps.isRoot) throw new PermissionDenied('--trace starts a unit: run as root');
    const first = starterProfile(starterInput, fs);
    traced = await traceCommand(stem, request.exec!.trim(), renderDropIn(first.profile), request.trace, deps);
  }
  const starter = starterProfile({ ...starterInput, ...(traced ? { traced } : {}) }, fs);
  const header = [
    `Starter profile for ${name} by bindscout profile, from its settings and programs alone.`,
    'A start, not the answer: the files a service opens at run time only a trace shows.',
    request.exec !== undefined
      ? `Install it as /etc/systemd/system/${name}, then complete it with: bindscout discover ${stem}`
      : `Complete it with: bindscout discover ${stem}`,
  ];
  const dropin = renderDropIn(starter.profile, { header });
  const output = request.exec === undefined ? dropin : serviceFile(stem, request.exec.trim(), dropin);
  return { unit: name, stem, starter, notFound, text: output };
}

async function unitText(request: ProfileRequest, deps: ProfileDeps): Promise<{ name: string; text: string }> {
  if (request.exec !== undefined) {
    const program = request.exec.trim().split(/\s+/)[0] ?? '';
    if (program === '') throw new ArgumentError('--exec needs a command');
    const name = `${path.basename(program).replace(/[^A-Za-z0-9_.@-]/g, '-') || 'app'}.service`;
    return { name, text: `[Service]\nExecStart=${execLineValue(request.exec.trim())}\n` };
  }
  const target = request.target!;
  if ('file' in target) {
    const text = await deps.readUnitFile(target.file);
    const notUnit = whyNotUnitText(text);
    if (notUnit !== undefined)
      throw new InputError(`${target.file} is not a unit file: ${notUnit}`, UNIT_TEXT_HINT);
    return { name: path.basename(target.file), text };
  }
  return { name: target.unit, text: await catUnit(deps.runner, target.unit) };
}

/** Why a unit text gives the starter nothing of its own: empty, or no [Service] settings. */
function withoutService(text: string, settings: UnitSettings): string | undefined {
  if (text.trim() === '') return 'the file is empty';
  if (settings.service.length === 0) return 'it has no [Service] settings';
  return undefined;
}

/** The drop-in made a complete unit: the command as its ExecStart=, enabled for multi-user.target. */
function serviceFile(stem: string, command: string, dropin: string): string {
  const unit = `[Unit]\nDescription=${stem} (locked down by bindscout)\n\n`;
  const service = `[Service]\nType=exec\nExecStart=${execLineValue(command)}\n\n`;
  // A function, not a string: a replacement string would read the command's $$ as one $.
  return dropin.replace('[Service]\n', () => unit + service) + '\n[Install]\nWantedBy=multi-user.target\n';
}

async function traceCommand(
  stem: string,
  command: string,
  sandbox: string,
  seconds: number,
  deps: ProfileDeps,
): Promise<Access[]> {
  const collector = new AccessCollector();
  const run = await traceCommandUnit(deps.runner, stem, execLineValue(command), {
    sandbox,
    seconds,
    ...(deps.signal ? { signal: deps.signal } : {}),
    log: deps.log,
    warn: deps.warn,
    onEvent: (event) => collector.add(event),
  });
  if ('exists' in run) {
    const message = `${run.exists} exists: another bindscout profile --trace is running, or one was killed (remove the file)`;
    throw new CannotProceed(message);
  }
  if (deps.signal?.aborted) throw new InterruptedError('interrupted; the runtime unit was removed');
  return collector.result().accesses;
}
