/**
 * The shipped artefact: `npm run build` makes one file that runs with no node_modules beside it, and
 * `npm start` (the README's first command) prints a drop-in for the shipped nginx trace.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

// Needs root to become another user; setpriv is util-linux's, on every Debian.
const asNobody = process.getuid?.() === 0 && existsSync('/usr/bin/setpriv') ? test : test.skip;
asNobody.each([
  ['small', 1],
  ['large', 17 << 20],
])('a %s file the user may not read is permission denied (exit 5), not a bug', (size, bytes) => {
  chmodSync(scratch, 0o755);
  const secret = path.join(scratch, `root-only-${size}.strace`);
  const line = 'openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3\n';
  writeFileSync(secret, line.repeat(Math.ceil(bytes / line.length)), { mode: 0o600 });
  const result = spawnSync('/usr/bin/setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, lonely, 'analyze', secret], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    cwd: '/',
  });
  expect(result.stderr).toContain(`cannot read ${secret}: permission denied`);
  expect(result.status).toBe(5);
  expect(result.stdout).toBe('');
});

// A signal sent while node is still starting kills the process with the default action, which says
// nothing about bindscout: on a busy machine start-up alone can take over a second. Once the process
// holds the FIFO open it is waiting on it, past start-up, with its handlers installed.
async function openedBy(pid: number, file: string): Promise<void> {
  const deadline = Date.now() + 15000;
  while (Date.now() < deadline) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      // not started yet, or gone: the exit status will tell
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === file) return;
      } catch {
        // closed between the listing and the look
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pid ${pid} never opened ${file}`);
}

test.each(['SIGTERM', 'SIGINT'] as const)('%s stops analyze waiting on a FIFO with no writer at once: exit 130, no profile', async (signal) => {
  // Killed at the latest 5 s after the signal, so a regression fails instead of hanging the run.
  const fifo = path.join(scratch, `trace-${signal}.fifo`);
  execFileSync('mkfifo', [fifo]);
  const child = spawn(lonely, ['analyze', fifo], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  await openedBy(child.pid!, fifo);
  const signalled = Date.now();
  child.kill(signal);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const stuck = setTimeout(() => child.kill('SIGKILL'), 5000);
  const status = await exited;
  clearTimeout(stuck);
  expect(Date.now() - signalled).toBeLessThan(5000);
  expect(status).toBe(130);
  expect(stdout).toBe('');
  expect(stderr).toContain('interrupted');
}, 20000);

test('a FIFO is read to its end once a writer comes', async () => {
  const fifo = path.join(scratch, 'late-writer.fifo');
  execFileSync('mkfifo', [fifo]);
  const child = spawn(lonely, ['analyze', fifo], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const { writeFile } = await import('node:fs/promises');
  await writeFile(fifo, '1 execve("/usr/sbin/demo", ["demo"], 0x7ffd0 /* 3 vars */) = 0\n1 openat(AT_FDCWD, "/etc/demo.conf", O_RDONLY) = 3\n');
  const stuck = setTimeout(() => child.kill('SIGKILL'), 10000);
  expect(await exited).toBe(0);
  clearTimeout(stuck);
  expect(stdout).toContain('BindReadOnlyPaths=-/etc/demo.conf');
}, 20000);

// script(1) from util-linux runs the command on a pseudo-terminal, as an admin typing it would.
const onTerminal = existsSync('/usr/bin/script') ? test : test.skip;
onTerminal('colour follows the stream: lint X > file on a terminal writes no escape codes into the file; NO_COLOR= keeps colour', () => {
  const unit = path.join(scratch, 'colour.service');
  writeFileSync(unit, '[Service]\nExecStart=/bin/true\nProtectSystem=strict\nTemporaryFileSystem=/:ro\n');
  const file = path.join(scratch, 'lint.out');
  const env: NodeJS.ProcessEnv = { ...process.env, TERM: 'xterm' };
  delete env.NO_COLOR;
  const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
  const redirected = spawnSync('/usr/bin/script', ['-qec', `${quote(lonely)} lint ${quote(unit)} > ${quote(file)}`, '/dev/null'], { encoding: 'utf8', env });
  expect(redirected.status).toBe(1);
  const written = readFileSync(file, 'utf8');
  expect(written).toContain('protect-system-reexposes-root');
  expect(written).not.toContain('\x1b[');
  const onScreen = spawnSync('/usr/bin/script', ['-qec', `NO_COLOR= ${quote(lonely)} lint ${quote(unit)}`, '/dev/null'], { encoding: 'utf8', env });
  expect(onScreen.stdout).toContain('\x1b[31merror');
  const noColor = spawnSync('/usr/bin/script', ['-qec', `NO_COLOR=1 ${quote(lonely)} lint ${quote(unit)}`, '/dev/null'], { encoding: 'utf8', env });
  expect(noColor.stdout).toContain('protect-system-reexposes-root');
  expect(noColor.stdout).not.toContain('\x1b[');
});

test('the script from `bindscout completion` completes in bash: commands, options, choices', () => {
  const bin = path.join(scratch, 'bin');
  mkdirSync(bin, { recursive: true });
  symlinkSync(lonely, path.join(bin, 'bindscout'));
  const ask = (words: string[]) =>
    [`COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`, `COMP_CWORD=${words.length - 1}`, '_bindscout_yargs_completions', 'printf "%s\\n" "${COMPREPLY[@]}"', 'echo ---'].join('; ');
  const script = ['source <(bindscout completion bash)', ask(['bindscout', 'an']), ask(['bindscout', 'analyze', '--for']), ask(['bindscout', 'analyze', '--format', 'js'])].join('\n');
  const result = spawnSync('bash', ['-c', script], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  expect(result.stderr).toBe('');
  expect(result.stdout.split('---\n').map((block) => block.trim())).toEqual(['analyze', '--format', 'json', '']);
});
