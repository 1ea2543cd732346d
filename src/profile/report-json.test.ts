import { describe, expect, test } from '@jest/globals';
import { accessesJsonPieces } from './report-json.js';
import { accessToJson } from './report.js';
import type { Access, Operation } from '../core/model.js';

function access(path: string, ops: Operation[], errors: string[], more: Partial<Access> = {}): Access {
  return { path, ops: new Set(ops), ok: errors.length === 0, errors: new Set(errors), count: 1, firstPid: 7, firstLine: 3, source: 'a "quoted"\\log', ...more };
}

/** What the report held before it was written piece by piece: JSON.stringify of the whole object. */
function stringified(accesses: Access[], seenIn: (a: Access) => readonly number[]): string {
  return JSON.stringify({ before: 1, accesses: accesses.map((a) => ({ ...accessToJson(a), seenIn: seenIn(a) })), after: [] }, null, 2);
}

function written(accesses: Access[], seenIn: (a: Access) => readonly number[]): string {
  let text = '{\n  "before": 1,\n  "accesses": ';
  for (const piece of accessesJsonPieces(accesses, seenIn)) text += piece;
  return text + ',\n  "after": []\n}';
}

describe('accesses written piece by piece', () => {
  test('the same text as JSON.stringify of the report, for every shape of access', () => {
    const accesses = [
      access('/etc/app.conf', ['stat', 'read'], []),
      access('/nope', [], ['ENOENT', 'EACCES'], { count: 12, firstPid: undefined, firstLine: 0 }),
      // Not UTF-8: shown, and kept in base64.
      access('/srv/caf\xe9', ['write', 'create', 'delete', 'exec', 'list', 'connect'], ['EROFS']),
      access('/tmp/new\nline "and" \\ \u2028', ['read'], []),
    ];
    const seenIn = (a: Access) => (a.path === '/nope' ? [1, 3] : a.path === '/etc/app.conf' ? [] : [2]);
    expect(written(accesses, seenIn)).toBe(stringified(accesses, seenIn));
    expect(written([], seenIn)).toBe(stringified([], seenIn));
  });

  test('a large list is handed over in pieces, not as one string', () => {
    const accesses = Array.from({ length: 20_000 }, (_, i) => access(`/srv/d${i % 10}/f${i}`, ['stat'], []));
    const pieces = [...accessesJsonPieces(accesses, () => [1])];
    expect(pieces.length).toBeGreaterThan(2);
    expect('{\n  "before": 1,\n  "accesses": ' + pieces.join('') + ',\n  "after": []\n}').toBe(stringified(accesses, () => [1]));
  });
});
