/**
 * What PrivateDevices=yes leaves in /dev (systemd 252, namespace.c mount_private_dev and dev_setup):
 * the fold proposes it when these cover every device a service used, and the diagnosis and lint
 * judge what a sandbox with it can reach.
 */
import { isUnder, splitPath } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';

export const PRIVATE_DEV_NODES: ReadonlySet<ByteString> = new Set([
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/random',
  '/dev/urandom',
  '/dev/tty',
  '/dev/ptmx',
]);

/** Directories mounted or created below the private /dev. */
export const PRIVATE_DEV_TREES: readonly ByteString[] = ['/dev/pts', '/dev/shm', '/dev/mqueue', '/dev/hugepages'];

/** Symlinks PrivateDevices= creates, and where they lead. */
export const PRIVATE_DEV_LINKS: Readonly<Record<string, ByteString>> = {
  '/dev/log': '/run/systemd/journal/dev-log',
  '/dev/fd': '/proc/self/fd',
  '/dev/stdin': '/proc/self/fd/0',
  '/dev/stdout': '/proc/self/fd/1',
  '/dev/stderr': '/proc/self/fd/2',
};

/** Whether the private /dev has `path` (or what leads to it): a node, a tree, or a symlink of its own. */
export function coveredByPrivateDevices(path: ByteString): boolean {
  return (
    path === '/dev' ||
    PRIVATE_DEV_NODES.has(path) ||
    PRIVATE_DEV_TREES.some((tree) => isUnder(path, tree)) ||
    Object.keys(PRIVATE_DEV_LINKS).some((link) => isUnder(path, link))
  );
}

/**
 * What the service's /proc may be narrowed to, from the /proc paths it used with the pid that used
 * each: ProtectProc=invisible when it looked at no other process, ProcSubset=pid when it also read no
 * system-wide file (meminfo, sys/…).
 */
export function procRestriction(used: { path: ByteString; pid: number | undefined }[]): { invisible: boolean; pidOnly: boolean } {
  if (used.length === 0) return { invisible: false, pidOnly: false };
  const entryOf = (path: ByteString) => splitPath(path)[1];
  const isOwn = ({ path, pid }: { path: ByteString; pid: number | undefined }) => {
    const entry = entryOf(path);
    return entry === 'self' || entry === 'thread-self' || (entry !== undefined && /^[0-9]+$/.test(entry) && Number(entry) === pid);
  };
  const others = used.filter((u) => entryOf(u.path) !== undefined && /^[0-9]+$/.test(entryOf(u.path)!) && !isOwn(u));
  if (others.length > 0) return { invisible: false, pidOnly: false };
  return { invisible: true, pidOnly: used.every((u) => entryOf(u.path) === undefined || isOwn(u)) };
}
