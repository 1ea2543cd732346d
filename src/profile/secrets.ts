/**
 * Whether a file is a secret, decided from the file: a known place for secrets (src/profile/sensitive.ts:
 * /etc/shadow, ssh host keys, /etc/ssl/private, /root, /home …), a private key by its content, or a file
 * others may not read (no o+r) that is not the service's own. A world-readable file is not a secret
 * whatever it is called (a DNSSEC trust anchor named `root.key`). Pure: facts come through FsView.
 */
import { isUnder, resolveSymlinks, splitPath, type FsView } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';
import { ownedByServiceAccount, type ServiceIdentity } from './ownership.js';
import { sensitiveReason } from './sensitive.js';

/** PEM and OpenSSH private keys, encrypted or not (`-----BEGIN RSA PRIVATE KEY-----`, …). */
const PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** System code and the kernel's trees: nothing there is walked for secrets. */
const NOT_WALKED: ByteString[] = ['/usr', '/lib', '/lib64', '/lib32', '/libx32', '/bin', '/sbin', '/proc', '/sys', '/dev'];

/** Enough for a service's own directories; a bigger tree is reported as not checked. */
export const WALK_LIMIT = 5000;

/** A directory whose entries the judging user may not list. */
const CANNOT_JUDGE_INSIDE = 'not readable by the user bindscout runs as, so what it holds cannot be judged (run it as root to judge): treated as a secret';

/** What the judging user may not look at is never taken for public (or missing). */
export const CANNOT_JUDGE = 'cannot be judged: permission denied to the user bindscout runs as (run it as root to judge), so treated as a secret';

export function secretReason(path: ByteString, fs: FsView, identity?: ServiceIdentity): string | undefined {
  const known = sensitiveReason(path);
  if (known !== undefined) return known;
  const resolved = resolveSymlinks(fs, path);
  if (resolved.kind === undefined && fs.denied?.(resolved.finalPath) === true) return CANNOT_JUDGE;
  if (resolved.kind !== 'file') return undefined;
  // A key in the service's own place (declared by the unit, or a directory named for it) is its own:
  // nsd's /etc/nsd/nsd_server.key (root 0600) is made for nsd by its package. Known places of shared
  // secrets were judged above and still need consent.
  if (identity !== undefined && isOwnPlace(resolved.finalPath, identity)) return undefined;
  const head = fs.head?.(resolved.finalPath);
  if (head !== undefined && PRIVATE_KEY.test(head)) return 'a private key (by its content)';
  const owner = fs.owner?.(resolved.finalPath);
  if (owner === undefined || (owner.mode & 0o004) !== 0) return undefined;
  // The service's own files (its user owns them, or the group it runs as may read them: root:USER 0640)
  // are not kept from it.
  if (ownedByServiceAccount({ ...owner, directory: false }, identity, 'read') !== undefined) return undefined;
  return `not readable by others (mode ${(owner.mode & 0o777).toString(8).padStart(4, '0')})`;
}

/** Declared by the unit, or inside a directory named for it (/etc/redis/…, /var/spool/cron/…). */
function isOwnPlace(path: ByteString, identity: ServiceIdentity): boolean {
  if (identity.declared.some((d) => isUnder(path, d.path))) return true;
  const dirs = splitPath(path).slice(0, -1);
  return dirs.some((part, i) => i >= 1 && identity.names.includes(part));
}

export interface SecretsInside {
  secrets: { path: ByteString; reason: string }[];
  /** The walk stopped at WALK_LIMIT entries: the rest is unchecked. */
  truncated: boolean;
  /** `dir` itself could not be listed by the judging user: nothing inside was checked. */
  unlisted?: boolean;
}

/** Secrets a bind of the directory `dir` would show, found by walking it (symlinks are not followed). */
export function secretsInside(dir: ByteString, fs: FsView, identity?: ServiceIdentity): SecretsInside {
  const out: SecretsInside = { secrets: [], truncated: false };
  if (fs.list === undefined || NOT_WALKED.some((tree) => isUnder(dir, tree))) return out;
  const queue = [dir];
  let seen = 0;
  while (queue.length > 0) {
    const at = queue.shift()!;
    const names = fs.list(at);
    if (names === undefined) {
      // A directory the judging user may not read (mode 0770 of someone else) hides what it holds.
      if (fs.denied?.(at) !== true) continue;
      if (at === dir) out.unlisted = true;
      else out.secrets.push({ path: at, reason: CANNOT_JUDGE_INSIDE });
      continue;
    }
    for (const name of names) {
      if (++seen > WALK_LIMIT) {
        out.truncated = true;
        return out;
      }
      const path = at === '/' ? `/${name}` : `${at}/${name}`;
      const kind = fs.lstat(path);
      if (kind === 'dir') {
        const known = sensitiveReason(path);
        if (known !== undefined) out.secrets.push({ path, reason: known });
        else queue.push(path);
      } else if (kind === 'file') {
        const reason = secretReason(path, fs, identity);
        if (reason !== undefined) out.secrets.push({ path, reason });
      } else if (kind === undefined && fs.denied?.(path) === true) {
        // Listed but not looked up: a directory readable without search permission (mode 0744).
        out.secrets.push({ path, reason: CANNOT_JUDGE });
      }
    }
  }
  return out;
}

/** secretsInside for a bind source that is a directory itself (not reached through a symlink); undefined otherwise. */
export function secretsInsideDirectory(dir: ByteString, fs: FsView, identity?: ServiceIdentity): SecretsInside | undefined {
  if (resolveSymlinks(fs, dir).kind !== 'dir' || fs.lstat(dir) !== 'dir') return undefined;
  return secretsInside(dir, fs, identity);
}
