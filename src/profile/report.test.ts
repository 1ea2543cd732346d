import { describe, expect, test } from '@jest/globals';
import { formatAccessTable } from './report.js';
import type { Access, Operation } from '../core/model.js';

/** More rows than a call's arguments may hold: anything spread into a call overflows the stack. */
const MANY = 200_000;

function access(path: string, ops: Operation[], line: number): Access {
  return {
    path,
    ops: new Set(ops),
    ok: true,
    errors: new Set(),
    count: 1,
    firstPid: 1,
    writerPid: undefined,
    firstLine: line,
    source: 't.log',
    executed: undefined,
    resolvedTo: undefined,
    resolvedFrom: undefined,
  };
}

const many = (): Access[] => Array.from({ length: MANY }, (_, i) => access(`/srv/d${i % 100}/f${i}`, ['stat'], i + 1));

describe('many distinct paths', () => {
  test('the table has one row per path', () => {
    const table = formatAccessTable(many());
    expect(table.split('\n').length).toBe(MANY + 2);
  });
});
