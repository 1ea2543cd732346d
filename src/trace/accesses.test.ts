import { describe, expect, test } from '@jest/globals';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StraceEvent, SyscallEvent, SyscallResult } from '../../parsers/events.js';
import { unescapeBytes } from '../../parsers/strings.js';
import { AccessCollector, REASONS } from './accesses.js';
import { normalizePath } from '../core/fsview.js';
import type { Access } from '../core/model.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * A syscall event from a literal strace body such as `openat(3, "x", O_RDONLY) = 4</a/x>`. The lines
 * used here never contain `) = ` inside a string, so the last one separates arguments from the result.
 */
function syscall(body: string, pid?: number, line = 1): SyscallEvent {
  const open = body.indexOf('(');
  const close = body.lastIndexOf(') = ');
  if (open < 0 || close < 0) throw new Error(`not a syscall line: ${body}`);
  return {
    type: 'syscall',
    line,
    pid,
    name: body.slice(0, open),
    argsText: body.slice(open + 1, close),
    result: parseResult(body.slice(close + 4).trim()),
    source: 'test.log',
  };
}

function parseResult(text: string): SyscallResult {
  if (text.startsWith('?')) return { kind: 'unknown', reason: text };
  const error = /^-1 (E[A-Z0-9]+)/.exec(text);
  if (error) return { kind: 'error', errno: error[1] };
  const lt = text.indexOf('<');
  if (lt < 0) return { kind: 'ok', value: text };
  return { kind: 'ok', value: text.slice(0, lt), fdPath: unescapeBytes(text.slice(lt + 1, text.lastIndexOf('>'))) };
}

/** Feeds lines (bodies, optionally `[pid, body]`) and returns the result. */
function collect(lines: Array<string | [number, string] | StraceEvent>) {
  const collector = new AccessCollector();
  lines.forEach((item, index) => {
    if (typeof item === 'string') collector.add(syscall(item, undefined, index + 1));
    else if (Array.isArray(item)) collector.add(syscall(item[1], item[0], index + 1));
    else collector.add(item);
  });
  return collector.result();
}

function accessMap(lines: Parameters<typeof collect>[0]): Map<string, Access> {
  return new Map(collect(lines).accesses.map((a) => [a.path, a]));
}

function opsOf(access: Access | undefined): string[] {
  if (access === undefined) return ['<no access>'];
  return [...access.ops].sort();
}

describe('open family', () => {
  test('absolute opens record the operations their flags imply', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3',
      'openat(AT_FDCWD, "/var/log/nginx/error.log", O_WRONLY|O_CREAT|O_APPEND, 0644) = 4',
      'open("/run/nginx.pid", O_RDWR|O_CREAT|O_TRUNC, 0644) = 5',
      'creat("/srv/out/creat.txt", 0640) = 6',
      'openat(AT_FDCWD, "/usr/share/zoneinfo", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = 7',
      'openat(AT_FDCWD, "/proc/self/exe", O_RDONLY|O_PATH) = 8',
    ]);
    expect(opsOf(got.get('/etc/passwd'))).toEqual(['read']);
    expect(opsOf(got.get('/var/log/nginx/error.log'))).toEqual(['create', 'write']);
    expect(opsOf(got.get('/run/nginx.pid'))).toEqual(['create', 'read', 'write']);
    expect(opsOf(got.get('/srv/out/creat.txt'))).toEqual(['create', 'write']);
    expect(opsOf(got.get('/usr/share/zoneinfo'))).toEqual(['list']);
    expect(opsOf(got.get('/proc/self/exe'))).toEqual(['stat']);
  });

  test('openat2 reads its flags from the how struct and honours RESOLVE_IN_ROOT', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "/srv/root", O_RDONLY|O_DIRECTORY) = 3',
      'openat2(3, "dir one", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH}, 24) = 7',
      'openat2(3, "/etc/hosts", {flags=O_WRONLY|O_CREAT, mode=0600, resolve=RESOLVE_IN_ROOT}, 24) = 8',
    ]);
    expect(opsOf(got.get('/srv/root/dir one'))).toEqual(['read']);
    expect(opsOf(got.get('/srv/root/etc/hosts'))).toEqual(['create', 'write']);
    expect(got.has('/etc/hosts')).toBe(false);
  });

  test('-X raw and -X verbose flags and AT_FDCWD give the same accesses as the default style', () => {
    const raw = accessMap([
      'openat(-100, "/etc/ld.so.cache", 0x80000) = 3',
      'openat(-100</srv/work>, "out.txt", 0x241, 0644) = 4',
      'openat(-100 /* AT_FDCWD */, "verbose.txt", 0x42 /* O_RDWR|O_CREAT */, 0600) = 5',
      'newfstatat(-100 /* AT_FDCWD */, "", {st_mode=0100644, st_size=1}, 0x1000 /* AT_EMPTY_PATH */) = 0',
    ]);
    expect(opsOf(raw.get('/etc/ld.so.cache'))).toEqual(['read']);
    expect(opsOf(raw.get('/srv/work/out.txt'))).toEqual(['create', 'write']);
    // The verbose call has no decoration: its cwd comes from the raw call's decoration just before.
    expect(opsOf(raw.get('/srv/work/verbose.txt'))).toEqual(['create', 'read', 'write']);
    // AT_EMPTY_PATH on AT_FDCWD is the cwd itself.
    expect(opsOf(raw.get('/srv/work'))).toEqual(['stat']);
  });

  test('-xx hex paths decode to the same bytes', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "\\x2f\\x65\\x74\\x63\\x2f\\x70\\x61\\x73\\x73\\x77\\x64", O_RDONLY|O_CLOEXEC) = 3',
    ]);
    expect([...got.keys()]).toEqual(['/etc/passwd']);
  });

  test('non-UTF-8 bytes in a path are preserved one byte per char', () => {
    const got = collect(['openat(AT_FDCWD, "/srv/\\377\\376-latin1-\\351", O_RDONLY) = 3']).accesses;
    expect(got).toHaveLength(1);
    const codes = [...got[0].path].map((c) => c.charCodeAt(0));
    expect(codes.slice(5, 7)).toEqual([0xff, 0xfe]);
    expect(codes[codes.length - 1]).toBe(0xe9);
    expect(got[0].path.length).toBe('/srv/'.length + 2 + '-latin1-'.length + 1);
  });

  test('a -y decorated return keeps both the requested and the kernel path, linked to each other', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "/lib/x86_64-linux-gnu/libc.so.6", O_RDONLY|O_CLOEXEC) = 3</usr/lib/x86_64-linux-gnu/libc.so.6>',
      'openat(AT_FDCWD, "/etc/hostname", O_RDONLY) = 4</etc/hostname>',
    ]);
    const requested = got.get('/lib/x86_64-linux-gnu/libc.so.6');
    const real = got.get('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(opsOf(requested)).toEqual(['read']);
    expect(opsOf(real)).toEqual(['read']);
    expect(requested?.resolvedTo).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(real?.resolvedFrom).toBe('/lib/x86_64-linux-gnu/libc.so.6');
    // Same path both ways: one access, counted once, no relation.
    expect(got.get('/etc/hostname')?.count).toBe(1);
    expect(got.get('/etc/hostname')?.resolvedTo).toBeUndefined();
  });

  test('non-file return decorations are not accesses', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "/proc/self/fd/0", O_RDONLY) = 3<pipe:[4242]>',
      'openat(AT_FDCWD, "/proc/self/fd/5", O_RDONLY) = 4</memfd:seccomp (deleted)>',
    ]);
    expect([...got.keys()].sort()).toEqual(['/proc/self/fd/0', '/proc/self/fd/5']);
  });
});

describe('relative path resolution', () => {
  test('chdir (absolute, then relative) sets the cwd; a failed chdir changes nothing', () => {
    const got = accessMap([
      'chdir("/srv/work/wd") = 0',
      'chdir("dir one") = 0',
      'chdir("/nonexistent") = -1 ENOENT (No such file or directory)',
      'open("legacy-open.txt", O_RDWR|O_CREAT, 0600) = 4',
      'stat("legacy-open.txt", {st_mode=S_IFREG|0600, st_size=0, ...}) = 0',
    ]);
    const file = got.get('/srv/work/wd/dir one/legacy-open.txt');
    expect(opsOf(file)).toEqual(['create', 'read', 'stat', 'write']);
    expect(file?.count).toBe(2);
    expect(opsOf(got.get('/srv/work/wd/dir one'))).toEqual(['stat']);
    expect(got.get('/nonexistent')?.errors).toEqual(new Set(['ENOENT']));
    expect(got.get('/nonexistent')?.ok).toBe(false);
  });

  test('a relative path with no known cwd is reported, not guessed, and repeats merge', () => {
    const { accesses, unresolved } = collect([
      'stat("legacy-open.txt", {st_mode=S_IFREG|0600, st_size=0, ...}) = 0',
      'stat("legacy-open.txt", {st_mode=S_IFREG|0600, st_size=0, ...}) = 0',
      'openat(AT_FDCWD, "relative.txt", O_RDONLY|O_CLOEXEC) = 3',
    ]);
    expect(accesses).toEqual([]);
    expect(unresolved.map((u) => [u.syscall, u.raw, u.reason, u.count, u.line])).toEqual([
      ['stat', 'legacy-open.txt', REASONS.cwdUnknown, 2, 1],
      ['openat', 'relative.txt', REASONS.cwdUnknown, 1, 3],
    ]);
  });

  test('a successful chdir to a path that cannot be resolved leaves the cwd unknown, not stale', () => {
    const { accesses, unresolved } = collect([
      'chdir("/srv/old") = 0',
      'chdir(0x7ffd5e1c2a40) = 0',
      'stat("x", {...}) = 0',
    ]);
    expect(accesses.map((a) => a.path)).toEqual(['/srv/old']);
    expect(unresolved.map((u) => [u.syscall, u.raw, u.reason])).toEqual([
      ['chdir', '0x7ffd5e1c2a40', REASONS.address],
      ['stat', 'x', REASONS.cwdUnknown],
    ]);
  });

  test('getcwd output resyncs the cwd', () => {
    const got = accessMap([
      'chdir("/wrong") = 0',
      'getcwd("/srv/work/wd/dir one", 8192) = 29',
      'access("creat.txt", R_OK) = 0',
    ]);
    expect(opsOf(got.get('/srv/work/wd/dir one/creat.txt'))).toEqual(['stat']);
  });

  test('the AT_FDCWD decoration is the cwd, and teaches it to later undecorated calls', () => {
    const got = accessMap([
      'chdir("dir one") = 0',
      'openat(AT_FDCWD</srv/work/wd>, "creat.txt", O_RDONLY) = 3</srv/work/wd/creat.txt>',
      'open("legacy.txt", O_RDONLY) = 4',
    ]);
    expect(opsOf(got.get('/srv/work/wd/creat.txt'))).toEqual(['read']);
    expect(opsOf(got.get('/srv/work/wd/legacy.txt'))).toEqual(['read']);
  });

  test('a dirfd decoration names the directory', () => {
    const got = accessMap(['openat(9</run/systemd>, "userdb", O_RDONLY|O_NONBLOCK|O_CLOEXEC|O_DIRECTORY) = -1 ENOENT (No such file or directory)']);
    const userdb = got.get('/run/systemd/userdb');
    expect(opsOf(userdb)).toEqual(['list']);
    expect(userdb?.ok).toBe(false);
    expect(userdb?.errors).toEqual(new Set(['ENOENT']));
  });

  test('a dirfd learnt from an earlier open resolves later *at calls; a failed open teaches nothing', () => {
    const { accesses, unresolved } = collect([
      'openat(AT_FDCWD, "/srv/work/wd", O_RDONLY|O_DIRECTORY) = 3',
      'openat(3, "with space.txt", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 4',
      'mkdirat(3, "dir two", 0755) = 0',
      'openat(AT_FDCWD, "/missing", O_RDONLY|O_DIRECTORY) = -1 ENOENT (No such file or directory)',
      'unlinkat(5, "x", 0) = 0',
    ]);
    const paths = new Map(accesses.map((a) => [a.path, a]));
    expect(opsOf(paths.get('/srv/work/wd/with space.txt'))).toEqual(['create', 'write']);
    expect(opsOf(paths.get('/srv/work/wd/dir two'))).toEqual(['create']);
    expect(unresolved.map((u) => [u.raw, u.reason])).toEqual([['x', REASONS.dirfdUnknown]]);
  });

  test('a reused fd number forgets what it named before', () => {
    const { unresolved } = collect([
      'openat(AT_FDCWD, "/srv/a", O_RDONLY|O_DIRECTORY) = 3',
      'openat(AT_FDCWD, "unknown-cwd-file", O_RDONLY) = 3',
      'newfstatat(3, "child", {st_mode=S_IFREG|0644, st_size=1, ...}, 0) = 0',
    ]);
    expect(unresolved.map((u) => [u.raw, u.reason])).toEqual([
      ['unknown-cwd-file', REASONS.cwdUnknown],
      ['child', REASONS.dirfdUnknown],
    ]);
  });

  test('a relative open the kernel decorated needs no report: the object is known', () => {
    const { accesses, unresolved } = collect(['open("conf/app.ini", O_RDONLY) = 3</srv/app/conf/app.ini>']);
    expect(accesses.map((a) => a.path)).toEqual(['/srv/app/conf/app.ini']);
    expect(unresolved).toEqual([]);
  });

  test('paths are normalised lexically', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "/srv/work/nginx/html//index.html", O_RDONLY) = 3',
      'chdir("/srv/work/./a/b/") = 0',
      'stat("../c/./d", {...}) = 0',
      'stat("/../../etc/hosts", {...}) = 0',
    ]);
    expect([...got.keys()].sort()).toEqual(['/etc/hosts', '/srv/work/a/b', '/srv/work/a/c/d', '/srv/work/nginx/html/index.html']);
    expect(normalizePath('/')).toBe('/');
    expect(normalizePath('/a/..')).toBe('/');
    expect(normalizePath('/usr/lib/..foo/.x')).toBe('/usr/lib/..foo/.x');
  });

  test('chroot prefixes later absolute paths with the new root', () => {
    const got = accessMap([
      'chroot("/srv/jail") = 0',
      'chdir("/") = 0',
      'openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = 3',
      'stat("lib", {...}) = 0',
    ]);
    expect(got.has('/srv/jail/etc/passwd')).toBe(true);
    expect(got.has('/srv/jail/lib')).toBe(true);
    expect(got.has('/etc/passwd')).toBe(false);
  });

  test('argument names printed by -N are ignored', () => {
    const got = accessMap(['openat(dirfd=AT_FDCWD</srv>, pathname="rel", flags=O_WRONLY|O_CREAT, mode=0644) = 3']);
    expect(opsOf(got.get('/srv/rel'))).toEqual(['create', 'write']);
  });
});

describe('processes', () => {
  test('a forked child copies the cwd; its chdir does not move the parent', () => {
    const got = accessMap([
      [100, 'chdir("/srv/parent") = 0'],
      [100, 'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f0) = 101'],
      [101, 'stat("from-child", {...}) = 0'],
      [101, 'chdir("sub") = 0'],
      [100, 'stat("from-parent", {...}) = 0'],
    ]);
    expect(got.has('/srv/parent/from-child')).toBe(true);
    expect(got.has('/srv/parent/from-parent')).toBe(true);
  });

  test('a CLONE_FS thread shares the cwd both ways', () => {
    const got = accessMap([
      [100, 'chdir("/srv/a") = 0'],
      [100, 'clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM, exit_signal=0, stack=0x7f}, 88) = 102'],
      [102, 'chdir("/srv/b") = 0'],
      [100, 'stat("x", {...}) = 0'],
    ]);
    expect(got.has('/srv/b/x')).toBe(true);
  });

  test('a pid of unknown parentage does not borrow anyone else\'s cwd', () => {
    const { unresolved } = collect([
      [100, 'chdir("/srv/a") = 0'],
      [103, 'stat("x", {...}) = 0'],
    ]);
    expect(unresolved.map((u) => [u.pid, u.raw])).toEqual([[103, 'x']]);
  });

  test('a superseded thread hands its state to the leader; a pid reused after exit starts unknown', () => {
    const collector = new AccessCollector();
    collector.add(syscall('chdir("/srv/thread") = 0', 201));
    collector.add({ type: 'superseded', line: 2, pid: 200, by: 201, source: 'test.log' });
    collector.add(syscall('stat("after-exec", {...}) = 0', 200));
    collector.add({ type: 'exit', line: 4, pid: 200, code: 0, source: 'test.log' });
    collector.add(syscall('stat("reused", {...}) = 0', 200));
    const { accesses, unresolved } = collector.result();
    expect(accesses.map((a) => a.path)).toContain('/srv/thread/after-exec');
    expect(unresolved.map((u) => u.raw)).toEqual(['reused']);
  });

  test('execve keeps the cwd and closes only close-on-exec fds', () => {
    const { accesses, unresolved } = collect([
      // fchdir is traced (a failed one shows it): the directories opened below leave the cwd known.
      'fchdir(9) = -1 EBADF (Bad file descriptor)',
      'chdir("/srv/app") = 0',
      'openat(AT_FDCWD, "/srv/keep", O_RDONLY|O_DIRECTORY) = 3',
      'openat(AT_FDCWD, "/srv/drop", O_RDONLY|O_DIRECTORY|O_CLOEXEC) = 4',
      'execve("/usr/bin/cat", ["cat", "/etc/hostname"], 0x7ffc6ee8d848 /* 36 vars */) = 0',
      'stat("rel", {...}) = 0',
      'newfstatat(3, "kept", {...}, 0) = 0',
      'newfstatat(4, "dropped", {...}, 0) = 0',
    ]);
    const paths = accesses.map((a) => a.path);
    expect(paths).toEqual(expect.arrayContaining(['/srv/app/rel', '/srv/keep/kept']));
    expect(unresolved.map((u) => [u.raw, u.reason])).toEqual([['dropped', REASONS.dirfdUnknown]]);
  });

  test('traced close, dup2 and fchdir keep the fd table and cwd honest', () => {
    const { accesses, unresolved } = collect([
      'openat(AT_FDCWD, "/srv/a", O_RDONLY|O_DIRECTORY) = 3',
      'dup2(3, 7) = 7',
      'close(3) = 0',
      'newfstatat(7, "via-dup", {...}, 0) = 0',
      'newfstatat(3, "after-close", {...}, 0) = 0',
      'fchdir(7) = 0',
      'stat("after-fchdir", {...}) = 0',
    ]);
    expect(accesses.map((a) => a.path)).toEqual(['/srv/a', '/srv/a/after-fchdir', '/srv/a/via-dup']);
    expect(unresolved.map((u) => u.raw)).toEqual(['after-close']);
  });
});

describe('syscall families', () => {
  test('execve: success marks the path executed, a PATH search miss only adds exec with its errno', () => {
    const got = accessMap([
      'execve("/usr/local/bin/cat", ["cat"], 0x7ffc /* 36 vars */) = -1 ENOENT (No such file or directory)',
      'execve("/usr/bin/cat", ["cat", "/etc/hostname"], 0x7ffc6ee8d848 /* 36 vars */) = 0',
    ]);
    expect(got.get('/usr/bin/cat')?.executed).toBe(true);
    expect(opsOf(got.get('/usr/bin/cat'))).toEqual(['exec']);
    expect(got.get('/usr/local/bin/cat')?.executed).toBeUndefined();
    expect(opsOf(got.get('/usr/local/bin/cat'))).toEqual(['exec']);
    // argv elements are not paths.
    expect(got.has('/etc/hostname')).toBe(false);
  });

  test('execveat with AT_EMPTY_PATH executes the fd itself', () => {
    const got = accessMap([
      'openat(AT_FDCWD, "/usr/bin/true", O_RDONLY|O_PATH|O_CLOEXEC) = 3',
      'execveat(3, "", ["true"], 0x7ffc /* 0 vars */, AT_EMPTY_PATH) = 0',
    ]);
    expect(opsOf(got.get('/usr/bin/true'))).toEqual(['exec', 'stat']);
    expect(got.get('/usr/bin/true')?.executed).toBe(true);
  });

  test('stat family and AT_EMPTY_PATH on a known, unknown and deleted fd', () => {
    const { accesses, unresolved } = collect([
      'openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3',
      'newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=1221, ...}, AT_EMPTY_PATH) = 0',
      'statx(6, "", AT_STATX_SYNC_AS_STAT|AT_EMPTY_PATH, STATX_ALL, {...}) = 0',
      'newfstatat(5</srv/work/gone.txt>(deleted), "", {...}, AT_EMPTY_PATH) = 0',
      'newfstatat(AT_FDCWD, "", 0x7ffd9665fa60, 0) = -1 ENOENT (No such file or directory)',
      'statx(0, NULL, AT_STATX_SYNC_AS_STAT, STATX_ALL, NULL) = -1 EFAULT (Bad address)',
      'newfstatat(7<UNIX-STREAM:[30551]>, "", {st_mode=S_IFSOCK|0777, ...}, AT_EMPTY_PATH) = 0',
      'newfstatat(8<socket:[30552]>, "", {st_mode=S_IFSOCK|0777, ...}, AT_EMPTY_PATH) = 0',
      'newfstatat(9</dev/null<char 1:3>>, "", {st_mode=S_IFCHR|0666, ...}, AT_EMPTY_PATH) = 0',
      'statx(AT_FDCWD</srv/cwd>, NULL, AT_EMPTY_PATH, STATX_ALL, {...}) = 0',
      'statfs("/tmp", {f_type=EXT2_SUPER_MAGIC, f_bsize=4096}) = 0',
      'lstat64("/etc/hostname", {...}) = 0',
    ]);
    const paths = new Map(accesses.map((a) => [a.path, a]));
    expect(opsOf(paths.get('/etc/passwd'))).toEqual(['read', 'stat']);
    expect(paths.get('/etc/passwd')?.count).toBe(2);
    expect(opsOf(paths.get('/tmp'))).toEqual(['stat']);
    expect(opsOf(paths.get('/etc/hostname'))).toEqual(['stat']);
    expect(paths.has('/srv/work/gone.txt')).toBe(false);
    expect(opsOf(paths.get('/srv/cwd'))).toEqual(['stat']);
    expect(opsOf(paths.get('/dev/null'))).toEqual(['stat']);
    expect([...paths.keys()].some((p) => p.includes('socket') || p.includes('UNIX'))).toBe(false);
    expect(unresolved.map((u) => [u.syscall, u.raw, u.reason])).toEqual([['newfstatat', '', REASONS.empty]]);
  });

  test('utimensat and fanotify_mark with a NULL path act on the fd', () => {
    const got = accessMap([
      'utimensat(4</srv/work/misc.c>, NULL, [UTIME_NOW, UTIME_NOW], 0) = 0',
      'fanotify_mark(11, FAN_MARK_ADD, FAN_CLOSE_WRITE|FAN_OPEN, 5</srv/watched>, NULL) = 0',
      'fanotify_mark(11, FAN_MARK_ADD, FAN_CLOSE_WRITE|FAN_OPEN, AT_FDCWD</srv/cwd>, "creat.txt") = 0',
    ]);
    expect(opsOf(got.get('/srv/work/misc.c'))).toEqual(['write']);
    expect(opsOf(got.get('/srv/watched'))).toEqual(['list']);
    expect(opsOf(got.get('/srv/cwd/creat.txt'))).toEqual(['list']);
  });

  test('rename pairs: source deleted, destination created, each against its own dirfd', () => {
    const got = accessMap([
      'fchdir(9) = -1 EBADF (Bad file descriptor)',
      'chdir("/srv/wd") = 0',
      'openat(AT_FDCWD, "/srv/wd/d3", O_RDONLY|O_DIRECTORY) = 3',
      'rename("hardlink.txt", "renamed.txt") = 0',
      'renameat(3, "renamed.txt", 3, "dir two/renamed.txt") = 0',
      'renameat2(3, "dir two/renamed.txt", AT_FDCWD, "dir one/hard2", RENAME_EXCHANGE) = 0',
    ]);
    expect(opsOf(got.get('/srv/wd/hardlink.txt'))).toEqual(['delete']);
    expect(opsOf(got.get('/srv/wd/renamed.txt'))).toEqual(['create']);
    expect(opsOf(got.get('/srv/wd/d3/renamed.txt'))).toEqual(['delete']);
    expect(opsOf(got.get('/srv/wd/d3/dir two/renamed.txt'))).toEqual(['create', 'delete']);
    expect(opsOf(got.get('/srv/wd/dir one/hard2'))).toEqual(['create', 'delete']);
  });

  test('link pairs and symlinks: the link content is never a path', () => {
    const got = accessMap([
      'chdir("/srv/wd") = 0',
      'link("creat.txt", "hardlink.txt") = 0',
      'linkat(3</srv/wd/d>, "", AT_FDCWD, "emptypath-link", AT_EMPTY_PATH) = -1 EPERM (Operation not permitted)',
      'symlink("with space.txt", "link to space") = 0',
      'symlinkat("/etc/passwd", 3</srv/wd/d>, "abs-link") = 0',
      'readlinkat(3</srv/wd/d>, "abs-link", "/et", 3) = 3',
    ]);
    expect(opsOf(got.get('/srv/wd/creat.txt'))).toEqual(['stat']);
    expect(opsOf(got.get('/srv/wd/hardlink.txt'))).toEqual(['create']);
    expect(opsOf(got.get('/srv/wd/d'))).toEqual(['stat']);
    expect(got.get('/srv/wd/emptypath-link')?.errors).toEqual(new Set(['EPERM']));
    expect(opsOf(got.get('/srv/wd/link to space'))).toEqual(['create']);
    expect(opsOf(got.get('/srv/wd/d/abs-link'))).toEqual(['create', 'stat']);
    expect(got.has('/srv/wd/with space.txt')).toBe(false);
    expect(got.has('/etc/passwd')).toBe(false);
    expect(got.has('/et')).toBe(false);
  });

  test('directory, node and metadata calls', () => {
    const got = accessMap([
      'chdir("/srv/wd") = 0',
      'mkdir("dir one", 0700) = 0',
      'rmdir("dir two") = -1 ENOTEMPTY (Directory not empty)',
      'unlinkat(AT_FDCWD, "gone", AT_REMOVEDIR) = 0',
      'unlink("legacy-open.txt") = 0',
      'mknodat(AT_FDCWD, "fifo", S_IFIFO|0600) = 0',
      'chmod("creat.txt", 0755) = 0',
      'fchownat(AT_FDCWD, "link to space", 1, 1, AT_SYMLINK_NOFOLLOW) = 0',
      'truncate("trunc.txt", 1234) = 0',
      'setxattr("xattr.txt", "user.comment", "hello", 5, XATTR_CREATE) = 0',
      'getxattr("getx.txt", "user.comment", "hello", 8192) = 5',
      'inotify_add_watch(9, "/srv/work/wd", IN_MOVED_TO|IN_CREATE|IN_DELETE) = 1',
    ]);
    expect(opsOf(got.get('/srv/wd/dir one'))).toEqual(['create']);
    expect(got.get('/srv/wd/dir two')?.errors).toEqual(new Set(['ENOTEMPTY']));
    expect(opsOf(got.get('/srv/wd/gone'))).toEqual(['delete']);
    expect(opsOf(got.get('/srv/wd/legacy-open.txt'))).toEqual(['delete']);
    expect(opsOf(got.get('/srv/wd/fifo'))).toEqual(['create']);
    for (const written of ['creat.txt', 'link to space', 'trunc.txt', 'xattr.txt']) {
      expect(opsOf(got.get('/srv/wd/' + written))).toEqual(['write']);
    }
    expect(opsOf(got.get('/srv/wd/getx.txt'))).toEqual(['stat']);
    expect(opsOf(got.get('/srv/work/wd'))).toEqual(['list']);
    // xattr names and values are not paths.
    expect([...got.keys()].some((p) => p.includes('user.comment') || p.endsWith('hello'))).toBe(false);
  });

  test('mount: the target is written; the source is a path only for bind mounts', () => {
    const got = accessMap([
      'mount("none", "/srv/work/wd/dir two", "tmpfs", MS_NOSUID|MS_NODEV, "size=1m,mode=0755") = 0',
      'mount("/srv/data", "/mnt/data", NULL, MS_BIND|MS_REC, NULL) = 0',
      'umount2("/srv/work/wd/dir two", MNT_DETACH) = 0',
      'acct(NULL) = 0',
    ]);
    expect([...got.keys()].sort()).toEqual(['/mnt/data', '/srv/data', '/srv/work/wd/dir two']);
    expect(opsOf(got.get('/srv/data'))).toEqual(['read']);
    expect(opsOf(got.get('/mnt/data'))).toEqual(['write']);
  });

  test('undecodable paths are reported once per syscall and reason', () => {
    const { accesses, unresolved } = collect([
      'openat(0xffffff9c, 0x7f896b5160b1, 0x80000, 0) = 0x3',
      'openat(0xffffff9c, 0x7f896b5160c9, 0x80000, 0) = -1 ENOENT (No such file or directory)',
      'syscall_0x1c4(0xffffff9c, 0x562f8f68a05c, 0x1a4, 0, 0, 0) = 0',
      `stat("${'a'.repeat(16)}"..., 0x7ffd) = -1 ENAMETOOLONG (File name too long)`,
    ]);
    expect(accesses).toEqual([]);
    expect(unresolved.map((u) => [u.syscall, u.raw, u.reason, u.count])).toEqual([
      ['openat', '0x7f896b5160b1', REASONS.address, 2],
      ['syscall_0x1c4', '0x562f8f68a05c', REASONS.address, 1],
      ['stat', 'a'.repeat(16), REASONS.truncated, 1],
    ]);
  });

  test('a deleted cwd or dirfd decoration still resolves the name that was looked up', () => {
    const got = accessMap([
      'openat(AT_FDCWD</srv/work/gonedir (deleted)>, "f", O_RDONLY) = -1 ENOENT (No such file or directory)',
      'openat(AT_FDCWD, "/tmp", O_RDWR|O_EXCL|O_TMPFILE, 0600) = 4</tmp/#1234 (deleted)>',
      // The parser may drop the marker; the O_TMPFILE flag alone says the file has no name.
      'openat(AT_FDCWD, "/var/tmp", O_RDWR|O_TMPFILE, 0600) = 5</var/tmp/#5678>',
    ]);
    expect(got.has('/srv/work/gonedir/f')).toBe(true);
    expect(opsOf(got.get('/tmp'))).toEqual(['write']);
    expect(got.has('/tmp/#1234')).toBe(false);
    expect([...got.keys()].sort()).toEqual(['/srv/work/gonedir/f', '/tmp', '/var/tmp']);
  });
});

describe('AF_UNIX sockets', () => {
  test('connect, sendto, sendmsg and bind name socket files; abstract and IP addresses do not', () => {
    const got = accessMap([
      'connect(3, {sa_family=AF_UNIX, sun_path="/run/systemd/journal/socket"}, 110) = 0',
      'connect(4, {sa_family=AF_UNIX, sun_path="/run/dbus/system_bus_socket"}, 110) = -1 ENOENT (No such file or directory)',
      'sendto(5, "<14>Jan  1 00:00:00 app: hi", 28, MSG_NOSIGNAL, {sa_family=AF_UNIX, sun_path="/dev/log"}, 110) = 28',
      'sendmsg(6, {msg_name={sa_family=AF_UNIX, sun_path="/run/systemd/notify"}, msg_namelen=22, msg_iov=[{iov_base="READY=1", iov_len=7}], msg_iovlen=1, msg_controllen=0, msg_flags=0}, MSG_NOSIGNAL) = 7',
      'bind(7, {sa_family=AF_UNIX, sun_path="/run/app/app.sock"}, 110) = 0',
      'connect(8, {sa_family=AF_UNIX, sun_path=@"/tmp/.X11-unix/X0"}, 20) = 0',
      'connect(9, {sa_family=AF_INET, sin_port=htons(53), sin_addr=inet_addr("127.0.0.53")}, 16) = 0',
      'sendto(10, "sun_path=\\"/fake\\"", 16, 0, NULL, 0) = 16',
    ]);
    expect([...got.keys()].sort()).toEqual([
      '/dev/log',
      '/run/app/app.sock',
      '/run/dbus/system_bus_socket',
      '/run/systemd/journal/socket',
      '/run/systemd/notify',
    ]);
    expect(opsOf(got.get('/run/systemd/notify'))).toEqual(['connect']);
    expect(opsOf(got.get('/run/app/app.sock'))).toEqual(['create']);
    expect(got.get('/run/dbus/system_bus_socket')?.errors).toEqual(new Set(['ENOENT']));
  });

  test('a relative socket path resolves against the cwd', () => {
    const { accesses, unresolved } = collect([
      'connect(3, {sa_family=AF_UNIX, sun_path="early.sock"}, 110) = 0',
      'chdir("/run/app") = 0',
      'connect(3, {sa_family=AF_UNIX, sun_path="app.sock"}, 110) = 0',
    ]);
    expect(accesses.map((a) => a.path)).toEqual(['/run/app', '/run/app/app.sock']);
    expect(unresolved.map((u) => u.raw)).toEqual(['early.sock']);
  });
});

describe('merging and output', () => {
  test('merges per path: ops, count, ok from any success, errors, first pid and line; sorted by bytes', () => {
    const { accesses } = collect([
      [7, 'openat(AT_FDCWD, "/etc/b", O_RDONLY) = -1 EACCES (Permission denied)'],
      [8, 'openat(AT_FDCWD, "/etc/b", O_RDONLY) = 3'],
      [8, 'access("/etc/b", W_OK) = -1 EROFS (Read-only file system)'],
      [8, 'stat("/etc/a", {...}) = ? <unavailable>'],
      [8, 'stat("/etc/\\303\\251", {...}) = 0'],
    ]);
    expect(accesses.map((a) => a.path)).toEqual(['/etc/a', '/etc/b', '/etc/\xc3\xa9']);
    const b = accesses[1];
    expect([b.count, b.ok, b.firstPid, b.firstLine, b.source]).toEqual([3, true, 7, 1, 'test.log']);
    expect(b.errors).toEqual(new Set(['EACCES', 'EROFS']));
    expect(opsOf(b)).toEqual(['read', 'stat']);
    expect([accesses[0].ok, accesses[0].errors.size]).toEqual([false, 0]);
  });

  test('calls it does not interpret leave no trace', () => {
    const collector = new AccessCollector();
    collector.add(syscall('read(3, "/etc/passwd", 11) = 11'));
    collector.add(syscall('getdents64(3, 0x55d0 /* 12 entries */, 32768) = 384'));
    collector.add({ type: 'signal', line: 3, pid: undefined, signal: 'SIGCHLD', source: 'test.log' });
    expect(collector.result()).toEqual({ accesses: [], unresolved: [] });
  });
});

describe('a real log end to end', () => {
  const logPath = path.resolve(repoRoot, '../shared/corpus/strace/Alex-XJK_stracetools__examples_ls.strace.out.txt');
  const parserPath = path.resolve(repoRoot, 'parsers/index.ts');
  const available = existsSync(logPath) && existsSync(parserPath);
  if (!available) {
    test.skip(`corpus log or parsers/index.ts absent (${logPath})`, () => {});
    return;
  }

  test('`ls -al /` traced with -f -tt -T -x: loader, root entries, symlink reads', async () => {
    const { createTraceParser } = await import('../../parsers/index.js');
    const collector = new AccessCollector();
    const parser = createTraceParser({ source: 'ls.strace.out', onEvent: (e: StraceEvent) => collector.add(e) });
    for (const line of readFileSync(logPath, 'latin1').split('\n')) parser.line(line);
    parser.end();
    const { accesses, unresolved } = collector.result();
    const got = new Map(accesses.map((a) => [a.path, a]));
    // Checked against the log by hand (line numbers are the log's).
    // Line 1: execve("/usr/bin/ls", ["ls", "-al", "/"], …) = 0; the argument "/" is argv, not a path.
    expect(got.get('/usr/bin/ls')?.executed).toBe(true);
    expect(got.get('/usr/bin/ls')?.firstLine).toBe(1);
    // Line 5: access("/etc/ld.so.preload", R_OK) = -1 ENOENT.
    expect(opsOf(got.get('/etc/ld.so.preload'))).toEqual(['stat']);
    expect(got.get('/etc/ld.so.preload')?.errors).toEqual(new Set(['ENOENT']));
    // Lines 386–387: openat of the cache = 3, then newfstatat(3, "", …, AT_EMPTY_PATH) on that fd.
    const cache = got.get('/etc/ld.so.cache');
    expect([opsOf(cache), cache?.count, cache?.firstLine, cache?.ok]).toEqual([['read', 'stat'], 2, 386, true]);
    // "/" is statx'd (547), stat'd (558), opened O_DIRECTORY (582), fstat'd through fd 3 (583), and
    // statx'd plus xattr-probed again as "/." (585–588) and "/.." (669–672); the xattr probes fail
    // with ENODATA.
    const root = got.get('/');
    expect([opsOf(root), root?.count, root?.firstLine, root?.ok]).toEqual([['list', 'stat'], 15, 547, true]);
    expect(root?.errors).toEqual(new Set(['ENODATA']));
    expect(got.has('/.') || got.has('/..')).toBe(false);
    // Line 595: readlink("/libx32", "usr/libx32", 11): the link is looked at, its content is no path.
    expect(opsOf(got.get('/libx32'))).toEqual(['stat']);
    expect(got.has('/usr/libx32')).toBe(false);
    // The library search walks ENOENT directories before finding libselinux at line 390.
    expect(got.get('/opt/amazon/efa/lib/glibc-hwcaps/x86-64-v4/libselinux.so.1')?.ok).toBe(false);
    expect(got.get('/lib/x86_64-linux-gnu/libselinux.so.1')?.ok).toBe(true);
    // Every path in this trace is absolute.
    expect(unresolved).toEqual([]);
  });
});

describe('repeated argument texts', () => {
  test('a relative path repeated in two processes resolves against each one cwd', () => {
    const paths = accessMap([
      [1, 'chdir("/srv/a") = 0'],
      [2, 'chdir("/srv/b") = 0'],
      [1, 'open("data.txt", O_RDONLY) = 3'],
      [2, 'open("data.txt", O_RDONLY) = 3'],
    ]);
    expect(paths.get('/srv/a/data.txt')?.count).toBe(1);
    expect(paths.get('/srv/b/data.txt')?.count).toBe(1);
  });

  test('a repeated AT_FDCWD decoration still teaches the second process its cwd', () => {
    const paths = accessMap([
      [1, 'openat(AT_FDCWD</srv/www>, "index.html", O_RDONLY) = 3'],
      [2, 'openat(AT_FDCWD</srv/www>, "index.html", O_RDONLY) = 3'],
      [2, 'open("style.css", O_RDONLY) = 4'],
    ]);
    expect(paths.get('/srv/www/index.html')?.count).toBe(2);
    expect(opsOf(paths.get('/srv/www/style.css'))).toEqual(['read']);
  });

  test('a repeated dirfd-relative open follows each process fd table', () => {
    const paths = accessMap([
      [1, 'openat(AT_FDCWD, "/etc/app", O_RDONLY|O_DIRECTORY) = 5'],
      [2, 'openat(AT_FDCWD, "/etc/other", O_RDONLY|O_DIRECTORY) = 5'],
      [1, 'openat(5, "main.conf", O_RDONLY) = 6'],
      [2, 'openat(5, "main.conf", O_RDONLY) = 6'],
    ]);
    expect(paths.get('/etc/app/main.conf')?.count).toBe(1);
    expect(paths.get('/etc/other/main.conf')?.count).toBe(1);
  });

  test('the same absolute path after a chroot lands inside the new root', () => {
    const paths = accessMap([
      [1, 'openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3'],
      [2, 'chroot("/var/jail") = 0'],
      [2, 'openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3'],
    ]);
    expect(paths.get('/etc/hosts')?.count).toBe(1);
    expect(paths.get('/var/jail/etc/hosts')?.count).toBe(1);
  });
});

describe('which Exec line a process belongs to', () => {
  test('a child is traced back to the program its oldest ancestor executed; writers are remembered', () => {
    const collector = new AccessCollector();
    collector.add(syscall('execve("/usr/bin/helper", ["helper"], 0x7ffd /* 3 vars */) = 0', 300));
    collector.add(syscall('clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD) = 301', 300));
    collector.add(syscall('execve("/usr/bin/update-alternatives", ["update-alternatives"], 0x7ffd /* 3 vars */) = 0', 301));
    collector.add(syscall('openat(AT_FDCWD, "/var/lib/dpkg/status", O_RDONLY) = 3', 100));
    collector.add(syscall('openat(AT_FDCWD, "/var/lib/dpkg/status", O_WRONLY|O_TRUNC) = 4', 301));
    expect(collector.originProgram(301)).toBe('/usr/bin/helper');
    expect(collector.originProgram(100)).toBeUndefined();
    const status = collector.result().accesses.find((a) => a.path === '/var/lib/dpkg/status');
    expect([status?.firstPid, status?.writerPid]).toEqual([100, 301]);
  });

  test('what processes of an ignored origin (a `+` line) touch is not collected', () => {
    const collector = new AccessCollector();
    collector.ignoreOrigin = (program) => program === '/usr/libexec/privileged-helper';
    collector.add(syscall('execve("/usr/libexec/privileged-helper", ["h"], 0x7ffd /* 3 vars */) = 0', 400));
    collector.add(syscall('clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD) = 401', 400));
    collector.add(syscall('openat(AT_FDCWD, "/etc/resolv.conf", O_WRONLY|O_CREAT|O_TRUNC, 0644) = 3', 401));
    collector.add(syscall('execve("/usr/sbin/daemon", ["daemon"], 0x7ffd /* 3 vars */) = 0', 500));
    collector.add(syscall('openat(AT_FDCWD, "/etc/daemon.conf", O_RDONLY) = 3', 500));
    expect(collector.result().accesses.map((a) => a.path)).toEqual(['/etc/daemon.conf', '/usr/sbin/daemon']);
  });
});
