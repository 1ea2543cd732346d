import { describe, expect, test } from '@jest/globals';
import { parseUnitName, UnitNameError } from './unit-name.js';

describe('parseUnitName', () => {
  test.each([
    ['nginx', 'nginx.service'],
    ['nginx.service', 'nginx.service'],
    ['postgresql@15-main', 'postgresql@15-main.service'],
    ['systemd-fsck@dev-disk-by\\x2duuid-1234.service', 'systemd-fsck@dev-disk-by\\x2duuid-1234.service'],
    ['dbus.socket', 'dbus.socket'],
    ['foo.bar', 'foo.bar.service'],
    ['a:b_c', 'a:b_c.service'],
  ])('%s → %s', (input, full) => expect(parseUnitName(input)).toBe(full));

  test.each([
    ['', 'empty'],
    ['ngi nx', 'only letters'],
    ['../etc/passwd', 'only letters'],
    ['foo;rm', 'only letters'],
    ['$(id)', 'only letters'],
    ['-nginx', 'must not start'],
    ['.service', 'must not start'],
    ['foo@.service', 'template without an instance'],
    ['@x.service', 'no template name'],
    ['a@b@c', 'more than one'],
    ['x'.repeat(248), 'longer than 255'],
  ])('refuses %j', (input, reason) => {
    expect(() => parseUnitName(input)).toThrow(UnitNameError);
    expect(() => parseUnitName(input)).toThrow(reason);
  });

  test('255 characters is the limit', () => {
    expect(parseUnitName('x'.repeat(247))).toHaveLength(255);
  });
});
