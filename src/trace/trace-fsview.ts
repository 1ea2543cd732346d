/**
 * What a trace alone says about the filesystem of the machine it was taken on, for judging a log from
 * another host without consulting this one (`analyze --no-host`): a path exists if a call on it
 * succeeded, and every directory above it exists too. Nothing else is known: a path that only failed
 * counts as missing, no symlink is known, and a path is a directory only when something below it
 * succeeded or it was listed.
 */
import type { FsNodeKind, FsView } from '../core/fsview.js';
import type { Access, ByteString } from '../core/model.js';
import { runSteps, STEP_ITEMS, type Steps } from '../core/steps.js';

export function traceFsView(accesses: readonly Access[]): FsView {
  return runSteps(traceFsViewInSteps(accesses));
}

/** traceFsView in steps (src/core/steps.ts): a million paths take seconds. */
export function* traceFsViewInSteps(accesses: readonly Access[]): Steps<FsView> {
  const kinds = new Map<ByteString, FsNodeKind>();
  for (let i = 0; i < accesses.length; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const access = accesses[i];
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
    // Every ancestor of a known directory is one, and nothing here is a symlink.
    plainDirectory: (path) => kinds.get(path) === 'dir',
  };
}
