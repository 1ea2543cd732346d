/**
 * The real filesystem behind FsView. Paths are byte strings: latin1 maps each JS char back to its byte,
 * so names that are not UTF-8 reach the kernel unchanged.
 */
import { accessSync, closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, constants, type Stats } from 'node:fs';
import { HEAD_BYTES, parentOf, withParentsResolved, type FileOwner, type FsNodeKind, type FsView } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';

function kindOf(stats: Stats): FsNodeKind | undefined {
  if (stats.isSymbolicLink()) return 'symlink';
  if (stats.isDirectory()) return 'dir';
  if (stats.isFile()) return 'file';
  if (stats.isSocket()) return 'socket';
  if (stats.isCharacterDevice()) return 'char';
  if (stats.isBlockDevice()) return 'block';
  if (stats.isFIFO()) return 'fifo';
  return undefined;
}

/** What one lstat says about a path: its kind and, when it exists, its owner and mode. */
interface StatEntry {
  kind: FsNodeKind | undefined;
  owner: FileOwner | undefined;
  /** The lookup itself failed for lack of permission (EACCES on a parent). */
  lookupDenied: boolean;
  /** For a directory: whether it may not be listed and entered, once asked. */
  listDenied?: boolean;
}

const MISSING: StatEntry = { kind: undefined, owner: undefined, lookupDenied: false };
const LOOKUP_DENIED: StatEntry = { kind: undefined, owner: undefined, lookupDenied: true };

export type LstatFn = (at: Buffer) => Stats | undefined;

const systemLstat: LstatFn = (at) => lstatSync(at, { throwIfNoEntry: false });

/**
 * The files of this machine, or (`root`, e.g. /proc/PID/root) of another filesystem tree reached from
 * it. Below another root, paths are physical: the kernel would follow an absolute symlink in them to
 * this machine's `/`, so resolve them first (see withParentsResolved).
 *
 * A view is a snapshot: every path is lstat'ed at most once (kind, owner and mode from that one call)
 * and every symlink read at most once, because the fold asks about each component of every path it
 * meets, again and again. Make a new view to see later changes.
 */
export function createHostFsView(root: ByteString = '/', lstat: LstatFn = systemLstat): FsView {
  const at = (path: ByteString) => Buffer.from(root === '/' ? path : root + path, 'latin1');
  const stats = new Map<ByteString, StatEntry>();
  const links = new Map<ByteString, ByteString | undefined>();
  const statOf = (path: ByteString): StatEntry => {
    let entry = stats.get(path);
    if (entry === undefined) {
      entry = MISSING;
      try {
        const found = lstat(at(path));
        if (found) entry = { kind: kindOf(found), owner: { uid: found.uid, gid: found.gid, mode: found.mode & 0o7777 }, lookupDenied: false };
      } catch (err) {
        // EACCES on a parent, ENOTDIR, ENAMETOOLONG: for the fold all of them mean "not usable here".
        if (isPermissionError(err)) entry = LOOKUP_DENIED;
      }
      stats.set(path, entry);
    }
    return entry;
  };
  const plainDirectories = new Map<ByteString, boolean>();
  const plainDirectory = (path: ByteString): boolean => {
    let plain = plainDirectories.get(path);
    if (plain === undefined) {
      plain = path === '/' || (plainDirectory(parentOf(path)) && statOf(path).kind === 'dir');
      plainDirectories.set(path, plain);
    }
    return plain;
  };
  return {
    lstat: (path) => statOf(path).kind,
    plainDirectory,
    readlink(path: ByteString): ByteString | undefined {
      if (links.has(path)) return links.get(path);
      let target: ByteString | undefined;
      if (statOf(path).kind === 'symlink') {
        try {
          target = readlinkSync(at(path), { encoding: 'buffer' }).toString('latin1');
        } catch {
          target = undefined;
        }
      }
      links.set(path, target);
      return target;
    },
    owner: (path) => statOf(path).owner,
    // Only a regular file has contents worth opening: no open() on directories, devices or FIFOs.
    head: (path) => (statOf(path).kind === 'file' ? headAt(at(path)) : undefined),
    list: (path) => listAt(at(path)),
    denied: (path) => {
      const entry = statOf(path);
      if (entry.lookupDenied) return true;
      if (entry.kind !== 'dir') return false;
      entry.listDenied ??= !accessible(at(path));
      return entry.listDenied;
    },
  };
}

function isPermissionError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM';
}

/** Whether the directory `at` may be listed and entered; false only for lack of permission. */
function accessible(at: Buffer): boolean {
  try {
    accessSync(at, constants.R_OK | constants.X_OK);
    return true;
  } catch (err) {
    return !isPermissionError(err);
  }
}

/** One buffer for every head read: a tree walk reads the heads of a hundred thousand files. */
const headBuffer = Buffer.allocUnsafe(HEAD_BYTES);

/** The first bytes of the regular file `at`; never follows a symlink, never blocks on a FIFO. */
export function headAt(at: Buffer): ByteString | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const read = readSync(fd, headBuffer, 0, HEAD_BYTES, 0);
    return headBuffer.toString('latin1', 0, read);
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function listAt(at: Buffer): ByteString[] | undefined {
  try {
    return readdirSync(at, { encoding: 'buffer' }).map((name) => name.toString('latin1')).sort();
  } catch {
    return undefined;
  }
}

/**
 * Paths looked up as the kernel would on the machine whose tree `root` is (/proc/PID/root, or another
 * machine's root mounted or copied here for `analyze --root`): an absolute symlink met along the way is
 * followed inside `root`, never out to this machine's `/`.
 */
export function createTreeFsView(root: ByteString): FsView {
  return root === '/' ? createHostFsView() : withParentsResolved(createHostFsView(root));
}
