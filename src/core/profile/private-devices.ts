/**
 * What PrivateDevices=yes leaves in /dev (systemd 252, namespace.c mount_private_dev and dev_setup):
 * the fold proposes it when these cover every device a service used, and the diagnosis and lint
 * judge what a sandbox with it can reach.
 */
import { isUnder } from '../fsview.js';
import type { ByteString } from '../model.js';

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
