import { describe, expect, test } from '@jest/globals';
import { parseMountinfo, parseStatus, type Credentials } from '../checks/procfs.js';
import { isWritable, parseWalk, summarizeView, type WalkEntry } from './view.js';

const MOUNTINFO = [
  '900 800 0:50 / / ro,nosuid,nodev - tmpfs tmpfs ro,mode=755',
  '901 900 8:1 /usr/lib /usr/lib ro,relatime - ext4 /dev/sda1 rw',
  '902 900 8:1 /srv/data /srv/data rw,relatime - ext4 /dev/sda1 rw',
  '903 900 8:1 /tmp/systemd-private-x/tmp /tmp rw,relatime - ext4 /dev/sda1 rw',
  '904 900 8:1 /srv/my\\040dir /srv/my\\040dir rw,relatime - ext4 /dev/sda1 ro',
].join('\n');

const app: Credentials = { uid: 1000, gid: 1000, groups: [1000, 4], dacOverride: false };
const e = (path: string, type: WalkEntry['type'], mode: number, uid = 0, gid = 0): WalkEntry => ({ path, type, mode, uid, gid });

describe('parsers', () => {
  test('find -printf records, names with spaces and newlines intact', () => {
    expect(parseWalk('d 755 0 0 etc\0f 640 0 42 etc/sha dow\nx\0garbage\0')).toEqual([
      e('/etc', 'd', 0o755),
      e('/etc/sha dow\nx', 'f', 0o640, 0, 42),
    ]);
  });

  test('mountinfo: per-mount and superblock read-only, octal escapes', () => {
    const mounts = parseMountinfo(MOUNTINFO);
    // Which filesystem and which of its directories: how the audit finds a bind's host path.
    expect(mounts.map((m) => [m.device, m.root])).toEqual([
      ['0:50', '/'],
      ['8:1', '/usr/lib'],
      ['8:1', '/srv/data'],
      ['8:1', '/tmp/systemd-private-x/tmp'],
      ['8:1', '/srv/my dir'],
    ]);
    expect(mounts.map((m) => [m.path, m.readOnly])).toEqual([
      ['/', true],
      ['/usr/lib', true],
      ['/srv/data', false],
      ['/tmp', false],
      ['/srv/my dir', true],
    ]);
  });

  test('status: effective ids, groups, CAP_DAC_OVERRIDE from CapEff', () => {
    const status = 'Uid:\t0\t33\t33\t33\nGid:\t0\t33\t33\t33\nGroups:\t33 4 \nCapEff:\t0000000000000000\n';
    expect(parseStatus(status)).toEqual({ uid: 33, gid: 33, groups: [33, 4], dacOverride: false });
    expect(parseStatus('Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\nCapEff:\t000001ffffffffff\n').dacOverride).toBe(true);
  });
});

describe('isWritable', () => {
  const mounts = parseMountinfo(MOUNTINFO);
  test('a read-only mount wins over any mode and any capability', () => {
    expect(isWritable(e('/usr/lib/libc.so.6', 'f', 0o777), mounts, { ...app, dacOverride: true })).toBe(false);
    expect(isWritable(e('/srv/my dir/x', 'f', 0o666), mounts, app)).toBe(false);
  });
  test('on a writable mount the mode decides: owner, group (also supplementary), others', () => {
    expect(isWritable(e('/srv/data/a', 'f', 0o644, 1000), mounts, app)).toBe(true);
    expect(isWritable(e('/srv/data/b', 'f', 0o464, 1000, 4), mounts, app)).toBe(false);
    expect(isWritable(e('/srv/data/c', 'f', 0o464, 0, 4), mounts, app)).toBe(true);
    expect(isWritable(e('/srv/data/d', 'f', 0o644, 0, 0), mounts, app)).toBe(false);
    expect(isWritable(e('/tmp', 'd', 0o1777), mounts, app)).toBe(true);
  });
  test('CAP_DAC_OVERRIDE ignores the mode; symlinks and sockets are never counted', () => {
    expect(isWritable(e('/srv/data/d', 'f', 0o444), mounts, { ...app, dacOverride: true })).toBe(true);
    expect(isWritable(e('/srv/data/sock', 's', 0o777), mounts, app)).toBe(false);
    expect(isWritable(e('/srv/data/link', 'l', 0o777), mounts, app)).toBe(false);
  });
});

describe('summarizeView', () => {
  const seen = [
    e('/etc', 'd', 0o755),
    e('/etc/shadow', 'f', 0o640, 0, 42),
    e('/srv', 'd', 0o755),
    e('/srv/data', 'd', 0o755, 1000),
    e('/srv/data/a', 'f', 0o644, 1000),
    e('/srv/data/new', 'f', 0o644, 1000),
    e('/vmlinuz', 'l', 0o777),
  ];
  const host = [
    e('/etc', 'd', 0o755),
    e('/etc/shadow', 'f', 0o640, 0, 42),
    e('/etc/passwd', 'f', 0o644),
    e('/home', 'd', 0o755),
    e('/home/alice', 'd', 0o700, 1001),
    e('/home/alice/.ssh/id_ed25519', 'f', 0o600, 1001),
    e('/srv', 'd', 0o755),
    e('/srv/data', 'd', 0o755, 1000),
    e('/srv/data/a', 'f', 0o644, 1000),
    e('/vmlinuz', 'l', 0o777),
  ];
  const view = summarizeView({ unit: 'app.service', pid: 7, seen, host, mounts: parseMountinfo(MOUNTINFO), credentials: app });

  test('one row per top-level directory of either side, compared with the host', () => {
    expect(view.directories.map((d) => [d.dir, d.visible, d.files + d.dirs + d.symlinks, d.hostEntries, d.notOnHost, d.writable])).toEqual([
      ['/', true, 1, 1, 0, 0],
      ['/etc', true, 1, 2, 0, 0],
      ['/home', false, 0, 2, 0, 0],
      ['/srv', true, 3, 2, 1, 3],
    ]);
  });

  test('writable places are listed topmost only; secrets are reported with their reason', () => {
    expect(view.writable).toEqual([{ path: '/srv/data', type: 'd' }]);
    expect(view.sensitive).toEqual([{ path: '/etc/shadow', reason: 'password hashes', files: 1, writable: false }]);
    expect(view.total).toBe(7);
    expect(view.hostTotal).toBe(10);
  });
});

test('a visible home directory is one line with a count', () => {
  const seen = [e('/root', 'd', 0o700), e('/root/.bashrc', 'f', 0o644), e('/root/.ssh', 'd', 0o700), e('/root/.ssh/id_rsa', 'f', 0o600), e('/etc/ssh/ssh_host_ed25519_key', 'f', 0o600)];
  const view = summarizeView({ unit: 'u', pid: 1, seen, host: seen, mounts: parseMountinfo('1 0 0:1 / / rw - ext4 /dev/sda1 rw'), credentials: { uid: 0, gid: 0, groups: [], dacOverride: true } });
  expect(view.sensitive).toEqual([
    { path: '/etc/ssh/ssh_host_ed25519_key', reason: 'SSH host private key', files: 1, writable: true },
    { path: '/root', reason: "root's home directory", files: 2, writable: true },
  ]);
});
