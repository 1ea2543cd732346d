import { describe, expect, test } from '@jest/globals';
import { annotateProvenance, formatMergedTable, looksLikeReport, ObservationMerger, ReportError } from './merge.js';
import type { Access, Profile } from '../core/model.js';

function access(path: string, ops: Access['ops'] extends ReadonlySet<infer O> ? O[] : never, ok = true): Access {
  return { path, ops: new Set(ops), ok, errors: new Set(ok ? [] : ['ENOENT']), count: 1, firstPid: 1, firstLine: 1, source: 'trace' };
}

const report = (host: string, paths: string[]) => ({
  schemaVersion: 1,
  host,
  observedAt: '2026-11-01T10:00:00.000Z',
  accesses: paths.map((path) => ({ path, ops: ['read'], ok: true, errors: [], count: 2, firstPid: 7, firstLine: 3, source: 'x.log' })),
});

describe('merging observations', () => {
  test('reports and traces fold as one, each path with the observations that saw it', () => {
    const merger = new ObservationMerger();
    merger.addReport('web1.json', report('web1', ['/etc/app.conf', '/usr/lib/libfoo.so']));
    merger.addReport('web2.json', report('web2', ['/etc/app.conf']));
    merger.addTrace('local.strace', [access('/etc/app.conf', ['stat']), access('/etc/missing', ['read'], false)], null, 'web3');
    const { observations, accesses, seenIn } = merger.result();
    expect(observations.map((o) => [o.id, o.input, o.kind, o.host])).toEqual([
      [1, 'web1.json', 'report', 'web1'],
      [2, 'web2.json', 'report', 'web2'],
      [3, 'local.strace', 'trace', 'web3'],
    ]);
    expect(accesses.map((a) => a.path)).toEqual(['/etc/app.conf', '/etc/missing', '/usr/lib/libfoo.so']);
    const conf = accesses[0];
    expect([...conf.ops].sort()).toEqual(['read', 'stat']);
    expect(conf.count).toBe(5);
    expect(seenIn.get('/etc/app.conf')).toEqual([1, 2, 3]);
    expect(seenIn.get('/usr/lib/libfoo.so')).toEqual([1]);
  });

  test('a merged report read back keeps its observations and who saw what', () => {
    const first = new ObservationMerger();
    first.addReport('web1.json', report('web1', ['/a']));
    first.addReport('web2.json', report('web2', ['/a', '/b']));
    const merged = first.result();
    const asJson = {
      schemaVersion: 1,
      observations: merged.observations,
      accesses: merged.accesses.map((a) => ({ path: a.path, ops: [...a.ops], ok: a.ok, errors: [], count: a.count, seenIn: merged.seenIn.get(a.path) })),
    };
    const again = new ObservationMerger();
    again.addReport('fleet.json', JSON.parse(JSON.stringify(asJson)));
    again.addReport('web3.json', report('web3', ['/b']));
    const { observations, seenIn } = again.result();
    expect(observations.map((o) => [o.id, o.input, o.host])).toEqual([
      [1, 'fleet.json: web1.json', 'web1'],
      [2, 'fleet.json: web2.json', 'web2'],
      [3, 'web3.json', 'web3'],
    ]);
    expect(seenIn.get('/a')).toEqual([1, 2]);
    expect(seenIn.get('/b')).toEqual([2, 3]);
  });

  test('what is not a report of ours is a clear error; unusable entries are skipped', () => {
    const merger = new ObservationMerger();
    expect(() => merger.addReport('x.json', { foo: 1 })).toThrow(ReportError);
    expect(() => merger.addReport('x.json', { schemaVersion: 2, accesses: [] })).toThrow('schemaVersion 2 is not supported');
    merger.addReport('y.json', { accesses: [null, { path: 'relative', ops: ['read'] }, { path: '/ok', ops: ['read', 'nonsense'], ok: true }] });
    expect(merger.result().accesses.map((a) => [a.path, [...a.ops]])).toEqual([['/ok', ['read']]]);
  });

  test('a report is told from strace text and from a journal JSON export', () => {
    expect(looksLikeReport('{\n  "schemaVersion": 1,')).toBe(true);
    expect(looksLikeReport('{"schemaVersion":1,"accesses":[]}')).toBe(true);
    expect(looksLikeReport('{"__CURSOR":"s=1","MESSAGE":"openat(AT_FDCWD, \\"/etc\\")"}\n{"__CURSOR":"s=2"}')).toBe(false);
    expect(looksLikeReport('1234  openat(AT_FDCWD, "/etc/x", O_RDONLY) = 3\n')).toBe(false);
  });

  test('the drop-in says where a grant is needed on only some hosts', () => {
    const merger = new ObservationMerger();
    merger.addReport('web1.json', report('web1', ['/etc/app/a.conf', '/usr/lib/libfoo.so']));
    merger.addReport('web2.json', report('web2', ['/etc/app/b.conf']));
    merger.addReport('web3.json', report('web3', ['/etc/app/a.conf']));
    const { observations, accesses, seenIn } = merger.result();
    const profile: Profile = {
      entries: [
        { directive: 'TemporaryFileSystem', value: '/:ro', reason: 'root' },
        { directive: 'BindReadOnlyPaths', value: '/etc/app', reason: 'read' },
        { directive: 'BindReadOnlyPaths', value: '/usr/lib/libfoo.so', reason: 'read' },
      ],
      needsConsent: [],
      omitted: [],
    };
    const annotated = annotateProvenance(profile, accesses, seenIn, observations);
    expect(annotated.entries.map((e) => e.reason)).toEqual(['root', 'read', 'read; needed on 1 of 3 hosts (web1)']);
    expect(formatMergedTable(accesses, seenIn, observations)).toContain('2/3 #1,#3  /etc/app/a.conf');
  });
});
