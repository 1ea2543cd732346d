/**
 * The fold's vocabulary: its options, the directories it treats specially, what a bind is asked for
 * (contributions, demands, candidates) and how that is described to the user.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { decodeUtf8Bytes } from '../unit-file/escape.js';
import { compileGlob, type GlobTest } from '../core/glob.js';
import { isStrictlyUnder, splitPath } from '../core/fsview.js';
import { DIRECTIVES, type Access, type ByteString, type Directive, type ProfileEntry } from '../core/model.js';
import type { ServiceIdentity } from './ownership.js';
import type { LogrotateRule, SharedLog } from './shared-log.js';
import { UNIT_DIRECTORY_BASES } from '../unit-file/unit-directories.js';


export interface FoldOptions {
  /** Add the baseline (libraries, ld.so, time zones, locales, CA certificates, journald sockets). */
  baseline: boolean;
  /** minimatch globs: consent to bind sensitive paths that match (a glob matching a directory covers it, but a secret only when it names the secret or its place of secrets). */
  include: string[];
  /** minimatch globs: never bind matching paths (nor anything below a matching directory). */
  exclude: string[];
  /**
   * Names the service goes by (e.g. `nginx`): `/etc/<name>`, `/srv/<name>`, `/var/lib/<name>`… are then
   * bound whole when the service read inside them, so a later config change keeps working.
   */
  serviceNames?: string[];
  /**
   * Paths the unit's own settings already make visible (its RuntimeDirectory=, PrivateTmp=…), with the
   * setting's name: not bound again.
   */
  provided?: { path: ByteString; by: string }[];
  /**
   * Bind written directories under /run, /var/lib, /var/cache and /var/log instead of proposing
   * RuntimeDirectory=/StateDirectory=/…: those settings chown the directory to the unit's user and
   * RuntimeDirectory= removes it at stop, which changes the host for a unit that did not ask for them.
   */
  directoriesAsBinds?: boolean;
  /** Who the service is, to tell its own written places from the host's (src/profile/ownership.ts). */
  identity?: ServiceIdentity;
  /** The private /run for files created directly in /run (src/profile/shared-run.ts): its name, the unit's PIDFile=. */
  privateRun?: { name: string; pidFile?: ByteString };
  /** The Exec*= line a write came from, with its prefixes, for the report on refused writes. */
  describeWriter?: (access: Access) => string | undefined;
  /**
   * The logrotate rules of the host (src/profile/shared-log.ts): a log file written directly in
   * /var/log is bound alone when its rotation survives that; without rules such writes stay refused.
   */
  logRules?: LogrotateRule[];
}

/**
 * What a unit's own settings already make visible in its namespace: its *Directory= entries (`name`
 * or `name:symlink`) and PrivateTmp=. `values(setting)` gives a list setting's words.
 */
export function providedByUnitSettings(values: (setting: string) => string[], privateTmp: boolean): { path: ByteString; by: string }[] {
  const provided: { path: ByteString; by: string }[] = [];
  for (const [setting, base] of Object.entries(UNIT_DIRECTORY_BASES)) {
    for (const word of values(setting)) {
      const name = word.split(':')[0];
      if (name) provided.push({ path: `${base}/${name}`, by: `the unit's own ${setting}=${name}` });
    }
  }
  if (privateTmp) provided.push({ path: '/tmp', by: "the unit's own PrivateTmp=yes" }, { path: '/var/tmp', by: "the unit's own PrivateTmp=yes" });
  return provided;
}

/** Directories under which a child directory is a self-contained tree (a library, a package's data). */
export const TREE_PARENTS: ByteString[] = [
  '/usr/lib',
  '/usr/lib64',
  '/usr/lib32',
  '/usr/libx32',
  '/usr/libexec',
  '/lib',
  '/lib64',
  '/lib32',
  '/libx32',
  '/usr/local/lib',
  '/usr/share',
  '/usr/local/share',
];

/**
 * Directories whose children are configuration or data of one program each: bound as narrowly as the
 * accesses allow, widened to the service's own directory only with enough evidence.
 */
export const GROUP_PARENTS: ByteString[] = ['/etc', '/opt', '/srv', '/var/lib', '/var/www', '/usr/local/etc'];

/** Distinct paths read inside one directory before it is bound whole instead of file by file. */
export const GROUP_MIN_PATHS = 3;

export const SERVICE_DIRECTORIES: { base: ByteString; directive: Directive; skip: string[] }[] = [
  { base: UNIT_DIRECTORY_BASES.RuntimeDirectory, directive: 'RuntimeDirectory', skip: ['systemd', 'user', 'lock', 'shm', 'dbus', 'private', 'credentials'] },
  { base: UNIT_DIRECTORY_BASES.StateDirectory, directive: 'StateDirectory', skip: ['private', 'systemd'] },
  { base: UNIT_DIRECTORY_BASES.CacheDirectory, directive: 'CacheDirectory', skip: ['private'] },
  { base: UNIT_DIRECTORY_BASES.LogsDirectory, directive: 'LogsDirectory', skip: ['private', 'journal'] },
];

/** Paths that can stand in a TemporaryFileSystem= value as they are (no quoting, no `:`). */
export const SIMPLE_PATH = /^\/[A-Za-z0-9_.@+\/-]+$/;

/** Directory names systemd accepts and the renderer can write without quoting. */
export const SAFE_NAME = /^[A-Za-z0-9_.@+-]+$/;

export const WRITE_OPS = ['write', 'create', 'delete'] as const;

/** One reason a bind is needed: an access, possibly reached through a symlink. */
export interface Contribution {
  access: Access;
  /** The path this contribution asks for (differs from access.path when it came through a symlink). */
  path: ByteString;
  viaSymlink?: ByteString;
}

export interface Demand extends Contribution {
  writable: boolean;
  /** Symlinks followed to reach this demand, bounded like the kernel bounds a lookup. */
  hops?: number;
  /** Set for writable parents: the file created or removed inside. */
  createdInside?: ByteString;
  /** A directory only listed: an empty stand-in unless a directory bound whole covers it anyway. */
  listedOnly?: boolean;
  /** Writable as the service's own although the trace never wrote there: why, for the reason text. */
  ownUnwritten?: string;
  /** A log file directly in a shared log directory: whether a bind of it survives rotation. */
  sharedLog?: SharedLog;
}

export interface Candidate {
  path: ByteString;
  writable: boolean;
  contributions: Contribution[];
  baselineReason?: string;
  /** Files created or removed directly in this (shared) directory. */
  createdInside: Set<ByteString>;
  consent?: string;
}

export function hasAny(access: Access, ops: readonly string[]): boolean {
  return ops.some((op) => access.ops.has(op as never));
}

export function globText(path: ByteString): string {
  return decodeUtf8Bytes(path) ?? path;
}

export const globCache = new Map<string, GlobTest>();
export const matchesNothing: GlobTest = () => false;

/** A user's glob, compiled once; an invalid glob matches nothing. */
export function compiledGlob(glob: string): GlobTest {
  let test = globCache.get(glob);
  if (test === undefined) {
    test = compileGlob(glob) ?? matchesNothing;
    globCache.set(glob, test);
  }
  return test;
}

/** The first glob matching `path` or one of its ancestors. */
export function matchingGlob(path: ByteString, globs: string[]): string | undefined {
  if (globs.length === 0) return undefined;
  const parts = splitPath(path);
  for (let depth = parts.length; depth >= 0; depth--) {
    const prefix = globText('/' + parts.slice(0, depth).join('/'));
    const glob = globs.find((g) => compiledGlob(g)(prefix));
    if (glob !== undefined) return glob;
  }
  return undefined;
}

/** A mkdir that found its directory already there (EEXIST) and did nothing else to it. */
export function onlyEnsured(access: Access): boolean {
  return access.errors.has('EEXIST') && [...access.ops].every((op) => op === 'stat' || op === 'list');
}

export function verbFor(access: Access): string {
  if (!access.ok && onlyEnsured(access)) return 'ensured (mkdir found it there)';
  if (access.ops.has('create')) return 'created';
  if (access.ops.has('write')) return 'written';
  if (access.ops.has('delete')) return 'deleted';
  if (access.ops.has('exec')) return 'executed';
  if (access.ops.has('connect')) return 'connected to';
  if (access.ops.has('list')) return 'listed';
  if (access.ops.has('read')) return 'read';
  return 'looked up';
}

export function byTraceOrder(a: Contribution, b: Contribution): number {
  return (
    a.access.firstLine - b.access.firstLine ||
    (a.access.source < b.access.source ? -1 : a.access.source > b.access.source ? 1 : 0) ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}

/** `read by pid 1234 (line 17): /etc/nginx/nginx.conf and 3 more` */
export function describeContributions(contributions: Contribution[]): string {
  if (contributions.length === 0) return '';
  // The first in trace order, by one pass (the earliest of equals, as a stable sort would put it):
  // a directory bound whole can hold a million contributions.
  let first = contributions[0];
  for (const c of contributions) if (byTraceOrder(c, first) < 0) first = c;
  const who = first.access.firstPid !== undefined ? ` by pid ${first.access.firstPid}` : '';
  // Line 0: known without a trace (ELF facts, unit settings); the source says how.
  let text =
    first.access.firstLine > 0
      ? `${verbFor(first.access)}${who} (line ${first.access.firstLine}): ${bytesToDisplay(first.access.path)}`
      : `${verbFor(first.access)}: ${bytesToDisplay(first.access.path)} (${first.access.source})`;
  if (first.viaSymlink === first.access.path) text += ' (a symlink to here)';
  else if (first.viaSymlink !== undefined) text += ` through symlink ${bytesToDisplay(first.viaSymlink)}`;
  if (!first.access.ok && first.access.errors.size > 0) {
    text += ` (failed with ${[...first.access.errors].sort().join('/')}, exists here)`;
  }
  const others = new Set<ByteString>();
  for (const c of contributions) others.add(c.access.path);
  others.delete(first.access.path);
  if (others.size > 0) text += ` and ${others.size} more`;
  return text;
}

export function directiveOrder(a: ProfileEntry, b: ProfileEntry): number {
  return DIRECTIVES.indexOf(a.directive) - DIRECTIVES.indexOf(b.directive) || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0);
}

export function depthOf(path: ByteString): number {
  return splitPath(path).length;
}

/** `/usr/lib/x86_64-linux-gnu/libc.so.6` → `/usr/lib/x86_64-linux-gnu`; undefined outside library/data trees. */
export function treeRoot(path: ByteString): ByteString | undefined {
  for (const parent of TREE_PARENTS) {
    if (!isStrictlyUnder(path, parent)) continue;
    const below = splitPath(path.slice(parent.length));
    return below.length >= 2 ? parent + '/' + below[0] : path;
  }
  return undefined;
}

export function commonDirectory(paths: ByteString[]): ByteString {
  let common = splitPath(paths[0]);
  for (const path of paths.slice(1)) {
    const parts = splitPath(path);
    let i = 0;
    while (i < common.length && i < parts.length && common[i] === parts[i]) i++;
    common = common.slice(0, i);
  }
  return '/' + common.join('/');
}

/** The comment of one bind: what needed it, and anything it grants beyond what the trace showed. */
export function candidateReason(candidate: Candidate, optional: boolean): string {
  const parts: string[] = [];
  if (candidate.baselineReason !== undefined) parts.push(candidate.baselineReason);
  const creators = candidate.contributions.filter((c) => (c as Demand).createdInside !== undefined);
  const plain = candidate.contributions.filter((c) => (c as Demand).createdInside === undefined);
  if (creators.length > 0) {
    const dir = bytesToDisplay(candidate.path);
    parts.push(
      `files are created or removed directly in ${dir} (${describeContributions(creators)}): a new file cannot be created on the read-only root ` +
        `and a single-file bind needs the file to exist before the start, so ${dir} is writable as a whole` +
        (candidate.path === '/run' || candidate.path === '/var/lib' || candidate.path === '/var/log' || candidate.path === '/var/cache'
          ? '; broad: moving the file into a directory of its own (RuntimeDirectory= etc.) is narrower'
          : ''),
    );
  }
  if (plain.length > 0) parts.push(describeContributions(plain));
  const log = candidate.contributions.map((c) => (c as Demand).sharedLog).find((l) => l !== undefined);
  if (log !== undefined) parts.push(log.why);
  const unwritten = candidate.contributions.map((c) => (c as Demand).ownUnwritten).find((why) => why !== undefined);
  if (unwritten !== undefined && candidate.writable && !candidate.contributions.some((c) => hasAny(c.access, WRITE_OPS))) parts.push(unwritten);
  if (candidate.consent !== undefined) parts.push(candidate.consent);
  if (optional) parts.push('missing on this host: bound only if present');
  return parts.join('; ');
}
