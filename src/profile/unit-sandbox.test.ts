import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { memoryFsView } from '../testing/fs-views.js';
import { lintUnit } from '../checks/lint.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import type { Profile } from '../core/model.js';
import { renderDropIn } from './render.js';
import { starterProfile } from './starter.js';
import { keepUnitHardening } from './unit-sandbox.js';

const profile: Profile = {
  entries: [
    { directive: 'TemporaryFileSystem', value: '/:ro', reason: '' },
    { directive: 'BindReadOnlyPaths', value: '/usr/bin/redis-server', reason: '' },
    { directive: 'BindReadOnlyPaths', value: '/usr/lib', reason: '' },
    { directive: 'BindReadOnlyPaths', value: '/etc/redis', reason: '' },
    { directive: 'BindPaths', value: '/var/lib/redis', reason: '' },
  ],
  needsConsent: [],
  omitted: [],
};
const none = { NoExecPaths: [], ExecPaths: [], ReadWritePaths: [] };

describe("the unit's own hardening under the lockdown", () => {
  test("NoExecPaths=/ moves onto the bound paths, except where the unit's ExecPaths= allow execution", () => {
    const kept = keepUnitHardening(profile, { ...none, NoExecPaths: ['/'], ExecPaths: ['/usr/bin/redis-server', '/usr/lib'] });
    const noExec = kept.entries.filter((e) => e.directive === 'NoExecPaths').map((e) => e.value);
    expect(noExec).toEqual(['', '/etc/redis', '/var/lib/redis']);
  });

  test("an executed program bound alone keeps exec; the unit's ExecPaths= become ignore-if-missing", () => {
    const executedAlone = keepUnitHardening(
      {
        ...profile,
        entries: [...profile.entries, { directive: 'BindReadOnlyPaths', value: '/lib64/ld-linux-x86-64.so.2', reason: 'ELF interpreter' }],
      },
      { ...none, NoExecPaths: ['/'], ExecPaths: ['/usr/bin/redis-server', '/lib'] },
      ['/lib64/ld-linux-x86-64.so.2'],
    );
    const shown = executedAlone.entries
      .filter((e) => e.directive === 'NoExecPaths' || e.directive === 'ExecPaths')
      .map((e) => `${e.directive}=${e.optional ? '-' : ''}${e.value}`);
    expect(shown).not.toContain('NoExecPaths=-/lib64/ld-linux-x86-64.so.2');
    expect(shown).toEqual(expect.arrayContaining(['ExecPaths=', 'ExecPaths=-/usr/bin/redis-server', 'ExecPaths=-/lib']));
  });

  test('a unit without NoExecPaths=/ or ReadWritePaths= is left alone', () => {
    expect(keepUnitHardening(profile, { ...none, NoExecPaths: ['-/srv'] })).toBe(profile);
  });

  test('ReadWritePaths= become writable binds at the path the unit names, "-" kept, what they cover dropped', () => {
    const kept = keepUnitHardening(
      { ...profile, entries: [...profile.entries, { directive: 'BindReadOnlyPaths', value: '/var/log/redis/redis.log', reason: '' }] },
      { ...none, ReadWritePaths: ['-/var/lib/redis', '-/var/log/redis', '/var/run/redis/', '/'], NoExecPaths: ['-/'] },
    );
    const binds = kept.entries.filter((e) => e.directive.startsWith('Bind')).map((e) => `${e.directive}=${e.optional ? '-' : ''}${e.value}`);
    expect(binds).toEqual([
      'BindReadOnlyPaths=/usr/bin/redis-server',
      'BindReadOnlyPaths=/usr/lib',
      'BindReadOnlyPaths=/etc/redis',
      'BindPaths=/var/lib/redis',
      'BindPaths=-/var/log/redis',
      'BindPaths=/var/run/redis',
    ]);
    // Carried over before NoExecPaths=/ is, so the new binds are not executable either.
    expect(kept.entries.filter((e) => e.directive === 'NoExecPaths').map((e) => e.value)).toEqual(expect.arrayContaining(['/var/log/redis', '/var/run/redis']));
  });
});

describe('profile of Debian\'s redis unit', () => {
  test('the drop-in, read together with the unit, keeps the empty root and the unit\'s writable paths', () => {
    const unitText = readFileSync(new URL('../../fixtures/traces/redis-server/unit.conf', import.meta.url), 'utf8');
    const fs = memoryFsView({ '/usr/bin/redis-server': 'file', '/etc/redis/redis.conf': 'file', '/var/lib/redis': 'dir', '/var/log/redis': 'dir', '/etc/passwd': 'file' });
    const { profile: starter } = starterProfile(
      { settings: new UnitSettings(parseUnitText(unitText, 'redis-server.service')), closures: new Map(), interpreterTrees: [], serviceNames: ['redis-server', 'redis'], baseline: false, include: [], exclude: [] },
      fs,
    );
    const dropin = renderDropIn(starter);
    expect(dropin).toMatch(/^NoExecPaths=$/m);
    for (const path of ['/var/lib/redis', '/var/log/redis', '/var/run/redis', '/etc/redis']) expect(dropin).toMatch(new RegExp(`^BindPaths=-${path}$`, 'm'));
    const combined = new UnitSettings(parseUnitText(`${unitText}\n${dropin}`, 'redis-server.service'));
    const checks = lintUnit(combined, { fs }).map((f) => f.check);
    expect(checks).not.toContain('root-mount-drops-tmpfs');
    expect(checks).not.toContain('read-paths-through-tmpfs');
  });
});

describe('unit settings that mount the host root or a shared tree back', () => {
  const assignments = (dropin: string, key: string) => dropin.split('\n').filter((l) => l.startsWith(`${key}=`));

  test("ReadOnlyDirectories=/ (shown as ReadOnlyPaths=/) is reset before anything else, its narrow words put back", () => {
    const kept = keepUnitHardening(profile, { ...none, ReadOnlyPaths: ['/', '-/etc/redis/secret.conf'] });
    const dropin = renderDropIn(kept);
    expect(assignments(dropin, 'ReadOnlyPaths')).toEqual(['ReadOnlyPaths=', 'ReadOnlyPaths=-/etc/redis/secret.conf']);
  });

  test('InaccessiblePaths=/ is reset; hiding a narrower tree is kept', () => {
    const dropin = renderDropIn(keepUnitHardening(profile, { ...none, InaccessiblePaths: ['/', '/home'] }));
    expect(assignments(dropin, 'InaccessiblePaths')).toEqual(['InaccessiblePaths=', 'InaccessiblePaths=-/home']);
    expect(assignments(renderDropIn(keepUnitHardening(profile, { ...none, InaccessiblePaths: ['-/home'] })), 'InaccessiblePaths')).toEqual([]);
  });

  test("a word the empty root does not have (coturn's InaccessibleDirectories=/home) is put back as ignore-if-missing, which systemd would otherwise fail on", () => {
    const hidden = renderDropIn(keepUnitHardening(profile, { ...none, InaccessiblePaths: ['/home', '-/root'] }));
    expect(assignments(hidden, 'InaccessiblePaths')).toEqual(['InaccessiblePaths=', 'InaccessiblePaths=-/home', 'InaccessiblePaths=-/root']);
    const readOnly = renderDropIn(keepUnitHardening(profile, { ...none, ReadOnlyPaths: ['/srv/app'] }));
    expect(assignments(readOnly, 'ReadOnlyPaths')).toEqual(['ReadOnlyPaths=', 'ReadOnlyPaths=-/srv/app']);
    const noExec = renderDropIn(keepUnitHardening(profile, { ...none, NoExecPaths: ['/var/lib/redis'], ExecPaths: ['-/usr/lib'] }));
    expect(assignments(noExec, 'NoExecPaths')).toEqual(['NoExecPaths=', 'NoExecPaths=-/var/lib/redis']);
    expect(assignments(noExec, 'ExecPaths')).toEqual([]);
  });

  test("the unit's own BindPaths=/var/lib and BindReadOnlyPaths=/:/host are reset; its narrow plain binds are put back", () => {
    const dropin = renderDropIn(
      keepUnitHardening(profile, { ...none, BindPaths: ['/var/lib:/var/lib:rbind', '-/srv/app/data:/srv/app/data:rbind'], BindReadOnlyPaths: ['/:/host:rbind', '/etc/app/extra.conf', '/srv/app/conf:/etc/app/conf'] }),
    );
    const rw = assignments(dropin, 'BindPaths');
    expect(rw[0]).toBe('BindPaths=');
    expect(rw).toContain('BindPaths=-/srv/app/data');
    expect(rw).not.toContain('BindPaths=/var/lib');
    const ro = assignments(dropin, 'BindReadOnlyPaths');
    expect(ro[0]).toBe('BindReadOnlyPaths=');
    expect(ro).toContain('BindReadOnlyPaths=-/etc/app/extra.conf');
    expect(ro.some((l) => l.includes('/host'))).toBe(false);
    expect(ro).toContain('BindReadOnlyPaths=-/srv/app/conf:/etc/app/conf');
    // A narrow bind alone is left to the unit: nothing is reset.
    expect(assignments(renderDropIn(keepUnitHardening(profile, { ...none, BindPaths: ['/srv/app/data'] })), 'BindPaths')).not.toContain('BindPaths=');
  });

  test('ReadWriteDirectories=-/run never becomes BindPaths=-/run: reset, and only the narrow grant is bound writable', () => {
    const dropin = renderDropIn(keepUnitHardening(profile, { ...none, ReadWritePaths: ['-/run', '-/var/lib/redis/extra'] }));
    expect(dropin).not.toMatch(/^BindPaths=-?\/run$/m);
    expect(assignments(dropin, 'ReadWritePaths')).toEqual(['ReadWritePaths=']);
    expect(assignments(dropin, 'BindPaths')).toEqual(['BindPaths=/var/lib/redis']);
  });
});
