/**
 * What a running service actually sees: its root (`/proc/MAINPID/root`) walked with find(1) through
 * the Runner, each entry judged writable from the service's mounts (`/proc/MAINPID/mountinfo`) and
 * credentials (`/proc/MAINPID/status`), and compared with the same walk of the host. This replaces the
 * old trick of adding `ExecStartPre=/bin/ls …` to a unit to find out what it can see.
 *
 * /proc and /sys are listed but not walked: they are the kernel's, not files anyone bound.
 */
import { parentOf, splitPath, type FsNodeKind } from '../core/fsview.js';
import { sensitiveReason } from '../profile/sensitive.js';
import { auditService, auditSubjectOf, isWritable, socketUnitPaths, socketUnitsOf, type AuditReport, type OwnPlace } from '../checks/audit.js';
import { parseShow } from '../unit-file/unitfile.js';
import { systemctl } from './unit.js';
import { parseMountinfo, parseStatus, type Credentials, type MountPoint } from '../checks/procfs.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { UnitInfo } from '../unit-file/unitfile.js';
import { unitProcess } from './control.js';
import { ownPackageName } from './unit-accounts.js';
import type { Runner } from './runner.js';
import { loadUnit } from './unit.js';

export { isWritable } from '../checks/audit.js';

/** find's %y letters. */
export type EntryType = 'f' | 'd' | 'l' | 's' | 'c' | 'b' | 'p';

export interface WalkEntry {
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
}

/** find -printf '%y %m %U %G %P\0' output → entries (the start directory itself excluded). */
export function parseWalk(text: string): WalkEntry[] {
  const out: WalkEntry[] = [];
  for (const record of text.split('\0')) {
    const m = /^([fdlscbp]) ([0-7]+) (\d+) (\d+) (.*)$/s.exec(record);
    if (!m || m[5] === '') continue;
    out.push({ type: m[1] as EntryType, mode: Number.parseInt(m[2], 8), uid: Number(m[3]), gid: Number(m[4]), path: '/' + m[5] });
  }
  return out;
}

export interface TopLevel {
  /** `/etc`; `/` holds the entries directly in the root. */
  dir: string;
  /** Whether the service sees this directory at all. */
  visible: boolean;
  files: number;
  dirs: number;
  symlinks: number;
  sockets: number;
  other: number;
  writable: number;
  /** Entries of the host below this directory (not walked for /proc and /sys). */
  hostEntries: number;
  /** Entries the service sees that the host does not have (its private tmpfs, PrivateTmp…). */
  notOnHost: number;
}

export interface SensitiveSeen {
  /** The file, or the topmost sensitive directory holding several (`/root`, `/etc/ssl/private`). */
  path: string;
  reason: string;
  /** Sensitive files visible at or below `path`. */
  files: number;
  /** At least one of them can be written. */
  writable: boolean;
}

/** The shortest ancestor of `path` (or the path itself) that is sensitive on its own. */
function sensitivePlace(path: string): { path: string; reason: string } {
  const parts = splitPath(path);
  for (let depth = 1; depth <= parts.length; depth++) {
    const prefix = '/' + parts.slice(0, depth).join('/');
    const reason = sensitiveReason(prefix);
    if (reason !== undefined) return { path: prefix, reason };
  }
  return { path, reason: sensitiveReason(path)! };
}

export interface ServiceView {
  unit: string;
  pid: number;
  credentials: Credentials;
  total: number;
  hostTotal: number;
  directories: TopLevel[];
  /** The topmost writable places: a writable directory's contents are not listed again. */
  writable: { path: string; type: EntryType }[];
  sensitive: SensitiveSeen[];
  /** Directories the walk did not descend into. */
  notWalked: string[];
}

const NOT_WALKED = ['/proc', '/sys'];

/** Pure: the walk of the service's root and of the host's, with its mounts and credentials → the view. */
export function summarizeView(input: {
  unit: string;
  pid: number;
  seen: WalkEntry[];
  host: WalkEntry[];
  mounts: MountPoint[];
  credentials: Credentials;
}): ServiceView {
  const hostPaths = new Set(input.host.map((e) => e.path));
  const seenPaths = new Set(input.seen.map((e) => e.path));
  const byTop = new Map<string, TopLevel>();
  const top = (dir: string) => {
    let t = byTop.get(dir);
    if (!t) byTop.set(dir, (t = { dir, visible: false, files: 0, dirs: 0, symlinks: 0, sockets: 0, other: 0, writable: 0, hostEntries: 0, notOnHost: 0 }));
    return t;
  };
  const writableSet = new Set<string>();
  const writable: { path: string; type: EntryType }[] = [];
  const sensitive: SensitiveSeen[] = [];
  const sensitiveGroups = new Map<string, SensitiveSeen>();
  const sorted = [...input.seen].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const entry of sorted) {
    // A top-level directory counts in its own row, everything directly in / in the `/` row.
    const parts = splitPath(entry.path);
    const t = top(parts.length === 1 && entry.type !== 'd' ? '/' : '/' + parts[0]);
    if (!(parts.length === 1 && entry.type === 'd')) {
      if (entry.type === 'f') t.files++;
      else if (entry.type === 'd') t.dirs++;
      else if (entry.type === 'l') t.symlinks++;
      else if (entry.type === 's') t.sockets++;
      else t.other++;
      if (!hostPaths.has(entry.path)) t.notOnHost++;
    }
    const w = isWritable(entry, input.mounts, input.credentials);
    if (w) {
      if (!(parts.length === 1 && entry.type === 'd')) t.writable++;
      writableSet.add(entry.path);
      if (!writableSet.has(parentOf(entry.path))) writable.push({ path: entry.path, type: entry.type });
    }
    // Only what can be read or written is reported (not an empty /home), grouped under the topmost
    // sensitive directory: a visible /root is one line with a count, not a quarter of a million.
    if (entry.type !== 'd' && sensitiveReason(entry.path) !== undefined) {
      const place = sensitivePlace(entry.path);
      const group = sensitiveGroups.get(place.path);
      if (group) {
        group.files++;
        group.writable ||= w;
      } else {
        const seen = { path: place.path, reason: place.reason, files: 1, writable: w };
        sensitiveGroups.set(place.path, seen);
        sensitive.push(seen);
      }
    }
  }
  for (const entry of input.host) {
    const parts = splitPath(entry.path);
    // Host rows the service lacks are kept: "/home: 0 of 1234" is the point of the comparison.
    const t = top(parts.length === 1 && entry.type !== 'd' ? '/' : '/' + parts[0]);
    if (!(parts.length === 1 && entry.type === 'd')) t.hostEntries++;
  }
  for (const t of byTop.values()) t.visible = t.dir === '/' || seenPaths.has(t.dir);
  const directories = [...byTop.values()].sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return {
    unit: input.unit,
    pid: input.pid,
    credentials: input.credentials,
    total: input.seen.length,
    hostTotal: input.host.length,
    directories,
    writable,
    sensitive,
    notWalked: NOT_WALKED.filter((d) => input.seen.some((e) => e.path === d)),
  };
}

/** Every entry below `root` (find -P, so symlinks are entries, not followed), /proc and /sys pruned. */
export async function walk(runner: Runner, root: string): Promise<WalkEntry[]> {
  const start = root === '/' ? '/' : `${root}/`;
  const base = root === '/' ? '' : root;
  const prune = NOT_WALKED.flatMap((d, i) => [...(i > 0 ? ['-o'] : []), '-path', `${base}${d}`]);
  const format = '%y %m %U %G %P\\0';
  const result = await runner.run('find', ['-P', start, '(', ...prune, ')', '-printf', format, '-prune', '-o', '-printf', format], { timeoutMs: 300_000 });
  if (result.failedToStart) throw new Error(`find could not be run: ${result.failedToStart}`);
  // Files that vanish during the walk make find exit 1 with what it did see on stdout.
  if (result.exitCode !== 0 && result.stdout === '') throw new Error(`find ${start} exited with ${result.exitCode}: ${result.stderr.trim()}`);
  return parseWalk(result.stdout);
}

/** The unit has no main process to look into, or it went away while it was looked at. */
export class ViewError extends Error {
  constructor(
    message: string,
    readonly unit: string,
    readonly reason: 'not-running' | 'gone',
  ) {
    super(message);
    this.name = 'ViewError';
  }
}

/** Everything read of a running service for its view and its audit. */
export interface ServiceSnapshot {
  unit: UnitInfo;
  /** The package shipping the unit file, when its name stands for the service (see ownPackageName). */
  packageName?: string;
  pid: number;
  /** `pid` is the main process; false: a process of its cgroup (systemd knows no main process). */
  main: boolean;
  credentials: Credentials;
  mounts: MountPoint[];
  /** The mounts of the systemd it runs under: what the host's filesystems are. */
  hostMounts: MountPoint[];
  /** What its own socket units listen on. */
  sockets: OwnPlace[];
  seen: WalkEntry[];
}

/** Walks the root a process sees; `sharedRootWalk` lets processes that see the same root share one walk. */
export type RootWalk = (runner: Runner, pid: number) => Promise<WalkEntry[]>;

const walkOwnRoot: RootWalk = (runner, pid) => walk(runner, `/proc/${pid}/root`);

/**
 * A RootWalk that walks each root once: processes in the same mount namespace with the same root
 * directory see the same tree, and on a host most services that are not sandboxed share the host's
 * (a chroot()ed daemon shares the namespace but not the root, hence both in the key).
 */
export function sharedRootWalk(): RootWalk {
  const walks = new Map<string, Promise<WalkEntry[]>>();
  return async (runner, pid) => {
    const namespace = await runner.readlink(`/proc/${pid}/ns/mnt`);
    const root = await runner.readlink(`/proc/${pid}/root`);
    if (namespace === undefined || root === undefined) return walkOwnRoot(runner, pid);
    const key = `${namespace} ${root}`;
    let walked = walks.get(key);
    if (walked === undefined) {
      walked = walkOwnRoot(runner, pid);
      // A failed walk (the process went away) is not kept for the next process of that namespace.
      walked.catch(() => walks.delete(key));
      walks.set(key, walked);
    }
    return walked;
  };
}

/** Reads the running service's own root, mounts and credentials, once its main process has exec'd. */
export async function snapshotService(runner: Runner, unitName: UnitName, walkRoot: RootWalk = walkOwnRoot): Promise<ServiceSnapshot> {
  const unit = await loadUnit(runner, unitName);
  // Right after a start its main process may not have entered its sandbox yet.
  const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
  const found = await unitProcess(runner, unit.Id, { timeoutMs: 10_000, sleep });
  if (found !== undefined && 'none' in found) {
    const message = `${unit.Id} has no process (ActiveState=${unit.ActiveState}): start it first`;
    throw new ViewError(message, unitName, 'not-running');
  }
  if (found === undefined) throw new ViewError(`the processes of ${unit.Id} are gone or never ran its program`, unitName, 'gone');
  const pid = found.pid;
  const status = await runner.readFile(`/proc/${pid}/status`);
  const mountinfo = await runner.readFile(`/proc/${pid}/mountinfo`);
  const hostMountinfo = await runner.readFile('/proc/1/mountinfo');
  if (status === undefined || mountinfo === undefined) throw new ViewError(`process ${pid} of ${unit.Id} is gone`, unitName, 'gone');
  if (hostMountinfo === undefined) throw new Error("cannot read the service manager's /proc/1/mountinfo");
  const seen = await walkRoot(runner, pid);
  const sockets = await ownSockets(runner, unit);
  const packageName = (await ownPackageName(runner, unit.FragmentPath)).name;
  return {
    unit,
    ...(packageName !== undefined ? { packageName } : {}),
    pid,
    main: found.main,
    credentials: parseStatus(status.toString('utf8')),
    mounts: parseMountinfo(mountinfo.toString('utf8')),
    hostMounts: parseMountinfo(hostMountinfo.toString('utf8')),
    sockets,
    seen,
  };
}

/** The paths the unit's own socket units listen on (systemctl show -p Listen of each). */
async function ownSockets(runner: Runner, unit: UnitInfo): Promise<OwnPlace[]> {
  const out: OwnPlace[] = [];
  for (const socket of socketUnitsOf(unit)) {
    const shown = await systemctl(runner, ['show', '-p', 'Listen', '--', socket]);
    if (shown.exitCode !== 0) continue;
    out.push(...socketUnitPaths(socket, parseShow(shown.stdout).get('Listen') ?? []));
  }
  return out;
}

/** The audit of what was read (pure). */
export function auditSnapshot(snapshot: ServiceSnapshot, granted?: { path: string; by: string }[]): AuditReport {
  return auditService({
    ...(granted !== undefined && granted.length > 0 ? { granted } : {}),
    subject: auditSubjectOf(snapshot.unit, snapshot.sockets, snapshot.packageName),
    pid: snapshot.pid,
    seen: snapshot.seen,
    mounts: snapshot.mounts,
    hostMounts: snapshot.hostMounts,
    credentials: snapshot.credentials,
  });
}

/** The audit of a running service: what discover checks before it installs a profile. */
export async function auditRunningService(runner: Runner, unit: UnitName, granted?: { path: string; by: string }[]): Promise<AuditReport> {
  return auditSnapshot(await snapshotService(runner, unit), granted);
}

export type { FsNodeKind };
