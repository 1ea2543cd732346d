/**
 * What the fold needs to know about the host's filesystem, behind an interface so src/core stays pure:
 * tests pass an in-memory tree, the CLI passes src/host/fs.ts. Paths are byte strings.
 */
import type { ByteString } from './model.js';

export type FsNodeKind = 'file' | 'dir' | 'symlink' | 'socket' | 'char' | 'block' | 'fifo';

export interface FsView {
  /** Like lstat(2): the last component is not followed. undefined when the path does not exist. */
  lstat(path: ByteString): FsNodeKind | undefined;
  /** The symlink's target as stored (may be relative); undefined when the path is not a symlink. */
  readlink(path: ByteString): ByteString | undefined;
  /** Owner and permission bits of the path itself (lstat); undefined when missing or not known. */
  owner?(path: ByteString): FileOwner | undefined;
  /** The first bytes of a regular file (at most HEAD_BYTES), to recognise a private key by content. */
  head?(path: ByteString): ByteString | undefined;
  /** The names in a directory, sorted; undefined when it is not a readable directory. */
  list?(path: ByteString): ByteString[] | undefined;
  /**
   * True when whoever judges may not look the path up (permission denied on a directory above it), or
   * may not list it when it is a directory: lstat's or list's undefined then means "cannot tell", not
   * "missing". Run unprivileged, the fold must not take such a path for a public or missing one.
   */
  denied?(path: ByteString): boolean;
  /**
   * True when every component of the directory `path` is a directory, none a symlink: below it only
   * a path's last component can be a link. A view that answers this (remembering it) spares
   * resolveSymlinks a walk over every component of every path it is asked about.
   */
  plainDirectory?(path: ByteString): boolean;
}

/** Enough for a PEM header after a few lines of `Bag Attributes`, and for an OpenSSH key's magic. */
export const HEAD_BYTES = 1024;

export interface FileOwner {
  uid: number;
  /** Owning group; undefined when the view does not know it. */
  gid?: number;
  /** st_mode & 0o7777. */
  mode: number;
}

/** The kernel gives up after 40 links (ELOOP); so do we, which also ends cycles. */
export const MAX_SYMLINKS = 40;

export interface SymlinkStep {
  /** The symlink as it was met during the walk (its parent already resolved). */
  link: ByteString;
  /** readlink's text. */
  target: ByteString;
}

export interface Resolution {
  /** The path with every symlink resolved, as far as the host has it; the missing rest appended lexically. */
  finalPath: ByteString;
  /** Every symlink met, in walk order. */
  links: SymlinkStep[];
  /** Kind of the final node, undefined when some component is missing. */
  kind: FsNodeKind | undefined;
  /** Set when the walk stopped: too many links (a loop). */
  loop?: boolean;
}

export function splitPath(path: ByteString): ByteString[] {
  return path.split('/').filter((part) => part !== '' && part !== '.');
}

/**
 * Lexical normalisation of an absolute path: collapses `//`, `/./`, trailing `/`, and resolves `..`
 * textually. Lexical `..` is wrong when the component before it is a symlink (`/a/link/..` is the
 * link target's parent, not `/a`); the kernel's answer, when strace decorates the returned fd, is kept
 * alongside as a separate access. `..` never climbs above `/`, as in the kernel.
 */
export function normalizePath(path: ByteString): ByteString {
  // Most paths in a trace are already normal: checking is much cheaper than rebuilding them.
  if (path.startsWith('/') && !NEEDS_NORMALISING.test(path)) return path;
  const out: ByteString[] = [];
  for (const part of splitPath(path)) {
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

/** A `/` followed by `/`, `.`+(`/`|end), `..`+(`/`|end), or by the end (trailing slash or root). */
const NEEDS_NORMALISING = /\/(?:\.\.?)?(?:\/|$)/;

export function parentOf(path: ByteString): ByteString {
  const cut = path.lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

export function isUnder(path: ByteString, dir: ByteString): boolean {
  if (dir === '/') return path.startsWith('/');
  return path === dir || path.startsWith(dir + '/');
}

export function isStrictlyUnder(path: ByteString, dir: ByteString): boolean {
  return path !== dir && isUnder(path, dir);
}

/** What a walk needs to know of one component: its kind, and a symlink's text. */
export interface WalkStep {
  kind: FsNodeKind | undefined;
  /** readlink's text; undefined for a symlink that raced away (then treated as a plain node). */
  target?: ByteString;
}

export interface WalkOptions {
  maxLinks?: number;
  /** A component that is not a directory ends the walk when more follow (ENOTDIR), as in the kernel. */
  notDirEnds?: boolean;
}

/**
 * The kernel's path walk (`..` after a symlink goes to the physical parent, the last component
 * followed too), as a generator that yields each path it needs looked up and is sent what is there:
 * the one walk serves synchronous views (resolveSymlinks) and asynchronous readers
 * (resolveSymlinksAsync) alike.
 */
function* kernelWalk(path: ByteString, options: WalkOptions): Generator<ByteString, Resolution, WalkStep> {
  const maxLinks = options.maxLinks ?? MAX_SYMLINKS;
  const pending = splitPath(path);
  const resolved: ByteString[] = [];
  const links: SymlinkStep[] = [];
  let kind: FsNodeKind | undefined = 'dir';
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const candidate = '/' + [...resolved, part].join('/');
    const step: WalkStep = yield candidate;
    kind = step.kind;
    if (kind === undefined) {
      return { finalPath: normalizePath(candidate + (pending.length ? '/' + pending.join('/') : '')), links, kind };
    }
    if (kind !== 'symlink' || step.target === undefined) {
      if (options.notDirEnds && kind !== 'dir' && kind !== 'symlink' && pending.length > 0) {
        return { finalPath: normalizePath(candidate + '/' + pending.join('/')), links, kind: undefined };
      }
      // A symlink whose text cannot be read (raced away) counts as a plain node.
      resolved.push(part);
      continue;
    }
    links.push({ link: candidate, target: step.target });
    if (links.length > maxLinks) {
      const finalPath = normalizePath('/' + [...resolved, part, ...pending].join('/'));
      return { finalPath, links, kind: undefined, loop: true };
    }
    if (step.target.startsWith('/')) resolved.length = 0;
    pending.unshift(...splitPath(step.target));
  }
  return { finalPath: '/' + resolved.join('/'), links, kind };
}

/**
 * Resolves `path` the way the kernel would on the host (`..` after a symlink goes to the physical
 * parent), following the last component too. Never throws: a missing component ends the walk.
 */
export function resolveSymlinks(fs: FsView, path: ByteString, maxLinks = MAX_SYMLINKS, notDirEnds = false): Resolution {
  if (fs.plainDirectory !== undefined && path !== '/' && normalizePath(path) === path && fs.plainDirectory(parentOf(path))) {
    // What the walk below finds in a plain directory, without walking it.
    const kind = fs.lstat(path);
    if (kind !== 'symlink') return { finalPath: path, links: [], kind };
  }
  const walk = kernelWalk(path, { maxLinks, notDirEnds });
  let next = walk.next();
  while (!next.done) {
    const at = next.value;
    const kind = fs.lstat(at);
    next = walk.next(kind === 'symlink' ? { kind, target: fs.readlink(at) } : { kind });
  }
  return next.value;
}

/** resolveSymlinks for a reader that answers asynchronously (files through a Runner). */
export async function resolveSymlinksAsync(
  lookup: (path: ByteString) => Promise<WalkStep>,
  path: ByteString,
  options: WalkOptions = {},
): Promise<Resolution> {
  const walk = kernelWalk(path, options);
  let next = walk.next();
  while (!next.done) next = walk.next(await lookup(next.value));
  return next.value;
}

/**
 * Where a symlink sends a lookup that continues with `rest`, computed from where the symlink sits in the
 * path being looked up (not from its physical location): this is what the service sees when the
 * symlink's directory is bind-mounted at that place.
 */
export function followLinkLexically(link: ByteString, target: ByteString, rest: ByteString[]): ByteString {
  const base = target.startsWith('/') ? target : parentOf(link) + '/' + target;
  return normalizePath(base + (rest.length ? '/' + rest.join('/') : ''));
}

/**
 * A view that looks paths up like lstat(2) on top of one that only answers for physical paths: the
 * parent is resolved first (its symlinks followed inside the view, never outside it), then the last
 * component is asked for as it is.
 */
export function withParentsResolved(physical: FsView): FsView {
  const locate = (path: ByteString): ByteString | undefined => {
    const normal = normalizePath(path);
    if (normal === '/') return '/';
    const parent = resolveSymlinks(physical, parentOf(normal));
    if (parent.kind !== 'dir') return undefined;
    const name = normal.slice(normal.lastIndexOf('/') + 1);
    return (parent.finalPath === '/' ? '' : parent.finalPath) + '/' + name;
  };
  return {
    lstat: (path) => {
      const at = locate(path);
      return at === undefined ? undefined : physical.lstat(at);
    },
    readlink: (path) => {
      const at = locate(path);
      return at === undefined ? undefined : physical.readlink(at);
    },
    owner: (path) => {
      const at = locate(path);
      return at === undefined ? undefined : physical.owner?.(at);
    },
    head: (path) => {
      const at = locate(path);
      return at === undefined ? undefined : physical.head?.(at);
    },
    list: (path) => {
      // A directory reached through symlinks is listed where they lead, inside the view.
      const resolved = resolveSymlinks(physical, normalizePath(path));
      return resolved.kind === 'dir' ? physical.list?.(resolved.finalPath) : undefined;
    },
    ...(physical.denied !== undefined ? { denied: (path: ByteString) => physical.denied!(resolveSymlinks(physical, normalizePath(path)).finalPath) } : {}),
  };
}
