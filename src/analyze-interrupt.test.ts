/**
 * Ctrl-C during a long analyze, on the built CLI in a real process: a trace of many distinct paths is
 * analyzed once to the end, then again and interrupted at a quarter of that time (reading the trace)
 * and at two thirds (folding it). Each interrupted run must end with exit 130 and print nothing of the
 * drop-in, well before the whole analysis would have ended. Before the fold ran in steps, a signal
 * during it waited for the fold to finish, then the whole drop-in was printed and analyze exited 0.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** Enough distinct paths for several seconds of work on a loaded two-core machine. */
const PATHS = 300_000;
let scratch: string;
let bundle: string;
let trace: string;

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
  scratch = mkdtempSync(path.join(tmpdir(), 'bindscout-interrupt-'));
  // A copy of its own, as src/bundle.test.ts does: other tests rebuild dist/ meanwhile.
  bundle = path.join(scratch, 'bindscout.mjs');
  copyFileSync(path.join(repo, 'dist', 'bindscout.mjs'), bundle);
  trace = path.join(scratch, 'many-paths.strace');
  const out = createWriteStream(trace);
  for (let i = 0; i < PATHS; i++) {
    const line = `4242  newfstatat(AT_FDCWD, "/srv/d${i % 100}/e${Math.floor(i / 100) % 100}/f${i}", {st_mode=S_IFREG|0644, st_size=0, ...}, 0) = 0\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve) => out.end(() => resolve()));
}, 120000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** From the start of the process to its exit. */
  ms: number;
}

/** analyze --no-host of the trace (judged by the trace alone: the same work on any machine), SIGINT after `afterMs`. */
function analyze(afterMs?: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bundle, 'analyze', '--no-host', trace], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    const interrupt = afterMs === undefined ? undefined : setTimeout(() => child.kill('SIGINT'), afterMs);
    // A regression must fail the test, not hang it.
    const stuck = setTimeout(() => child.kill('SIGKILL'), 240000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(interrupt);
      clearTimeout(stuck);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

test('SIGINT while reading and while folding a long trace: exit 130 long before the end, nothing printed', async () => {
  const whole = await analyze();
  expect(whole.code).toBe(0);
  expect(whole.stdout).toContain('TemporaryFileSystem=/:ro');

  for (const share of [0.25, 0.65]) {
    const interrupted = await analyze(whole.ms * share);
    const context = `SIGINT at ${(share * 100).toFixed(0)} % of an uninterrupted run of ${whole.ms} ms, exit after ${interrupted.ms} ms`;
    expect({ context, code: interrupted.code, stdout: interrupted.stdout }).toEqual({ context, code: 130, stdout: '' });
    expect(interrupted.stderr).toContain('interrupted: no profile was printed');
    // Not a latency measurement (the machine may be busy): only that it did not run to the end first.
    expect(interrupted.ms).toBeLessThan(whole.ms * (share + (1 - share) / 2));
  }
}, 480000);
