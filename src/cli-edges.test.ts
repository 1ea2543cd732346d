/**
 * Every command at its edges, as a new user meets them: options next to arguments, usage errors,
 * missing arguments, odd input. In process, through runProgram, with a captured IO.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from './program.js';
import { fakeIO } from './testing/fake-io.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NGINX_TRACE = path.join(repo, 'fixtures', 'traces', 'nginx', 'strace.log');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bindscout-edges-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('usage errors', () => {
  test('a usage error prints nothing on stdout: no drop-in before exit 2', async () => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', '--format', 'xml', NGINX_TRACE], io)).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('format');
  });

  test.each([[['profile']], [['profile', '--exex', '/bin/true']], [['profile', '--trace', '5', 'nginx']], [['lint']]])(
    'missing or wrong arguments are a usage error, not a crash: %j',
    async (argv) => {
      const { io, stdout, stderr } = fakeIO();
      expect(await runProgram(argv, io)).toBe(2);
      expect(stdout()).toBe('');
      expect(stderr()).toMatch(/^error: /);
      expect(stderr()).not.toMatch(/\n\s+at /);
    },
  );
});
