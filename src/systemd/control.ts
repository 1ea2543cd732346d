/**
 * Starting, stopping and watching a unit, and the small files bindscout keeps beside systemd's own:
 * the candidate drop-in under /run (gone at reboot) and the per-unit lock.
 */
import type { UnitName } from '../unit-file/unit-name.js';
import { parseShow } from '../unit-file/unitfile.js';
import type { RunResult, Runner } from './runner.js';
import { dropInDir, daemonReload } from './tracing.js';
import { systemctl } from './unit.js';

export const CANDIDATE_DROPIN_NAME = 'zz-bindscout-candidate.conf';
export const LOCK_DIR = '/run/bindscout';

/** The state properties a start or stop is judged by. */
export const STATE_PROPERTIES = ['ActiveState', 'SubState', 'Result', 'MainPID', 'ExecMainCode', 'ExecMainStatus', 'InvocationID', 'NRestarts'];

export type UnitState = Record<string, string>;

export async function unitState(runner: Runner, unit: UnitName): Promise<UnitState> {
  const result = await systemctl(runner, ['show', ...STATE_PROPERTIES.flatMap((p) => ['-p', p]), '--', unit]);
  const shown = parseShow(result.stdout);
  const state: UnitState = {};
  for (const key of STATE_PROPERTIES) state[key] = shown.get(key)?.join(' ') ?? '';
  return state;
}

export function isRunning(state: UnitState): boolean {
  return state.ActiveState === 'active' || state.ActiveState === 'reloading' || state.ActiveState === 'activating';
}

/**
 * The unit's main process, once it runs the unit's own program.
 *
 * A start job of a `Type=simple` (or `idle`) unit returns as soon as systemd has forked: MainPID is
 * known while the child is still a copy of PID 1 that has not yet set up the sandbox and exec'd, and
 * in that window its /proc/PID/root and mountinfo are the host's. The child has exec'd when its
 * executable is no longer the same file as PID 1's (compared by device and inode, as the kernel
 * resolves /proc/PID/exe). Undefined when the unit has no main process, it is gone, or it has not
 * exec'd within `timeoutMs`.
 */
export async function execedMainPid(
  runner: Runner,
  unit: UnitName,
  wait: { timeoutMs: number; sleep: (ms: number) => Promise<void> },
): Promise<number | undefined> {
  const deadline = Date.now() + wait.timeoutMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 200)) {
    const pid = Number((await unitState(runner, unit)).MainPID);
    if (!(pid > 1)) return undefined;
    const ids = await runner.run('stat', ['-L', '--format=%d:%i', '--', '/proc/1/exe', `/proc/${pid}/exe`]);
    const [init, main] = ids.stdout.trim().split('\n');
    if (ids.exitCode === 0 && main !== undefined && main !== init) return pid;
    if (Date.now() >= deadline) return undefined;
    await wait.sleep(pause);
  }
}

/** The processes in the unit's cgroup, lowest pid first; [] when it has none or no cgroup; undefined when unreadable. */
export async function cgroupPids(runner: Runner, unit: UnitName): Promise<number[] | undefined> {
  const shown = await systemctl(runner, ['show', '-p', 'ControlGroup', '--value', '--', unit]);
  const group = shown.stdout.trim();
  if (shown.exitCode !== 0 || !group.startsWith('/')) return [];
  // Read by a program in systemd's own namespaces: cgroup.procs numbers pids as its reader's PID
  // namespace does. The unified hierarchy first (systemd ≥ 243's default), then the hybrid and legacy
  // layouts' (a container booted by systemd-nspawn on a hybrid host has those).
  const at = group === '/' ? '' : group;
  let procs: string | undefined;
  for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd']) {
    const read = await runner.run('cat', ['--', `${base}${at}/cgroup.procs`], { timeoutMs: 30_000 });
    if (read.exitCode === 0) {
      procs = read.stdout;
      break;
    }
  }
  if (procs === undefined) return undefined;
  return procs
    .split('\n')
    .map(Number)
    .filter((pid) => Number.isInteger(pid) && pid > 1)
    .sort((a, b) => a - b);
}

/**
 * Processes a stopped unit left in its cgroup: a failed LSB start ("Unit process N (slapd) remains
 * running after unit stopped", KillMode=process) keeps its daemon, and the next start then leans on it
 * (start-stop-daemon --oknodo finds it running, the socket it made lets a `-` bind succeed) and looks
 * like a candidate that works. They get SIGTERM, then SIGKILL if still there. Returns how many were left.
 */
export async function stopLeftovers(runner: Runner, unit: UnitName, wait: { timeoutMs: number; sleep: (ms: number) => Promise<void> }): Promise<number> {
  const left = (await cgroupPids(runner, unit)) ?? [];
  if (left.length === 0) return 0;
  await systemctl(runner, ['kill', '--kill-who=all', '--signal=SIGTERM', '--', unit]);
  const deadline = Date.now() + wait.timeoutMs;
  while (((await cgroupPids(runner, unit)) ?? []).length > 0) {
    if (Date.now() >= deadline) {
      await systemctl(runner, ['kill', '--kill-who=all', '--signal=SIGKILL', '--', unit]);
      break;
    }
    await wait.sleep(200);
  }
  return left.length;
}

/** A process of the unit that runs a program of its own, and whether it is the main process. */
export interface UnitProcess {
  pid: number;
  main: boolean;
}

/**
 * A process to look into the unit's namespace through: its main process once it has exec'd, or,
 * when systemd knows no main process (a `Type=forking` unit without `PIDFile=` whose main process it
 * could not guess reports MainPID=0), the first process of its cgroup that has exec'd. Every process
 * of a service shares its mount namespace. `{ none: true }` when the unit has no process at all (a
 * finished oneshot); undefined when it has one that never ran a program of its own in time.
 */
export async function unitProcess(
  runner: Runner,
  unit: UnitName,
  wait: { timeoutMs: number; sleep: (ms: number) => Promise<void> },
): Promise<UnitProcess | { none: true } | undefined> {
  const main = await execedMainPid(runner, unit, wait);
  if (main !== undefined) return { pid: main, main: true };
  const pids = await cgroupPids(runner, unit);
  // A cgroup that cannot be read says nothing: it is not taken for an empty one.
  if (pids === undefined) return undefined;
  if (pids.length === 0) return Number((await unitState(runner, unit)).MainPID) > 1 ? undefined : { none: true };
  for (const pid of pids) if (await hasExeced(runner, pid)) return { pid, main: false };
  return undefined;
}

/** The process runs a program other than PID 1's (a forked copy of systemd has not exec'd yet). */
async function hasExeced(runner: Runner, pid: number): Promise<boolean> {
  const ids = await runner.run('stat', ['-L', '--format=%d:%i', '--', '/proc/1/exe', `/proc/${pid}/exe`]);
  const [init, exe] = ids.stdout.trim().split('\n');
  return ids.exitCode === 0 && exe !== undefined && exe !== init;
}

/** `systemctl VERB UNIT`, waiting for the job like an admin's command does. */
export async function unitJob(
  runner: Runner,
  verb: 'start' | 'stop' | 'restart' | 'reload' | 'reset-failed',
  unit: UnitName,
  timeoutMs: number,
): Promise<RunResult> {
  return systemctl(runner, [verb, '--', unit], timeoutMs);
}

export function candidateDropInPath(unit: UnitName): string {
  return `${dropInDir(unit)}/${CANDIDATE_DROPIN_NAME}`;
}

/** Puts a candidate sandbox in place for the next start (without tracing), and reloads systemd. */
export async function installCandidate(runner: Runner, unit: UnitName, text: string): Promise<string> {
  const path = candidateDropInPath(unit);
  await runner.mkdirp(dropInDir(unit));
  await runner.writeFileAtomic(path, text, 0o644);
  await daemonReload(runner);
  return path;
}

/** Removes the candidate drop-in; reloads systemd only when there was one. */
export async function removeCandidate(runner: Runner, unit: UnitName, removeEmptyDir: boolean): Promise<boolean> {
  const removed = await runner.removeFile(candidateDropInPath(unit));
  if (removeEmptyDir) await runner.removeEmptyDir(dropInDir(unit));
  if (removed) await daemonReload(runner);
  return removed;
}

export interface Lock {
  path: string;
  release(): Promise<void>;
}

export function lockPath(unit: UnitName): string {
  return `${LOCK_DIR}/${unit}.lock`;
}

/**
 * One bindscout per unit. The lock file names the pid that holds it; a lock whose process is gone
 * (bindscout was killed) is taken over. `alive` is asked about that pid.
 */
export async function acquireLock(runner: Runner, unit: UnitName, pid: number, alive: (pid: number) => boolean): Promise<Lock | { heldBy: number }> {
  const path = lockPath(unit);
  await runner.mkdirp(LOCK_DIR);
  for (let attempt = 0; attempt < 2; attempt++) {
    if (await runner.createExclusive(path, `${pid}\n`)) {
      return { path, release: async () => void (await runner.removeFile(path)) };
    }
    const holder = Number((await runner.readFile(path))?.toString('utf8').trim());
    if (Number.isInteger(holder) && holder > 0 && holder !== pid && alive(holder)) return { heldBy: holder };
    await runner.removeFile(path);
  }
  return { heldBy: -1 };
}
