/**
 * What a trace alone says about the filesystem of the machine it was taken on, for judging a log from
 * another host without consulting this one (`analyze --no-host`): a path exists if a call on it
 * succeeded, and every directory above it exists too. Nothing else is known: a path that only failed
 * counts as missing, no symlink is known, and a path is a directory only when something below it
 * succeeded or it was listed.
 */
import type { FsView } from '../core/fsview.js';
import type { Access, ByteString } from '../core/model.js';
import { runSteps, STEP_ITEMS, type Steps } from '../core/steps.js';

export function traceFsView(accesses: readonly Access[]): FsView {
  return runSteps(traceFsViewInSteps(accesses));
}

/**
 * traceFsView in steps (src/core/steps.ts): a million paths take seconds. Directories are kept apart
 * from files: the fold asks whether a directory is plain for every path it resolves, and a set of the
 * few thousand directories answers that without a lookup in a table of every path.
 */
export function* traceFsViewInSteps(accesses: readonly Access[]): Steps<FsView> {
  const dirs = new Set<ByteString>(['/']);
  const files = new Set<ByteString>();
  for (let i = 0; i < accesses.length; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const access = accesses[i];
    if (!access.ok) continue;
    // A listed path is a directory; anything else that succeeded is a file unless something below it succeeded too.
    if (access.ops.has('list')) dirs.add(access.path);
    else files.add(access.path);
    for (let cut = access.path.lastIndexOf('/'); cut > 0; cut = access.path.lastIndexOf('/', cut - 1)) {
      const dir = access.path.slice(0, cut);
      if (dirs.has(dir)) break;
      dirs.add(dir);
    }
  }
  return {
    lstat: (path) => (dirs.has(path) ? 'dir' : files.has(path) ? 'file' : undefined),
    readlink: () => undefined,
    // Every ancestor of a known directory is one, and nothing here is a symlink.
    plainDirectory: (path) => dirs.has(path),
  };
}
