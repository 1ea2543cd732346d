/**
 * The real filesystem behind FsView. Paths are byte strings: latin1 maps each JS char back to its byte,
 * so names that are not UTF-8 reach the kernel unchanged.
 */
import { lstatSync, readlinkSync, type Stats } from 'node:fs';
import type { FsNodeKind, FsView } from '../core/fsview.js';
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

export function createHostFsView(): FsView {
  return {
    lstat(path: ByteString): FsNodeKind | undefined {
      try {
        const stats = lstatSync(Buffer.from(path, 'latin1'), { throwIfNoEntry: false });
        return stats ? kindOf(stats) : undefined;
      } catch {
        // EACCES on a parent, ENOTDIR, ENAMETOOLONG: for the fold all of them mean "not usable here".
        return undefined;
      }
    },
    readlink(path: ByteString): ByteString | undefined {
      try {
        return readlinkSync(Buffer.from(path, 'latin1'), { encoding: 'buffer' }).toString('latin1');
      } catch {
        return undefined;
      }
    },
  };
}
