/**
 * Who a running unit is, beyond its unit file: the accounts its processes actually run as, and the
 * package that ships the unit. A daemon started as root that drops to its own user with a flag has no
 * `User=`; only its processes say who it became.
 */
import { parseStatus } from '../checks/procfs.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { Runner } from './runner.js';
import { cgroupPids } from './control.js';
import { SHARED_PLACES, SYSTEM_STATE } from '../profile/ownership.js';
import { systemctl } from './unit.js';

export interface Accounts {
  uids: number[];
  gids: number[];
}

/** Effective uids and gids of the unit's processes now (its cgroup), root left out. */
export async function runningAccounts(runner: Runner, unit: UnitName): Promise<Accounts> {
  const shown = await systemctl(runner, ['show', '-p', 'MainPID', '--value', '--', unit]);
  const mainPid = shown.stdout.trim();
  const pids = new Set<string>();
  if (/^[1-9]\d*$/.test(mainPid)) pids.add(mainPid);
  // Numbered as systemd's PID namespace numbers them, as /proc is read here: cgroup.procs read from
  // outside a container would give the host's numbers (a forking LSB unit has no MainPID to fall back on).
  for (const pid of (await cgroupPids(runner, unit)) ?? []) pids.add(String(pid));
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

/**
 * The name of the package shipping the unit file, when it stands for the service (samba for smbd's
 * /run/samba): only when the system's own state does not use it, since units shipped by systemd or dbus
 * would otherwise make /var/lib/systemd or /run/dbus "named for" them. The fold and the audit both
 * count it among the service's names, so that what one binds as its own the other does not call foreign.
 */
export async function ownPackageName(runner: Runner, unitFile: string): Promise<{ package?: string; name?: string }> {
  const pkg = await packageOf(runner, unitFile);
  if (pkg === undefined) return {};
  const standsForService = ![...SYSTEM_STATE, ...SHARED_PLACES].some((place) => place.split('/').includes(pkg));
  return standsForService ? { package: pkg, name: pkg } : { package: pkg };
}
