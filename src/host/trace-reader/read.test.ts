/**
 * collectAccesses on small real traces (fixtures/strace/, made with strace 6.1 on Debian 12): how a
 * path is resolved, and how a log cut short or with CRLF line ends is read.
 */
import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { REASONS } from '../../trace/accesses.js';
import { resolveTraceSources } from '../inputs.js';
import { collectAccesses } from './read.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../fixtures/strace');

async function collect(name: string) {
  const result = await collectAccesses(await resolveTraceSources(path.join(fixtures, name)));
  return { ...result, paths: new Map(result.accesses.map((a) => [a.path, a])) };
}

describe('the working directory', () => {
  // `mkdir -p /var/tmp/bsx/lib/X/cache` with /var/tmp/bsx there: chdir into each existing parent, then
  // for each new one mkdir, open it O_DIRECTORY and fchdir into it.
  test('without fchdir in the trace, a relative path after a directory was opened is unresolved, not put under the old cwd', async () => {
    const { paths, unresolved } = await collect('mkdir-p-no-fchdir.log');
    expect(paths.get('/var/tmp/bsx/lib')?.ops.has('create')).toBe(true);
    expect(paths.has('/var/tmp/bsx/X')).toBe(false);
    expect(paths.has('/var/tmp/bsx/lib/cache')).toBe(false);
    expect(unresolved.map((u) => [u.syscall, u.raw, u.reason])).toEqual([
      ['mkdir', 'X', REASONS.cwdUntraced],
      ['mkdir', 'cache', REASONS.cwdUntraced],
    ]);
  });

  test('with fchdir traced (the README command), every directory mkdir -p makes is where it was made', async () => {
    const { paths, unresolved } = await collect('mkdir-p-fchdir.log');
    for (const dir of ['/var/tmp/bsx/lib', '/var/tmp/bsx/lib/X', '/var/tmp/bsx/lib/X/cache']) expect(paths.get(dir)?.ops.has('create')).toBe(true);
    expect(paths.has('/var/tmp/bsx/X')).toBe(false);
    expect(unresolved).toEqual([]);
  });

  test('a relative access() is resolved from the AT_FDCWD</etc> decorations before it', async () => {
    // `cd /etc && strace -f -y -e trace=%file python3 -S -c "import os; os.access('passwd', os.R_OK)"`
    const { paths, unresolved } = await collect('relative-in-etc.log');
    expect(paths.get('/etc/passwd')?.ok).toBe(true);
    expect(unresolved).toEqual([]);
  });
});

describe('how the log ends', () => {
  test('cut inside the last line: a warning says so', async () => {
    const { warnings, stats } = await collect('cut-mid-path.log');
    expect(stats.unparsed).toBe(1);
    expect(warnings.map((w) => w.reason)).toEqual([expect.stringContaining('cut')]);
  });

  test('cut inside the last result decoration: the access is kept', async () => {
    const { paths } = await collect('cut-mid-decoration.log');
    expect(paths.get('/etc/hostname')?.ops.has('read')).toBe(true);
  });

  test('CRLF line ends: no warning, the same accesses as with LF', async () => {
    const crlf = await collect('crlf.log');
    const lf = await collect('cat.log');
    expect(crlf.warnings).toEqual([]);
    expect(crlf.stats).toEqual(lf.stats);
    const strip = (a: { source: string }) => ({ ...a, source: '' });
    expect(crlf.accesses.map(strip)).toEqual(lf.accesses.map(strip));
  });
});
