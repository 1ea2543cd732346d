/**
 * What the admin's --include consents to, and what a service that makes a directory it finds there
 * may do with it. Pure: the host only through FsView.
 */
import { splitPath, type FsView } from '../fsview.js';
import type { ByteString } from '../model.js';
import { compiledGlob, globText, matchingGlob, type Demand } from './fold-terms.js';
import { isSharedOrSystemPlace, ownReason, type ServiceIdentity } from './ownership.js';
import { sensitiveReason } from './sensitive.js';

/**
 * The --include glob naming the secret itself or a place of secrets holding it (`/etc/ssl/private`).
 * Consent to a broad directory (`--include /etc`, to make it writable) is not consent to `/etc/shadow`.
 */
export function secretConsent(include: string[], secret: ByteString): string | undefined {
  if (include.length === 0) return undefined;
  const parts = splitPath(secret);
  for (let depth = parts.length; depth >= 1; depth--) {
    const prefix = '/' + parts.slice(0, depth).join('/');
    if (depth < parts.length && sensitiveReason(prefix) === undefined) continue;
    const glob = include.find((g) => compiledGlob(g)(globText(prefix)));
    if (glob !== undefined) return glob;
  }
  return undefined;
}

/**
 * A file written with O_CREAT that is already there needs its directory writable only if it is really
 * made anew. When --include names that file and not its directory, the user asked for the file: it is
 * bound writable alone (it exists, and the service neither removes nor renames it).
 */
export function fileGrantedAlone(demand: Demand, include: string[], fs: FsView): Demand {
  const file = demand.createdInside;
  if (file === undefined || !demand.writable || demand.access.ops.has('delete')) return demand;
  if (include.length === 0 || matchingGlob(demand.path, include) !== undefined) return demand;
  if (matchingGlob(file, include) === undefined || fs.lstat(file) !== 'file') return demand;
  return { access: demand.access, path: file, writable: true, ...(demand.viaSymlink !== undefined ? { viaSymlink: demand.viaSymlink } : {}) };
}

/**
 * A directory a mkdir found already there (EEXIST). `mkdir -p` walks through every parent the same way
 * (`/run`, `/var`, `/var/lib`): those, and any shared or system place, were only looked up. The
 * directory the service tries to create is its own when the ownership rules say so (named for it,
 * owned by its user, declared by the unit), and then writable even if the trace never wrote into it
 * (nginx's temp directories take request bodies only under load). Any other one is bound read-only as
 * it is: an empty root-owned stand-in would make a service that chowns it fail on the read-only tmpfs.
 */
export function ensuredDirectory(path: ByteString, walkedThrough: boolean, fs: FsView, identity: ServiceIdentity | undefined): 'own' | 'as-is' | 'looked-up' {
  if (walkedThrough || isSharedOrSystemPlace(path)) return 'looked-up';
  const own = ownReason({ path, existingFile: false, ownerUid: fs.owner?.(path)?.uid }, identity);
  return own !== undefined ? 'own' : 'as-is';
}
