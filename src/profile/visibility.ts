/**
 * What a profile makes visible: whether a host path can be reached inside the sandbox a profile (or
 * a unit's own mount settings, see lint) describes, walked the way the kernel walks it there.
 */
import { isUnder, normalizePath, resolveSymlinks, splitPath, type FsNodeKind, type FsView } from '../core/fsview.js';
import type { ByteString, Directive, Profile } from '../core/model.js';
import { PRIVATE_DEV_LINKS, PRIVATE_DEV_NODES, PRIVATE_DEV_TREES } from './private-devices.js';
import { UNIT_DIRECTORY_BASES } from '../unit-file/unit-directories.js';

/** `api`: /proc and /sys, fresh mounts whose contents are the kernel's (looked up on the host). */
type MountKind = 'host' | 'empty' | 'private-dev' | 'api';
interface Mount {
  dest: string;
  kind: MountKind;
}

type Node = 'dir' | 'other' | { symlink: string } | undefined;

const yes = (value: string) => /^(yes|true|on|1)$/i.test(value);

const directoryBase = (directive: Directive): string | undefined =>
  (UNIT_DIRECTORY_BASES as Partial<Record<Directive, string>>)[directive];

/**
 * Whether a host path can be reached inside a profile's sandbox, walking it the way the kernel would
 * there: bind mounts show the host's tree (their own source resolved, symlinks inside them kept),
 * TemporaryFileSystem= shows only the mount points created on it, PrivateTmp= an empty /tmp and
 * /var/tmp, PrivateDevices= a minimal /dev, MountAPIVFS= /proc, /sys and /dev. Without an FsView the
 * answer is lexical (under a bind = visible), which misses symlinks leading out of a bound tree.
 */
export function visibleUnder(profile: Profile, fs?: FsView): (path: ByteString) => boolean {
  const mounts: Mount[] = [];
  let rootHidden = false;
  let privateDevices = false;
  let apiVfs = false;
  for (const entry of profile.entries) {
    const value = entry.value;
    switch (entry.directive) {
      case 'TemporaryFileSystem': {
        const dest = normalizePath(value.replace(/:[^/]*$/, ''));
        if (dest === '/') rootHidden = true;
        else mounts.push({ dest, kind: 'empty' });
        break;
      }
      case 'BindReadOnlyPaths':
      case 'BindPaths':
        mounts.push({ dest: normalizePath(entry.destination ?? value), kind: 'host' });
        break;
      case 'PrivateTmp':
        if (yes(value)) mounts.push({ dest: '/tmp', kind: 'empty' }, { dest: '/var/tmp', kind: 'empty' });
        break;
      case 'PrivateDevices':
        privateDevices = yes(value);
        break;
      case 'MountAPIVFS':
        apiVfs = yes(value);
        break;
      default: {
        const base = directoryBase(entry.directive);
        if (base === undefined) break;
        for (const name of value.split(/\s+/).filter(Boolean)) {
          mounts.push({ dest: normalizePath(`${base}/${name}`), kind: 'host' });
        }
      }
    }
  }
  if (privateDevices) mounts.push({ dest: '/dev', kind: 'private-dev' });
  if (apiVfs) {
    mounts.push({ dest: '/proc', kind: 'api' }, { dest: '/sys', kind: 'api' });
    if (!privateDevices) mounts.push({ dest: '/dev', kind: 'host' });
  }
  if (!rootHidden) mounts.push({ dest: '/', kind: 'host' });
  // Deepest destination first: the mount that wins for a path is the deepest one above it.
  mounts.sort((a, b) => splitPath(b.dest).length - splitPath(a.dest).length);

  const hostNode = (hostPath: string, isMountPoint: boolean): Node => {
    if (!fs) return 'dir';
    if (isMountPoint) {
      // A bind mount shows its source's target, never a symlink.
      const r = resolveSymlinks(fs, hostPath);
      return r.kind === undefined ? undefined : r.kind === 'dir' ? 'dir' : 'other';
    }
    const kind = fs.lstat(hostPath);
    if (kind === undefined) return undefined;
    if (kind === 'symlink') {
      const target = fs.readlink(hostPath);
      return target === undefined ? 'other' : { symlink: target };
    }
    return kind === 'dir' ? 'dir' : 'other';
  };

  const lookup = (path: string): Node => {
    if (mounts.some((m) => m.dest !== path && isUnder(m.dest, path))) return 'dir';
    const mount = mounts.find((m) => isUnder(path, m.dest));
    if (!mount) return path === '/' ? 'dir' : undefined;
    switch (mount.kind) {
      case 'empty':
        return path === mount.dest ? 'dir' : undefined;
      case 'private-dev':
        if (path === '/dev' || PRIVATE_DEV_TREES.includes(path)) return 'dir';
        if (PRIVATE_DEV_NODES.has(path)) return 'other';
        return PRIVATE_DEV_LINKS[path] ? { symlink: PRIVATE_DEV_LINKS[path]! } : undefined;
      case 'api':
      case 'host': {
        if (mount.kind === 'api' && path === mount.dest) return 'dir';
        if (!fs) return 'dir';
        if (path === mount.dest) return hostNode(mount.dest, mount.dest !== '/');
        const base = mount.dest === '/' ? '' : resolveSymlinks(fs, mount.dest).finalPath;
        return hostNode(base + path.slice(mount.dest === '/' ? 0 : mount.dest.length), false);
      }
    }
  };

  // The sandbox as a filesystem of its own, walked like any other.
  const kindOf = (node: Node): FsNodeKind | undefined =>
    node === undefined ? undefined : node === 'dir' ? 'dir' : node === 'other' ? 'file' : 'symlink';
  const sandbox: FsView = {
    lstat: (path) => kindOf(lookup(path)),
    readlink: (path) => {
      const node = lookup(path);
      return typeof node === 'object' ? node.symlink : undefined;
    },
  };
  return (path: ByteString): boolean => resolveSymlinks(sandbox, path, undefined, true).kind !== undefined;
}
