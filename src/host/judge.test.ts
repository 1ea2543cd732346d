/**
 * Whose files judge a trace's failed paths: this machine's (said in the header), another machine's
 * tree (--root DIR), or the trace alone (--no-host).
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { runProgram } from '../program.js';
import { fakeIO } from '../testing/fake-io.js';
import { createTreeFsView } from './fs.js';

let dir: string;
let other: string;
let trace: string;
beforeAll(() => {
  // Not under /tmp or /var/tmp (PrivateTmp= covers whatever exists there), wherever the checkout is.
  mkdirSync('/srv', { recursive: true });
  dir = mkdtempSync('/srv/bindscout-judge-');
  // On this machine the file the trace failed to open exists; on the other machine's tree it does not.
  mkdirSync(path.join(dir, 'here'));
  writeFileSync(path.join(dir, 'here', 'app.conf'), 'x');
  other = path.join(dir, 'other');
  mkdirSync(path.join(other, 'srv', 'app'), { recursive: true });
  writeFileSync(path.join(other, 'srv', 'app', 'extra.conf'), 'x');
  // An absolute symlink on the other machine: followed inside its tree, never on this host.
  mkdirSync(path.join(other, 'etc'));
  symlinkSync('/srv/app', path.join(other, 'etc', 'app'));
  trace = path.join(dir, 'trace.log');
  writeFileSync(
    trace,
    [
      '1 execve("/usr/bin/true", ["true"], 0x7ffd0 /* 3 vars */) = 0',
      `1 openat(AT_FDCWD, "${dir}/here/app.conf", O_RDONLY) = -1 ENOENT (No such file or directory)`,
      '1 openat(AT_FDCWD, "/etc/app/extra.conf", O_RDONLY) = -1 ENOENT (No such file or directory)',
      '',
    ].join('\n'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function analyze(...extra: string[]) {
  const { io, stdout, stderr } = fakeIO();
  const code = await runProgram(['analyze', '--no-baseline', ...extra, trace], io);
  return { code, out: stdout(), err: stderr() };
}

describe('analyze judges failed paths by', () => {
  test("this machine's files by default, and says so with the machine's name", async () => {
    const { code, out } = await analyze();
    expect(code).toBe(0);
    expect(out).toContain(`BindReadOnlyPaths=${dir}/here/app.conf`);
    expect(out).toContain(`judged by the files of this machine (${hostname()})`);
    expect(out).toContain('--root DIR or --no-host');
  });

  test('another tree with --root, following its absolute symlinks inside it', async () => {
    const { code, out } = await analyze('--root', other);
    expect(code).toBe(0);
    expect(out).not.toContain('here/app.conf');
    expect(out).toContain('BindReadOnlyPaths=/etc/app/extra.conf');
    expect(out).toContain(`judged by the files under ${other}`);
  });

  test('the trace alone with --no-host: what only failed is left out', async () => {
    const { code, out } = await analyze('--no-host', '--json');
    expect(code).toBe(0);
    const report = JSON.parse(out);
    expect(report.judgedBy).toEqual({ kind: 'trace' });
    expect(report.dropin).not.toContain('app.conf');
    expect(report.dropin).toContain('(--no-host)');
  });

  test('--root that is not a directory, and --root with --no-host, are usage errors', async () => {
    expect((await analyze('--root', path.join(dir, 'nowhere'))).code).toBe(2);
    expect((await analyze('--root', other, '--no-host')).code).toBe(2);
  });
});

test('a root view resolves symlinks along the way inside the root', () => {
  const view = createTreeFsView(other);
  expect(view.lstat('/etc/app')).toBe('symlink');
  expect(view.lstat('/etc/app/extra.conf')).toBe('file');
  expect(view.readlink('/etc/app')).toBe('/srv/app');
  expect(view.lstat('/etc/app/missing')).toBeUndefined();
});
