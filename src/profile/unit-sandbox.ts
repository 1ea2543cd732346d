/**
 * A unit's own settings under the lockdown: the names its files are likely to carry, what its own
 * sandbox settings already make visible, and the hardening it had that has to be carried over so
 * that it keeps working under TemporaryFileSystem=/.
 */
import { providedByUnitSettings } from './fold.js';
import { isStrictlyUnder, isUnder, normalizePath } from '../core/fsview.js';
import type { ByteString, Directive, Profile, ProfileEntry, ProfileNote } from '../core/model.js';
import { SHARED_PLACES } from './ownership.js';
import type { UnitInfo } from '../unit-file/unitfile.js';

/**
 * Names a unit's own files are likely to carry: `nginx`, `postgresql` (+ `15-main`), `redis-server` and
 * `redis`, and the name of the package shipping it when that stands for it (`samba` for smbd, see
 * ownPackageName).
 */
export function serviceNamesOf(unit: UnitInfo, packageName?: string): string[] {
  const base = unit.Id.replace(/\.[a-z]+$/, '');
  const [prefix, instance] = base.split('@');
  const names = new Set([prefix, prefix.split('-')[0]]);
  if (instance) names.add(instance);
  if (unit.SyslogIdentifier && !unit.SyslogIdentifier.includes('@')) names.add(unit.SyslogIdentifier);
  if (packageName !== undefined) names.add(packageName);
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
 * The unit's own settings that a TemporaryFileSystem=/ lockdown must carry over, one rule for every
 * command that knows the unit (discover, profile):
 *
 * - `NoExecPaths=/` (Debian's redis) is a second mount on `/`: systemd 252 then drops
 *   TemporaryFileSystem=/ without a word. It is reset, and the same protection is put on every bound
 *   path instead, except where the unit's `ExecPaths=` allow execution.
 * - `ReadWritePaths=` cannot punch through a tmpfs: what the unit declares writable is bound writable,
 *   so that a write the service makes only now and then (redis's dump) still works.
 *
 * The settings are read as lists of words with systemd's prefixes (`-`, `+`) still on them.
 */
export interface UnitHardening {
  NoExecPaths: string[];
  ExecPaths: string[];
  ReadWritePaths: string[];
  /** The settings that mount host paths into the namespace: one naming `/` or a shared tree defeats the empty root. */
  ReadOnlyPaths?: string[];
  InaccessiblePaths?: string[];
  BindPaths?: string[];
  BindReadOnlyPaths?: string[];
}

const BIND = new Set(['BindReadOnlyPaths', 'BindPaths']);

/** `-` (ignore if missing) and `+` (relative to RootDirectory=) are systemd's, not the path's. */
function bare(word: string): { path: string; optional: boolean } {
  const prefixes = /^[-+]*/.exec(word)![0];
  return { path: normalizePath(word.slice(prefixes.length)), optional: prefixes.includes('-') };
}

/**
 * `/` or a place every service shares (`/run`, `/var/lib`, `/etc` …): a unit setting that mounts it
 * brings the host's root or a whole shared tree back over the empty one.
 */
export function isBroadPlace(path: string): boolean {
  return SHARED_PLACES.includes(normalizePath(path));
}

/**
 * A broad writable grant the unit declares (`ReadWriteDirectories=-/run`): never bound whole. What the
 * service wrote below it is granted on its own by the fold; the whole place is asked about in the
 * review, as a write to a place that is not its own.
 */
export function broadUnitGrants(unit: UnitHardening): ProfileNote[] {
  return unit.ReadWritePaths.map(bare)
    .filter(({ path }) => isBroadPlace(path))
    .map(({ path }) => ({
      path,
      reason:
        `the unit's own ReadWritePaths=${path} makes a place every service shares writable: not bound whole, ` +
        'only what the service wrote there is granted',
      directive: 'BindPaths' as const,
      systemWrite: true,
    }));
}

function carryReadWritePaths(entries: ProfileEntry[], words: string[]): ProfileEntry[] {
  let out = entries;
  for (const word of words) {
    // Bound at the path the unit names: inside the empty root, a symlink on the way (/var/run) is not there.
    const { path, optional } = bare(word);
    // The whole host, or a shared tree, writable is no lockdown at all (see broadUnitGrants).
    if (isBroadPlace(path)) continue;
    if (out.some((e) => e.directive === 'BindPaths' && isUnder(path, e.value))) continue;
    // A narrower mount inside it would hide the unit's writes there (and a file mount cannot be renamed over).
    out = out.filter((e) => !(BIND.has(e.directive) && (e.value === path || isStrictlyUnder(e.value, path))));
    out.push({
      directive: 'BindPaths',
      value: path,
      reason: `the unit's own ReadWritePaths=${word}: under the empty root only a bind brings it back`,
      ...(optional ? { optional: true } : {}),
    });
  }
  return out;
}

function carryNoExecRoot(entries: ProfileEntry[], unit: UnitHardening, executed: ByteString[]): ProfileEntry[] {
  if (!unit.NoExecPaths.some((p) => bare(p).path === '/')) return entries;
  const execAllowed = unit.ExecPaths.map((p) => bare(p).path);
  const allowed = (path: string) => execAllowed.some((e) => isUnder(path, e));
  const bound = entries.filter((e) => BIND.has(e.directive)).map((e) => e.value);
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
  return [
    ...entries,
    { directive: 'NoExecPaths', value: '', reason: "the unit's NoExecPaths=/ would mount on / too and make systemd drop TemporaryFileSystem=/" },
    ...bound
      // A program or ELF interpreter bound on its own was executed: noexec on it is a 203/EXEC.
      .filter((path) => !allowed(path) && !executed.includes(path))
      .map((path) => ({ directive: 'NoExecPaths' as const, value: path, reason: "the unit's NoExecPaths=/, carried over to what is bound", optional: true })),
    ...execPaths,
  ];
}

type ResetSetting = 'ReadOnlyPaths' | 'InaccessiblePaths' | 'ReadWritePaths' | 'BindPaths' | 'BindReadOnlyPaths' | 'NoExecPaths' | 'ExecPaths';

/** The parts of a bind word (`-SRC[:DST[:OPTIONS]]`; `\:` is a colon of the path). */
function bindParts(word: string): { source: string; destination?: string } {
  const [src, dst] = word.split(/(?<!\\):/).map((part) => part.replace(/\\:/g, ':'));
  const source = bare(src).path;
  // `systemctl show` prints every bind as SRC:DST:OPTIONS, also where DST is SRC.
  const destination = dst === undefined || dst === '' ? undefined : normalizePath(dst);
  return { source, ...(destination !== undefined && destination !== source ? { destination } : {}) };
}

const bindSource = (word: string): string => bindParts(word).source;

/**
 * broad: the word mounts the host's `/` or a shared tree. emptyRootFails: the setting mounts onto a
 * path inside the namespace, which on the empty root exists only where a bind put it; systemd 252 then
 * fails the start with 226/NAMESPACE on a word without `-` (coturn's InaccessibleDirectories=/home).
 */
const RESET_LISTS: { setting: ResetSetting; broad(word: string): boolean; emptyRootFails: boolean }[] = [
  { setting: 'ReadOnlyPaths', broad: (w) => isBroadPlace(bare(w).path), emptyRootFails: true },
  // Hiding a shared tree exposes nothing; only a mount on `/` itself takes the place of the empty root.
  { setting: 'InaccessiblePaths', broad: (w) => bare(w).path === '/', emptyRootFails: true },
  { setting: 'ReadWritePaths', broad: (w) => isBroadPlace(bare(w).path), emptyRootFails: false },
  // A bind of the host's / or a shared tree brings it back into the empty root, wherever it lands.
  { setting: 'BindPaths', broad: (w) => isBroadPlace(bindSource(w)), emptyRootFails: false },
  { setting: 'BindReadOnlyPaths', broad: (w) => isBroadPlace(bindSource(w)), emptyRootFails: false },
  // NoExecPaths=/ is carryNoExecRoot's; narrower words only need to tolerate a missing path.
  { setting: 'NoExecPaths', broad: () => false, emptyRootFails: true },
  { setting: 'ExecPaths', broad: () => false, emptyRootFails: true },
];

/**
 * Every list setting of the unit that mounts `/` or a shared tree (`ReadOnlyDirectories=/`, the old
 * spelling of `ReadOnlyPaths=/`, makes systemd drop TemporaryFileSystem=/) is reset with an empty
 * assignment, before the profile's own entries of that setting, and its narrow words are put back as
 * ignore-if-missing; so is a setting whose words would fail on a path the empty root does not have.
 * ReadWritePaths= needs no words back: what it declares is bound writable by carryReadWritePaths.
 */
function resetBroadMounts(entries: ProfileEntry[], unit: UnitHardening): ProfileEntry[] {
  let out = entries;
  const noExecRoot = unit.NoExecPaths.some((p) => bare(p).path === '/');
  for (const { setting, broad, emptyRootFails } of RESET_LISTS) {
    if (noExecRoot && (setting === 'NoExecPaths' || setting === 'ExecPaths')) continue;
    const words = unit[setting] ?? [];
    const wide = words.filter(broad);
    const strict = emptyRootFails ? words.filter((w) => !broad(w) && !bare(w).optional) : [];
    if (wide.length === 0 && strict.length === 0) continue;
    const reset: ProfileEntry = {
      directive: setting,
      value: '',
      reason:
        wide.length > 0
          ? `the unit's own ${setting}=${wide.join(' ')} mounts the host's ${wide.length === 1 ? 'tree' : 'trees'} over the empty root: reset, its narrower entries put back`
          : `the unit's own ${setting}=${strict.join(' ')} fails the start where the empty root does not have the path: reset, put back as ignore-if-missing`,
    };
    const putBack = (w: string): ProfileEntry => {
      const reason = `the unit's own ${setting}=${w}, put back`;
      if (!BIND.has(setting)) return { directive: setting as Directive, value: bare(w).path, reason, optional: true };
      // Mount options (rbind, norbind) are not carried: the bind is put back recursive, systemd's default.
      const { source, destination } = bindParts(w);
      return { directive: setting as Directive, value: source, reason, optional: true, ...(destination !== undefined ? { destination } : {}) };
    };
    const back: ProfileEntry[] = setting === 'ReadWritePaths' ? [] : words.filter((w) => !broad(w)).map(putBack);
    // An empty assignment resets everything before it: it goes before the profile's own entries of the setting.
    const first = out.findIndex((e) => e.directive === setting);
    const at = first < 0 ? out.length : first;
    out = [...out.slice(0, at), reset, ...back, ...out.slice(at)];
  }
  return out;
}

/** The profile with the unit's own hardening kept working under the lockdown (see UnitHardening). */
export function keepUnitHardening(profile: Profile, unit: UnitHardening, executed: ByteString[] = []): Profile {
  const entries = carryNoExecRoot(resetBroadMounts(carryReadWritePaths(profile.entries, unit.ReadWritePaths), unit), unit, executed);
  if (entries === profile.entries) return profile;
  return { ...profile, entries };
}
