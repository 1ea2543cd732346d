import { describe, expect, test } from '@jest/globals';
import type { Profile } from './model.js';
import { unitInfoFromText } from './unitfile.js';
import { keepUnitHardening } from './unit-sandbox.js';

describe("the unit's own hardening under the lockdown", () => {
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
  const unitWith = (lines: string) =>
    unitInfoFromText(
      `Id=redis-server.service\nLoadState=loaded\n${lines}`,
      '# /lib/systemd/system/redis-server.service\n[Service]\nExecStart=/usr/bin/redis-server\n',
    );

  test("NoExecPaths=/ moves onto the bound paths, except where the unit's ExecPaths= allow execution", () => {
    const kept = keepUnitHardening(profile, unitWith('NoExecPaths=/\nExecPaths=/usr/bin/redis-server /usr/lib\n'));
    const noExec = kept.entries.filter((e) => e.directive === 'NoExecPaths').map((e) => e.value);
    expect(noExec).toEqual(['', '/etc/redis', '/var/lib/redis']);
  });

  test("an executed program bound alone keeps exec; the unit's ExecPaths= become ignore-if-missing", () => {
    const executedAlone = keepUnitHardening(
      {
        ...profile,
        entries: [...profile.entries, { directive: 'BindReadOnlyPaths', value: '/lib64/ld-linux-x86-64.so.2', reason: 'ELF interpreter' }],
      },
      unitWith('NoExecPaths=/\nExecPaths=/usr/bin/redis-server /lib\n'),
      ['/lib64/ld-linux-x86-64.so.2'],
    );
    const shown = executedAlone.entries
      .filter((e) => e.directive === 'NoExecPaths' || e.directive === 'ExecPaths')
      .map((e) => `${e.directive}=${e.optional ? '-' : ''}${e.value}`);
    expect(shown).not.toContain('NoExecPaths=-/lib64/ld-linux-x86-64.so.2');
    expect(shown).toEqual(expect.arrayContaining(['ExecPaths=', 'ExecPaths=-/usr/bin/redis-server', 'ExecPaths=-/lib']));
  });

  test('a unit without NoExecPaths=/ is left alone', () => {
    expect(keepUnitHardening(profile, unitWith('NoExecPaths=/srv\n'))).toBe(profile);
  });
});
