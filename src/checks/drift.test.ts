import { describe, expect, test } from '@jest/globals';
import { driftFails, fileText, judgeDrift, type DriftInput, type RememberedInstall } from './drift.js';
import type { ExecClosure } from '../profile/elf.js';
import { memoryFsView, type MemoryNode } from '../testing/fs-views.js';
import { execPrograms } from '../unit-file/exec-programs.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';

const DROPIN = '/etc/systemd/system/app.service.d/bindscout.conf';

const HOST: Record<string, MemoryNode> = {
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/bin': { symlink: 'usr/bin' },
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/app1/libapp.so.1': 'file',
  '/usr/bin/app': 'file',
  '/usr/bin/sh': { symlink: 'dash' },
  '/usr/bin/dash': 'file',
  '/usr/local/bin/prepare': 'file',
  '/etc/app': 'dir',
  '/etc/app/extra.conf': 'file',
  '/var/lib/app': 'dir',
};

function closureOf(program: string, host: Record<string, MemoryNode>): ExecClosure {
  const items: ExecClosure['items'] = [{ path: program, role: 'binary', links: [], realPath: program }];
  if (program === '/usr/local/bin/prepare') {
    items.push({ path: '/bin/sh', role: 'script-interpreter', neededBy: program, links: [], realPath: '/usr/bin/dash' });
  }
  items.push(
    { path: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter', neededBy: program, links: [], realPath: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', role: 'library', name: 'libc.so.6', neededBy: program, links: [], realPath: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  );
  if (program === '/usr/bin/app') {
    // As ld.so.cache says now: the library follows the host.
    const lib = Object.keys(host).find((p) => p.endsWith('/libapp.so.1')) ?? '/usr/lib/app1/libapp.so.1';
    items.push({ path: lib, role: 'library', name: 'libapp.so.1', neededBy: program, links: [], realPath: lib });
  }
  return { path: program, items, files: items.map((i) => i.path), unresolved: [], notes: [] };
}

const UNIT = `# /lib/systemd/system/app.service
[Unit]
Description=app

[Service]
User=app
ExecStart=/usr/bin/app --serve
`;

const PROFILE = `# made by bindscout
[Service]
TemporaryFileSystem=/:ro
ProtectSystem=no
BindReadOnlyPaths=/usr/bin/app
BindReadOnlyPaths=/usr/lib/x86_64-linux-gnu /usr/lib64 /lib64 /lib
BindReadOnlyPaths=/usr/lib/app1/libapp.so.1
BindReadOnlyPaths=-/etc/app/extra.conf
BindPaths=/var/lib/app
`;

const catOf = (...files: [string, string][]) => files.map(([path, text]) => `# ${path}\n${text}`).join('\n');
const INSTALLED_CAT = catOf(['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n')], [DROPIN, PROFILE]);

const remembered: RememberedInstall = { dropIn: DROPIN, profile: PROFILE, unitConfig: INSTALLED_CAT, installedAt: '2026-11-01T10:00:00.000Z' };

function judge(catText: string, host: Record<string, MemoryNode> = HOST, extra: Partial<DriftInput> = {}) {
  const settings = new UnitSettings(parseUnitText(catText, 'app.service'));
  const closures = new Map(execPrograms(settings).map((p) => [p, closureOf(p, host)]));
  return judgeDrift({ unit: 'app.service', catText, dropIn: DROPIN, remembered, fs: memoryFsView(host), closures, ...extra });
}

describe('check: drift of an installed profile', () => {
  test('nothing changed: no findings', () => {
    expect(judge(INSTALLED_CAT)).toEqual([]);
  });

  test('a library moved to a new path: the bind source is missing and the program cannot load it', () => {
    const host = { ...HOST };
    delete host['/usr/lib/app1/libapp.so.1'];
    host['/usr/lib/app2/libapp.so.1'] = 'file';
    const findings = judge(INSTALLED_CAT, host);
    expect(driftFails(findings)).toBe(true);
    const missing = findings.find((f) => f.check === 'missing-bind-source')!;
    expect(missing.message).toContain('/usr/lib/app1/libapp.so.1');
    expect(missing.fix).toContain('bindscout discover app.service');
    expect(missing.file).toBe(DROPIN);
    const exec = findings.find((f) => f.check === 'exec-not-visible')!;
    expect(exec.message).toContain('/usr/lib/app2/libapp.so.1');
    expect(exec.fix).toContain(`add to ${DROPIN}: BindReadOnlyPaths=/usr/lib/app2/libapp.so.1`);
  });

  test('escaped "-" sources are read as systemd reads them: present, nothing to say', () => {
    const profile = PROFILE.replace('BindReadOnlyPaths=-/etc/app/extra.conf', 'BindReadOnlyPaths=-/etc/app/col\\:on -/etc/app/pct%%n');
    const host = { ...HOST, '/etc/app/col:on': 'file' as const, '/etc/app/pct%n': 'file' as const };
    const cat = catOf(['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n')], [DROPIN, profile]);
    expect(judge(cat, host, { remembered: { ...remembered, profile, unitConfig: cat } })).toEqual([]);
  });

  test('a "-" source that disappeared is a warning, not a failure', () => {
    const host = { ...HOST };
    delete host['/etc/app/extra.conf'];
    const findings = judge(INSTALLED_CAT, host);
    expect(findings.map((f) => [f.check, f.severity])).toEqual([['optional-source-gone', 'warning']]);
    expect(driftFails(findings)).toBe(false);
    expect(findings[0].fix).toContain('BindReadOnlyPaths=-/etc/app/extra.conf');
  });

  test('a new ExecStartPre= in a new drop-in: the setting changed and its #! interpreter is not visible', () => {
    const cat = catOf(
      ['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n')],
      ['/etc/systemd/system/app.service.d/upgrade.conf', '[Service]\nExecStartPre=/usr/local/bin/prepare\n'],
      [DROPIN, PROFILE],
    );
    const findings = judge(cat);
    const changed = findings.find((f) => f.check === 'setting-changed')!;
    expect(changed).toMatchObject({ setting: 'ExecStartPre', file: '/etc/systemd/system/app.service.d/upgrade.conf', line: 2, severity: 'error' });
    expect(changed.message).toContain('added /usr/local/bin/prepare');
    const exec = findings.find((f) => f.check === 'exec-not-visible')!;
    expect(exec.value).toBe('/usr/local/bin/prepare');
    expect(exec.message).toContain('/bin/sh');
  });

  test('User= and ProtectSystem= changed in the unit: each is an error; ProtectSystem re-exposes the root', () => {
    const unit = UNIT.replace('User=app', 'User=other\nProtectSystem=full');
    const cat = catOf(['/lib/systemd/system/app.service', unit.split('\n').slice(1).join('\n')], [DROPIN, PROFILE.replace('ProtectSystem=no\n', '')]);
    const findings = judge(cat);
    expect(findings.filter((f) => f.check === 'setting-changed').map((f) => f.setting).sort()).toEqual(['ProtectSystem', 'User']);
    expect(findings.some((f) => f.check === 'root-reexposed')).toBe(true);
    expect(findings.some((f) => f.check === 'profile-edited')).toBe(true);
  });

  test('the drop-in is gone: one error, nothing else judged', () => {
    const cat = catOf(['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n')]);
    const findings = judge(cat);
    expect(findings.map((f) => f.check)).toEqual(['profile-missing']);
    expect(driftFails(findings)).toBe(true);
  });

  test('without a remembered install only what a restart needs is judged', () => {
    const cat = catOf(
      ['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n').replace('User=app', 'User=other')],
      [DROPIN, PROFILE],
    );
    const settings = new UnitSettings(parseUnitText(cat, 'app.service'));
    const closures = new Map(execPrograms(settings).map((p) => [p, closureOf(p, HOST)]));
    expect(judgeDrift({ unit: 'app.service', catText: cat, dropIn: DROPIN, fs: memoryFsView(HOST), closures })).toEqual([]);
  });

  test('a package upgraded since install is a warning', () => {
    const findings = judge(INSTALLED_CAT, HOST, {
      remembered: { ...remembered, packages: [{ path: '/usr/bin/app', package: 'app', version: '1.0-1' }] },
      packages: [{ path: '/usr/bin/app', package: 'app', version: '1.1-1' }],
    });
    expect(findings).toEqual([expect.objectContaining({ check: 'package-changed', severity: 'warning', value: 'app' })]);
    expect(findings[0].message).toContain('from app 1.0-1 to app 1.1-1');
  });

  test("a private /run's links: missing snippet or a link that is gone warn, with the command that makes them again", () => {
    const profile = `${PROFILE}RuntimeDirectory=app-private-run\nRuntimeDirectoryPreserve=yes\nBindPaths=/run/app-private-run:/run\n`;
    const cat = catOf(['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n')], [DROPIN, profile]);
    const mine = { ...remembered, profile, unitConfig: cat };
    const host = { ...HOST, '/run/app-private-run': 'dir' as const, '/run/app.ctl': { symlink: 'app-private-run/app.ctl' } };
    const snippet = { path: '/etc/tmpfiles.d/bindscout-app.service.conf', text: 'd /run/app-private-run 0755 root root -\nL+ /run/app.ctl - - - - app-private-run/app.ctl\n' };
    expect(judge(cat, host, { remembered: mine, tmpfiles: snippet })).toEqual([]);

    const { ['/run/app.ctl']: _gone, ...withoutLink } = host;
    const broken = judge(cat, withoutLink, { remembered: mine, tmpfiles: snippet });
    expect(broken.map((f) => [f.check, f.severity, f.fix, f.line])).toEqual([['host-links', 'warning', `systemd-tmpfiles --create ${snippet.path}`, 2]]);
    expect(driftFails(broken)).toBe(false);

    const noSnippet = judge(cat, host, { remembered: mine, tmpfiles: { path: snippet.path, text: undefined } });
    expect(noSnippet.map((f) => [f.check, f.fix])).toEqual([['host-links', 're-run: bindscout discover app.service']]);
    // A profile without a private /run needs no links.
    expect(judge(INSTALLED_CAT, HOST, { tmpfiles: { path: snippet.path, text: undefined } })).toEqual([]);
  });

  test('a comment in the drop-in that starts like a path is not taken for the next file of systemctl cat', () => {
    const profile = PROFILE.replace('ProtectSystem=no\n', 'ProtectSystem=no\n\n# /proc and /sys: read by pid 7 (line 3): /proc/filesystems\nMountAPIVFS=yes\n');
    const cat = catOf(['/lib/systemd/system/app.service', UNIT.split('\n').slice(1).join('\n')], [DROPIN, profile]);
    expect(fileText(cat, DROPIN)).toBe(profile);
    expect(judge(cat, HOST, { remembered: { ...remembered, profile, unitConfig: cat } })).toEqual([]);
  });

  test('fileText takes one file out of systemctl cat output', () => {
    expect(fileText(INSTALLED_CAT, DROPIN)).toBe(PROFILE);
    expect(fileText(INSTALLED_CAT, '/nowhere')).toBeUndefined();
  });
});
