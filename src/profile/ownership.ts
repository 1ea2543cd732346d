/**
 * Whether a path the service writes is its own. Only the service's own places are bound writable: a
 * directory named for it or declared by the unit (`*Directory=`, `ReadWritePaths=`), one owned by its
 * `User=`, or an existing file it writes outside the system's own state. Shared places as a whole
 * (`/run`, `/var/log`, `/etc` …) and the system's state (`/var/lib/dpkg`, `/etc/alternatives` …) never
 * are: a write there changes the host for everyone else. Pure: file facts come in as arguments.
 */
import { isUnder, resolveSymlinks, splitPath, type FsView } from '../core/fsview.js';
import type { Access, ByteString } from '../core/model.js';

export interface ServiceIdentity {
  /** Names the service goes by (`nginx`, `postgresql`, `15-main`, `redis`). */
  names: string[];
  /** Paths the unit itself declares writable, with the setting that declares them. */
  declared: { path: ByteString; by: string }[];
  /** The uid of the unit's `User=`; undefined for root or when unknown. */
  uid?: number;
  /**
   * The accounts its processes actually ran as (effective uid and gid from /proc/PID/status during the
   * observed start), root left out: a daemon started as root that drops to its own user with a flag
   * (`-u USER`) has no `User=`. Supplementary groups are not counted: they are shared by design
   * (`ssl-cert`), and a file of such a group is not one service's own.
   */
  ranAs?: { uids: number[]; gids: number[] };
  /** The Debian package that ships the unit file (`dpkg -S`), when there is one. */
  package?: string;
}

/** root, and nobody/nogroup, which many daemons drop to: owning a file says nothing about whose it is. */
const SHARED_IDS: readonly number[] = [0, 65534];

/**
 * The accounts a service's processes run as: its users, and its primary groups only. Supplementary
 * groups are shared by design (`ssl-cert`): a file of such a group is not one service's own.
 */
export interface ServiceAccounts {
  uids: readonly number[];
  gids: readonly number[];
}

/** Who owns an entry and its mode (st_mode & 0o7777), and whether it is a directory. */
export interface OwnedEntry {
  uid: number;
  /** undefined when the view does not know the group. */
  gid?: number;
  mode: number;
  directory: boolean;
}

export type AccountOwnership = { by: 'user'; uid: number } | { by: 'group'; gid: number };

/** The group bit that matters for what the service does with the entry. */
const GROUP_BIT = { read: 0o040, write: 0o020 } as const;

/**
 * The one rule for "the service's own account owns it", used by the fold, the secrets and the audit:
 * one of its users owns the entry, or one of its primary groups owns it and may `use` it (root:bind
 * 0775 for a daemon that drops to bind itself, root:bind 0640 for a key kept for it). root and
 * nobody/nogroup never count. For writing, only a directory counts by its group: a group-writable
 * directory is a place made for the group, a group-writable file is at most shared with it.
 */
export function accountOwnership(entry: OwnedEntry, accounts: ServiceAccounts, use: 'read' | 'write'): AccountOwnership | undefined {
  if (!SHARED_IDS.includes(entry.uid) && accounts.uids.includes(entry.uid)) return { by: 'user', uid: entry.uid };
  const { gid } = entry;
  if (gid === undefined || SHARED_IDS.includes(gid) || !accounts.gids.includes(gid)) return undefined;
  if (use === 'write' && !entry.directory) return undefined;
  return (entry.mode & GROUP_BIT[use]) !== 0 ? { by: 'group', gid } : undefined;
}

/** The accounts of `identity`: its `User=` and what its processes were seen to run as. */
export function accountsOf(identity: ServiceIdentity): ServiceAccounts {
  return {
    uids: [...(identity.uid !== undefined ? [identity.uid] : []), ...(identity.ranAs?.uids ?? [])],
    gids: identity.ranAs?.gids ?? [],
  };
}

/** Why the service's own accounts own the entry (see accountOwnership), in the fold's words. */
export function ownedByServiceAccount(owner: OwnedEntry | undefined, identity: ServiceIdentity | undefined, use: 'read' | 'write'): string | undefined {
  if (owner === undefined || identity === undefined) return undefined;
  const owned = accountOwnership(owner, accountsOf(identity), use);
  if (owned === undefined) return undefined;
  if (owned.by === 'group') return 'owned by the group the service runs as';
  return owned.uid === identity.uid ? "owned by the unit's User=" : 'owned by the user the service runs as';
}

/** Directories shared by every service: never writable as a whole, whoever asks. */
export const SHARED_PLACES: readonly ByteString[] = [
  '/',
  '/bin',
  '/boot',
  '/etc',
  '/home',
  '/lib',
  '/lib64',
  '/media',
  '/mnt',
  '/opt',
  '/root',
  '/run',
  '/run/lock',
  '/run/user',
  '/sbin',
  '/srv',
  '/tmp',
  '/usr',
  '/usr/local',
  '/var',
  '/var/backups',
  '/var/cache',
  '/var/lib',
  '/var/local',
  '/var/lock',
  '/var/log',
  '/var/mail',
  '/var/run',
  '/var/spool',
  '/var/tmp',
  '/var/www',
];

/**
 * The system's own state and code: a write below these belongs to the package manager, systemd or the
 * admin, even when the file already exists.
 */
export const SYSTEM_STATE: readonly ByteString[] = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib64',
  '/run/systemd',
  '/run/dbus',
  '/sbin',
  '/usr',
  '/var/backups',
  '/var/cache/apt',
  '/var/cache/debconf',
  '/var/lib/apt',
  '/var/lib/dpkg',
  '/var/lib/systemd',
  '/var/lib/ucf',
];

/** A place shared by every service or holding the system's state: never the service's own as a whole. */
export function isSharedOrSystemPlace(path: ByteString): boolean {
  return SHARED_PLACES.includes(path) || SYSTEM_STATE.some((place) => isUnder(path, place));
}

/** Kernel and device trees: their write rules are PrivateDevices=/MountAPIVFS=, not ownership. */
const API_TREES: readonly ByteString[] = ['/dev', '/proc', '/sys'];

export interface WrittenPath {
  /** The path that would be bound writable (a directory, or a single existing file). */
  path: ByteString;
  /** True when the path is an existing file that is written in place (not created or removed). */
  existingFile: boolean;
  /** Owner uid of the path on the filesystem the fold judges; undefined when unknown. */
  ownerUid?: number;
  /** Owner gid and mode, to recognise a group-writable place of the service's own group. */
  ownerGid?: number;
  mode?: number;
}

/** A written path's owner as the account rule takes it: WrittenPath is a directory unless an existing file. */
function ownedEntry(written: WrittenPath): OwnedEntry | undefined {
  if (written.ownerUid === undefined) return undefined;
  const gid = written.ownerGid !== undefined ? { gid: written.ownerGid } : {};
  return { uid: written.ownerUid, ...gid, mode: written.mode ?? 0, directory: !written.existingFile };
}

/** What `fs` says about who owns `path`, in WrittenPath's terms. */
export function ownerFacts(fs: FsView, path: ByteString): Pick<WrittenPath, 'ownerUid' | 'ownerGid' | 'mode'> {
  const owner = fs.owner?.(path);
  if (owner === undefined) return {};
  return { ownerUid: owner.uid, mode: owner.mode, ...(owner.gid !== undefined ? { ownerGid: owner.gid } : {}) };
}

/**
 * Why `written.path` is the service's own, or undefined when it is not. `identity` undefined (analyze,
 * which knows no unit): everything outside the shared places and the system's state counts as its own.
 */
export function ownReason(written: WrittenPath, identity: ServiceIdentity | undefined): string | undefined {
  const { path } = written;
  if (API_TREES.some((tree) => isUnder(path, tree))) return 'a kernel or device path';
  const declared = identity?.declared.find((d) => isUnder(path, d.path));
  if (declared !== undefined) return `declared by ${declared.by}`;
  if (SHARED_PLACES.includes(path)) return undefined;
  if (identity !== undefined) {
    const named = namedFor(path, identity.names);
    if (named !== undefined) return `named for the service (${named})`;
    const byAccount = ownedByServiceAccount(ownedEntry(written), identity, 'write');
    if (byAccount !== undefined) return byAccount;
  }
  const systemState = SYSTEM_STATE.some((place) => isUnder(path, place));
  if (systemState) return undefined;
  if (identity === undefined) return 'outside the shared places and the system state';
  if (written.existingFile) return 'an existing file the service writes in place';
  return undefined;
}

/** The directory (or file) of `path` named after one of `names`, below a top-level directory. */
function namedFor(path: ByteString, names: string[]): ByteString | undefined {
  const parts = splitPath(path);
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i];
    const stem = part.includes('.') ? part.slice(0, part.indexOf('.')) : part;
    if (names.includes(part) || (i === parts.length - 1 && stem !== '' && names.includes(stem))) {
      return '/' + parts.slice(0, i + 1).join('/');
    }
  }
  return undefined;
}

/** The settings of a unit that declare paths writable, as full paths (`StateDirectory=redis` → /var/lib/redis). */
export function declaredWritable(values: (setting: string) => string[]): { path: ByteString; by: string }[] {
  const bases: [string, ByteString][] = [
    ['RuntimeDirectory', '/run'],
    ['StateDirectory', '/var/lib'],
    ['CacheDirectory', '/var/cache'],
    ['LogsDirectory', '/var/log'],
  ];
  const out: { path: ByteString; by: string }[] = [];
  for (const [setting, base] of bases) {
    for (const word of values(setting)) {
      const name = word.split(':')[0];
      if (name) out.push({ path: `${base}/${name}`, by: `the unit's ${setting}=${name}` });
    }
  }
  for (const word of values('ReadWritePaths')) {
    const path = word.replace(/^[-+]+/, '');
    // A shared place the unit declares writable (ReadWriteDirectories=-/run) is not its own for that.
    if (path.startsWith('/') && !SHARED_PLACES.includes(path)) out.push({ path, by: `the unit's ReadWritePaths=${path}` });
  }
  return out;
}

/** Marks the reason of a writable grant the observed run never used, for the report. */
export const UNWRITTEN_OWN = 'writable although the observed run never wrote into it';

/**
 * A directory of the service's own that the trace never wrote into is still writable: one it tried to
 * create (found there, EEXIST) or one its own accounts own. nginx's master ensures its temp directories
 * at start; only a request body bigger than its buffer writes there, which a GET probe never sends.
 * Shared places stay out (`mkdir -p` walks through /run): ownReason decides. Returns why, or undefined.
 */
const CONFIGURATION_AND_CODE: ByteString[] = ['/etc', '/usr', '/opt', '/boot'];

export function ownUnwrittenDirectory(access: Access, fs: FsView, identity: ServiceIdentity | undefined): string | undefined {
  if (identity === undefined || resolveSymlinks(fs, access.path).kind !== 'dir' || fs.lstat(access.path) !== 'dir') return undefined;
  const facts = ownerFacts(fs, access.path);
  const triedToCreate = access.errors.has('EEXIST');
  const accountOwned = ownedByServiceAccount(ownedEntry({ path: access.path, existingFile: false, ...facts }), identity, 'write');
  if (!triedToCreate && accountOwned === undefined) return undefined;
  // Owning a directory is no sign it is written to where configuration and code live: postgres owns
  // /etc/postgresql/15, which it only reads. Its data, cache, spool and temp places are elsewhere.
  if (!triedToCreate && CONFIGURATION_AND_CODE.some((tree) => isUnder(access.path, tree))) return undefined;
  const own = ownReason({ path: access.path, existingFile: false, ...facts }, identity);
  if (own === undefined) return undefined;
  const why = [triedToCreate ? 'the service tried to create it (it exists)' : undefined, accountOwned, own].filter((f, i, all) => f !== undefined && all.indexOf(f) === i);
  return `${why.join(', ')}: its own, ${UNWRITTEN_OWN} (what the probe did not exercise, such as a large upload, may)`;
}

/**
 * A directory a mkdir found already there (EEXIST). `mkdir -p` walks through every parent the same way
 * (`/run`, `/var`, `/var/lib`): those, and any shared or system place, were only looked up. The
 * directory the service tries to create is its own when the ownership rules say so (named for it,
 * owned by its user, declared by the unit), and then writable even if the trace never wrote into it
 * (nginx's temp directories take request bodies only under load). Any other one is bound read-only as
 * it is: an empty root-owned stand-in would make a service that chowns it fail on the read-only tmpfs.
 */
export function ensuredDirectory(path: ByteString, walkedThrough: boolean, ownerUid: number | undefined, identity: ServiceIdentity | undefined): 'own' | 'as-is' | 'looked-up' {
  if (walkedThrough || isSharedOrSystemPlace(path)) return 'looked-up';
  return ownReason({ path, existingFile: false, ownerUid }, identity) !== undefined ? 'own' : 'as-is';
}
