/** lint's answers a new user found wrong or missing: lockdown under [Unit], unreadable directories. */
import { describe, expect, test } from '@jest/globals';
import { lintUnit } from './lint.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import { memoryFsView } from '../testing/fs-views.js';

const fs = memoryFsView({ '/etc/hosts': 'file', '/srv/app/private/key.conf': 'file' }, { '/srv/app/private': { mode: 0o770, denied: true } });
const lint = (text: string) => lintUnit(new UnitSettings(parseUnitText(text, 'app.service')), { fs }).map((f) => [f.line, f.check, f.severity, f.message]);

describe('lockdown settings in the wrong section', () => {
  test('under [Unit] and [Install] they are ignored by systemd: an error each', () => {
    const findings = lint('[Unit]\nDescription=x\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/etc/hosts\n[Service]\nExecStart=/bin/true\n[Install]\nPrivateTmp=yes\n');
    expect(findings).toEqual([
      [3, 'setting-in-wrong-section', 'error', expect.stringContaining('TemporaryFileSystem= is under [Unit]')],
      [4, 'setting-in-wrong-section', 'error', expect.stringContaining('BindReadOnlyPaths= is under [Unit]')],
      [8, 'setting-in-wrong-section', 'error', expect.stringContaining('PrivateTmp= is under [Install]')],
    ]);
  });

  test('under [Service] they are fine, and [Unit] keeps its own settings', () => {
    expect(lint('[Unit]\nDescription=x\nAfter=network.target\n[Service]\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/etc/hosts\n')).toEqual([]);
  });
});

describe('a bind source inside a directory lint may not read', () => {
  test('is "permission denied", a warning, not "does not exist"', () => {
    expect(lint('[Service]\nBindReadOnlyPaths=/srv/app/private/key.conf\n')).toEqual([[2, 'missing-bind-source', 'warning', expect.stringContaining('permission denied')]]);
  });

  test('a source that is really missing is still an error', () => {
    expect(lint('[Service]\nBindReadOnlyPaths=/srv/app/nope\n')).toEqual([[2, 'missing-bind-source', 'error', expect.stringContaining('does not exist')]]);
  });
});
