/**
 * The real filesystem behind FsView. Paths are byte strings: latin1 maps each JS char back to its byte,
 * so names that are not UTF-8 reach the kernel unchanged.
 */
import { accessSync, closeSync, lstatSync, openSync, readdirSync, readlinkSync, readSync, constants, type Stats } from 'node:fs';
import { HEAD_BYTES, withParentsResolved, type FileOwner, type FsNodeKind, type FsView } from '../core/fsview.js';
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

/**
 * The files of this machine, or (`root`, e.g. /proc/PID/root) of another filesystem tree reached from
 * it. Below another root, paths are physical: the kernel would follow an absolute symlink in them to
 * this machine's `/`, so resolve them first (see withParentsResolved).
 */
export function createHostFsView(root: ByteString = '/'): FsView {
  const at = (path: ByteString) => Buffer.from(root === '/' ? path : root + path, 'latin1');
  return {
    lstat(path: ByteString): FsNodeKind | undefined {
      try {
        const stats = lstatSync(at(path), { throwIfNoEntry: false });
        return stats ? kindOf(stats) : undefined;
      } catch {
        // EACCES on a parent, ENOTDIR, ENAMETOOLONG: for the fold all of them mean "not usable here".
        return undefined;
      }
    },
    readlink(path: ByteString): ByteString | undefined {
      try {
        return readlinkSync(at(path), { encoding: 'buffer' }).toString('latin1');
      } catch {
        return undefined;
      }
    },
    owner: (path) => ownerAt(at(path)),
    head: (path) => headAt(at(path)),
    list: (path) => listAt(at(path)),
    denied: (path) => deniedAt(at(path)),
  };
}

/** Whether looking `at` up, or listing it when it is a directory, fails for lack of permission. */
export function deniedAt(at: Buffer): boolean {
  try {
    const stats = lstatSync(at, { throwIfNoEntry: false });
    if (stats?.isDirectory() === true) accessSync(at, constants.R_OK | constants.X_OK);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM';
  }
}

/** Owner and mode of `at` itself (not followed). */
export function ownerAt(at: Buffer): FileOwner | undefined {
  try {
    const stats = lstatSync(at, { throwIfNoEntry: false });
    return stats ? { uid: stats.uid, mode: stats.mode & 0o7777 } : undefined;
  } catch {
    return undefined;
  }
}

/** The first bytes of the regular file `at`; never follows a symlink, never blocks on a FIFO. */
export function headAt(at: Buffer): ByteString | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const buffer = Buffer.alloc(HEAD_BYTES);
    const read = readSync(fd, buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, read).toString('latin1');
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
