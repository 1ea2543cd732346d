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
    unitInfoFromText(`Id=redis-server.service\nLoadState=loaded\n${lines}`, '# /lib/systemd/system/redis-server.service\n[Service]\nExecStart=/usr/bin/redis-server\n');

  test("NoExecPaths=/ moves onto the bound paths, except where the unit's ExecPaths= allow execution", () => {
    const kept = keepUnitHardening(profile, unitWith('NoExecPaths=/\nExecPaths=/usr/bin/redis-server /usr/lib\n'));
    const noExec = kept.entries.filter((e) => e.directive === 'NoExecPaths').map((e) => e.value);
    expect(noExec).toEqual(['', '/etc/redis', '/var/lib/redis']);
  });

  test('a unit without NoExecPaths=/ is left alone', () => {
    expect(keepUnitHardening(profile, unitWith('NoExecPaths=/srv\n'))).toBe(profile);
  });
});
