/**
 * Who a running unit is, beyond its unit file: the accounts its processes actually run as, and the
 * package that ships the unit. A daemon started as root that drops to its own user with a flag has no
 * `User=`; only its processes say who it became.
 */
import { parseStatus } from '../checks/procfs.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { Runner } from './runner.js';
import { systemctl } from './unit.js';

export interface Accounts {
  uids: number[];
  gids: number[];
}

/** Effective uids and gids of the unit's processes now (its cgroup), root left out. */
export async function runningAccounts(runner: Runner, unit: UnitName): Promise<Accounts> {
  const shown = await systemctl(runner, ['show', '-p', 'ControlGroup', '-p', 'MainPID', '--', unit]);
  // KEY=VALUE lines: systemctl prints properties in its own order, not in the order asked.
  const value = (key: string) => shown.stdout.split('\n').find((l) => l.startsWith(`${key}=`))?.slice(key.length + 1).trim() ?? '';
  const [controlGroup, mainPid] = [value('ControlGroup'), value('MainPID')];
  const pids = new Set<string>();
  if (/^[1-9]\d*$/.test(mainPid)) pids.add(mainPid);
  if (controlGroup.startsWith('/')) {
    // cgroup v2, or the unified and named hierarchies of a hybrid v1 setup.
    for (const base of ['/sys/fs/cgroup', '/sys/fs/cgroup/unified', '/sys/fs/cgroup/systemd']) {
      const procs = (await runner.readFile(`${base}${controlGroup}/cgroup.procs`).catch(() => undefined))?.toString('utf8');
      if (procs === undefined) continue;
      for (const pid of procs.split('\n')) if (/^[1-9]\d*$/.test(pid.trim())) pids.add(pid.trim());
      break;
    }
  }
  const uids = new Set<number>();
  const gids = new Set<number>();
  for (const pid of pids) {
    const status = (await runner.readFile(`/proc/${pid}/status`))?.toString('utf8');
    if (status === undefined) continue;
    const creds = parseStatus(status);
    if (Number.isInteger(creds.uid) && creds.uid !== 0) uids.add(creds.uid);
    if (Number.isInteger(creds.gid) && creds.gid !== 0) gids.add(creds.gid);
  }
  const sorted = (set: Set<number>) => [...set].sort((a, b) => a - b);
  return { uids: sorted(uids), gids: sorted(gids) };
}

/** The Debian package that ships `file` (`dpkg -S`); undefined without dpkg or for a local unit. */
export async function packageOf(runner: Runner, file: string): Promise<string | undefined> {
  if (!file.startsWith('/')) return undefined;
  const result = await runner.run('dpkg', ['-S', '--', file], { timeoutMs: 30_000 }).catch(() => undefined);
  if (result === undefined || result.exitCode !== 0) return undefined;
  // `nginx-common: /lib/systemd/system/nginx.service`; diversions print other lines first.
  const line = result.stdout.split('\n').find((l) => l.endsWith(`: ${file}`) && !l.startsWith('diversion'));
  const name = line?.slice(0, line.indexOf(':')).split(',')[0]?.trim();
  return name !== undefined && /^[a-z0-9][a-z0-9+.-]+$/.test(name) ? name : undefined;
}
