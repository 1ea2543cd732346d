/**
 * What a trace alone says about the filesystem of the machine it was taken on, for judging a log from
 * another host without consulting this one (`analyze --no-host`): a path exists if a call on it
 * succeeded, and every directory above it exists too. Nothing else is known: a path that only failed
 * counts as missing, no symlink is known, and a path is a directory only when something below it
 * succeeded or it was listed.
 */
import type { FsNodeKind, FsView } from '../core/fsview.js';
import type { Access, ByteString } from '../core/model.js';

export function traceFsView(accesses: readonly Access[]): FsView {
  const kinds = new Map<ByteString, FsNodeKind>();
  for (const access of accesses) {
    if (!access.ok) continue;
    if (!kinds.has(access.path)) kinds.set(access.path, access.ops.has('list') ? 'dir' : 'file');
    else if (access.ops.has('list')) kinds.set(access.path, 'dir');
    for (let cut = access.path.lastIndexOf('/'); cut > 0; cut = access.path.lastIndexOf('/', cut - 1)) {
      const dir = access.path.slice(0, cut);
      if (kinds.get(dir) === 'dir') break;
      kinds.set(dir, 'dir');
    }
  }
  kinds.set('/', 'dir');
  return {
    lstat: (path) => kinds.get(path),
    readlink: () => undefined,
  };
}
