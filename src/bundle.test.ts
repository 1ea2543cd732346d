/**
 * The shipped artefact: `npm run build` makes one file that runs with no node_modules beside it, and
 * `npm start` (the README's first command) prints a drop-in for the shipped nginx trace.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let lonely: string;
let scratch: string;

beforeAll(() => {
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
  scratch = mkdtempSync(path.join(tmpdir(), 'bindscout-bundle-'));
  lonely = path.join(scratch, 'bindscout.mjs');
  copyFileSync(path.join(repo, 'dist', 'bindscout.mjs'), lonely);
}, 60000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  return spawnSync(lonely, args, { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, cwd: path.dirname(lonely) });
}

test('the bundle runs on its own and knows its version', () => {
  const result = run(['--version']);
  expect(result.status).toBe(0);
  expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
});

test('the bundle analyzes the shipped nginx trace into a drop-in', () => {
  const result = run(['analyze', path.join(repo, 'fixtures', 'traces', 'nginx', 'strace.log')]);
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('TemporaryFileSystem=/:ro');
  expect(result.stdout).toContain('BindReadOnlyPaths=/etc/nginx');
});

test('usage errors exit 2 and bad input exits 3, with the message on stderr', () => {
  const usage = run(['analyze', '--format', 'yaml', '-'], '');
  expect(usage.status).toBe(2);
  expect(usage.stderr).toContain('format');
  const bad = run(['analyze', '-'], 'not a trace\n');
  expect(bad.status).toBe(3);
  expect(bad.stdout).toBe('');
});

test('a closed pipe on stdout ends quietly', () => {
  const result = spawnSync('/bin/sh', ['-c', '"$0" analyze --format table "$1" | head -n 1', lonely, path.join(repo, 'fixtures', 'traces', 'postgresql', 'strace.log')], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  expect(result.status).toBe(0);
  expect(result.stdout.trim().split('\n')).toHaveLength(1);
  expect(result.stderr).toBe('');
});

test('the bundle reads a large trace with its worker threads, to the same report as from stdin', () => {
  // Over the size where analyze reads a file in parallel; stdin is always read line by line.
  const trace = readFileSync(path.join(repo, 'fixtures', 'traces', 'postgresql', 'strace.log'), 'latin1');
  const big = path.join(scratch, 'big.strace');
  writeFileSync(big, trace.repeat(Math.ceil((17 << 20) / trace.length)), 'latin1');
  const fromFile = spawnSync(lonely, ['analyze', '--json', '--quiet', big], { encoding: 'latin1', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  const fromStdin = spawnSync('/bin/sh', ['-c', 'exec "$0" analyze --json --quiet - < "$1"', lonely, big], { encoding: 'latin1', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  expect(fromFile.stderr).toBe('');
  expect(fromFile.status).toBe(0);
  expect(fromStdin.status).toBe(0);
  expect(JSON.parse(fromFile.stdout).stats.lines).toBeGreaterThan(100000);
  // Provenance times differ by nature: a file's mtime, none for stdin, each run's own clock.
  const timeless = (json: string) => json.replace(/"observedAt": ?(?:"[^"]*"|null)/g, '"observedAt": TIME');
  expect(timeless(fromFile.stdout.split(JSON.stringify(big)).join('"-"').split(big).join('-'))).toBe(timeless(fromStdin.stdout));
}, 120000);
