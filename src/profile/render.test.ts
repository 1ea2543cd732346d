import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBindPaths } from '../unit-file/escape.js';
import { foldProfile } from './fold.js';
import { memoryFsView } from '../testing/fs-views.js';
import type { Access, Operation, Profile } from '../core/model.js';
import { renderDropIn } from './render.js';

/** The parts of a Debian 12 host an nginx trace touches. */
const host = memoryFsView({
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/usr/sbin/nginx': 'file',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0': 'file',
  '/usr/lib/x86_64-linux-gnu/libssl.so.3': 'file',
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/lib/ssl/openssl.cnf': { symlink: '/etc/ssl/openssl.cnf' },
  '/etc/ssl/openssl.cnf': 'file',
  '/etc/ssl/certs/ca-certificates.crt': 'file',
  '/usr/share/ca-certificates/mozilla/A.crt': 'file',
  '/etc/ld.so.cache': 'file',
  '/etc/ld.so.conf': 'file',
  '/etc/ld.so.conf.d/x86_64-linux-gnu.conf': 'file',
  '/etc/bindresvport.blacklist': 'file',
  '/etc/localtime': { symlink: '/usr/share/zoneinfo/Etc/UTC' },
  '/usr/share/zoneinfo/Etc/UTC': 'file',
  '/usr/share/locale/locale.alias': 'file',
  '/usr/share/common-licenses/GPL-3': 'file',
  '/etc/alternatives/awk': { symlink: '/usr/bin/mawk' },
  '/etc/passwd': 'file',
  '/etc/group': 'file',
  '/etc/nsswitch.conf': 'file',
  '/etc/shadow': 'file',
  '/etc/nginx/nginx.conf': 'file',
  '/etc/nginx/mime.types': 'file',
  '/etc/nginx/sites-available/default': 'file',
  '/etc/nginx/sites-enabled/default': { symlink: '/etc/nginx/sites-available/default' },
  '/etc/nginx/modules-enabled/50-mod-http-geoip.conf': { symlink: '/usr/share/nginx/modules-available/mod-http-geoip.conf' },
  '/usr/share/nginx/modules-available/mod-http-geoip.conf': 'file',
  '/usr/lib/nginx/modules/ngx_http_geoip_module.so': 'file',
  '/var/log/nginx/access.log': 'file',
  '/var/log/nginx/error.log': 'file',
  '/var/lib/nginx/body': 'dir',
  '/var/www/my site/100%/index.html': 'file',
  '/dev/null': 'char',
  '/dev/log': { symlink: '/run/systemd/journal/dev-log' },
  '/run/systemd/journal/dev-log': 'socket',
  '/run/systemd/journal/socket': 'socket',
  '/run/systemd/journal/stdout': 'socket',
  '/run/systemd/notify': 'socket',
});

function nginxTrace(): Access[] {
  let line = 0;
  const a = (path: string, ops: Operation[], pid = 4711, extra: Partial<Access> = {}): Access => ({
    path,
    ops: new Set(ops),
    ok: true,
    errors: new Set(),
    count: 1,
    firstPid: pid,
    firstLine: (line += 3),
    source: 'nginx.strace',
    ...extra,
  });
  const enoent = (path: string, ops: Operation[]) => a(path, ops, 4711, { ok: false, errors: new Set(['ENOENT']) });
  return [
    a('/usr/sbin/nginx', ['exec']),
    enoent('/etc/ld.so.preload', ['read']),
    a('/etc/ld.so.cache', ['read']),
    a('/lib/x86_64-linux-gnu/libc.so.6', ['read']),
    a('/lib/x86_64-linux-gnu/libpcre2-8.so.0', ['read']),
    a('/lib/x86_64-linux-gnu/libssl.so.3', ['read']),
    a('/usr/lib/ssl/openssl.cnf', ['read']),
    a('/etc/nginx/nginx.conf', ['read']),
    a('/etc/nginx/modules-enabled', ['list']),
    a('/etc/nginx/modules-enabled/50-mod-http-geoip.conf', ['read']),
    a('/usr/lib/nginx/modules/ngx_http_geoip_module.so', ['read']),
    a('/etc/nginx/mime.types', ['read']),
    a('/etc/nginx/sites-enabled/default', ['read']),
    a('/etc/nsswitch.conf', ['read']),
    a('/etc/passwd', ['read']),
    a('/etc/group', ['read']),
    a('/etc/shadow', ['read'], 4712),
    enoent('/usr/share/nginx/html/nonexistent', ['stat']),
    a('/var/www/my site/100%/index.html', ['read'], 4712),
    a('/var/log/nginx/error.log', ['write']),
    a('/var/log/nginx/access.log', ['write'], 4712),
    a('/var/lib/nginx/body', ['create'], 4711, { ok: false, errors: new Set(['EEXIST']) }),
    a('/run/nginx.pid', ['create', 'write', 'delete']),
    a('/dev/null', ['read', 'write']),
    a('/run/systemd/notify', ['connect']),
    a('/tmp/nginx-upload.tmp', ['create', 'write', 'delete'], 4712),
  ];
}

function nginxProfile(): Profile {
  return foldProfile(nginxTrace(), { baseline: true, include: [], exclude: [], serviceNames: ['nginx'] }, host);
}

describe('renderDropIn', () => {
  test('an nginx-like trace', () => {
    expect(renderDropIn(nginxProfile(), { header: ['bindscout profile for nginx.service', 'traced from nginx.strace'] })).toMatchSnapshot();
  });

  test('every bind line reads back to the profile value', () => {
    const profile = nginxProfile();
    const text = renderDropIn(profile);
    const binds = text
      .split('\n')
      .filter((l) => /^Bind(ReadOnly)?Paths=/.test(l))
      .map((l) => parseBindPaths(l.slice(l.indexOf('=') + 1)));
    const expected = profile.entries
      .filter((e) => e.directive === 'BindPaths' || e.directive === 'BindReadOnlyPaths')
      .map((e) => [{ optional: e.optional ?? false, source: e.value, destination: e.destination ?? e.value, recursive: true }]);
    expect(binds).toEqual(expected);
    expect(text).toContain('BindReadOnlyPaths=/var/www/my" "site/100%%/index.html');
  });

  test('each directive follows its reason comment; consent lines are commented out', () => {
    const lines = renderDropIn(nginxProfile()).split('\n');
    for (const [i, l] of lines.entries()) {
      if (/^[A-Z][A-Za-z]+=/.test(l)) expect(lines[i - 1]).toMatch(/^# \S/);
    }
    const consent = lines.indexOf('#BindReadOnlyPaths=/etc/shadow');
    expect(consent).toBeGreaterThan(0);
    expect(lines[consent - 1]).toMatch(/^# password hashes: read by pid 4712/);
    expect(lines).not.toContain('BindReadOnlyPaths=/etc/shadow');
  });

  test('a path systemd cannot be given is explained, not written', () => {
    const profile: Profile = {
      entries: [
        { directive: 'BindReadOnlyPaths', value: '/srv/\xff', reason: 'read' },
        { directive: 'BindPaths', value: '/srv/a\nBindPaths=/', reason: 'written\nBindPaths=/etc' },
      ],
      needsConsent: [],
      omitted: [{ path: '/x', reason: 'excluded' }],
    };
    const text = renderDropIn(profile);
    expect(text).toBe(
      [
        '[Service]',
        '# read',
        '# cannot be written as BindReadOnlyPaths=: /srv/\\xff: not valid UTF-8: systemd ignores unit file lines that are not UTF-8 and has no escape for raw bytes',
        '',
        '# written\\x0aBindPaths=/etc',
        '# cannot be written as BindPaths=: /srv/a\\x0aBindPaths=/: contains a line break, which a unit file line cannot hold',
        '',
        '# 1 path was left out on purpose (missing on this host too, excluded, or provided by the settings above); the --json report lists each with its reason.',
        '',
      ].join('\n'),
    );
  });
});

const haveAnalyzer = spawnSync('systemd-analyze', ['--version']).status === 0;
if (!haveAnalyzer) console.warn('systemd-analyze not found: skipping the verification of the rendered drop-in');

describe('systemd-analyze verify', () => {
  (haveAnalyzer ? test : test.skip)('accepts the rendered drop-in without a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bindscout-render-'));
    try {
      writeFileSync(join(dir, 'probe.service'), '[Service]\nExecStart=/bin/true\n');
      mkdirSync(join(dir, 'probe.service.d'));
      writeFileSync(join(dir, 'probe.service.d', 'bindscout.conf'), renderDropIn(nginxProfile(), { header: ['header'] }));
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', 'probe.service'], {
        cwd: dir,
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
