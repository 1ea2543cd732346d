/**
 * A unit's main process once it runs its own program. systemd reports the MainPID of a `Type=simple`
 * (or `exec`, `notify`) service as soon as it has forked: the child is still systemd, named `(nginx)`,
 * setting up the namespace, and `/proc/MAINPID/root` is then the host's root. Only after the exec is
 * the process in its sandbox.
 */
import type { Runner } from './runner.js';

export interface ExecdProcess {
  pid: number;
  /** /proc/PID/comm after the exec. */
  comm: string;
}

/** systemd names a forked child `(program)` until it execs (truncated to 15 characters). */
export function stillForkedChild(comm: string): boolean {
  return comm.startsWith('(');
}

async function mainPid(runner: Runner, unit: string): Promise<number> {
  const shown = await runner.run('systemctl', ['show', '-p', 'MainPID', '--value', '--', unit], { timeoutMs: 30_000 });
  const pid = Number(shown.stdout.trim());
  return Number.isInteger(pid) && pid > 1 ? pid : 0;
}

/**
 * Waits until the unit's MainPID has exec'd into its program; the pid is read again each time, so a
 * restart in between is followed. undefined when the unit has no main process, or it never exec'd
 * within `timeoutMs`.
 */
export async function waitUntilMainPidExecd(
  runner: Runner,
  unit: string,
  { timeoutMs = 10_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<ExecdProcess | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const pid = await mainPid(runner, unit);
    if (pid === 0) return undefined;
    const comm = (await runner.readFile(`/proc/${pid}/comm`))?.toString('utf8').trim();
    if (comm !== undefined && !stillForkedChild(comm)) return { pid, comm };
    if (Date.now() >= deadline) return undefined;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
