import { describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { probesInTurn } from './discover.js';

describe('several --probe options', () => {
  test('one probe is passed on as it is', () => {
    expect(probesInTurn(['curl -fsS http://127.0.0.1/'])).toBe('curl -fsS http://127.0.0.1/');
  });

  test('run in turn by /bin/sh: all must pass, the first failure ends it with its own exit code and output', () => {
    const ok = probesInTurn(['echo one', 'echo "two; three" # a comment']);
    expect(execFileSync('/bin/sh', ['-c', ok]).toString()).toBe('one\ntwo; three\n');
    const failing = probesInTurn(['echo first', 'echo second >&2; exit 7', 'echo never']);
    const run = spawnSync('/bin/sh', ['-c', failing]);
    expect(run.status).toBe(7);
    expect(run.stdout.toString()).toBe('first\n');
    expect(run.stderr.toString()).toBe('second\n');
  });
});
