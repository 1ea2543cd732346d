import { describe, expect, test } from '@jest/globals';
import { compareWorstFirst, nextCommand, profileState, replacesRoot, type Rankable, type StatusExposure } from './status.js';

const noRoot = { temporaryFileSystem: [], rootDirectory: '', rootImage: '' };

describe('profile state', () => {
  test('a service on the host root is none; ProtectSystem= and friends do not make a lockdown of their own', () => {
    expect(profileState({ ...noRoot, temporaryFileSystem: ['/var:ro'], bindscoutProfile: false })).toBe('none');
  });

  test.each([
    ['TemporaryFileSystem=/', { ...noRoot, temporaryFileSystem: ['/'] }],
    ['TemporaryFileSystem=/:ro', { ...noRoot, temporaryFileSystem: ['/run:ro', '/:ro'] }],
    ['TemporaryFileSystem=-/:mode=0755', { ...noRoot, temporaryFileSystem: ['-/:mode=0755'] }],
    ['RootDirectory=', { ...noRoot, rootDirectory: '/srv/jail' }],
    ['RootImage=', { ...noRoot, rootImage: '/var/lib/machines/app.raw' }],
  ])('%s that bindscout did not write is hand-made', (_, facts) => {
    expect(replacesRoot(facts)).toBe(true);
    expect(profileState({ ...facts, bindscoutProfile: false })).toBe('hand-made');
  });

  test("bindscout's own profile is bindscout while check finds nothing, drifted once it finds anything", () => {
    const installed = { ...noRoot, temporaryFileSystem: ['/:ro'], bindscoutProfile: true };
    expect(profileState({ ...installed, drifted: false })).toBe('bindscout');
    expect(profileState({ ...installed, drifted: true })).toBe('drifted');
    // Its drop-in gone from the unit: still bindscout's to judge (check says profile-missing).
    expect(profileState({ ...noRoot, bindscoutProfile: true, drifted: true })).toBe('drifted');
  });
});

const exposure = (e: Partial<StatusExposure> = {}): StatusExposure => ({ visible: 0, writable: 0, sockets: 0, secrets: 0, ...e });

describe('next command', () => {
  test('discover for the host root, check for drift, nothing for a fitting profile', () => {
    expect(nextCommand('nginx.service', 'none', exposure({ visible: 9000 }))).toBe('bindscout discover nginx.service');
    expect(nextCommand('idle.service', 'none', null)).toBe('bindscout discover idle.service');
    expect(nextCommand('cron.service', 'drifted', exposure())).toBe('bindscout check cron.service');
    expect(nextCommand('cron.service', 'bindscout', exposure())).toBeNull();
  });

  test('a hand-made lockdown is left alone unless it still lets the service reach what is not its own', () => {
    expect(nextCommand('jail.service', 'hand-made', exposure({ visible: 40 }))).toBeNull();
    expect(nextCommand('jail.service', 'hand-made', null)).toBeNull();
    expect(nextCommand('jail.service', 'hand-made', exposure({ sockets: 1 }))).toBe('bindscout view jail.service');
  });

  test('a name with a systemd escape is one shell word', () => {
    expect(nextCommand('foo\\x2dbar.service', 'none', null)).toBe("bindscout discover 'foo\\x2dbar.service'");
  });
});

describe('worst first', () => {
  const sorted = (rows: Rankable[]) => [...rows].sort(compareWorstFirst).map((r) => r.unit);

  test('secrets before writable places before sockets before visible entries; no process last', () => {
    const rows: Rankable[] = [
      { unit: 'a-idle', state: 'none', exposure: null },
      { unit: 'b-visible', state: 'none', exposure: exposure({ visible: 100_000 }) },
      { unit: 'c-socket', state: 'none', exposure: exposure({ sockets: 2, visible: 10 }) },
      { unit: 'd-writable', state: 'none', exposure: exposure({ writable: 1 }) },
      { unit: 'e-secret', state: 'hand-made', exposure: exposure({ secrets: 1 }) },
      { unit: 'f-more-secrets', state: 'none', exposure: exposure({ secrets: 30 }) },
    ];
    expect(sorted(rows)).toEqual(['f-more-secrets', 'e-secret', 'd-writable', 'c-socket', 'b-visible', 'a-idle']);
  });

  test('equal exposures: drifted, then none, hand-made, bindscout, then by name', () => {
    const rows: Rankable[] = [
      { unit: 'z', state: 'bindscout', exposure: null },
      { unit: 'y', state: 'hand-made', exposure: null },
      { unit: 'x2', state: 'none', exposure: null },
      { unit: 'x1', state: 'none', exposure: null },
      { unit: 'w', state: 'drifted', exposure: null },
    ];
    expect(sorted(rows)).toEqual(['w', 'x1', 'x2', 'y', 'z']);
  });
});
