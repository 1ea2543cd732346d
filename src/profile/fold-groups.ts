/**
 * Which directories the fold binds whole instead of file by file: a program's own directory under
 * /etc, /srv, /var/lib… (named after the service, or read inside often enough), and directories whose
 * every entry is public anyway.
 */
import { containsSensitivePlace, sensitiveReason } from './sensitive.js';
import { isStrictlyUnder, isUnder, resolveSymlinks, splitPath, type FsView } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';
import { publicDirectoriesInSteps } from './public-dirs.js';
import { runSteps, STEP_ITEMS, type Steps } from '../core/steps.js';
import { commonDirectory, GROUP_MIN_PATHS, GROUP_PARENTS, hasAny, treeRoot, type Demand, type FoldOptions } from './fold-terms.js';

/** Directories read often enough (or named after the service) to be bound whole. */
export function chooseGroups(demands: readonly Demand[], fs: FsView, options: FoldOptions): ByteString[] {
  return runSteps(chooseGroupsInSteps(demands, fs, options));
}

/** chooseGroups in steps (src/core/steps.ts). */
export function* chooseGroupsInSteps(demands: readonly Demand[], fs: FsView, options: FoldOptions): Steps<ByteString[]> {
  const names = new Set(options.serviceNames ?? []);
  const byTop = new Map<ByteString, Set<ByteString>>();
  for (let i = 0; i < demands.length; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const d = demands[i];
    if (d.writable || d.listedOnly || d.access.ops.has('connect')) continue;
    const parent = GROUP_PARENTS.find((p) => isStrictlyUnder(d.path, p));
    if (parent === undefined) continue;
    const top = parent + '/' + splitPath(d.path.slice(parent.length))[0];
    const set = byTop.get(top) ?? new Set<ByteString>();
    set.add(d.path);
    byTop.set(top, set);
  }
  const groups: ByteString[] = [];
  for (const [top, pathSet] of byTop) {
    yield;
    const paths = [...pathSet];
    const name = splitPath(top).at(-1)!;
    const own = names.has(name);
    if (!own && paths.length < GROUP_MIN_PATHS) continue;
    const dir = own ? top : commonDirectory(paths);
    if (!isUnder(dir, top) || fs.lstat(dir) !== 'dir' || containsSensitivePlace(dir)) continue;
    if (sensitiveReason(dir) !== undefined) continue;
    // A directory the judging user cannot list is not widened to: what else it holds cannot be judged.
    if (fs.denied?.(dir) === true) continue;
    groups.push(dir);
  }
  const reads: ByteString[] = [];
  for (let i = 0; i < demands.length; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const d = demands[i];
    if (d.writable || d.listedOnly || hasAny(d.access, ['connect', 'exec'])) continue;
    // Where the read's symlinks lead is bound too (bindAll follows them): /usr/lib/ssl/certs/X.pem
    // brings /etc/ssl/certs/X.pem, itself a link, so CA certificates read through a link fold as well.
    const resolution = resolveSymlinks(fs, d.path);
    if (resolution.links.length === 0) {
      if (treeRoot(d.path) === undefined) reads.push(d.path);
      continue;
    }
    for (const place of [d.path, ...resolution.links.map((l) => l.link), resolution.finalPath]) if (treeRoot(place) === undefined) reads.push(place);
  }
  const publicDirs = yield* publicDirectoriesInSteps(reads, fs, options.identity);
  groups.push(...publicDirs.filter((dir) => !groups.some((g) => isUnder(dir, g))));
  return groups.sort();
}

