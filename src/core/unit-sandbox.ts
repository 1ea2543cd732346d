/**
 * A unit's own settings under the lockdown: the names its files are likely to carry, what its own
 * sandbox settings already make visible, the programs its Exec lines run, and the hardening it had
 * that has to be carried over so that it keeps working under TemporaryFileSystem=/.
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

/** Exec*= programs of a loaded unit (systemd's resolved path, else the first word), absolute ones only. */
export function execProgramsOf(unit: UnitInfo): string[] {
  const programs = new Set<string>();
  for (const line of unit.exec) {
    const word = line.shown?.path ?? line.command.trim().split(/\s+/)[0];
    if (word?.startsWith('/')) programs.add(word);
  }
  return [...programs];
}

/**
 * The unit's own hardening, kept working under the lockdown. `NoExecPaths=/` (Debian's redis) is a
 * second mount on `/` and systemd then drops TemporaryFileSystem=/ silently; the same protection is
 * carried over to every bound path instead, except where the unit's ExecPaths= allow execution.
 */
export function keepUnitHardening(profile: Profile, unit: UnitInfo): Profile {
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
    ...bound.filter((path) => !allowed(path)).map((path) => ({
      directive: 'NoExecPaths' as const,
      value: path,
      reason: "the unit's NoExecPaths=/, carried over to what is bound",
      optional: true,
    })),
  ];
  return { ...profile, entries: [...profile.entries, ...noExec] };
}
