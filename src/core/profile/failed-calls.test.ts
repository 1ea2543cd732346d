/**
 * Which failed calls are evidence of need: only what succeeded, or failed the way a sandbox makes
 * calls fail, says the service needs the operation. A mkdir that found its directory already there
 * only looked the path up.
 */
import { describe, expect, test } from '@jest/globals';
import { createTraceParser } from '../../../parsers/index.js';
import { AccessCollector } from '../trace/accesses.js';
import { foldProfile } from './fold.js';
import type { FsView } from '../fsview.js';

function accessesOf(lines: string[]) {
  const collector = new AccessCollector();
  const parser = createTraceParser({ source: 'test.log', onEvent: (event) => collector.add(event) });
  for (const line of lines) parser.line(line);
  parser.end();
  return collector.result().accesses;
}

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

  test('the profile binds no directory writable for a mkdir that found it already there', () => {
    const accesses = accessesOf(['1 mkdir("/run", 0755) = -1 EEXIST (File exists)', '1 mkdir("/run/app", 0755) = -1 EEXIST (File exists)']);
    const profile = foldProfile(accesses, { baseline: false, include: [], exclude: [] }, host);
    expect(profile.entries.filter((e) => e.directive === 'BindPaths' || e.directive === 'RuntimeDirectory')).toEqual([]);
  });
});

test('a directory a mkdir found already there is bound as it is, not replaced by an empty stand-in', () => {
  // nginx: mkdir EEXIST, then stat; an empty root-owned stand-in made it chown on the read-only tmpfs.
  const accesses = accessesOf([
    '1 mkdir("/run/app", 0700) = -1 EEXIST (File exists)',
    '1 newfstatat(AT_FDCWD, "/run/app", {st_mode=S_IFDIR|0700, st_size=4096, ...}, 0) = 0',
  ]);
  const profile = foldProfile(accesses, { baseline: false, include: [], exclude: [] }, host);
  expect(profile.entries.filter((e) => e.value.includes('/run/app'))).toEqual([expect.objectContaining({ directive: 'BindReadOnlyPaths', value: '/run/app' })]);
});
