import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ExecClosure } from '../profile/elf.js';
import { memoryFsView } from '../testing/fs-views.js';
import { execPrograms } from '../unit-file/exec-programs.js';
import { lintUnit, type Finding } from './lint.js';
import { parseUnitText, splitWords, UnitSettings } from '../unit-file/unit-settings.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/units');

/** A Debian 12 host in miniature: merged /usr, the program and its config. */
const debian = memoryFsView({
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/bin': { symlink: 'usr/bin' },
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/bin/kill': 'file',
  '/usr/bin/strace': 'file',
  '/usr/local/bin/app': 'file',
  '/etc/app/app.conf': 'file',
  '/etc/shadow': 'file',
  '/home/app/data': 'dir',
  '/usr/share/app': 'dir',
  '/var/log/app': 'dir',
  '/run/systemd/notify': 'socket',
});

function closureOf(program: string): ExecClosure {
  const items: ExecClosure['items'] = [
    { path: program, role: 'binary', links: [], realPath: program },
    { path: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter', neededBy: program, links: [], realPath: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', role: 'library', name: 'libc.so.6', neededBy: program, links: [], realPath: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  ];
  return { path: program, items, files: items.map((i) => i.path), unresolved: [], notes: [] };
}

function lintFixture(name: string): Finding[] {
  const settings = new UnitSettings(parseUnitText(readFileSync(path.join(fixtures, name), 'utf8'), name));
  return lintUnit(settings, { fs: debian, closures: new Map(execPrograms(settings).map((p) => [p, closureOf(p)])) });
}

const summary = (findings: Finding[]) => findings.map((f) => `${f.line} ${f.check} ${f.value}`);

describe('parseUnitText', () => {
  test('joins continuation lines, strips indentation and keeps the first line number', () => {
    const a = parseUnitText('  [Service]\n  ExecStart=/bin/echo \\\n   # comment inside\n   two\nUser=x\n', 'u.service');
    expect(a).toEqual([
      { file: 'u.service', line: 2, section: 'Service', key: 'ExecStart', value: '/bin/echo  two' },
      { file: 'u.service', line: 5, section: 'Service', key: 'User', value: 'x' },
    ]);
  });

  test('systemctl cat output: each file after its header, lines counted from that header', () => {
    const cat = '# /lib/systemd/system/a.service\n[Service]\nExecStart=/bin/true\n\n# /etc/systemd/system/a.service.d/x.conf\n[Service]\nProtectSystem=strict\n';
    const a = parseUnitText(cat, 'a.service');
    expect(a.map((x) => `${x.file}:${x.line} ${x.key}`)).toEqual([
      '/lib/systemd/system/a.service:2 ExecStart',
      '/etc/systemd/system/a.service.d/x.conf:2 ProtectSystem',
    ]);
  });

  test('an empty assignment resets a list, quotes group words', () => {
    const s = new UnitSettings(parseUnitText('[Service]\nBindPaths=/a /b\nBindPaths=\nBindPaths="/c d" /e\n', 'u'));
    expect(s.list('BindPaths').map((w) => w.word)).toEqual(['/c d', '/e']);
    expect(splitWords(`-/x '/y z' \\"q`)).toEqual(['-/x', '/y z', '"q']);
  });
});

describe('lintUnit', () => {
  test('a correct lockdown has no findings', () => {
    expect(lintFixture('clean.service')).toEqual([]);
  });

  test('each known mistake, on its line', () => {
    expect(summary(lintFixture('mistakes.service'))).toEqual([
      '7 percent-not-doubled %file',
      '7 dollar-not-doubled $',
      '7 exec-not-visible /usr/bin/strace',
      '8 dollar-not-doubled ${APP_PID}',
      '8 exec-not-visible /bin/kill',
      '12 missing-bind-source /srv/not-here',
      '13 protect-home-hides-bind /home/app/data',
      '13 sensitive-bind /home/app/data',
      '14 sensitive-bind /etc',
      '15 read-paths-through-tmpfs /var/log/app',
      '16 read-paths-through-tmpfs /usr/share/app',
    ]);
  });

  test('the fixes are settings an admin can paste', () => {
    const findings = lintFixture('mistakes.service');
    const byCheck = (check: string) => findings.find((f) => f.check === check)!;
    expect(byCheck('percent-not-doubled').fix).toBe('write %%file');
    expect(byCheck('read-paths-through-tmpfs').fix).toBe('BindPaths=/var/log/app');
    expect(byCheck('missing-bind-source').fix).toContain('BindReadOnlyPaths=-/srv/not-here');
    // /usr/lib is bound but ld.so asks for /lib/x86_64-linux-gnu/…, and /lib is not; /lib64 is bound but
    // its ld.so is a symlink into /lib.
    expect(findings.find((f) => f.value === '/bin/kill')!.fix).toBe('BindReadOnlyPaths=/bin/kill /lib64 /lib/x86_64-linux-gnu');
  });

  test('ProtectSystem=, DynamicUser= and NoExecPaths=/ each bring the root back', () => {
    const findings = lintFixture('reexposed-root.service');
    expect(summary(findings)).toEqual([
      '3 protect-system-reexposes-root yes',
      '5 protect-system-reexposes-root strict',
      '8 root-mount-drops-tmpfs /',
    ]);
  });

  test('the seed article\'s 203/EXEC: interpreter and library named, their directories proposed', () => {
    const [finding] = lintFixture('exec-hidden.service');
    expect(finding.check).toBe('exec-not-visible');
    expect(finding.message).toContain('/lib64/ld-linux-x86-64.so.2');
    expect(finding.message).toContain('/lib/x86_64-linux-gnu/libc.so.6');
    expect(finding.message.split('not visible:')[1]).not.toContain('/usr/local/bin/app');
    expect(finding.fix).toBe('BindReadOnlyPaths=/lib64 /lib/x86_64-linux-gnu');
  });

  test('a bind of /bin/kill is enough although /bin is a symlink on the host', () => {
    const settings = new UnitSettings(parseUnitText('[Service]\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/bin/kill /lib /lib64\nExecStart=/bin/kill 1\n', 'k'));
    expect(lintUnit(settings, { fs: debian, closures: new Map([['/bin/kill', closureOf('/bin/kill')]]) })).toEqual([]);
  });

  test('specifiers: %% and known single specifiers pass, unknown ones and %word are caught', () => {
    const lint = (line: string) => lintUnit(new UnitSettings(parseUnitText(`[Service]\nExecStart=${line}\n`, 'u')), { fs: debian }).map((f) => f.value);
    expect(lint('/bin/echo %n %i %%file 100%%')).toEqual([]);
    expect(lint('/bin/echo %file')).toEqual(['%file']);
    expect(lint('/bin/echo %%%file')).toEqual(['%file']);
    expect(lint('/bin/echo %Q')).toEqual(['%Q']);
  });

  test('$NAME only counts as a word of its own; set variables and EnvironmentFile= pass', () => {
    const lint = (body: string) => lintUnit(new UnitSettings(parseUnitText(`[Service]\n${body}\n`, 'u')), { fs: debian }).map((f) => f.value);
    expect(lint('ExecStart=/bin/echo $FOO a$FOO $$FOO')).toEqual(['$FOO']);
    expect(lint('Environment=FOO=1\nExecStart=/bin/echo $FOO ${FOO} $MAINPID')).toEqual([]);
    expect(lint('EnvironmentFile=-/etc/default/app\nExecStart=/bin/echo ${FROM_FILE}')).toEqual([]);
  });

  test('without TemporaryFileSystem=/ nothing about hidden roots is said', () => {
    const settings = new UnitSettings(parseUnitText('[Service]\nProtectSystem=strict\nDynamicUser=yes\nReadWritePaths=/var/lib/x\nExecStart=/usr/local/bin/app\n', 'u'));
    expect(lintUnit(settings, { fs: debian, closures: new Map([['/usr/local/bin/app', closureOf('/usr/local/bin/app')]]) })).toEqual([]);
  });
});

describe('the hand-made units of the corpus', () => {
  const corpus = path.resolve(fixtures, '../../../shared/corpus/units');
  const present = (() => {
    try {
      return readFileSync(path.join(corpus, 'INDEX.md'), 'utf8').length > 0;
    } catch {
      return false;
    }
  })();
  if (!present) {
    console.warn(`\n*** SKIPPING corpus lint tests: ${corpus} is not there ***\n`);
    test.skip(`SKIPPED: ${corpus} is absent`, () => undefined);
    return;
  }
  /** The sockets and library trees every Debian host with systemd has, beyond the miniature above. */
  const host = memoryFsView({
    '/lib': { symlink: 'usr/lib' },
    '/lib64': { symlink: 'usr/lib64' },
    '/bin': { symlink: 'usr/bin' },
    '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
    '/usr/lib64/ld-linux-x86-64.so.2': 'file',
    '/usr/bin/kill': 'file',
    '/usr/sbin/nginx': 'file',
    '/dev/log': { symlink: '/run/systemd/journal/dev-log' },
    '/run/systemd/journal/dev-log': 'socket',
    '/run/systemd/journal/socket': 'socket',
    '/run/systemd/journal/stdout': 'socket',
    '/run/systemd/notify': 'socket',
    '/etc/ld.so.cache': 'file',
    '/etc/ld.so.conf': 'file',
    '/etc/ld.so.conf.d': 'dir',
    '/etc/bindresvport.blacklist': 'file',
    '/usr/share/zoneinfo': 'dir',
    '/usr/share/locale': 'dir',
    '/etc/localtime': { symlink: '/usr/share/zoneinfo/Etc/UTC' },
    '/usr/share/zoneinfo/Etc/UTC': 'file',
    '/usr/share/common-licenses': 'dir',
    '/etc/ssl/certs': 'dir',
    '/etc/resolv.conf': 'file',
    '/etc/nginx/nginx.conf': 'file',
    '/tmp': 'dir',
  });
  const lintCorpus = (file: string) => {
    const settings = new UnitSettings(parseUnitText(readFileSync(path.join(corpus, file), 'utf8'), file));
    return lintUnit(settings, { fs: host, closures: new Map(execPrograms(settings).map((p) => [p, closureOf(p)])) });
  };
  const checks = (file: string) => [...new Set(lintCorpus(file).map((f) => f.check))].sort();

  test.each([
    ['_unattributed/gentoo-wiki-Debuginfod__debuginfod.service', ['DynamicUser', 'ProtectSystem']],
    ['_unattributed/german-config-agent-doc__config-agent.service', ['ProtectSystem']],
    ['stephan13360/example/systemd.service', ['DynamicUser']],
  ])('%s: a hidden root brought back by %j', (file, settings) => {
    const found = lintCorpus(file).filter((f) => f.check === 'protect-system-reexposes-root');
    expect(found.map((f) => f.setting).sort()).toEqual(settings);
  });

  test("Debian's redis trap in a wiki unit: NoExecPaths=/ drops TemporaryFileSystem=/", () => {
    const found = lintCorpus('_unattributed/gentoo-wiki-Debuginfod__debuginfod.service').filter((f) => f.check === 'root-mount-drops-tmpfs');
    expect(found.map((f) => [f.line, f.setting])).toEqual([[35, 'NoExecPaths']]);
  });

  test("stephan13360's nginx: only the placeholder binds fail, the baseline is right", () => {
    expect(lintCorpus('stephan13360/nginx/nginx.service').map((f) => `${f.check} ${f.value}`)).toEqual([
      'missing-bind-source /path/to/webdir/',
      'missing-bind-source /path/to/certificates/',
    ]);
  });

  test('partial whitelisting (TemporaryFileSystem=/usr:ro with ProtectSystem=strict) is not a hidden root', () => {
    expect(checks('ProactiveServices+goodies/systemd__rest-server.example.service')).toEqual(['missing-bind-source']);
  });

  test("systemd's own test units and the upstream unbound unit are clean", () => {
    for (const file of [
      'systemd+systemd/test__test-execute__exec-temporaryfilesystem-ro.service',
      'systemd+systemd/test__test-execute__exec-temporaryfilesystem-options.service',
      'NLnetLabs+unbound/contrib__unbound.service.in',
    ]) {
      expect([file, lintCorpus(file)]).toEqual([file, []]);
    }
  });
});
