/**
 * --include is consent to what it names. Consent to a broad directory (to make /etc writable) is not
 * consent to the secrets inside it, and naming the exact file a service writes grants that file.
 */
import { describe, expect, test } from '@jest/globals';
import { memoryFsView } from '../testing/fs-views.js';
import { foldProfile } from './fold.js';
import { accessesOf } from '../testing/trace-lines.js';

// Real output of `strace -f -y -e trace=%file -o t.log sh -c 'echo x >> /etc/bs-test'` (dash, Debian 12), trimmed.
const APPEND_TO_ETC_FILE = [
  '32667 execve("/usr/bin/sh", ["sh", "-c", "echo x >> /etc/bs-test"], 0x7fffefd66130 /* 39 vars */) = 0',
  '32667 openat(AT_FDCWD</tmp/i19>, "/etc/bs-test", O_WRONLY|O_CREAT|O_APPEND, 0666) = 3</etc/bs-test>',
];
// `strace -f -y -e trace=%file -o t.log cat /etc/shadow`, trimmed.
const READ_SHADOW = [
  '7790 execve("/usr/bin/cat", ["cat", "/etc/shadow"], 0x7ffc3d6a1f88 /* 39 vars */) = 0',
  '7790 openat(AT_FDCWD</root>, "/etc/shadow", O_RDONLY) = 3</etc/shadow>',
];

const host = memoryFsView(
  {
    '/usr/bin/sh': 'file',
    '/usr/bin/cat': 'file',
    '/etc/bs-test': 'file',
    '/etc/passwd': 'file',
    '/etc/shadow': 'file',
    '/etc/ssh/ssh_host_ed25519_key': 'file',
    '/etc/ssl/private/site.key': 'file',
  },
  { '/etc/shadow': { mode: 0o640 }, '/etc/ssh/ssh_host_ed25519_key': { mode: 0o600 }, '/etc/ssl/private/site.key': { mode: 0o600 } },
);

const fold = (lines: string[], include: string[]) => foldProfile(accessesOf(lines), { baseline: false, include, exclude: [] }, host);
const lines = (profile: ReturnType<typeof fold>, directive: string) => profile.entries.filter((e) => e.directive === directive).map((e) => e.value);

describe('--include of a broad writable directory', () => {
  test('--include /etc makes /etc writable and still masks every secret inside it', () => {
    const profile = fold(APPEND_TO_ETC_FILE, ['/etc']);
    expect(lines(profile, 'BindPaths')).toEqual(['/etc']);
    expect(lines(profile, 'InaccessiblePaths')).toEqual(['/etc/shadow', '/etc/ssh/ssh_host_ed25519_key', '/etc/ssl/private']);
  });

  test('--include /etc does not grant a secret the service reads: it stays a question', () => {
    const profile = fold(READ_SHADOW, ['/etc']);
    expect(lines(profile, 'BindReadOnlyPaths')).not.toContain('/etc/shadow');
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/etc/shadow']);
  });

  test('the secret itself, or its place of secrets, is consent', () => {
    expect(lines(fold(READ_SHADOW, ['/etc/shadow']), 'BindReadOnlyPaths')).toContain('/etc/shadow');
    const profile = fold(APPEND_TO_ETC_FILE, ['/etc', '/etc/ssl/private']);
    expect(lines(profile, 'InaccessiblePaths')).toEqual(['/etc/shadow', '/etc/ssh/ssh_host_ed25519_key']);
  });
});

describe('--include of the exact file written', () => {
  test('grants that file writable, alone, and offers no /etc', () => {
    const profile = fold(APPEND_TO_ETC_FILE, ['/etc/bs-test']);
    expect(lines(profile, 'BindPaths')).toEqual(['/etc/bs-test']);
    expect(profile.needsConsent).toEqual([]);
  });

  test('without it, the write is a question about /etc, never granted', () => {
    const profile = fold(APPEND_TO_ETC_FILE, []);
    expect(lines(profile, 'BindPaths')).toEqual([]);
    expect(profile.needsConsent.map((n) => [n.path, n.directive])).toEqual([['/etc', 'BindPaths']]);
  });
});
