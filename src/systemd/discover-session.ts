/**
 * Where discover touches systemd: one unit, started (each start counted), let settle, probed,
 * reloaded, traced for one run, diagnosed from its journal, run under a candidate sandbox, given its
 * installed drop-in (rolled back when it does not verify), and at the end put back as it was found.
 * The loop in src/flows/discover-loop.ts drives it through its DiscoverSession interface.
 */
import type { StraceEvent } from '../../parsers/events.js';
import { diagnoseStart, notFoundCommands, notFoundPaths, SERVICE_PATH, type Diagnosis } from '../checks/diagnose.js';
import { visibleUnder } from '../profile/visibility.js';
import type { ExecClosure } from '../profile/elf.js';
import type { FsView } from '../core/fsview.js';
import type { Access, HostLink, Profile } from '../core/model.js';
import { rootFilesystemType } from '../checks/procfs.js';
import type { UnitInfo } from '../unit-file/unitfile.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { AuditReport } from '../checks/audit.js';
import { declaredWritable, type ServiceIdentity } from '../profile/ownership.js';
import { privateRunName, renderTmpfiles, tmpfilesPath } from '../profile/shared-run.js';
import { removeHostLinks } from './host-links.js';
import { serviceNamesOf } from '../profile/unit-sandbox.js';
import { execProgramsOf } from '../unit-file/exec-programs.js';
import { resolveExecClosure, tolerantReader } from '../host/elf.js';
import { installCandidate, unitProcess, isRunning, removeCandidate, stopLeftovers, unitJob, unitState, type UnitState } from './control.js';
import { journalCursor, journalSync, readUnitJournal, UnitJournalSplitter } from './journal.js';
import type { Runner } from './runner.js';
import { traceOneRun } from './trace-run.js';
import { DEFAULT_PROBE_TIMEOUT_MS, describeProbeRun, runProbe, type ProbeRun } from './probe.js';
import { ownPackageName, runningAccounts, type Accounts } from './unit-accounts.js';
import { daemonReload, removeTracing } from './tracing.js';
import { systemctl, type LoadedUnit } from './unit.js';
import { auditRunningService } from './view.js';

export interface UnitSessionOptions {
  probe?: string;
  /** Seconds to keep tracing after the start, while the admin uses the service. */
  exercise: number;
  settleMs: number;
  startTimeoutMs: number;
  /** How long the probe is tried again after a start before it counts as failed. */
  probeTimeoutMs?: number;
  /** The host filesystem as systemd sees it: what a candidate makes visible is judged against it. */
  fs: FsView;
  log(message: string): void;
  /** Notes for the report. */
  notes: string[];
  /** Throws when the run was interrupted. */
  checkpoint(): void;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  signal?: AbortSignal;
  /** Whether /run/systemd/system/UNIT.d existed before bindscout: if not, it is removed when empty. */
  runtimeDirExisted: boolean;
  /** The candidate's private /run (src/profile/shared-run.ts) was there before this run: leave it. */
  privateRunExisted: boolean;
}

interface StartOutcome {
  ok: boolean;
  state: UnitState;
  probeFailure?: string;
  lockdown?: string;
}

export class UnitSession {
  private startCount = 0;
  /** The host links of the candidate last tried: made when it runs, installed with it. */
  private candidateLinks: HostLink[] = [];
  /** The probe's last run: how long the service took to answer. */
  private lastProbe: ProbeRun | undefined;
  /**
   * Why `systemctl reload` did not keep the unit running as found (no sandbox), if it did not: some
   * daemons exit on their ExecReload= signal (SIGHUP). A reload that fails without bindscout says
   * nothing about the candidate.
   */
  private reloadAsFound: string | undefined;
  /** Why the reload under the last candidate failed, for the diagnosis. */
  private lastReloadFailure: string | undefined;
  /** The accounts the processes of the observed start ran as (read while it ran). */
  private observedAccounts: Accounts | undefined;
  private readonly name: UnitName;

  constructor(
    private readonly runner: Runner,
    readonly unit: LoadedUnit,
    private readonly options: UnitSessionOptions,
  ) {
    this.name = unit.Id;
  }

  get starts(): number {
    return this.startCount;
  }

  async tracedRun(
    sandbox: { dropin: string; profile: Profile } | undefined,
    onEvent: (event: StraceEvent) => void,
  ): Promise<{ ok: boolean; syscalls: number; diagnosis?: Diagnosis; probeFailure?: string; asFound?: AuditReport }> {
    const { runner, name, options, unit } = this;
    let asFound: AuditReport | undefined;
    const run = await traceOneRun(
      runner,
      unit,
      { ...(sandbox ? { sandbox: sandbox.dropin } : {}), onEvent, ...(options.signal ? { signal: options.signal } : {}) },
      async (cursor) => {
        const outcome = await this.startAndCheck(false);
        if (outcome.ok && sandbox === undefined) {
          const accounts = await runningAccounts(runner, name).catch(() => undefined);
          if (accounts !== undefined) this.observedAccounts = accounts;
          // The same audit as under the profile, on the unit as it was found: the "before" of the report.
          asFound = await this.auditAsFound();
        }
        if (outcome.ok && options.exercise > 0) {
          options.log(`tracing for ${options.exercise} s: use the service now`);
          await options.sleep(options.exercise * 1000, options.signal);
        }
        if (outcome.ok && unit.exec.some((e) => e.kind === 'ExecReload')) {
          const reload = await unitJob(runner, 'reload', name, options.startTimeoutMs);
          if (reload.exitCode !== 0) options.notes.push(`reload under tracing failed: ${reload.stderr.trim()}`);
          if (sandbox === undefined) {
            await options.sleep(Math.min(options.settleMs, 1000), options.signal);
            this.reloadAsFound = reloadFailure(reload, await unitState(runner, name), undefined, 'as found, without bindscout,');
          }
        }
        await this.stopWithLeftovers();
        let diagnosis: Diagnosis | undefined;
        if (!outcome.ok) {
          diagnosis = await this.diagnose(sandbox?.profile, cursor, outcome.state, []);
          await unitJob(runner, 'reset-failed', name, 30_000);
        }
        return {
          ok: outcome.ok,
          ...(diagnosis ? { diagnosis } : {}),
          ...(outcome.probeFailure ? { probeFailure: outcome.probeFailure } : {}),
        };
      },
    );
    // A read stopped by Ctrl-C holds only part of the trace: stop here, as interrupted, not as "no strace output".
    options.checkpoint();
    if (run.cutAt !== undefined) {
      options.notes.push(
        `the traced start of ${name} wrote more than ${run.cutAt} journal entries; only those were read. A service ` +
          "that handles log lines (a syslog daemon) receives strace's lines about itself and makes more of them " +
          'for as long as it runs; the calls it repeats are in what was read',
      );
    }
    return { ...run.result, syscalls: run.syscalls, ...(asFound ? { asFound } : {}) };
  }

  private async auditAsFound(): Promise<AuditReport | undefined> {
    try {
      return await auditRunningService(this.runner, this.name);
    } catch (err) {
      // Only the comparison is lost: a finished oneshot has nothing to look into.
      this.options.notes.push(`no audit of ${this.name} as it was found: ${(err as Error).message}`);
      return undefined;
    }
  }

  /**
   * The ELF interpreter, libraries and `#!` interpreters never show up as opens in a trace: read them
   * from the binaries, of the Exec*= programs and of everything the trace saw executed.
   */
  async execClosures(executed: string[] = []): Promise<{ program: string; closure: ExecClosure }[]> {
    const reader = tolerantReader(this.runner);
    const found: { program: string; closure: ExecClosure }[] = [];
    for (const program of new Set([...execProgramsOf(this.unit), ...executed])) {
      const closure = await resolveExecClosure(program, reader).catch(() => undefined);
      if (closure !== undefined) found.push({ program, closure });
    }
    return found;
  }

  async tryCandidate(dropin: string, profile: Profile, accesses: Access[]) {
    this.candidateLinks = profile.hostLinks ?? [];
    this.lastProbe = undefined;
    await installCandidate(this.runner, this.name, dropin);
    const cursor = await journalCursor(this.runner);
    const outcome = await this.startAndCheck(true);
    // The probe right after the start: how long the service took to answer is what the report tells.
    const probe = this.lastProbe === undefined ? {} : { probe: probeTiming(this.lastProbe) };
    this.lastReloadFailure = undefined;
    if (outcome.ok && (await this.verifyReload())) return { started: true, working: true, ...probe };
    const diagnosis = await this.diagnose(profile, cursor, outcome.state, accesses);
    return {
      started: outcome.ok,
      working: false,
      diagnosis,
      ...probe,
      ...(this.lastReloadFailure !== undefined ? { reloadFailure: this.lastReloadFailure } : {}),
      ...(outcome.probeFailure !== undefined ? { probeFailure: outcome.probeFailure } : {}),
      ...(outcome.lockdown !== undefined ? { lockdown: outcome.lockdown } : {}),
    };
  }

  async stopFailed(): Promise<void> {
    await this.stopWithLeftovers();
    await unitJob(this.runner, 'reset-failed', this.name, 30_000);
  }

  /**
   * Stops the unit and what its stop leaves in the cgroup (KillMode=process: an LSB daemon, strace still
   * attached to it), so that the next start, and the audit, see only their own processes.
   */
  private async stopWithLeftovers(): Promise<void> {
    await unitJob(this.runner, 'stop', this.name, this.options.startTimeoutMs);
    const left = await stopLeftovers(this.runner, this.name, { timeoutMs: 5_000, sleep: (ms) => this.options.sleep(ms) });
    if (left > 0) this.options.log(`the stop left ${left} process${left === 1 ? '' : 'es'} of ${this.name} running; stopped, so that the next start does not lean on ${left === 1 ? 'it' : 'them'}`);
  }

  async removeCandidate(): Promise<void> {
    await removeCandidate(this.runner, this.name, false);
  }

  /**
   * The running service was started from the candidate, which has exactly this text: moving it to
   * /etc changes nothing it runs under, so no restart is needed to prove it.
   */
  async install(target: string, text: string): Promise<boolean> {
    const { runner, name } = this;
    const dir = target.slice(0, target.lastIndexOf('/'));
    const previous = await runner.readFile(target);
    const dirExisted = (await runner.readdir(dir)) !== undefined;
    if (previous !== undefined) await runner.writeFileAtomic(`${target}.bindscout-backup`, previous, 0o644);
    await runner.mkdirp(dir);
    const links = this.candidateLinks;
    const tmpfiles = tmpfilesPath(name);
    const previousTmpfiles = links.length > 0 ? await runner.readFile(tmpfiles) : undefined;
    const rollBack = async () => {
      if (previous !== undefined) await runner.writeFileAtomic(target, previous, 0o644);
      else await runner.removeFile(target);
      if (previousTmpfiles !== undefined) await runner.writeFileAtomic(tmpfiles, previousTmpfiles, 0o644);
      else if (links.length > 0) await runner.removeFile(tmpfiles);
      if (!dirExisted) await runner.removeEmptyDir(dir);
      await daemonReload(runner);
    };
    await runner.writeFileAtomic(target, text, 0o644);
    // The links the candidate ran with, made again at every boot (src/profile/shared-run.ts).
    if (links.length > 0) {
      await runner.mkdirp('/etc/tmpfiles.d');
      await runner.writeFileAtomic(tmpfiles, renderTmpfiles(name, links), 0o644);
    }
    try {
      await removeCandidate(runner, name, !this.options.runtimeDirExisted);
      const state = await unitState(runner, name);
      const shown = await systemctl(runner, ['show', '-p', 'DropInPaths', '--value', '--', name]);
      const probeOk = this.options.probe === undefined || (await this.probeFailure(this.options.probe)) === undefined;
      if (isRunning(state) && shown.stdout.split(/\s+/).includes(target) && probeOk) return true;
    } catch (err) {
      // Interrupted (or failed) between writing and verifying: nothing half-installed stays behind.
      await rollBack();
      throw err;
    }
    await rollBack();
    return false;
  }

  /**
   * Tracing and candidate drop-ins gone, the unit running again only if it was running before, and
   * then under its own configuration: an instance bindscout started (under strace or a candidate
   * that was not installed) is replaced, which the changed InvocationID tells.
   */
  async restore(wasRunning: boolean, originalInvocation: string, keepNewProfile: boolean): Promise<void> {
    const { runner, name, options } = this;
    await removeTracing(runner, name).catch((e) => options.log(`could not remove the tracing drop-in: ${String(e)}`));
    await removeCandidate(runner, name, !options.runtimeDirExisted).catch((e) =>
      options.log(`could not remove the candidate drop-in: ${String(e)}`),
    );
    // Before the unit runs again under its own configuration, whose stop has no ExecStopPost= to do it:
    // a link left in /run would send its pid file or socket into a directory about to be removed.
    if (!keepNewProfile) {
      await removeHostLinks(runner, privateRunName(name), options.log);
      // A profile installed before this run and put back brings its own links back.
      const tmpfiles = tmpfilesPath(name);
      if ((await runner.readFile(tmpfiles)) !== undefined) {
        const made = await runner.run('systemd-tmpfiles', ['--create', '--', tmpfiles], { timeoutMs: 30_000 });
        if (made.exitCode !== 0) options.log(`could not make the links of ${tmpfiles}: ${made.stderr.trim()}`);
      }
    }
    const state = await unitState(runner, name);
    if (wasRunning) {
      const ours = state.InvocationID !== originalInvocation;
      if (!isRunning(state) || (ours && !keepNewProfile)) {
        if (!isRunning(state)) await this.stopWithLeftovers();
        await unitJob(runner, 'reset-failed', name, 30_000);
        const job = await unitJob(runner, 'restart', name, options.startTimeoutMs);
        if (job.exitCode !== 0) options.log(`could not start ${name} again: ${job.stderr.trim()}`);
      }
    } else {
      // Not running when found: nothing of it is left running, not even what a failed start kept.
      await this.stopWithLeftovers();
    }
    if ((await unitState(runner, name)).ActiveState === 'failed') await unitJob(runner, 'reset-failed', name, 30_000);
    // A candidate's private /run (RuntimeDirectoryPreserve=yes) outlives it: removed unless installed.
    const privateRun = `/run/${privateRunName(name)}`;
    if (!keepNewProfile && !options.privateRunExisted && (await runner.readdir(privateRun)) !== undefined) {
      await runner.run('rm', ['-rf', '--', privateRun], { timeoutMs: 30_000 }).catch(() => undefined);
    }
  }

  /**
   * Names, declared directories, User='s uid (from the passwd file of the systemd worked on), the
   * accounts the observed start ran as and the package shipping the unit file.
   */
  async identity(): Promise<ServiceIdentity> {
    const unit = this.unit;
    const declared = declaredWritable((setting) =>
      setting === 'ReadWritePaths'
        ? unit.sandbox.ReadWritePaths
        : ((unit.sandbox[setting as keyof UnitInfo['sandbox']] as string[] | undefined) ?? []),
    );
    const pkg = await ownPackageName(this.runner, unit.FragmentPath);
    const identity: ServiceIdentity = { names: serviceNamesOf(unit, pkg.name), declared, ...(pkg.package !== undefined ? { package: pkg.package } : {}) };
    const user = unit.User;
    if (/^\d+$/.test(user)) identity.uid = Number(user);
    else if (user !== '' && !unit.DynamicUser) {
      const passwd = (await this.runner.readFile('/etc/passwd'))?.toString('utf8') ?? '';
      const entry = passwd.split('\n').find((line) => line.split(':')[0] === user);
      const uid = Number(entry?.split(':')[2]);
      if (Number.isInteger(uid)) identity.uid = uid;
    }
    if (this.observedAccounts !== undefined) identity.ranAs = this.observedAccounts;
    return identity;
  }

  /** Starts (or restarts) the unit, lets it settle, and runs the probe. */
  private async startAndCheck(sandboxed: boolean): Promise<StartOutcome> {
    const { runner, name, options } = this;
    options.checkpoint();
    const wasRunning = isRunning(await unitState(runner, name));
    this.startCount++;
    const job = await unitJob(runner, wasRunning ? 'restart' : 'start', name, options.startTimeoutMs);
    if (job.exitCode === 0) await options.sleep(options.settleMs, options.signal);
    options.checkpoint();
    const state = await unitState(runner, name);
    const oneshotDone = this.unit.Type === 'oneshot' && state.Result === 'success';
    if (job.exitCode !== 0 || (!isRunning(state) && !oneshotDone)) return { ok: false, state };
    if (sandboxed) {
      // Made once the candidate runs, not before: until its restart the host's file is the running
      // instance's own pid file or socket, which its stop still needs.
      await this.makeHostLinks();
      const lockdown = await this.lockdownProblem();
      if (lockdown !== undefined) return { ok: false, state: { ...state, Result: 'lockdown-not-in-effect' }, lockdown };
    }
    if (options.probe !== undefined) {
      const failed = await this.probeFailure(options.probe);
      if (failed !== undefined) return { ok: false, state: { ...state, Result: 'probe-failed' }, probeFailure: failed };
    }
    return { ok: true, state };
  }

  private async makeHostLinks(): Promise<void> {
    for (const link of this.candidateLinks) {
      const made = await this.runner.run('ln', ['-sfn', '--', link.target, link.path], { timeoutMs: 30_000 });
      if (made.exitCode !== 0) this.options.log(`could not link ${link.path} into the private /run: ${made.stderr.trim()}`);
    }
  }

  /** The audit of the service as it runs now (under the working candidate). */
  audit(granted?: { path: string; by: string }[]): Promise<AuditReport> {
    return auditRunningService(this.runner, this.name, granted);
  }

  /**
   * Whether the service really runs on the empty root: a setting of the unit that also mounts on `/`
   * (NoExecPaths=/, ReadOnlyPaths=/ …) can make systemd drop TemporaryFileSystem=/ without a word.
   */
  private async lockdownProblem(): Promise<string | undefined> {
    const { options } = this;
    const wait = { timeoutMs: options.startTimeoutMs, sleep: (ms: number) => options.sleep(ms, options.signal) };
    // Through any process of the unit: a Type=forking unit without PIDFile= may have no main process.
    const found = await unitProcess(this.runner, this.name, wait);
    if (found === undefined || 'none' in found) return undefined;
    const pid = found.pid;
    const mountinfo = (await this.runner.readFile(`/proc/${pid}/mountinfo`))?.toString('utf8');
    if (mountinfo === undefined) return undefined;
    const fstype = rootFilesystemType(mountinfo);
    if (fstype === undefined || fstype === 'tmpfs') return undefined;
    return (
      `${this.name} started, but its / is the host's (${fstype}), not the empty tmpfs: ` +
      'a setting of the unit defeats TemporaryFileSystem=/'
    );
  }

  /**
   * Why the probe fails, or undefined when it passes: tried again until it passes or the probe
   * timeout ends (src/systemd/probe.ts). How long it took is kept for the report.
   */
  private async probeFailure(probe: string): Promise<string | undefined> {
    const { runner, options } = this;
    const clock = {
      now: () => Date.now(),
      sleep: (ms: number) => options.sleep(ms, options.signal),
      checkpoint: () => options.checkpoint(),
    };
    const run = await runProbe(runner, probe, options.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS, clock);
    this.lastProbe = run;
    if (run.passed) {
      if (run.tries > 1) options.log(`the probe passed after ${describeProbeRun(run)}`);
      return undefined;
    }
    const failure = `${run.failure} for ${describeProbeRun(run)}`;
    options.log(failure);
    return failure;
  }

  private async verifyReload(): Promise<boolean> {
    const { runner, name, options } = this;
    if (!this.unit.exec.some((e) => e.kind === 'ExecReload')) return true;
    if (this.reloadAsFound !== undefined) {
      const note = `reload not checked under the candidate: ${this.reloadAsFound}`;
      if (!options.notes.includes(note)) options.notes.push(note);
      return true;
    }
    const reload = await unitJob(runner, 'reload', name, options.startTimeoutMs);
    await options.sleep(Math.min(options.settleMs, 1000), options.signal);
    const state = await unitState(runner, name);
    const probe = options.probe === undefined ? undefined : await this.probeFailure(options.probe);
    const failed = reloadFailure(reload, state, probe);
    if (failed === undefined) return true;
    this.lastReloadFailure = failed;
    options.log(failed);
    return false;
  }

  private async diagnose(
    tried: Profile | undefined,
    cursor: string,
    state: UnitState,
    accesses: Access[],
  ): Promise<Diagnosis> {
    const { runner, name, unit, options } = this;
    await journalSync(runner);
    const splitter = new UnitJournalSplitter(`journal of ${name}`, () => undefined, cursor);
    await readUnitJournal(runner, name, cursor, splitter, options.signal ? { signal: options.signal } : {});
    options.checkpoint();
    splitter.end();
    const journal = splitter.messages.map((m) => ({ message: m.text, pid: m.pid, identifier: m.identifier }));
    const execPath = unit.exec.find((e) => e.kind === 'ExecStart')?.shown?.path;
    const closure = execPath
      ? await resolveExecClosure(execPath, tolerantReader(runner)).catch(() => undefined)
      : undefined;
    const closuresOfNamed: Record<string, ExecClosure> = {};
    const isProgram = (path: string) => {
      const kind = options.fs.lstat(path);
      return kind === 'file' || kind === 'symlink';
    };
    const commandsOnPath: Record<string, string> = {};
    for (const command of notFoundCommands(journal, name)) {
      const found = SERVICE_PATH.map((dir) => `${dir}/${command}`).find(isProgram);
      if (found !== undefined) commandsOnPath[command] = found;
    }
    for (const named of [...notFoundPaths(journal, name), ...Object.values(commandsOnPath)]) {
      if (!isProgram(named)) continue;
      const found = await resolveExecClosure(named, tolerantReader(runner)).catch(() => undefined);
      if (found !== undefined) closuresOfNamed[named] = found;
    }
    return diagnoseStart({
      unit: name,
      properties: state,
      journal,
      accesses,
      exists: (p) => options.fs.lstat(p) !== undefined,
      ...(tried ? { visible: visibleUnder(tried, options.fs), profile: tried } : {}),
      ...(execPath ? { execPath } : {}),
      ...(closure ? { closure } : {}),
      ...(Object.keys(closuresOfNamed).length > 0 ? { closuresOfNamed } : {}),
      ...(Object.keys(commandsOnPath).length > 0 ? { commandsOnPath } : {}),
      ...(unit.WorkingDirectory ? { workingDirectory: unit.WorkingDirectory } : {}),
    });
  }
}

function probeTiming(run: ProbeRun): { passed: boolean; seconds: number; tries: number } {
  return { passed: run.passed, seconds: Math.round(run.ms / 100) / 10, tries: run.tries };
}

/**
 * Why a reload under the candidate does not count, or undefined when it does. The job can succeed
 * and the service still stop or stop answering afterwards: each is said as it is.
 */
export function reloadFailure(
  reload: { exitCode: number; stderr: string },
  after: UnitState,
  probeFailure: string | undefined,
  where = 'under the candidate',
): string | undefined {
  if (reload.exitCode !== 0) return `reload failed ${where}: ${reload.stderr.trim() || `systemctl reload exited with ${reload.exitCode}`}`;
  if (!isRunning(after)) return `reload ${where} was accepted, but the service is ${after.ActiveState || 'gone'} afterwards (result ${after.Result || '?'})`;
  if (probeFailure !== undefined) return `reload ${where} was accepted, but afterwards ${probeFailure}`;
  return undefined;
}

