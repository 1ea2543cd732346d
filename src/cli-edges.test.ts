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
import { seededRandom } from './testing/seeded-random.js';

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

describe('options that take one value each', () => {
  test('--exclude takes one glob and leaves the input file an input', async () => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', '--json', '--exclude', '/run/**', NGINX_TRACE], io)).toBe(0);
    expect(stderr()).not.toContain('no input');
    const report = JSON.parse(stdout());
    expect(report.omitted).toContainEqual({ path: '/run/nginx.pid', reason: 'excluded by --exclude /run/**' });
  });

  test('--exclude and --include repeat, each time with its own value', async () => {
    const { io, stdout } = fakeIO();
    const argv = ['analyze', '--json', '--exclude', '/run/**', '--exclude', '/var/log/**', '--include', '/etc/shadow', NGINX_TRACE];
    expect(await runProgram(argv, io)).toBe(0);
    const reasons = JSON.parse(stdout()).omitted.map((n: { reason: string }) => n.reason);
    expect(reasons).toContain('excluded by --exclude /run/**');
    expect(reasons).toContain('excluded by --exclude /var/log/**');
  });

  test('profile --exclude GLOB UNITFILE reads the unit file', async () => {
    const unit = path.join(dir, 'demo.service');
    writeFileSync(unit, '[Service]\nExecStart=/bin/true\n');
    const { io, stdout } = fakeIO();
    expect(await runProgram(['profile', '--exclude', '/etc/passwd', unit], io)).toBe(0);
    expect(stdout()).toContain('TemporaryFileSystem=/:ro');
  });

  test('--exclude with nothing after it is a usage error', async () => {
    const { io, stderr } = fakeIO();
    expect(await runProgram(['analyze', NGINX_TRACE, '--exclude'], io)).toBe(2);
    expect(stderr()).toContain('exclude');
  });
});

describe('input that cannot be read', () => {
  test('a file that stat() accepts but read() refuses is bad input (exit 3) naming the file, not a bug', async () => {
    const { io, stdout, stderr } = fakeIO();
    // Reading /proc/self/mem at offset 0 fails with EIO (the page is not mapped).
    expect(await runProgram(['analyze', '/proc/self/mem'], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('cannot read /proc/self/mem');
  });
});

describe('what a trace cannot show', () => {
  const OPENAT_ONLY = '1 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3\n';

  test('a trace with no execve says the program is not in the profile, and how to trace it', async () => {
    const { io, stderr } = fakeIO({ stdinText: OPENAT_ONLY });
    expect(await runProgram(['analyze', '-'], io)).toBe(0);
    expect(stderr()).toContain('warning: no execve in the trace');
    expect(stderr()).toContain('-e trace=%file');
  });

  test('--json lists the gap; a trace with its execve has none', async () => {
    const without = fakeIO({ stdinText: OPENAT_ONLY });
    expect(await runProgram(['analyze', '--json', '-'], without.io)).toBe(0);
    expect(JSON.parse(without.stdout()).gaps.map((g: { kind: string }) => g.kind)).toEqual(['no-execve']);
    const withExec = fakeIO();
    expect(await runProgram(['analyze', '--json', NGINX_TRACE], withExec.io)).toBe(0);
    expect(JSON.parse(withExec.stdout()).gaps).toEqual([]);
    expect(withExec.stderr()).not.toContain('execve');
  });
});

describe('paths that could not be resolved', () => {
  const UNRESOLVED = [
    '1 execve("/bin/true", ["true"], 0x7ffd0 /* 1 var */) = 0',
    '1 openat(AT_FDCWD, "data/a.db", O_RDONLY) = 3',
    '1 openat(AT_FDCWD, "data/b.db", O_RDONLY) = 3',
    '1 openat(5, "conf.d", O_RDONLY|O_DIRECTORY) = 4',
    '',
  ].join('\n');

  test('are counted on stderr, per reason, with the strace flag that would have resolved them', async () => {
    const { io, stdout, stderr } = fakeIO({ stdinText: UNRESOLVED });
    expect(await runProgram(['analyze', '-'], io)).toBe(0);
    expect(stdout()).not.toContain('data/a.db');
    expect(stderr()).toContain('warning: 3 path arguments could not be resolved');
    expect(stderr()).toMatch(/2 × working directory unknown.*strace -f -y/);
    expect(stderr()).toMatch(/1 × directory fd unknown.*strace -y would have resolved it/);
  });

  test('--quiet keeps stderr quiet; --json carries the counts', async () => {
    const quiet = fakeIO({ stdinText: UNRESOLVED });
    expect(await runProgram(['analyze', '--quiet', '-'], quiet.io)).toBe(0);
    expect(quiet.stderr()).toBe('');
    const json = fakeIO({ stdinText: UNRESOLVED });
    expect(await runProgram(['analyze', '--json', '-'], json.io)).toBe(0);
    const gap = JSON.parse(json.stdout()).gaps.find((g: { kind: string }) => g.kind === 'unresolved');
    expect(gap.counts).toEqual([
      expect.objectContaining({ paths: 2, calls: 2, flag: expect.stringContaining('-y') }),
      expect.objectContaining({ paths: 1, calls: 1, flag: '-y' }),
    ]);
  });
});

describe('input that is not a trace', () => {
  test('random bytes are refused (exit 3) by the share of lines that parse, not profiled', async () => {
    const random = seededRandom(11);
    const bytes = Buffer.alloc(1 << 20);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(random() * 256);
    // A few lines that happen to parse, as 50 MB of random bytes hold: still not a trace.
    const lucky = '1 openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3\n'.repeat(20);
    const file = path.join(dir, 'random.bin');
    writeFileSync(file, Buffer.concat([bytes, Buffer.from(lucky)]));
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', file], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toMatch(/does not look like strace output: only \d+ of \d+ lines/);
  });

  test('a program file is refused the same way', async () => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', '/usr/bin/ls'], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('no strace output');
  });

  test('a log with a program\'s own output spliced in is still a trace', async () => {
    const lines = [];
    for (let i = 0; i < 20; i++) lines.push(`1 openat(AT_FDCWD, "/etc/app/${i}.conf", O_RDONLY) = 3`, `app: loaded part ${i} of the configuration`, `app: ok`);
    const { io, stdout } = fakeIO({ stdinText: lines.join('\n') + '\n' });
    expect(await runProgram(['analyze', '--quiet', '-'], io)).toBe(0);
    expect(stdout()).toContain('/etc/app');
  });

  test('a strace -c summary gets its own message', async () => {
    const summary = [
      '% time     seconds  usecs/call     calls    errors syscall',
      '------ ----------- ----------- --------- --------- ----------------',
      ' 40.87    0.000387         387         1           execve',
      ' 15.63    0.000148           4        34        13 openat',
      '------ ----------- ----------- --------- --------- ----------------',
      '100.00    0.000947           6       150        15 total',
      '',
    ].join('\n');
    const { io, stdout, stderr } = fakeIO({ stdinText: summary });
    expect(await runProgram(['analyze', '-'], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('-c summary');
    expect(stderr()).toContain('run strace without -c');
  });

  test('a log of only process exits says it holds no system calls', async () => {
    const { io, stderr } = fakeIO({ stdinText: '12 +++ exited with 0 +++\n13 +++ killed by SIGTERM +++\n' });
    expect(await runProgram(['analyze', '-'], io)).toBe(3);
    expect(stderr()).toContain('no system calls, only process exits');
  });
});

describe('lint and profile refuse what is not a unit file or a program', () => {
  test.each([['lint'], ['profile']])('%s of an nginx.conf is bad input citing the line', async (command) => {
    const conf = path.join(dir, 'nginx.conf');
    writeFileSync(conf, '# main configuration\nuser www-data;\nworker_processes auto;\n\nevents {\n\tworker_connections 768;\n}\n');
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram([command, conf], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toContain(`${conf} is not a unit file: line 2`);
  });

  test.each([['lint'], ['profile']])('%s of a program is bad input, and says how to profile a program', async (command) => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram([command, '/usr/bin/ls'], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('is not a unit file');
    expect(stderr()).toContain('profile --exec');
  });

  test('a setting before any [Section] is refused; a drop-in with comments and continuations is not', async () => {
    const loose = path.join(dir, 'loose.conf');
    writeFileSync(loose, 'ExecStart=/bin/true\n');
    const refused = fakeIO();
    expect(await runProgram(['lint', loose], refused.io)).toBe(3);
    expect(refused.stderr()).toContain('outside of any [Section]');
    const dropin = path.join(dir, 'ok.conf');
    writeFileSync(dropin, '# a drop-in\n; also a comment\n[Service]\nEnvironment=A=1 \\\n  B=2\nX-Custom-Note=kept\n');
    const accepted = fakeIO();
    expect(await runProgram(['lint', dropin], accepted.io)).toBe(0);
  });

  test('profile --exec of a program that does not exist is bad input', async () => {
    for (const exec of ['/usr/bin/doesnotexist --flag', '/usr/bin']) {
      const { io, stdout, stderr } = fakeIO();
      expect(await runProgram(['profile', '--exec', exec], io)).toBe(3);
      expect(stdout()).toBe('');
      expect(stderr()).toContain('no such program on this machine');
    }
  });
});

describe('a signal during analyze', () => {
  test('stops reading a stalled pipe at once: exit 130, no profile from the partial input', async () => {
    const { PassThrough } = await import('node:stream');
    const stalled = new PassThrough();
    stalled.write('1 execve("/bin/true", ["true"], 0x7ffd0 /* 1 var */) = 0\n1 openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3\n');
    const interruption = new AbortController();
    const { io, stdout, stderr } = fakeIO({ stdin: stalled, signal: interruption.signal });
    const running = runProgram(['analyze', '-'], io);
    setTimeout(() => interruption.abort('SIGTERM'), 300);
    expect(await running).toBe(130);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('interrupted');
    stalled.destroy();
  });
});

describe('did you mean', () => {
  test.each([
    [['anlyze', NGINX_TRACE], 'unknown command: anlyze', 'did you mean: bindscout analyze?'],
    [['anlyze'], 'unknown command: anlyze', 'did you mean: bindscout analyze?'],
    [['dicsover', 'nginx'], 'unknown command: dicsover', 'did you mean: bindscout discover?'],
    [['analyze', '--formt', 'table', NGINX_TRACE], 'Unknown argument: formt', 'did you mean --format?'],
    [['profile', '--exex', '/bin/true'], 'Unknown argument: exex', 'did you mean --exec?'],
  ])('%j', async (argv, error, hint) => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(argv, io)).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr()).toContain(`error: ${error}\n${hint}\n`);
  });

  test('no guess for a word that is no near miss', async () => {
    const { io, stderr } = fakeIO();
    expect(await runProgram(['xyzzy'], io)).toBe(2);
    expect(stderr()).toContain('unknown command: xyzzy');
    expect(stderr()).not.toContain('did you mean');
  });
});
