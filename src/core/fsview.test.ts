import { describe, expect, test } from '@jest/globals';
import { followLinkLexically, normalizePath, resolveSymlinks } from './fsview.js';
import { memoryFsView } from '../testing/fs-views.js';

/** The merged-/usr layout of Debian 12 and the symlinks the fold has to see through. */
const debian = memoryFsView({
  '/bin': { symlink: 'usr/bin' },
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/bin/kill': 'file',
  '/etc/localtime': { symlink: '/usr/share/zoneinfo/Etc/UTC' },
  '/usr/share/zoneinfo/Etc/UTC': 'file',
  '/usr/lib/ssl/openssl.cnf': { symlink: '/etc/ssl/openssl.cnf' },
  '/etc/ssl/openssl.cnf': 'file',
  '/loop/a': { symlink: 'b' },
  '/loop/b': { symlink: 'a' },
});

describe('resolveSymlinks', () => {
  test('a directory symlink in the middle of the path (merged /usr)', () => {
    const r = resolveSymlinks(debian, '/lib/x86_64-linux-gnu/libc.so.6');
    expect(r.finalPath).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
    expect(r.kind).toBe('file');
    expect(r.links).toEqual([{ link: '/lib', target: 'usr/lib' }]);
  });

  test('a chain: /lib64 then a relative link with .. to the real interpreter', () => {
    const r = resolveSymlinks(debian, '/lib64/ld-linux-x86-64.so.2');
    expect(r.finalPath).toBe('/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
    expect(r.links.map((l) => l.link)).toEqual(['/lib64', '/usr/lib64/ld-linux-x86-64.so.2']);
  });

  test('absolute targets restart from the root', () => {
    expect(resolveSymlinks(debian, '/etc/localtime').finalPath).toBe('/usr/share/zoneinfo/Etc/UTC');
    expect(resolveSymlinks(debian, '/usr/lib/ssl/openssl.cnf').finalPath).toBe('/etc/ssl/openssl.cnf');
  });

  test('a missing component ends the walk with the rest appended', () => {
    const r = resolveSymlinks(debian, '/lib/nothing/here');
    expect(r.kind).toBeUndefined();
    expect(r.finalPath).toBe('/usr/lib/nothing/here');
  });

  test('cycles stop at the kernel limit', () => {
    const r = resolveSymlinks(debian, '/loop/a');
    expect(r.loop).toBe(true);
    expect(r.kind).toBeUndefined();
    expect(r.links.length).toBe(41);
  });

  test('a plain path has no links', () => {
    expect(resolveSymlinks(debian, '/usr/bin/kill')).toEqual({ finalPath: '/usr/bin/kill', links: [], kind: 'file' });
  });
});

describe('memoryFsView', () => {
  test('lstat follows intermediate symlinks but not the last one', () => {
    expect(debian.lstat('/bin/kill')).toBe('file');
    expect(debian.lstat('/bin')).toBe('symlink');
    expect(debian.lstat('/usr/lib')).toBe('dir');
    expect(debian.lstat('/etc/nope')).toBeUndefined();
    expect(debian.readlink('/lib64/ld-linux-x86-64.so.2')).toBe('../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2');
  });
});

describe('path helpers', () => {
  test('normalizePath', () => {
    expect(normalizePath('//etc/./nginx/../ssl/')).toBe('/etc/ssl');
    expect(normalizePath('/..')).toBe('/');
  });

  test('followLinkLexically resolves relative targets from where the link is seen', () => {
    expect(followLinkLexically('/etc/nginx/modules-enabled/50-x.conf', '/usr/share/nginx/modules-available/x.conf', [])).toBe(
      '/usr/share/nginx/modules-available/x.conf',
    );
    expect(followLinkLexically('/lib/x86_64-linux-gnu/libz.so.1', 'libz.so.1.2.13', [])).toBe('/lib/x86_64-linux-gnu/libz.so.1.2.13');
    expect(followLinkLexically('/a/b/link', '../c', ['d', 'e'])).toBe('/a/c/d/e');
  });
});
