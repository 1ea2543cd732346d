/**
 * The real filesystem behind FsView. Paths are byte strings: latin1 maps each JS char back to its byte,
 * so names that are not UTF-8 reach the kernel unchanged.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import { resolveSymlinks, type FsNodeKind, type FsView } from '../core/fsview.js';
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
 * `root` judges the paths against another machine's tree mounted or copied here (`analyze --root DIR`):
 * `/etc/x` is looked up as `DIR/etc/x`; symlink targets stay as stored, so an absolute one is followed
 * inside DIR by the fold, as the kernel would on that machine.
 */
export function createHostFsView(root = '/'): FsView {
  const prefix = root.replace(/\/+$/, '');
  const direct = prefixedFsView(prefix);
  if (prefix === '') return direct;
  // The kernel follows the symlinks along DIR/a/b on this host: an absolute one would leave DIR.
  // Resolving the parent inside DIR first keeps every lookup on the other machine's tree.
  const inside = (path: ByteString): ByteString => {
    const cut = path.lastIndexOf('/');
    if (cut <= 0) return path;
    const parent = resolveSymlinks(direct, path.slice(0, cut)).finalPath;
    return (parent === '/' ? '' : parent) + path.slice(cut);
  };
  return {
    lstat: (path) => direct.lstat(inside(path)),
    readlink: (path) => direct.readlink(inside(path)),
  };
}

function prefixedFsView(prefix: string): FsView {
  return {
    lstat(path: ByteString): FsNodeKind | undefined {
      try {
        const stats = lstatSync(Buffer.from(prefix + path, 'latin1'), { throwIfNoEntry: false });
        return stats ? kindOf(stats) : undefined;
      } catch {
        // EACCES on a parent, ENOTDIR, ENAMETOOLONG: for the fold all of them mean "not usable here".
        return undefined;
      }
    },
    readlink(path: ByteString): ByteString | undefined {
      try {
        return readlinkSync(Buffer.from(prefix + path, 'latin1'), { encoding: 'buffer' }).toString('latin1');
      } catch {
        return undefined;
      }
    },
  };
}
