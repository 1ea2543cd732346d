/**
 * Public directories read file by file fold into one bind of the directory. A TLS client that reads
 * 145 CA certificates otherwise gets 145 single-file binds: 145 mounts in its namespace, and the next
 * CA update adds certificates that no bind brings in. Pure: file facts come through FsView.
 *
 * Why the threshold is PUBLIC_DIR_MIN_FILES (4): up to three files in one place is what a program names
 * in its configuration (a main file, an include, a key and certificate pair), where single-file binds
 * are exact and cheap. From four names on the service is reading the directory as a collection (CA
 * hashes, a conf.d, zoneinfo, a document root), whose next update brings names the trace never saw.
 * The fold is safe only because the directory is public: world-readable and searchable, and a walk of
 * it finds no secret (src/profile/secrets.ts), so the bind shows nothing the service could not
 * read anyway. Shared places (`/etc`, `/var/lib` …) are never bound whole, however many files.
 */
import { isUnder, parentOf, resolveSymlinks, type FsView } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';
import { SHARED_PLACES, type ServiceIdentity } from './ownership.js';
import { secretsInside } from './secrets.js';
import { containsSensitivePlace } from './sensitive.js';
import { runSteps, STEP_ITEMS, type Steps } from '../core/steps.js';

export const PUBLIC_DIR_MIN_FILES = 4;

/**
 * Directories holding at least PUBLIC_DIR_MIN_FILES distinct paths of `reads` directly inside, that
 * are world-readable, hold no secret and are no shared place. `reads` are paths the service read
 * (not wrote, not only listed).
 */
export function publicDirectories(reads: readonly ByteString[], fs: FsView, identity?: ServiceIdentity): ByteString[] {
  return runSteps(publicDirectoriesInSteps(reads, fs, identity));
}

/** publicDirectories in steps (src/core/steps.ts). */
export function* publicDirectoriesInSteps(reads: readonly ByteString[], fs: FsView, identity?: ServiceIdentity): Steps<ByteString[]> {
  const byParent = new Map<ByteString, Set<ByteString>>();
  for (let i = 0; i < reads.length; i++) {
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
    const path = reads[i];
    const parent = parentOf(path);
    const set = byParent.get(parent) ?? new Set<ByteString>();
    set.add(path);
    byParent.set(parent, set);
  }
  const out: ByteString[] = [];
  for (const [dir, paths] of byParent) {
    if (paths.size < PUBLIC_DIR_MIN_FILES) continue;
    // Each may walk the directory for secrets.
    yield;
    if (isPublicDirectory(dir, fs, identity)) out.push(dir);
  }
  return out.sort();
}

function isPublicDirectory(dir: ByteString, fs: FsView, identity?: ServiceIdentity): boolean {
  if (SHARED_PLACES.includes(dir) || containsSensitivePlace(dir)) return false;
  // A directory reached through a symlink is bound where the link is; judged as the host has it.
  if (fs.lstat(dir) !== 'dir' || resolveSymlinks(fs, dir).kind !== 'dir') return false;
  const owner = fs.owner?.(dir);
  if (owner === undefined || (owner.mode & 0o005) !== 0o005) return false;
  if (SHARED_PLACES.some((place) => place !== '/' && isUnder(place, dir))) return false;
  const inside = secretsInside(dir, fs, identity);
  return inside.secrets.length === 0 && !inside.truncated;
}
