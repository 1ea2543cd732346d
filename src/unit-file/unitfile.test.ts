import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import {
  escapeExecWord,
  isCatFileHeader,
  parseCatExecLines,
  parseShownExec,
  splitExecPrefixes,
  splitFirstWord,
  unitInfoFromText,
} from './unitfile.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/traces/${name}/unit.conf`, import.meta.url), 'utf8');

describe('Exec lines', () => {
  test('prefixes, including !! as one', () => {
    expect(splitExecPrefixes('-/bin/true')).toEqual({ prefixes: ['-'], command: '/bin/true' });
    expect(splitExecPrefixes('!!-@/bin/x x0 a')).toEqual({ prefixes: ['!!', '-', '@'], command: '/bin/x x0 a' });
    expect(splitExecPrefixes('+:/bin/x $HOME')).toEqual({ prefixes: ['+', ':'], command: '/bin/x $HOME' });
    expect(splitExecPrefixes('/bin/x -')).toEqual({ prefixes: [], command: '/bin/x -' });
  });

  test('systemctl cat of nginx: exact text, quoting kept, in run order', () => {
    const lines = parseCatExecLines(fixture('nginx'));
    expect(lines.map((l) => [l.kind, l.raw])).toEqual([
      ['ExecStartPre', "/usr/sbin/nginx -t -q -g 'daemon on; master_process on;'"],
      ['ExecStart', "/usr/sbin/nginx -g 'daemon on; master_process on;'"],
      ['ExecReload', "/usr/sbin/nginx -g 'daemon on; master_process on;' -s reload"],
      ['ExecStop', '-/sbin/start-stop-daemon --quiet --stop --retry QUIT/5 --pidfile /run/nginx.pid'],
    ]);
    expect(lines[0].file).toBe('/lib/systemd/system/nginx.service');
    expect(lines[3].prefixes).toEqual(['-']);
  });

  test('postgresql@: specifiers are kept as written', () => {
    const start = parseCatExecLines(fixture('postgresql')).find((l) => l.kind === 'ExecStart')!;
    expect(start.raw).toBe('-/usr/bin/pg_ctlcluster --skip-systemctl-redirect %i start');
  });

  test('drop-ins: an empty assignment resets, later files add, continuations join, other sections ignored', () => {
    const text = [
      '# /lib/systemd/system/x.service',
      '[Service]',
      'ExecStartPre=/bin/a',
      'ExecStart=/bin/old',
      '[Install]',
      'ExecStart=/bin/not-a-service-setting',
      '',
      '# /etc/systemd/system/x.service.d/override.conf',
      '[Service]',
      'ExecStart=',
      'ExecStart=/bin/new \\',
      '# a comment inside the continuation',
      '  --flag',
      'ExecStartPre=/bin/b',
      '',
    ].join('\n');
    expect(parseCatExecLines(text).map((l) => [l.kind, l.raw, l.file])).toEqual([
      ['ExecStartPre', '/bin/a', '/lib/systemd/system/x.service'],
      ['ExecStartPre', '/bin/b', '/etc/systemd/system/x.service.d/override.conf'],
      ['ExecStart', '/bin/new    --flag', '/etc/systemd/system/x.service.d/override.conf'],
    ]);
  });

  test('splitFirstWord honours quotes and escapes', () => {
    expect(splitFirstWord('/bin/x "arg 0" rest')).toEqual({ word: '/bin/x', rest: '"arg 0" rest' });
    expect(splitFirstWord('"arg 0" rest')).toEqual({ word: '"arg 0"', rest: 'rest' });
    expect(splitFirstWord('a\\ b c')).toEqual({ word: 'a\\ b', rest: 'c' });
  });

  test('escapeExecWord doubles % and $ and quotes what systemd would split or unescape', () => {
    expect(escapeExecWord('trace=%file,connect')).toBe('trace=%%file,connect');
    expect(escapeExecWord('/usr/bin/strace')).toBe('/usr/bin/strace');
    expect(escapeExecWord('$HOME')).toBe('$$HOME');
    expect(escapeExecWord('a b')).toBe('"a b"');
    expect(escapeExecWord('say "hi"\\')).toBe('"say \\"hi\\"\\\\"');
    expect(escapeExecWord(';')).toBe('";"');
    expect(escapeExecWord('')).toBe('""');
    expect(escapeExecWord("it's")).toBe('"it\'s"');
    expect(escapeExecWord('a\nb')).toBe('"a\\nb"');
  });
});

describe('systemctl show', () => {
  const show = [
    'Id=redis-server.service',
    'Names=redis-server.service redis.service',
    'LoadState=loaded',
    'Type=notify',
    'MainPID=39',
    'ExecMainStatus=0',
    'User=redis',
    'NoExecPaths=/',
    'ExecPaths=/usr/bin/redis-server /usr/lib /lib',
    'ReadWritePaths=-/var/lib/redis -/var/log/redis',
    'SystemCallFilter=_llseek accept',
    'CapabilityBoundingSet=',
    'EnvironmentFiles=/etc/default/redis (ignore_errors=yes)',
    'EnvironmentFiles=/etc/redis/env (ignore_errors=no)',
    'ExecStart={ path=/usr/bin/redis-server ; argv[]=/usr/bin/redis-server /etc/redis/redis.conf ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
    'ExecStartEx={ path=/usr/bin/redis-server ; argv[]=/usr/bin/redis-server /etc/redis/redis.conf ; flags=ignore-failure ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }',
    '',
  ].join('\n');
  const cat = '# /lib/systemd/system/redis-server.service\n[Service]\nExecStart=-/usr/bin/redis-server /etc/redis/redis.conf\n';

  test('settings and the Exec lines, with what show says about them', () => {
    const info = unitInfoFromText(show, cat);
    expect(info.Id).toBe('redis-server.service');
    expect(info.Names).toEqual(['redis-server.service', 'redis.service']);
    expect(info.MainPID).toBe(39);
    expect(info.User).toBe('redis');
    expect(info.DynamicUser).toBe(false);
    expect(info.sandbox.NoExecPaths).toEqual(['/']);
    expect(info.sandbox.ExecPaths).toEqual(['/usr/bin/redis-server', '/usr/lib', '/lib']);
    expect(info.sandbox.ReadWritePaths).toEqual(['-/var/lib/redis', '-/var/log/redis']);
    expect(info.sandbox.SystemCallFilter).toBe('_llseek accept');
    expect(info.sandbox.CapabilityBoundingSet).toEqual([]);
    expect(info.EnvironmentFiles).toEqual(['-/etc/default/redis', '/etc/redis/env']);
    expect(info.exec).toHaveLength(1);
    expect(info.exec[0]).toMatchObject({ kind: 'ExecStart', prefixes: ['-'], shown: { path: '/usr/bin/redis-server', flags: ['ignore-failure'] } });
  });

  test('several commands of one property', () => {
    const rec = (p: string) => `{ path=${p} ; argv[]=${p} x ; ignore_errors=yes ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }`;
    expect(parseShownExec([`${rec('/bin/a')} ; ${rec('/bin/b')}`, rec('/bin/c')]).map((e) => [e.path, e.argvText, e.flags])).toEqual([
      ['/bin/a', '/bin/a x', ['ignore-failure']],
      ['/bin/b', '/bin/b x', ['ignore-failure']],
      ['/bin/c', '/bin/c x', ['ignore-failure']],
    ]);
  });
});

describe('systemctl cat file headers', () => {
  test('a path, or a drop-in .conf with a space in its name; not a comment that starts with a path', () => {
    expect(isCatFileHeader('# /lib/systemd/system/nginx.service')).toBe(true);
    expect(isCatFileHeader('# /etc/systemd/system/nginx.service.d/my override.conf')).toBe(true);
    expect(isCatFileHeader('# /proc and /sys: read by pid 7 (line 3): /proc/filesystems')).toBe(false);
    expect(isCatFileHeader('# read: /etc/app.conf')).toBe(false);
  });
});
