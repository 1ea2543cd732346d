import { describe, expect, test } from '@jest/globals';
import { describeWriterLine, outsideNamespacePrograms } from './exec-origin.js';
import type { UnitExec } from '../unit-file/unitfile.js';

const line = (kind: UnitExec['kind'], raw: string): UnitExec => {
  const prefixes = (/^[-@:+!]*/.exec(raw)?.[0] ?? '').split('') as UnitExec['prefixes'];
  return { kind, raw, prefixes, command: raw.slice(prefixes.length), file: undefined };
};

describe('Exec*= lines of a process', () => {
  const lines = [
    line('ExecStartPre', '-+/usr/libexec/unbound-helper chroot_setup'),
    line('ExecStart', '/usr/sbin/unbound -d -p'),
    line('ExecStartPost', '-/usr/bin/update-helper --refresh'),
    line('ExecReload', '+/usr/sbin/unbound-control reload'),
    line('ExecStop', '/usr/sbin/unbound-control stop'),
  ];

  test('a refused write names its line and whether its failure is ignored', () => {
    expect(describeWriterLine(lines, '/usr/bin/update-helper')).toBe(
      '`ExecStartPost=-/usr/bin/update-helper --refresh` will meet a read-only file system there; its failure is ignored (`-` prefix)',
    );
    expect(describeWriterLine(lines, '/usr/sbin/unbound')).toMatch(/^`ExecStart=\/usr\/sbin\/unbound -d -p` .*not ignored/);
    expect(describeWriterLine(lines, '/usr/bin/other')).toBeUndefined();
  });

  test('programs that only `+` lines run are outside the namespace', () => {
    expect([...outsideNamespacePrograms(lines)]).toEqual(['/usr/libexec/unbound-helper']);
  });
});
