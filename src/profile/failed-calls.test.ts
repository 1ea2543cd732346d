/**
 * Which failed calls are evidence of need: only what succeeded, or failed the way a sandbox makes
 * calls fail, says the service needs the operation. A mkdir that found its directory already there
 * only looked the path up.
 */
import { describe, expect, test } from '@jest/globals';
import { foldProfile } from './fold.js';
import type { FsView } from '../core/fsview.js';
import type { ServiceIdentity } from './ownership.js';
import { accessesOf } from '../testing/trace-lines.js';

/** A host with /run and /run/app as directories. */
const host: FsView = {
  lstat: (path) => (path === '/' || path === '/run' || path === '/run/app' ? 'dir' : undefined),
  readlink: () => undefined,
};

describe('failed calls', () => {
  test('mkdir = -1 EEXIST is a lookup, not a write', () => {
    const [run] = accessesOf(['1 mkdir("/run", 0755) = -1 EEXIST (File exists)']);
    expect([...run.ops]).toEqual(['stat']);
    expect(run.ok).toBe(false);
    expect([...run.errors]).toEqual(['EEXIST']);
  });

  test('a successful stat and a failed mkdir of the same path show as a successful lookup only', () => {
    const [run] = accessesOf(['1 newfstatat(AT_FDCWD, "/run", {st_mode=S_IFDIR|0755, st_size=0, ...}, 0) = 0', '1 mkdir("/run", 0755) = -1 EEXIST (File exists)']);
    expect([...run.ops]).toEqual(['stat']);
    expect(run.ok).toBe(true);
  });

  test.each([
    ['1 rmdir("/run/app") = -1 ENOTEMPTY (Directory not empty)'],
    ['1 openat(AT_FDCWD, "/run/app", O_WRONLY|O_CREAT|O_TRUNC, 0644) = -1 EISDIR (Is a directory)'],
    ['1 openat(AT_FDCWD, "/run/app", O_RDWR|O_NOFOLLOW) = -1 ELOOP (Too many levels of symbolic links)'],
  ])('%s is no evidence of a write', (line) => {
    const [access] = accessesOf([line]);
    expect([...access.ops]).toEqual(['stat']);
  });

  test.each([
    ['1 mkdir("/run/app/cache", 0755) = -1 EROFS (Read-only file system)', 'create'],
    ['1 openat(AT_FDCWD, "/run/app/state", O_WRONLY|O_CREAT, 0644) = -1 ENOENT (No such file or directory)', 'write'],
    ['1 unlink("/run/app/sock") = -1 EACCES (Permission denied)', 'delete'],
  ])('a failure a sandbox causes keeps its operation: %s', (line, op) => {
    const [access] = accessesOf([line]);
    expect(access.ops.has(op as 'create')).toBe(true);
  });

  test('mkdir -p of a directory already there binds no shared parent, and not /run as a whole', () => {
    const accesses = accessesOf(['1 mkdir("/run", 0755) = -1 EEXIST (File exists)', '1 mkdir("/run/app", 0755) = -1 EEXIST (File exists)']);
    const profile = foldProfile(accesses, { baseline: false, include: [], exclude: [] }, host);
    expect(profile.entries.filter((e) => e.value.startsWith('/run') || e.directive === 'RuntimeDirectory')).toEqual([
      expect.objectContaining({ directive: 'BindPaths', value: '/run/app' }),
    ]);
  });
});

test('a directory a mkdir found already there is bound as it is, not replaced by an empty stand-in', () => {
  // nginx: mkdir EEXIST, then stat; an empty root-owned stand-in made it chown on the read-only tmpfs.
  const accesses = accessesOf([
    '1 mkdir("/run/app", 0700) = -1 EEXIST (File exists)',
    '1 newfstatat(AT_FDCWD, "/run/app", {st_mode=S_IFDIR|0700, st_size=4096, ...}, 0) = 0',
  ]);
  const profile = foldProfile(accesses, { baseline: false, include: [], exclude: [] }, host);
  expect(profile.entries.filter((e) => e.value.includes('/run/app'))).toEqual([expect.objectContaining({ directive: 'BindPaths', value: '/run/app' })]);
});

/** A host with the directories `mkdir -p` walks through, and owners for the service's identity. */
function hostWith(dirs: Record<string, number>): FsView {
  return {
    lstat: (path) => (path === '/' || path in dirs ? 'dir' : undefined),
    readlink: () => undefined,
    owner: (path) => (path in dirs ? { uid: dirs[path], gid: dirs[path], mode: 0o755 } : undefined),
  };
}

/** Entries that name a path (binds, stand-ins, *Directory=), without the fixed first two. */
function pathEntries(profile: ReturnType<typeof foldProfile>) {
  return profile.entries.filter((e) => e.value !== '/:ro' && e.directive !== 'ProtectSystem').map((e) => `${e.directive}=${e.value}`);
}

// Real output of `strace -f -y -e trace=%file -o t.log mkdir -p /run/bs-x` (coreutils 9.1), trimmed to its mkdir.
const MKDIR_P_RUN = [
  '28529 mkdir("/run", 0777)               = -1 EEXIST (File exists)',
  '28529 chdir("/run")                     = 0',
  '28529 mkdir("bs-x", 0777)               = -1 EEXIST (File exists)',
];
// `mkdir -p /var/lib/bsX/cache` where /var/lib/bsX exists.
const MKDIR_P_VAR = [
  '28538 mkdir("/var", 0777)               = -1 EEXIST (File exists)',
  '28538 chdir("/var")                     = 0',
  '28538 mkdir("lib", 0777)                = -1 EEXIST (File exists)',
  '28538 chdir("lib")                      = 0',
  '28538 mkdir("bsX", 0777)                = -1 EEXIST (File exists)',
  '28538 chdir("bsX")                      = 0',
  '28538 mkdir("cache", 0777)              = 0',
];

describe('mkdir -p: the shared places it walks through are looked up, the directory it makes is the service\'s own', () => {
  const fold = (lines: string[], dirs: Record<string, number>, identity?: ServiceIdentity) =>
    pathEntries(foldProfile(accessesOf(lines), { baseline: false, include: [], exclude: [], ...(identity ? { identity } : {}) }, hostWith(dirs)));

  test('analyze: mkdir -p /run/bs-x binds /run/bs-x writable, never /run', () => {
    expect(fold(MKDIR_P_RUN, { '/run': 0, '/run/bs-x': 0 })).toEqual(['BindPaths=/run/bs-x']);
  });

  test('analyze: mkdir -p /var/lib/bsX/cache binds neither /var nor /var/lib', () => {
    expect(fold(MKDIR_P_VAR, { '/var': 0, '/var/lib': 0, '/var/lib/bsX': 0 })).toEqual(['StateDirectory=bsX']);
  });

  test('discover: a directory named for the service, owned by its user or declared by the unit is writable', () => {
    const dirs = { '/run': 0, '/run/bs-x': 0 };
    expect(fold(MKDIR_P_RUN, dirs, { names: ['bs-x'], declared: [] })).toEqual(['BindPaths=/run/bs-x']);
    expect(fold(MKDIR_P_RUN, { '/run': 0, '/run/bs-x': 1000 }, { names: ['web'], declared: [], uid: 1000 })).toEqual(['BindPaths=/run/bs-x']);
    expect(fold(MKDIR_P_RUN, dirs, { names: ['web'], declared: [{ path: '/run/bs-x', by: 'ReadWritePaths=/run/bs-x' }] })).toEqual(['BindPaths=/run/bs-x']);
  });

  test("discover: someone else's directory is bound read-only as it is; the shared parent is still only looked up", () => {
    expect(fold(MKDIR_P_RUN, { '/run': 0, '/run/bs-x': 0 }, { names: ['web'], declared: [], uid: 1000 })).toEqual(['BindReadOnlyPaths=/run/bs-x']);
  });

  test('a shared place ensured on its own is an empty stand-in, never bound', () => {
    expect(fold(['1 mkdir("/var/lib", 0755) = -1 EEXIST (File exists)'], { '/var': 0, '/var/lib': 0 })).toEqual(['TemporaryFileSystem=/var/lib:ro']);
  });
});
