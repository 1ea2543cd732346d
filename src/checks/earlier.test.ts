import { describe, expect, test } from '@jest/globals';
import { accessesStillThere, earlierAccesses, earlierGrants, earlierSource, grantsToKeep, observationDifference, type EarlierObservation } from './earlier.js';
import { memoryFsView } from '../testing/fs-views.js';
import type { Profile } from '../core/model.js';

const WHEN = '2026-11-01T10:00:00.000Z';
const PROFILE = `# made by bindscout
[Service]
TemporaryFileSystem=/:ro
BindReadOnlyPaths=/etc/app/app.conf
BindReadOnlyPaths=/usr/lib/app1
BindReadOnlyPaths=-/etc/app/optional.conf
BindPaths=/var/lib/app
BindReadOnlyPaths=/srv/data:/data
`;

const fs = memoryFsView({ '/etc/app/old.conf': 'file', '/etc/app/app.conf': 'file', '/var/lib/app': 'dir', '/etc/app/new.conf': 'file', '/usr/lib/app2': 'dir' });

describe('a later discover starts from the earlier one', () => {
  test('the earlier profile\'s binds are its grants; binds to another place are left to the unit', () => {
    expect(earlierGrants(PROFILE, WHEN).map((g) => [g.directive, g.value, g.optional ?? false])).toEqual([
      ['BindReadOnlyPaths', '/etc/app/app.conf', false],
      ['BindReadOnlyPaths', '/usr/lib/app1', false],
      ['BindReadOnlyPaths', '/etc/app/optional.conf', true],
      ['BindPaths', '/var/lib/app', false],
    ]);
  });

  test('grants kept: those still on the host and the optional ones; a vanished one is not bound (it would fail the start)', () => {
    const earlier: EarlierObservation = { when: WHEN, accesses: [], grants: earlierGrants(PROFILE, WHEN) };
    expect(grantsToKeep(earlier, fs, () => true).keep.map((g) => g.value)).toEqual(['/etc/app/app.conf', '/etc/app/optional.conf', '/var/lib/app']);
    const withAccesses = { ...earlier, accesses: [{ path: '/etc/app/app.conf', ops: ['read' as const] }, { path: '/usr/lib/app1/libapp.so.1', ops: ['read' as const] }] };
    expect(accessesStillThere(withAccesses, fs).map((a) => a.path)).toEqual(['/etc/app/app.conf']);
  });

  test("a writable grant of a place that is not the service's own is reconsidered, not kept; read-only grants are kept", () => {
    const older = `${PROFILE}BindPaths=/run\n`;
    const earlier: EarlierObservation = { when: WHEN, accesses: [], grants: earlierGrants(older, WHEN) };
    const withRun = memoryFsView({ '/etc/app/app.conf': 'file', '/var/lib/app': 'dir', '/run': 'dir' });
    const kept = grantsToKeep(earlier, withRun, (path) => path === '/var/lib/app');
    expect(kept.keep.map((g) => [g.directive, g.value])).toEqual([
      ['BindReadOnlyPaths', '/etc/app/app.conf'],
      ['BindReadOnlyPaths', '/etc/app/optional.conf'],
      ['BindPaths', '/var/lib/app'],
    ]);
    expect(kept.reconsidered.map((g) => [g.directive, g.value])).toEqual([['BindPaths', '/run']]);
  });

  test('remembered accesses: successful ones with known operations; garbage is skipped, never thrown', () => {
    const json = JSON.stringify({
      schemaVersion: 1,
      accesses: [
        { path: '/etc/app/app.conf', ops: ['read', 'bogus'], ok: true },
        { path: '/etc/missing', ops: ['read'], ok: false },
        { path: 'relative', ops: ['read'], ok: true },
        { path: '/caf\u00e9', ops: ['stat'], ok: true },
        null,
      ],
    });
    expect(earlierAccesses(json)).toEqual([
      { path: '/etc/app/app.conf', ops: ['read'] },
      { path: Buffer.from('/café', 'utf8').toString('latin1'), ops: ['stat'] },
    ]);
    expect(earlierAccesses('{not json')).toEqual([]);
    expect(earlierAccesses(undefined)).toEqual([]);
  });

  test('the difference: new paths, paths not used this run, grants gone from the host, grants added', () => {
    const earlier: EarlierObservation = {
      when: WHEN,
      accesses: [
        { path: '/etc/app/app.conf', ops: ['read'] },
        { path: '/usr/lib/app1/libapp.so.1', ops: ['read'] },
        { path: '/etc/app/old.conf', ops: ['read'] },
        { path: '/var/lib/app/tmp.123', ops: ['create', 'write', 'delete'] },
      ],
      grants: earlierGrants(PROFILE, WHEN),
    };
    const accesses = [
      { path: '/etc/app/app.conf', ok: true, source: 'journal' },
      { path: '/etc/app/new.conf', ok: true, source: 'journal' },
      { path: '/etc/app/never.conf', ok: false, source: 'journal' },
      { path: '/etc/app/old.conf', ok: true, source: earlierSource(earlier) },
    ];
    const profile: Profile = {
      entries: [
        { directive: 'BindReadOnlyPaths', value: '/etc/app/app.conf', reason: '' },
        { directive: 'BindReadOnlyPaths', value: '/etc/app/new.conf', reason: '' },
        { directive: 'BindPaths', value: '/var/lib/app', reason: '' },
        { directive: 'BindReadOnlyPaths', value: '/usr/lib/app2', reason: '' },
        // Kept by discover although missing: optional.
        { directive: 'BindReadOnlyPaths', value: '/etc/app/optional.conf', optional: true, reason: '' },
      ],
      needsConsent: [],
      omitted: [],
    };
    expect(observationDifference(earlier, accesses, profile, fs)).toEqual({
      newPaths: ['/etc/app/new.conf'],
      notUsedNow: ['/etc/app/old.conf'],
      gone: ['/usr/lib/app1', '/usr/lib/app1/libapp.so.1'],
      addedGrants: ['/etc/app/new.conf', '/usr/lib/app2'],
    });
  });
});
