/**
 * A unit's own settings under the lockdown: the names its files are likely to carry, what its own
 * sandbox settings already make visible, and the hardening it had that has to be carried over so
 * that it keeps working under TemporaryFileSystem=/.
 */
import { providedByUnitSettings } from './fold.js';
import type { ByteString, Profile, ProfileEntry } from './model.js';
import type { UnitInfo } from './unitfile.js';

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

/**
 * The unit's own hardening, kept working under the lockdown. `NoExecPaths=/` (Debian's redis) is a
 * second mount on `/` and systemd then drops TemporaryFileSystem=/ silently; the same protection is
 * carried over to every bound path instead, except where the unit's ExecPaths= allow execution.
 */
export function keepUnitHardening(profile: Profile, unit: UnitInfo, executed: ByteString[] = []): Profile {
  const noExecRoot = unit.sandbox.NoExecPaths.some((p) => p.replace(/^-/, '') === '/');
  if (!noExecRoot) return profile;
  const execAllowed = unit.sandbox.ExecPaths.map((p) => p.replace(/^-/, ''));
  const allowed = (path: string) =>
    execAllowed.some((e) => path === e || path.startsWith(e.endsWith('/') ? e : `${e}/`));
  const bound = profile.entries
    .filter((e) => e.directive === 'BindReadOnlyPaths' || e.directive === 'BindPaths')
    .map((e) => e.value);
  const noExec: ProfileEntry[] = [
    {
      directive: 'NoExecPaths',
      value: '',
      reason: "the unit's NoExecPaths=/ would mount on / too and make systemd drop TemporaryFileSystem=/",
    },
    ...bound
      // A program or ELF interpreter bound on its own was executed: noexec on it is a 203/EXEC.
      .filter((path) => !allowed(path) && !executed.includes(path))
      .map((path) => ({
        directive: 'NoExecPaths' as const,
        value: path,
        reason: "the unit's NoExecPaths=/, carried over to what is bound",
        optional: true,
      })),
  ];
  // The unit's ExecPaths= name places (/lib, /usr/lib) that need not exist on the empty root: systemd
  // mounts them before the binds below them create them, and a missing one fails with 226/NAMESPACE.
  const execPaths: ProfileEntry[] = execAllowed.length
    ? [
        { directive: 'ExecPaths', value: '', reason: "the unit's ExecPaths=, re-emitted below as ignore-if-missing" },
        ...execAllowed.map((path) => ({
          directive: 'ExecPaths' as const,
          value: path,
          reason: "the unit's ExecPaths=: where it is visible, it stays executable",
          optional: true,
        })),
      ]
    : [];
  return { ...profile, entries: [...profile.entries, ...noExec, ...execPaths] };
}
