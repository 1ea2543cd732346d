import { describe, expect, test } from '@jest/globals';
import type { ExecClosure } from './elf.js';
import { memoryFsView } from '../testing/fs-views.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import { profileToJson } from './report.js';
import { pathArguments, starterProfile } from './starter.js';

const fs = memoryFsView({
  '/usr/bin/perl': 'file',
  '/usr/share/app/wrapper': 'file',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/x86_64-linux-gnu/libperl.so.5.36': 'file',
  '/usr/lib64/ld-linux-x86-64.so.2': 'file',
  '/lib64': { symlink: 'usr/lib64' },
  '/etc/app/app.conf': 'file',
  '/etc/default/app': 'file',
  '/etc/passwd': 'file',
  '/etc/group': 'file',
  '/etc/nsswitch.conf': 'file',
  '/usr/share/perl5/Strict.pm': 'file',
  '/srv/app': 'dir',
});

const closure: ExecClosure = {
  path: '/usr/share/app/wrapper',
  items: [
    { path: '/usr/share/app/wrapper', role: 'binary', links: [], realPath: '/usr/share/app/wrapper' },
    { path: '/usr/bin/perl', role: 'script-interpreter', links: [], realPath: '/usr/bin/perl' },
    { path: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter', links: ['/lib64'], realPath: '/usr/lib64/ld-linux-x86-64.so.2' },
    { path: '/usr/lib/x86_64-linux-gnu/libperl.so.5.36', role: 'library', links: [], realPath: '/usr/lib/x86_64-linux-gnu/libperl.so.5.36' },
  ],
  files: [],
  unresolved: [],
  notes: [],
};

const unit = `[Unit]
Description=app

[Service]
Type=notify
User=app
EnvironmentFile=-/etc/default/app
EnvironmentFile=-/etc/default/missing
WorkingDirectory=/srv/app
PIDFile=/run/app/app.pid
StateDirectory=app
ExecStart=/usr/share/app/wrapper -c /etc/app/app.conf --log=/var/log/nowhere.log
`;

describe('starter profile', () => {
  test('absolute paths among the arguments, also after --opt=', () => {
    expect(pathArguments('-/usr/bin/app -c /etc/app.conf --data=/srv/x relative $HOME/y %h/z')).toEqual(['/etc/app.conf', '/srv/x']);
  });

  test('from the unit alone: programs, interpreter, libraries, arguments, settings', () => {
    const settings = new UnitSettings(parseUnitText(unit, 'app.service'));
    const { profile, reasons } = starterProfile(
      {
        settings,
        closures: new Map([['/usr/share/app/wrapper', closure]]),
        interpreterTrees: ['/usr/share/perl5', '/usr/local/lib/site_perl'],
        serviceNames: ['app'],
        baseline: false,
        include: [],
        exclude: [],
      },
      fs,
    );
    const json = profileToJson(profile);
    expect(json.TemporaryFileSystem?.[0]).toBe('/:ro');
    expect(json.BindReadOnlyPaths).toEqual(
      expect.arrayContaining(['/usr/share/app', '/usr/bin/perl', '/lib64/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu', '/etc/app', '/etc/default/app', '/etc/passwd', '/usr/share/perl5', '/srv/app']),
    );
    // The run directory of the pid file is the service's, written; the state directory is the unit's own.
    // Missing here until the service first runs, hence systemd's "-".
    expect(json.BindPaths).toEqual(['-/run/app']);
    const everything = Object.values(json).flat().join(' ');
    expect(everything).not.toContain('/var/lib/app');
    expect(everything).not.toContain('missing');
    expect(everything).not.toContain('nowhere');
    expect(everything).not.toContain('site_perl');
    expect(reasons.find((r) => r.path === '/run/systemd/notify')?.reason).toContain('Type=notify');
  });
});
