import { describe, expect, test } from '@jest/globals';
import { applyDecisions, deniedPaths, forgetIgnored, pendingReview, type Decisions } from './review.js';
import type { Profile } from '../core/model.js';

const profile: Profile = {
  entries: [
    { directive: 'TemporaryFileSystem', value: '/:ro', reason: 'empty root' },
    { directive: 'BindReadOnlyPaths', value: '/etc/app/app.conf', reason: 'read by pid 1' },
    { directive: 'BindPaths', value: '/var/lib/app', reason: 'written by pid 1' },
    { directive: 'BindReadOnlyPaths', value: '/usr/share/app', reason: 'read by pid 1', optional: true },
  ],
  needsConsent: [{ path: '/etc/ssl/private/app.key', reason: 'TLS private keys', directive: 'BindReadOnlyPaths' }],
  omitted: [],
};

const binds = (p: Profile) => p.entries.filter((e) => e.directive.startsWith('Bind')).map((e) => `${e.directive}=${e.optional ? '-' : ''}${e.value}`);

describe('review', () => {
  test('every bind and every sensitive path is a question; sensitive ones default to deny', () => {
    const items = pendingReview(profile, new Map());
    expect(items.map((i) => [i.path, i.proposed, i.defaultAnswer.kind, i.sensitive])).toEqual([
      ['/etc/app/app.conf', 'read-only', 'read-only', false],
      ['/var/lib/app', 'writable', 'writable', false],
      ['/usr/share/app', 'read-only', 'read-only', false],
      ['/etc/ssl/private/app.key', 'read-only', 'deny', true],
    ]);
  });

  test('answered paths are not asked again', () => {
    const decisions: Decisions = new Map([['/var/lib/app', { kind: 'writable' }]]);
    expect(pendingReview(profile, decisions).map((i) => i.path)).not.toContain('/var/lib/app');
  });

  test('answers change, widen, replace or drop binds; the rest of the profile stays', () => {
    const decisions: Decisions = new Map([
      ['/etc/app/app.conf', { kind: 'parent' }],
      ['/var/lib/app', { kind: 'read-only' }],
      ['/usr/share/app', { kind: 'deny' }],
      ['/etc/ssl/private/app.key', { kind: 'deny' }],
    ]);
    const decided = applyDecisions(profile, decisions);
    expect(binds(decided)).toEqual(['BindReadOnlyPaths=/etc/app', 'BindReadOnlyPaths=/var/lib/app']);
    expect(decided.entries[0]).toMatchObject({ directive: 'TemporaryFileSystem', value: '/:ro' });
    expect(decided.needsConsent.map((n) => n.path)).toEqual(['/etc/ssl/private/app.key']);
    expect(decided.omitted.map((n) => [n.path, n.reason])).toEqual([['/usr/share/app', 'denied by the admin']]);
    expect(deniedPaths(decisions).sort()).toEqual(['/etc/ssl/private/app.key', '/usr/share/app']);
  });

  test('a sensitive path is granted only by an explicit answer, and an edit grants the replacement', () => {
    const decisions: Decisions = new Map([
      ['/etc/ssl/private/app.key', { kind: 'read-only' }],
      ['/var/lib/app', { kind: 'edit', path: '/var/lib/app/data' }],
    ]);
    const decided = applyDecisions(profile, decisions);
    expect(binds(decided)).toEqual([
      'BindReadOnlyPaths=/etc/app/app.conf',
      'BindPaths=/var/lib/app/data',
      'BindReadOnlyPaths=-/usr/share/app',
      'BindReadOnlyPaths=/etc/ssl/private/app.key',
    ]);
    expect(decided.needsConsent).toEqual([]);
  });

  test('an ignored path is asked about again once a start shows it is needed; a denied one is not', () => {
    const decisions: Decisions = new Map([
      ['/etc/app/app.conf', { kind: 'ignore' }],
      ['/var/lib/app', { kind: 'deny' }],
    ]);
    forgetIgnored(decisions, ['/etc/app/app.conf', '/var/lib/app']);
    expect(decisions.has('/etc/app/app.conf')).toBe(false);
    expect(decisions.get('/var/lib/app')).toEqual({ kind: 'deny' });
  });
});

test('a write to a system place is asked as dangerous, deny by default; a private /run is not asked about', () => {
  const items = pendingReview(
    {
      entries: [{ directive: 'BindPaths', value: '/run/app-private-run', destination: '/run', reason: 'private /run' }],
      needsConsent: [{ path: '/var/lib/dpkg', reason: 'not its own', directive: 'BindPaths', systemWrite: true }],
      omitted: [],
    },
    new Map(),
  );
  expect(items.map((i) => [i.path, i.proposed, i.defaultAnswer.kind, i.systemWrite])).toEqual([['/var/lib/dpkg', 'writable', 'deny', true]]);
});
