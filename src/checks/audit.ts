/**
 * The audit of a running service: what it can still see and change under its lockdown, judged from
 * the walk of its own root (`/proc/MAINPID/root`), its mounts (`/proc/MAINPID/mountinfo`), the mounts
 * of the systemd it runs under (to tell the host's filesystems from private ones) and its credentials.
 *
 * A violation is one of
 *   - writable: a path of the host the service can change that is not its own;
 *   - socket:   a socket of systemd or of another service it can see (the journal and notify sockets
 *               every service is meant to use are not violations);
 *   - secret:   a secret it can see that is not its own.
 * and the audit counts the entries visible outside the system trees (/usr, /lib*, /bin, /sbin,
 * /proc, /sys, /dev) and the service's own directories.
 *
 * "Own" is: a directory the unit declares (`RuntimeDirectory=`, `StateDirectory=`, `CacheDirectory=`,
 * `LogsDirectory=`, `ConfigurationDirectory=`, `ReadWritePaths=`), a directory named for the unit
 * (`/var/lib/nginx`, `/run/postgresql`, `/run/nginx-private-run`), its PrivateTmp=, a filesystem no
 * one else has (a private tmpfs), or an entry its account owns (the fold's rule, accountOwnership).
 * Judged on the path inside and on the host path it comes from, so `BindPaths=/run/x-private:/run` is
 * judged as /run/x-private.
 *
 * Pure: src/systemd collects, this decides.
 */
import { accountOwnership } from '../profile/ownership.js';
import { sensitiveReason } from '../profile/sensitive.js';
import type { Credentials, MountPoint } from './procfs.js';
import type { UnitInfo } from '../unit-file/unitfile.js';
import { UNIT_DIRECTORY_BASES, type UnitDirectorySetting } from '../unit-file/unit-directories.js';
import { isBroadPlace, serviceNamesOf } from '../profile/unit-sandbox.js';

/** find's %y letters. */
export type AuditEntryType = 'f' | 'd' | 'l' | 's' | 'c' | 'b' | 'p';

export interface AuditEntry {
  path: string;
  type: AuditEntryType;
  mode: number;
  uid: number;
  gid: number;
}

/** A mount as the process sees it, and the credentials writes are checked with: /proc's facts. */
export type AuditMount = MountPoint;
export type AuditCredentials = Credentials;

export interface OwnPlace {
  path: string;
  why: string;
}

/** What the audit needs to know about the unit itself. */
export interface AuditSubject {
  unit: string;
  /** Directories the unit declares as its own. */
  declared: OwnPlace[];
  /** Names a directory of the unit's own carries: `nginx`, `postgresql`, `redis`. */
  names: string[];
  privateTmp: boolean;
  /**
   * Sockets and FIFOs the unit's own socket units listen on (its `Sockets=`, the `.socket` units that
   * trigger it): systemd hands them to the service, whatever tree they are in.
   */
  sockets?: OwnPlace[];
}

export type ViolationKind = 'writable' | 'socket' | 'secret';

export interface Violation {
  kind: ViolationKind;
  /** As the service sees it. */
  path: string;
  /** Where it is on the host, when that differs (a bind from elsewhere); null when the same. */
  hostPath: string | null;
  /** Entries at or below `path` this violation stands for (a writable /run: everything under it). */
  entries: number;
  /** The service can write it (for a socket: connect to it). */
  canWrite: boolean;
  /** Why it matters, in a sentence. */
  why: string;
}

export interface AuditReport {
  unit: string;
  pid: number;
  uid: number;
  clean: boolean;
  /** Entries the service sees in all. */
  visible: number;
  /** Entries visible outside /usr, /lib*, /bin, /sbin, /proc, /sys, /dev and its own directories. */
  outside: number;
  /** Those, by their first two path components, most first. */
  outsideByDirectory: { dir: string; entries: number }[];
  /** The own places the audit accepted, for the reader to check. */
  own: OwnPlace[];
  violations: Violation[];
  /** Secrets it sees because the admin granted them (--include): listed, not violations. */
  granted?: { path: string; why: string }[];
}

const SYSTEMD_TREES = /^\/(run|var\/run|etc|var\/lib|usr\/lib|lib)\/systemd(\/|$)/;

/**
 * systemd binds /run/systemd/propagate/UNIT to /run/systemd/incoming in every namespace it builds, to
 * pass later mounts in: part of the sandbox itself, empty, and of no other unit.
 */
const PROPAGATION = /^\/run\/systemd\/incoming(\/.*)? \/run\/systemd\/propagate\/[^/]+(\/.*)?$/;

/** Not counted: what every program needs and no service owns (kernel APIs, the OS's files). */
const SYSTEM_TREES = /^\/(usr|lib[^/]*|bin|sbin|proc|sys|dev)(\/|$)/;

/**
 * Sockets a service is meant to use: the journal's and the notify socket; and systemd's userdb
 * sockets, which answer user and group lookups (nss-systemd) and nothing else.
 */
const EXPECTED_SOCKETS: Record<string, string> = {
  '/run/systemd/journal/socket': 'journal',
  '/run/systemd/journal/stdout': 'journal',
  '/run/systemd/journal/dev-log': 'journal',
  '/dev/log': 'journal',
  '/run/systemd/notify': 'sd_notify',
};

function expectedSocket(hostPath: string): boolean {
  return EXPECTED_SOCKETS[hostPath] !== undefined || /^\/run\/systemd\/userdb\/[^/]+$/.test(hostPath);
}

const SOCKET_WHY: [RegExp, string][] = [
  [/^\/run\/systemd\/private$/, "systemd's private API socket: a root process can start any unit through it, i.e. leave the sandbox"],
  [/^\/run\/dbus\/system_bus_socket$/, 'the D-Bus system bus: the service can ask systemd and other services to act for it'],
  [/^\/run\/systemd\//, "a socket of systemd's: an interface to the service manager outside the sandbox"],
];

/**
 * The paths a socket unit listens on, from `systemctl show -p Listen` values (`/run/x.sock (Stream)`,
 * `/run/systemd/journal/syslog (Datagram)`, `/run/fifo (FIFO)`); ports and abstract names are no paths.
 */
export function socketUnitPaths(socketUnit: string, listen: string[]): OwnPlace[] {
  const out: OwnPlace[] = [];
  for (const value of listen) {
    const m = /^(\/.*) \(([A-Za-z]+)\)$/.exec(value.trim());
    if (m) out.push({ path: m[1], why: `Listen${m[2]}= of ${socketUnit}, the unit's own socket` });
  }
  return out;
}

/** The socket units that belong to a service: its `Sockets=` and the `.socket` units that trigger it. */
export function socketUnitsOf(unit: UnitInfo): string[] {
  const named = [...(unit.properties.get('Sockets') ?? []), ...(unit.properties.get('TriggeredBy') ?? [])].flatMap((v) => v.split(/\s+/));
  return [...new Set(named.filter((n) => n.endsWith('.socket')))];
}

/** The audit's view of a unit: what it declares as its own and what its directories are called. */
export function auditSubjectOf(unit: UnitInfo, sockets: OwnPlace[] = [], packageName?: string): AuditSubject {
  const declared: OwnPlace[] = [];
  for (const [setting, base] of Object.entries(UNIT_DIRECTORY_BASES)) {
    for (const word of unit.sandbox[setting as UnitDirectorySetting] as string[]) {
      const name = word.split(':')[0];
      if (!name) continue;
      declared.push({ path: `${base}/${name}`, why: `${setting}=${name}` });
      // DynamicUser= keeps its state under /var/lib/private and links it from /var/lib.
      if (setting !== 'RuntimeDirectory' && setting !== 'ConfigurationDirectory') declared.push({ path: `${base}/private/${name}`, why: `${setting}=${name}` });
    }
  }
  for (const word of unit.sandbox.ReadWritePaths) {
    const path = word.replace(/^[-+]+/, '');
    // A shared place declared writable (ReadWriteDirectories=-/run) stays a place of the host's.
    if (path.startsWith('/') && !isBroadPlace(path)) declared.push({ path, why: `ReadWritePaths=${path}` });
  }
  return {
    unit: unit.Id,
    declared,
    names: serviceNamesOf(unit, packageName),
    privateTmp: /^(yes|true|1|on)$/i.test(unit.sandbox.PrivateTmp),
    ...(sockets.length > 0 ? { sockets } : {}),
  };
}

export function isUnder(path: string, dir: string): boolean {
  return dir === '/' || path === dir || path.startsWith(dir + '/');
}

function parentOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/** The mount `path` is on: the deepest mount point above it, the later of two on the same point. */
export function mountFor(path: string, mounts: AuditMount[]): AuditMount | undefined {
  let best: AuditMount | undefined;
  for (const m of mounts) {
    if (isUnder(path, m.path) && (best === undefined || m.path.length >= best.path.length)) best = m;
  }
  return best;
}

/**
 * mountFor over a whole walk, remembered per directory: an entry that is no mount point itself is on
 * the mount of its directory. A root seen by a service holds hundreds of thousands of entries.
 */
function mountLookup(mounts: AuditMount[]): (path: string) => AuditMount | undefined {
  const points = new Set(mounts.map((m) => m.path));
  const ofDirectory = new Map<string, AuditMount | undefined>();
  const lookup = (path: string): AuditMount | undefined => {
    if (path === '/' || points.has(path)) return mountFor(path, mounts);
    const dir = parentOf(path);
    if (ofDirectory.has(dir)) return ofDirectory.get(dir);
    const mount = lookup(dir);
    ofDirectory.set(dir, mount);
    return mount;
  };
  return lookup;
}

/** Writable for these credentials: a read-write mount, and the mode (or CAP_DAC_OVERRIDE) allows it. */
export function isWritable(entry: AuditEntry, mounts: AuditMount[], creds: AuditCredentials): boolean {
  return writableOn(entry, mountFor(entry.path, mounts), creds);
}

function writableOn(entry: AuditEntry, mount: AuditMount | undefined, creds: AuditCredentials): boolean {
  if (entry.type === 'l') return false;
  if (mount === undefined || mount.readOnly) return false;
  // Writing to a socket is connecting, not changing the file: judged with the sockets.
  if (entry.type === 's' || entry.type === 'c' || entry.type === 'b' || entry.type === 'p') return false;
  return permits(entry, creds, 0o2);
}

/** The mode's bit `bit` (2 write, 4 read) for these credentials. */
function permits(entry: AuditEntry, creds: AuditCredentials, bit: number): boolean {
  if (creds.dacOverride) return true;
  if (entry.uid === creds.uid) return (entry.mode & (bit << 6)) !== 0;
  if (entry.gid === creds.gid || creds.groups.includes(entry.gid)) return (entry.mode & (bit << 3)) !== 0;
  return (entry.mode & bit) !== 0;
}

/** Filesystems that live in memory: one the host does not have was made for this service alone. */
const MEMORY_FILESYSTEMS = new Set(['tmpfs', 'ramfs', 'proc', 'sysfs', 'devpts', 'mqueue', 'hugetlbfs', 'cgroup', 'cgroup2', 'bpf', 'binfmt_misc']);

/**
 * Where `path` is on the host: the host mount of the same filesystem whose root holds this mount's
 * root. undefined when it is on a memory filesystem the host does not have (a private tmpfs: nobody
 * else's). A disk filesystem the host's mounts do not show is taken to be where it appears.
 */
export function hostPathOf(path: string, mounts: AuditMount[], hostMounts: AuditMount[]): string | undefined {
  const mount = mountFor(path, mounts);
  return hostPathOn(path, mount, mount === undefined ? undefined : hostMountOf(mount, hostMounts));
}

/** The host mount of the same filesystem whose root holds `mount`'s root, if the host has one. */
function hostMountOf(mount: AuditMount, hostMounts: AuditMount[]): AuditMount | undefined {
  let best: AuditMount | undefined;
  for (const h of hostMounts) {
    if (h.device !== mount.device || !isUnder(mount.root, h.root)) continue;
    if (best === undefined || h.root.length > best.root.length || (h.root.length === best.root.length && h.path.length < best.path.length)) best = h;
  }
  return best;
}

/** hostPathOf with `path`'s mount and that mount's host mount already looked up. */
function hostPathOn(path: string, mount: AuditMount | undefined, best: AuditMount | undefined): string | undefined {
  if (mount === undefined) return path;
  if (best === undefined) return MEMORY_FILESYSTEMS.has(mount.fstype) ? undefined : path;
  // The host's own mount, seen where the host has it: the path is the host path (most entries of a
  // service on the host's root; no new string for each).
  if (best.path === mount.path && best.root === mount.root && !path.includes('//') && (path === '/' || !path.endsWith('/'))) return path;
  const inFs = mount.root.slice(best.root === '/' ? 0 : best.root.length) + path.slice(mount.path === '/' ? 0 : mount.path.length);
  const joined = (best.path === '/' ? '' : best.path) + (inFs.startsWith('/') ? inFs : '/' + inFs);
  return joined.replace(/\/+/g, '/').replace(/(.)\/$/, '$1') || '/';
}

/**
 * Why a file is a secret, or undefined. The one place the audit asks: it hands over every fact it has
 * about the file, so how secrets are decided can change without touching the audit.
 */
function secretOf(entry: AuditEntry): string | undefined {
  return sensitiveReason(entry.path);
}

/** The reason `path` (inside) or `host` (its host path) is the service's own, or undefined. */
function ownReason(path: string, host: string | undefined, entry: AuditEntry | undefined, subject: AuditSubject, creds: AuditCredentials): string | undefined {
  for (const place of subject.declared) {
    if (isUnder(path, place.path) || (host !== undefined && isUnder(host, place.path))) return place.why;
  }
  // Exactly the socket systemd listens on for it, even in systemd's own trees (/run/systemd/journal/syslog).
  if (entry !== undefined && (entry.type === 's' || entry.type === 'p')) {
    const socket = subject.sockets?.find((s) => s.path === path || s.path === host);
    if (socket !== undefined) return socket.why;
  }
  const candidates = host === undefined || host === path ? [path] : [path, host];
  // systemd's own trees name things for the unit too (its drop-in directory, its propagation
  // directory): they are systemd's, and a service that could write its own drop-ins could undo its lockdown.
  const inSystemd = candidates.some((c) => SYSTEMD_TREES.test(c));
  for (const candidate of inSystemd ? [] : candidates) {
    // Asked of every entry a service sees: most paths hold none of its names and are not split.
    if (subject.names.some((n) => candidate.includes(n))) {
      const parts = candidate.split('/').filter(Boolean);
      // A directory named for the unit, below a top-level directory: /var/lib/nginx, /run/nginx-x, /etc/cron.d.
      const last = entry?.type === 'd' ? parts.length : parts.length - 1;
      for (let i = 1; i < last; i++) {
        const name = subject.names.find((n) => parts[i] === n || parts[i].startsWith(`${n}-`) || parts[i].startsWith(`${n}.`));
        if (name !== undefined) return `named for ${subject.unit}`;
      }
    }
    if (subject.privateTmp && /^\/(var\/)?tmp\/systemd-private-[^/]+(\/|$)/.test(candidate)) return 'PrivateTmp=';
  }
  if (entry === undefined) return undefined;
  // The fold's rule, for the accounts the process runs as (its primary group only).
  const owned = accountOwnership({ ...entry, directory: entry.type === 'd' }, { uids: [creds.uid], gids: [creds.gid] }, 'write');
  if (owned?.by === 'user') return `owned by the service's user (uid ${owned.uid})`;
  if (owned?.by === 'group') return `writable by the service's group (gid ${owned.gid})`;
  return undefined;
}

/** What the audit works out from a walk and its mounts alone, whatever the service: its entries in order, where each is on the host. */
interface PreparedRoot {
  /** Sorted by path: a directory comes before what is in it. */
  sorted: AuditEntry[];
  byPath: Map<string, AuditEntry>;
  /** By index into `sorted`: the entry's mount, its host path (undefined: a filesystem of its own), why it is a secret. */
  mountAt: (AuditMount | undefined)[];
  hostAt: (string | undefined)[];
  secretAt: (string | undefined)[];
  /** secretGroup, remembered per directory. */
  secretGroupOf: (path: string) => { path: string; reason?: string };
}

/**
 * Services in one mount namespace share one walk (src/systemd/view.ts sharedRootWalk): the same array
 * with the same mounts is prepared once, not once per service. Keyed by the array itself, so a walk no
 * one holds any more takes its preparation with it.
 */
const prepared = new WeakMap<AuditEntry[], { mounts: string; root: PreparedRoot }>();

function preparedRoot(seen: AuditEntry[], mounts: AuditMount[], hostMounts: AuditMount[]): PreparedRoot {
  const key = JSON.stringify([mounts, hostMounts]);
  const known = prepared.get(seen);
  if (known !== undefined && known.mounts === key) return known.root;
  const sorted = [...seen].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const mountOf = mountLookup(mounts);
  const hostMounted = new Map<AuditMount, AuditMount | undefined>();
  const mountAt: (AuditMount | undefined)[] = [];
  const hostAt: (string | undefined)[] = [];
  const secretAt: (string | undefined)[] = [];
  for (const entry of sorted) {
    const mount = mountOf(entry.path);
    if (mount !== undefined && !hostMounted.has(mount)) hostMounted.set(mount, hostMountOf(mount, hostMounts));
    mountAt.push(mount);
    hostAt.push(hostPathOn(entry.path, mount, mount === undefined ? undefined : hostMounted.get(mount)));
    secretAt.push(entry.type === 'd' ? undefined : secretOf(entry));
  }
  const byPath = new Map(sorted.map((e) => [e.path, e]));
  // The topmost secret directory at or above each directory: /root/.cache/x/y/z asks /root once, not each time.
  const topSecret = new Map<string, { path: string; reason: string } | undefined>();
  const topSecretOf = (dir: string): { path: string; reason: string } | undefined => {
    if (dir === '/') return undefined;
    if (topSecret.has(dir)) return topSecret.get(dir);
    const entry = byPath.get(dir);
    const reason = entry === undefined ? undefined : secretOf(entry);
    const top = topSecretOf(parentOf(dir)) ?? (reason === undefined ? undefined : { path: dir, reason });
    topSecret.set(dir, top);
    return top;
  };
  const secretGroupOf = (path: string) =>
    path.includes('//') || path.endsWith('/') ? secretGroup(path, byPath) : (topSecretOf(parentOf(path)) ?? { path });
  const root = { sorted, byPath, mountAt, hostAt, secretAt, secretGroupOf };
  prepared.set(seen, { mounts: key, root });
  return root;
}

export function auditService(input: {
  subject: AuditSubject;
  pid: number;
  seen: AuditEntry[];
  mounts: AuditMount[];
  hostMounts: AuditMount[];
  credentials: AuditCredentials;
  /** Host paths the admin granted explicitly (--include), with the grant: secrets there are no violations. */
  granted?: { path: string; by: string }[];
}): AuditReport {
  const { subject, mounts, hostMounts, credentials } = input;
  const grantedSeen = new Map<string, string>();
  const grantOf = (path: string) => input.granted?.find((g) => path === g.path || path.startsWith(g.path.endsWith('/') ? g.path : `${g.path}/`));
  const { sorted, mountAt, hostAt, secretAt, secretGroupOf } = preparedRoot(input.seen, mounts, hostMounts);
  const violations: Violation[] = [];
  // Topmost writable place → its violation: what is below it adds to its count.
  const writableTops = new Map<string, Violation>();
  const secretGroups = new Map<string, Violation>();
  const byDir = new Map<string, number>();
  const ownSeen = new Map<string, string>();
  const ownPaths = new Set<string>();
  const reportedHosts = new Set<string>();
  let outside = 0;

  // The writable top at or above each directory, once asked: a directory comes before what is in it,
  // so every top at or above it is known by then, and a root service's thousands of writable entries
  // do not each climb to /.
  const topAtOrAbove = new Map<string, Violation | undefined>();
  const writableTopOf = (dir: string): Violation | undefined => {
    if (topAtOrAbove.has(dir)) return topAtOrAbove.get(dir);
    const v = writableTops.get(dir) ?? (dir === '/' ? undefined : writableTopOf(parentOf(dir)));
    topAtOrAbove.set(dir, v);
    return v;
  };
  const writableAncestor = (path: string): Violation | undefined => writableTopOf(parentOf(path));

  for (let i = 0; i < sorted.length; i++) {
    const entry = sorted[i]!;
    const mount = mountAt[i];
    const host = hostAt[i];
    const shownHost = host !== undefined && host !== entry.path ? host : null;
    const system = SYSTEM_TREES.test(entry.path);
    const own =
      host === undefined
        ? 'a filesystem of its own'
        : entry.path.startsWith('/run/systemd/incoming') && PROPAGATION.test(`${entry.path} ${host}`)
          ? "systemd's mount propagation directory of this unit"
          : ownReason(entry.path, host, entry, subject, credentials);
    if (own !== undefined) {
      // Sorted: a parent comes before what is in it, so a top of the own places is one whose parent is not own.
      // The stand-in directories of the empty root are its own too, but no place worth listing.
      const listed = !system && (host !== undefined || mount?.path === entry.path);
      const inOwn = ownPaths.has(parentOf(entry.path));
      if (listed && !inOwn) ownSeen.set(entry.path, own);
      if (listed || inOwn) ownPaths.add(entry.path);
    }

    if (!system && own === undefined) {
      outside++;
      const key = firstTwoComponents(entry.path);
      byDir.set(key, (byDir.get(key) ?? 0) + 1);
    }

    // Writable places of the host that are not its own. /dev, /proc and /sys are the kernel's.
    if (host !== undefined && own === undefined && !/^\/(dev|proc|sys)(\/|$)/.test(entry.path) && writableOn(entry, mount, credentials)) {
      const above = writableAncestor(entry.path);
      if (above) above.entries++;
      else {
        const v: Violation = { kind: 'writable', path: entry.path, hostPath: shownHost, entries: 1, canWrite: true, why: writableWhy(entry) };
        writableTops.set(entry.path, v);
        violations.push(v);
      }
    }

    // Judged by where it is on the host: /var/run/systemd/notify is the notify socket too. The same
    // socket reached by two ways (/run and /var/run) is one violation.
    if (entry.type === 's' && host !== undefined && own === undefined && !expectedSocket(host) && !reportedHosts.has(`s ${host}`)) {
      reportedHosts.add(`s ${host}`);
      const why = SOCKET_WHY.find(([re]) => re.test(host))?.[1] ?? 'a socket of another service: the service can talk to it as if it were a local client';
      violations.push({ kind: 'socket', path: entry.path, hostPath: shownHost, entries: 1, canWrite: permits(entry, credentials, 0o2), why });
    }

    if (entry.type !== 'd' && own === undefined && !reportedHosts.has(`f ${host ?? entry.path}`)) {
      reportedHosts.add(`f ${host ?? entry.path}`);
      const reason = secretAt[i];
      const grant = reason === undefined ? undefined : grantOf(host ?? entry.path);
      if (reason !== undefined && grant !== undefined) {
        grantedSeen.set(entry.path, `${reason}: granted by ${grant.by}`);
      } else if (reason !== undefined) {
        // Grouped under the topmost secret directory the service sees: a visible /root is one line.
        const group = secretGroupOf(entry.path);
        const existing = secretGroups.get(group.path);
        const canWrite = writableOn(entry, mount, credentials);
        if (existing) {
          existing.entries++;
          existing.canWrite ||= canWrite;
        } else {
          const why = `${group.reason ?? reason}: visible to the service`;
          const v: Violation = { kind: 'secret', path: group.path, hostPath: shownHost, entries: 1, canWrite, why };
          secretGroups.set(group.path, v);
          violations.push(v);
        }
      }
    }
  }

  const order: Record<ViolationKind, number> = { socket: 0, secret: 1, writable: 2 };
  violations.sort((a, b) => order[a.kind] - order[b.kind] || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    unit: subject.unit,
    pid: input.pid,
    uid: credentials.uid,
    clean: violations.length === 0,
    visible: sorted.length,
    outside,
    outsideByDirectory: [...byDir].map(([dir, entries]) => ({ dir, entries })).sort((a, b) => b.entries - a.entries || (a.dir < b.dir ? -1 : 1)),
    own: [...ownSeen].map(([path, why]) => ({ path, why })),
    violations,
    ...(grantedSeen.size > 0 ? { granted: [...grantedSeen].map(([path, why]) => ({ path, why })) } : {}),
  };
}

/** `/etc/ssl/certs/x.pem` → `/etc/ssl`; without splitting, as it is asked of every entry outside the system trees. */
function firstTwoComponents(path: string): string {
  if (path.includes('//') || (path.length > 1 && path.endsWith('/'))) return '/' + path.split('/').filter(Boolean).slice(0, 2).join('/');
  const first = path.indexOf('/', 1);
  if (first < 0) return path;
  const second = path.indexOf('/', first + 1);
  return second < 0 ? path : path.slice(0, second);
}

function writableWhy(entry: AuditEntry): string {
  const what = entry.type === 'd' ? 'a directory of the host' : 'a file of the host';
  return `${what} the service can change although it is not its own: a compromised service can plant or alter files other programs trust`;
}

/** The topmost directory above `path` (or itself) that is a secret on its own, with its reason. */
function secretGroup(path: string, byPath: Map<string, AuditEntry>): { path: string; reason?: string } {
  const parts = path.split('/').filter(Boolean);
  for (let depth = 1; depth < parts.length; depth++) {
    const dir = '/' + parts.slice(0, depth).join('/');
    const entry = byPath.get(dir);
    if (entry === undefined) continue;
    const reason = secretOf(entry);
    if (reason !== undefined) return { path: dir, reason };
  }
  return { path };
}

/**
 * What a service is exposed to, in four numbers of its audit: what bindscout's lockdown takes away.
 * `systemd-analyze security` gives TemporaryFileSystem=/ no credit (systemd issue #15771); these show it.
 */
export interface Exposure {
  /** Entries visible outside the system trees and its own directories. */
  outside: number;
  /** Host places it can write that are not its own (a writable directory counts once). */
  writable: number;
  /** Sockets of systemd and of other services it can reach. */
  sockets: number;
  /** Secret files it can see. */
  secrets: number;
}

export function exposureOf(audit: AuditReport): Exposure {
  const count = (kind: ViolationKind) => audit.violations.filter((v) => v.kind === kind);
  return {
    outside: audit.outside,
    writable: count('writable').length,
    sockets: count('socket').length,
    secrets: count('secret').reduce((n, v) => n + v.entries, 0),
  };
}

/** Before → after, one clause per number, for people. */
export function describeExposure(before: Exposure | null, after: Exposure | null): string[] {
  const n = (e: Exposure | null, key: keyof Exposure) => (e === null ? '?' : String(e[key]));
  const rows: [keyof Exposure, string][] = [
    ['outside', 'entries visible outside the system trees'],
    ['writable', 'host places it can write'],
    ['sockets', "other services' and systemd's sockets"],
    ['secrets', 'secrets it can see'],
  ];
  return rows.map(([key, what]) => `${n(before, key).padStart(6)} → ${n(after, key).padEnd(6)} ${what}`);
}

/** One line per violation, for people. */
export function describeViolation(v: Violation): string {
  const where = v.hostPath ? ` (host: ${v.hostPath})` : '';
  const count = v.entries > 1 ? `, ${v.entries} entries` : '';
  const usable = v.kind === 'socket' ? (v.canWrite ? ', can connect' : ', mode keeps it out for now') : v.kind === 'secret' && v.canWrite ? ', WRITABLE' : '';
  return `${v.kind} ${v.path}${where}${count}${usable}: ${v.why}`;
}
