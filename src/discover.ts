/**
 * `bindscout discover UNIT`: from a unit to an installed, verified TemporaryFileSystem=/:ro profile.
 *
 *   observe   one traced start with the unit's own configuration (+ probe, exercise, reload, stop)
 *   propose   fold the accesses into a profile; the admin reviews every exposed path
 *   enforce   start untraced under the candidate; on failure diagnose, trace under the sandbox, refold
 *   verify    the candidate that works starts, stays up, passes the probe, reloads
 *   install   /etc/systemd/system/UNIT.d/bindscout.conf (or --output / --dry-run)
 *   always    tracing and candidate drop-ins removed, the unit back in the state it was found in
 *
 * Every start or restart bindscout performs is counted; restoring the original state is not.
 */
import { bytesToDisplay } from '../parsers/strings.js';
import { AccessCollector } from './core/accesses.js';
import { diagnoseStart, visibleUnder, type Diagnosis } from './core/diagnose.js';
import { foldProfile, providedByUnitSettings } from './core/fold.js';
import type { FsView } from './core/fsview.js';
import type { Access, ByteString, Profile, ProfileEntry } from './core/model.js';
import { renderDropIn } from './core/render.js';
import { lostTraceError } from './core/trace-output.js';
import { failureAccount } from './core/failure-account.js';
import { keepUnitHardening } from './core/unit-hardening.js';
import { effectiveDefault, withWitnesses } from './core/review-groups.js';
import { TraceWitness } from './core/trace-witness.js';
import { accessToJson, type AccessJson } from './core/report.js';
import { applyDecisions, deniedPaths, forgetIgnored, pendingReview, type Answer, type Decisions, type ReviewItem } from './core/review.js';
import { UnitNameError, validateUnitName, type UnitInfo } from './core/unitfile.js';
import { CliError, ExitCode } from './exit-codes.js';
import { resolveExecClosure, runnerElfReader } from './host/elf.js';
import {
  acquireLock,
  candidateDropInPath,
  execedMainPid,
  installCandidate,
  isRunning,
  removeCandidate,
  unitJob,
  unitState,
  type UnitState,
} from './systemd/control.js';
import { journalCursor, journalSync, readUnitJournal, UnitJournalSplitter, type JournalMessage } from './systemd/journal.js';
import type { Runner } from './systemd/runner.js';
import { daemonReload, dropInDir, findStaleTracing, installTracing, removeTracing } from './systemd/tracing.js';
import { catUnit, loadUnit, systemctl, UnitError } from './systemd/unit.js';

export interface DiscoverOptions {
  unit: string;
  /** Shell command that must succeed while the service runs (run with /bin/sh -c in systemd's view). */
  probe?: string;
  /** Seconds to keep tracing after the start, while the admin uses the service. */
  exercise: number;
  maxStarts: number;
  dryRun: boolean;
  /** Write the drop-in here instead of installing it. */
  output?: string;
  baseline: boolean;
  include: string[];
  exclude: string[];
  /** How long a started service must stay up to count as working. */
  settleMs: number;
  startTimeoutMs: number;
  /** Name of the installed drop-in under /etc/systemd/system/UNIT.d/. */
  dropInName: string;
}

export interface Reviewer {
  /** Answers for the items (all of them; the default where the admin just pressed Enter). */
  review(items: ReviewItem[]): Promise<Map<ByteString, Answer>>;
  /** Final go-ahead before anything is written to /etc. */
  confirmInstall(path: string, dropin: string): Promise<boolean>;
}

export interface DiscoverDeps {
  runner: Runner;
  /** The host filesystem as systemd sees it, for the fold. */
  fs: FsView;
  reviewer: Reviewer;
  /** Progress and explanations for the admin (stderr). */
  log(message: string): void;
  signal?: AbortSignal;
  isRoot: boolean;
  pid: number;
  alive(pid: number): boolean;
  /** Writes --output on the machine bindscout runs on. */
  writeOutput(path: string, text: string): Promise<void>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface Attempt {
  start: number;
  traced: boolean;
  sandboxed: boolean;
  ok: boolean;
  diagnosis?: Diagnosis;
}

export interface DiscoverReport {
  unit: string;
  result: 'working' | 'failed';
  starts: number;
  installed: string | null;
  dropin: string;
  accesses: AccessJson[];
  attempts: Attempt[];
  readOnly: string[];
  writable: string[];
  refused: string[];
  /** What is still failing when result is "failed". */
  failure?: string;
  notes: string[];
}

export const INSTALL_DIR = '/etc/systemd/system';

class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** Names a unit's own files are likely to carry: `nginx`, `postgresql` (+ `15-main`), `redis-server` and `redis`. */
export function serviceNamesOf(unit: UnitInfo): string[] {
  const base = unit.Id.replace(/\.[a-z]+$/, '');
  const [prefix, instance] = base.split('@');
  const names = new Set([prefix, prefix.split('-')[0]]);
  if (instance) names.add(instance);
  if (unit.SyslogIdentifier && !unit.SyslogIdentifier.includes('@')) names.add(unit.SyslogIdentifier);
  return [...names].filter((n) => n.length > 1);
}

/** What the unit's own settings already make visible inside its namespace. */
export function providedByUnit(unit: UnitInfo): { path: ByteString; by: string }[] {
  return providedByUnitSettings(
    (setting) => unit.sandbox[setting as keyof UnitInfo['sandbox']] as string[],
    /^(yes|true|1|on)$/i.test(unit.sandbox.PrivateTmp),
  );
}

/** Exec*= programs of the unit (first word, prefixes stripped). */
function execPrograms(unit: UnitInfo): string[] {
  const programs = new Set<string>();
  for (const line of unit.exec) {
    const word = line.shown?.path ?? line.command.trim().split(/\s+/)[0];
    if (word?.startsWith('/')) programs.add(word);
  }
  return [...programs];
}

export async function discover(options: DiscoverOptions, deps: DiscoverDeps): Promise<DiscoverReport> {
  const { runner, log } = deps;
  const checkpoint = () => {
    if (deps.signal?.aborted) throw new Interrupted();
  };

  // 1. Preflight ------------------------------------------------------------------------------
  try {
    validateUnitName(options.unit);
  } catch (err) {
    if (err instanceof UnitNameError) throw new CliError(err.message, ExitCode.usage, 'give a unit name as systemctl shows it, e.g. nginx or postgresql@15-main');
    throw err;
  }
  if (!deps.isRoot) {
    throw new CliError('discover must run as root: it writes drop-ins and starts and stops the unit', ExitCode.permission, `run: sudo bindscout discover ${options.unit}`);
  }
  await preflightTools(runner);
  let unit: UnitInfo;
  try {
    unit = await loadUnit(runner, options.unit);
  } catch (err) {
    if (err instanceof UnitError) throw new CliError(err.message, err.reason === 'not-found' ? ExitCode.missingPrerequisite : ExitCode.badInput);
    throw err;
  }
  const name = unit.Id;
  const lock = await acquireLock(runner, name, deps.pid, deps.alive);
  if ('heldBy' in lock) {
    throw new CliError(`another bindscout (pid ${lock.heldBy}) is working on ${name}`, ExitCode.failed, 'wait for it to finish, or stop it (it cleans up after itself)');
  }

  const notes: string[] = [];
  const attempts: Attempt[] = [];
  const collector = new AccessCollector();
  const witness = new TraceWitness();
  const decisions: Decisions = new Map();
  let starts = 0;
  let installed: string | null = null;
  let dropin = '';
  let profile: Profile | undefined;
  let working = false;
  let failure: string | undefined;
  const runtimeDirExisted = (await runner.readdir(dropInDir(name))) !== undefined;

  try {
    const stale = (await findStaleTracing(runner)).filter((p) => p.startsWith(`${dropInDir(name)}/`));
    if (stale.length > 0) {
      for (const path of stale) await runner.removeFile(path);
      await daemonReload(runner);
      log(`removed what an interrupted bindscout left behind: ${stale.join(', ')}`);
      notes.push(`removed stale drop-ins: ${stale.join(', ')}`);
      unit = await loadUnit(runner, name);
    }
    const originalCat = await catUnit(runner, name);
    const originalState = await unitState(runner, name);
    const original = { cat: originalCat, running: isRunning(originalState), invocation: originalState.InvocationID };

    try {
      // 2. Observe --------------------------------------------------------------------------
      checkpoint();
      log(`observing ${name}: one traced start with its own configuration${options.probe ? ', the probe' : ''}${unit.exec.some((e) => e.kind === 'ExecReload') ? ', a reload' : ''} and a stop`);
      const observed = await tracedRun(unit, undefined);
      attempts.push({ start: starts, traced: true, sandboxed: false, ok: observed.ok, ...(observed.diagnosis ? { diagnosis: observed.diagnosis } : {}) });
      if (!observed.ok) {
        failure = `${name} does not work even without a sandbox: ${observed.probeFailure ?? failureAccount(observed.diagnosis, { refused: [] }, 'start failed')}`;
        throw new CliError(
          failure,
          ExitCode.failed,
          observed.probeFailure ? 'check the --probe command by hand while the service runs' : 'fix the unit first (systemctl status, journalctl -u), then run discover again',
        );
      }
      await addExecClosures(unit);

      // 3–5. Propose, enforce, verify --------------------------------------------------------
      const forced: ProfileEntry[] = [];
      const tried = new Set<string>();
      while (starts < options.maxStarts) {
        checkpoint();
        profile = await propose(forced);
        dropin = renderDropIn(profile, { header: header(name) });
        if (tried.has(dropin)) {
          // Everything seen so far is folded in and the candidate is one that already failed.
          failure = `${failureAccount(attempts.at(-1)?.diagnosis, { refused: refusedPaths() }, 'the candidate fails')} (nothing new to grant${refusedHint()})`;
          break;
        }
        tried.add(dropin);
        log(`starting ${name} under the candidate sandbox (start ${starts + 1} of at most ${options.maxStarts})`);
        await installCandidate(runner, name, dropin);
        const cursor = await journalCursor(runner);
        const outcome = await startAndCheck(unit, options.probe, true);
        const attempt: Attempt = { start: starts, traced: false, sandboxed: true, ok: outcome.ok };
        attempts.push(attempt);
        if (outcome.ok && (await verifyReload(unit))) {
          working = true;
          break;
        }
        const diagnosis = await diagnose(unit, profile, cursor, outcome.state, collector.result().accesses);
        if (outcome.probeFailure !== undefined && diagnosis.fixes.length === 0) diagnosis.summary = `${name} runs, but ${outcome.probeFailure}`;
        if (outcome.lockdown !== undefined) {
          failure = outcome.lockdown;
          attempt.diagnosis = { ...diagnosis, summary: outcome.lockdown, fixes: [] };
          log(outcome.lockdown);
          break;
        }
        attempt.diagnosis = diagnosis;
        log(`${name} failed under the candidate: ${diagnosis.summary}`);
        for (const line of diagnosis.details) log(`  ${line}`);
        await unitJob(runner, 'stop', name, options.startTimeoutMs);
        await unitJob(runner, 'reset-failed', name, 30_000);
        const denied = new Set(deniedPaths(decisions));
        const newFixes = diagnosis.fixes.filter(
          (f) => (f.directive === 'BindReadOnlyPaths' || f.directive === 'BindPaths') && !f.remove && !denied.has(f.path) && !forced.some((e) => e.value === f.path && e.directive === f.directive),
        );
        if (newFixes.length > 0) {
          for (const fix of newFixes) {
            forced.push({ directive: fix.directive as ProfileEntry['directive'], value: fix.path, reason: fix.reason, ...(fix.optional ? { optional: true } : {}) });
          }
          forgetIgnored(decisions, newFixes.map((f) => f.path));
          continue;
        }
        if (starts >= options.maxStarts) break;
        // The diagnosis could not name the missing paths: see them fail under the sandbox itself.
        await removeCandidate(runner, name, false);
        log(`tracing ${name} under the candidate sandbox to see which paths it misses`);
        const before = new Set(collector.result().accesses.map((a) => `${a.path}\0${[...a.errors].join(',')}\0${[...a.ops].join(',')}`));
        const traced = await tracedRun(unit, dropin);
        attempts.push({ start: starts, traced: true, sandboxed: true, ok: traced.ok });
        const changed = collector.result().accesses.some((a) => !before.has(`${a.path}\0${[...a.errors].join(',')}\0${[...a.ops].join(',')}`));
        forgetIgnored(decisions, collector.result().accesses.filter((a) => a.errors.size > 0).map((a) => a.path));
        if (!changed && !traced.ok) {
          failure = `${failureAccount(diagnosis, { refused: refusedPaths() })} (a traced start under the sandbox showed no new path to grant${refusedHint()})`;
          break;
        }
      }
      if (!working && failure === undefined) failure = `still failing after ${starts} starts (--max-starts ${options.maxStarts}): ${failureAccount(attempts.at(-1)?.diagnosis, { refused: refusedPaths() }, 'see above')}`;

      // 6. Install ----------------------------------------------------------------------------
      if (working && profile !== undefined) {
        installed = await install(dropin);
      }
    } finally {
      await restore(original.running, original.invocation, installed !== null);
    }
  } catch (err) {
    if (err instanceof Interrupted) {
      log('interrupted: the unit was put back as it was found');
      throw new CliError(`discover ${name} interrupted; nothing was installed`, ExitCode.interrupted);
    }
    throw err;
  } finally {
    await lock.release().catch(() => undefined);
  }

  const accesses = collector.result().accesses;
  const entries = profile?.entries ?? [];
  return {
    unit: name,
    result: working ? 'working' : 'failed',
    starts,
    installed,
    dropin,
    accesses: accesses.map(accessToJson),
    attempts,
    readOnly: entries.filter((e) => e.directive === 'BindReadOnlyPaths').map((e) => bytesToDisplay(e.value)),
    writable: entries.filter((e) => e.directive === 'BindPaths').map((e) => bytesToDisplay(e.value)),
    refused: refusedPaths(),
    ...(failure && !working ? { failure } : {}),
    notes,
  };

  // ---------------------------------------------------------------------------------------------

  /** Sensitive paths left out (needing consent) and paths the admin denied. */
  function refusedPaths(): string[] {
    const paths = new Set([...(profile?.needsConsent ?? []).map((n) => n.path), ...deniedPaths(decisions)]);
    return [...paths].sort().map(bytesToDisplay);
  }

  function refusedHint(): string {
    const refused = refusedPaths();
    if (refused.length === 0) return '';
    const globs = refused.map((p) => `--include '${p.replace(/'/g, "'\\''")}'`).join(' ');
    return `; refused: ${refused.join(', ')}; if the service really needs them, run again with ${globs} or answer "read-only" when asked`;
  }

  async function tracedRun(clean: UnitInfo, sandbox: string | undefined): Promise<{ ok: boolean; diagnosis?: Diagnosis; probeFailure?: string }> {
    await installTracing(runner, clean, sandbox === undefined ? {} : { sandbox });
    let ok = false;
    let diagnosis: Diagnosis | undefined;
    let probeFailed: string | undefined;
    const cursor = await journalCursor(runner);
    const splitter = new UnitJournalSplitter(`journal of ${name}`, (event) => (collector.add(event), witness.add(event)), cursor);
    try {
      const outcome = await startAndCheck(clean, options.probe);
      ok = outcome.ok;
      probeFailed = outcome.probeFailure;
      if (ok && options.exercise > 0) {
        log(`tracing for ${options.exercise} s: use the service now`);
        await deps.sleep(options.exercise * 1000, deps.signal);
      }
      if (ok && clean.exec.some((e) => e.kind === 'ExecReload')) {
        const reload = await unitJob(runner, 'reload', name, options.startTimeoutMs);
        if (reload.exitCode !== 0) notes.push(`reload under tracing failed: ${reload.stderr.trim()}`);
      }
      await unitJob(runner, 'stop', name, options.startTimeoutMs);
      if (!ok) {
        diagnosis = await diagnose(clean, sandbox === undefined ? undefined : profile, cursor, outcome.state, []);
        await unitJob(runner, 'reset-failed', name, 30_000);
      }
    } finally {
      await removeTracing(runner, name);
    }
    await journalSync(runner);
    await readUnitJournal(runner, name, cursor, splitter);
    const stats = splitter.end();
    if (stats.syscalls === 0 && sandbox === undefined) {
      const lost = lostTraceError(clean, diagnosis?.summary);
      throw new CliError(lost.message, ExitCode.failed, lost.hint);
    }
    if (stats.syscalls === 0) notes.push(`a traced start of ${name} produced no strace lines in the journal`);
    return { ok, ...(diagnosis ? { diagnosis } : {}), ...(probeFailed ? { probeFailure: probeFailed } : {}) };
  }

  /** Starts (or restarts) the unit, lets it settle, and runs the probe. */
  async function startAndCheck(
    clean: UnitInfo,
    probe: string | undefined,
    sandboxed = false,
  ): Promise<{ ok: boolean; state: UnitState; probeFailure?: string; lockdown?: string }> {
    checkpoint();
    const wasRunning = isRunning(await unitState(runner, name));
    starts++;
    const job = await unitJob(runner, wasRunning ? 'restart' : 'start', name, options.startTimeoutMs);
    if (job.exitCode === 0) await deps.sleep(options.settleMs, deps.signal);
    checkpoint();
    const state = await unitState(runner, name);
    const oneshotDone = clean.Type === 'oneshot' && state.Result === 'success';
    if (job.exitCode !== 0 || (!isRunning(state) && !oneshotDone)) return { ok: false, state };
    if (sandboxed) {
      const lockdown = await lockdownProblem();
      if (lockdown !== undefined) return { ok: false, state: { ...state, Result: 'lockdown-not-in-effect' }, lockdown };
    }
    if (probe !== undefined) {
      const failed = await probeFailure(probe);
      if (failed !== undefined) return { ok: false, state: { ...state, Result: 'probe-failed' }, probeFailure: failed };
    }
    return { ok: true, state };
  }

  /**
   * Whether the service really runs on the empty root: a setting of the unit that also mounts on `/`
   * (NoExecPaths=/, ReadOnlyPaths=/ …) can make systemd drop TemporaryFileSystem=/ without a word.
   */
  async function lockdownProblem(): Promise<string | undefined> {
    const pid = await execedMainPid(runner, name, { timeoutMs: options.startTimeoutMs, sleep: (ms) => deps.sleep(ms, deps.signal) });
    if (pid === undefined) return undefined;
    const mountinfo = (await runner.readFile(`/proc/${pid}/mountinfo`))?.toString('utf8');
    if (mountinfo === undefined) return undefined;
    const root = mountinfo.split('\n').find((line) => line.split(' ')[4] === '/');
    const fstype = root?.split(' - ')[1]?.split(' ')[0];
    if (fstype === undefined || fstype === 'tmpfs') return undefined;
    return `${name} started, but its / is the host's (${fstype}), not the empty tmpfs: a setting of the unit defeats TemporaryFileSystem=/`;
  }

  async function runProbe(probe: string): Promise<boolean> {
    return (await probeFailure(probe)) === undefined;
  }

  /**
   * Why the probe fails, or undefined when it passes. It gets a few seconds: services often answer
   * shortly after they report ready.
   */
  async function probeFailure(probe: string): Promise<string | undefined> {
    let last = '';
    for (let attempt = 0; attempt < 10; attempt++) {
      checkpoint();
      const result = await runner.run('/bin/sh', ['-c', probe], { timeoutMs: 15_000 });
      if (result.exitCode === 0) return undefined;
      last = `the probe \`${probe}\` failed (exit ${result.exitCode})${(result.stderr || result.stdout).trim() ? `: ${(result.stderr || result.stdout).trim().slice(0, 300)}` : ''}`;
      await deps.sleep(500, deps.signal);
    }
    log(last);
    return last;
  }

  async function verifyReload(clean: UnitInfo): Promise<boolean> {
    if (!clean.exec.some((e) => e.kind === 'ExecReload')) return true;
    const reload = await unitJob(runner, 'reload', name, options.startTimeoutMs);
    await deps.sleep(Math.min(options.settleMs, 1000), deps.signal);
    const state = await unitState(runner, name);
    if (reload.exitCode === 0 && isRunning(state) && (options.probe === undefined || (await runProbe(options.probe)))) return true;
    log(`reload failed under the candidate: ${reload.stderr.trim() || state.Result}`);
    return false;
  }

  async function diagnose(clean: UnitInfo, tried: Profile | undefined, cursor: string, state: UnitState, accesses: Access[]): Promise<Diagnosis> {
    await journalSync(runner);
    const splitter = new UnitJournalSplitter(`journal of ${name}`, () => undefined, cursor);
    await readUnitJournal(runner, name, cursor, splitter);
    splitter.end();
    const journal = splitter.messages.map((m: JournalMessage) => ({ message: m.text, pid: m.pid, identifier: m.identifier }));
    const execPath = clean.exec.find((e) => e.kind === 'ExecStart')?.shown?.path;
    const closure = execPath ? await resolveExecClosure(execPath, runnerElfReader(runner)).catch(() => undefined) : undefined;
    return diagnoseStart({
      unit: name,
      properties: state,
      journal,
      accesses,
      exists: (p) => deps.fs.lstat(p) !== undefined,
      ...(tried ? { visible: visibleUnder(tried, deps.fs), profile: tried } : {}),
      ...(execPath ? { execPath } : {}),
      ...(closure ? { closure } : {}),
      ...(clean.WorkingDirectory ? { workingDirectory: clean.WorkingDirectory } : {}),
    });
  }

  /** The ELF interpreter and libraries never show up as opens in a trace: read them from the binaries. */
  async function addExecClosures(clean: UnitInfo): Promise<void> {
    const reader = runnerElfReader(runner);
    for (const program of execPrograms(clean)) {
      const closure = await resolveExecClosure(program, reader).catch(() => undefined);
      if (closure === undefined) continue;
      for (const item of closure.items) {
        const executed = item.role === 'binary' || item.role === 'script-interpreter' || item.role === 'elf-interpreter';
        collector.addKnown(Buffer.from(item.path, 'utf8').toString('latin1'), executed ? ['exec'] : ['read'], `ELF facts of ${program}`);
      }
    }
  }

  async function propose(forced: ProfileEntry[]): Promise<Profile> {
    const folded = foldProfile(
      collector.result().accesses,
      {
        baseline: options.baseline,
        include: options.include,
        exclude: [...options.exclude, ...deniedPaths(decisions).map(globLiteral)],
        serviceNames: serviceNamesOf(unit),
        provided: providedByUnit(unit),
        directoriesAsBinds: true,
      },
      deps.fs,
    );
    for (const entry of forced) {
      if (!folded.entries.some((e) => e.directive === entry.directive && e.value === entry.value)) folded.entries.push(entry);
    }
    const items = withWitnesses(pendingReview(folded, decisions), witness);
    if (items.length > 0) {
      const answers = await deps.reviewer.review(items);
      for (const item of items) decisions.set(item.path, answers.get(item.path) ?? effectiveDefault(item));
    }
    return keepUnitHardening(applyDecisions(folded, decisions), unit.sandbox);
  }

  async function install(text: string): Promise<string | null> {
    if (options.dryRun) {
      log('dry run: nothing installed; the drop-in is in the report');
      return null;
    }
    if (options.output !== undefined) {
      await deps.writeOutput(options.output, text);
      log(`drop-in written to ${options.output} (not installed)`);
      return null;
    }
    const target = `${INSTALL_DIR}/${name}.d/${options.dropInName}`;
    if (!(await deps.reviewer.confirmInstall(target, text))) {
      log('not installed: the admin said no');
      return null;
    }
    const previous = await runner.readFile(target);
    const dirExisted = (await runner.readdir(`${INSTALL_DIR}/${name}.d`)) !== undefined;
    if (previous !== undefined) await runner.writeFileAtomic(`${target}.bindscout-backup`, previous, 0o644);
    await runner.mkdirp(`${INSTALL_DIR}/${name}.d`);
    const rollBack = async () => {
      if (previous !== undefined) await runner.writeFileAtomic(target, previous, 0o644);
      else await runner.removeFile(target);
      if (!dirExisted) await runner.removeEmptyDir(`${INSTALL_DIR}/${name}.d`);
      await daemonReload(runner);
    };
    await runner.writeFileAtomic(target, text, 0o644);
    try {
      // The running service was started from the candidate, which has exactly this text: moving it to
      // /etc changes nothing it runs under, so no restart is needed to prove it.
      await removeCandidate(runner, name, !runtimeDirExisted);
      const state = await unitState(runner, name);
      const shown = await systemctl(runner, ['show', '-p', 'DropInPaths', '--value', '--', name]);
      const probeOk = options.probe === undefined || (await runProbe(options.probe));
      if (isRunning(state) && shown.stdout.split(/\s+/).includes(target) && probeOk) {
        log(`installed ${target}`);
        return target;
      }
    } catch (err) {
      // Interrupted (or failed) between writing and verifying: nothing half-installed stays behind.
      await rollBack();
      throw err;
    }
    log(`the installed drop-in did not verify; rolling back ${target}`);
    await rollBack();
    failure = 'the installed drop-in did not verify and was rolled back';
    working = false;
    return null;
  }

  /**
   * Tracing and candidate drop-ins gone, the unit running again only if it was running before, and
   * then under its own configuration: an instance bindscout started (under strace or a candidate
   * that was not installed) is replaced, which the changed InvocationID tells.
   */
  async function restore(wasRunning: boolean, originalInvocation: string, keepNewProfile: boolean): Promise<void> {
    await removeTracing(runner, name).catch((e) => log(`could not remove the tracing drop-in: ${String(e)}`));
    await removeCandidate(runner, name, !runtimeDirExisted).catch((e) => log(`could not remove the candidate drop-in: ${String(e)}`));
    const state = await unitState(runner, name);
    if (wasRunning) {
      const ours = state.InvocationID !== originalInvocation;
      if (!isRunning(state) || (ours && !keepNewProfile)) {
        await unitJob(runner, 'reset-failed', name, 30_000);
        const job = await unitJob(runner, 'restart', name, options.startTimeoutMs);
        if (job.exitCode !== 0) log(`could not start ${name} again: ${job.stderr.trim()}`);
      }
    } else if (isRunning(state)) {
      await unitJob(runner, 'stop', name, options.startTimeoutMs);
    }
    if ((await unitState(runner, name)).ActiveState === 'failed') await unitJob(runner, 'reset-failed', name, 30_000);
  }
}

function header(unit: string): string[] {
  return [`Written by bindscout discover for ${unit}.`, 'Review it like any other drop-in; remove this file to undo the lockdown.'];
}

/** A path as a minimatch glob that matches exactly it (and what is below it, see fold's matching). */
function globLiteral(path: ByteString): string {
  return bytesToDisplay(path).replace(/[*?[\]{}()!+@\\]/g, (c) => `\\${c}`);
}

async function preflightTools(runner: Runner): Promise<void> {
  const version = await runner.run('systemctl', ['--version'], { timeoutMs: 30_000 });
  if (version.failedToStart) throw new CliError('systemctl not found: discover needs systemd', ExitCode.missingPrerequisite);
  const major = Number(/^systemd (\d+)/m.exec(version.stdout)?.[1]);
  if (!(major >= 238)) {
    throw new CliError(`systemd ${Number.isFinite(major) ? major : '(unknown version)'} is too old: TemporaryFileSystem= needs systemd 238 or later`, ExitCode.missingPrerequisite);
  }
  const strace = await runner.run('/usr/bin/strace', ['-V'], { timeoutMs: 30_000 });
  if (strace.failedToStart || strace.exitCode !== 0) {
    throw new CliError('strace is not installed (or does not run): discover traces the service with it', ExitCode.missingPrerequisite, 'install it: apt-get install strace');
  }
}
