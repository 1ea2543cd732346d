import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { runProgram, skipHelpCacheOnRun } from './program.js';
import { fakeIO } from './testing/fake-io.js';

const TRACE = [
  '4711  execve("/usr/sbin/demo", ["demo"], 0x7ffd0 /* 3 vars */) = 0',
  '4711  openat(AT_FDCWD</>, "/etc/demo/demo.conf", O_RDONLY|O_CLOEXEC) = 3</etc/demo/demo.conf>',
  'this line is not strace output',
  '4711  openat(AT_FDCWD</>, "/var/log/demo/access.log", O_WRONLY|O_CREAT|O_APPEND, 0644) = 4</var/log/demo/access.log>',
  '4711  +++ exited with 0 +++',
  '',
].join('\n');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bindscout-program-'));
  writeFileSync(path.join(dir, 'demo.strace'), TRACE);
  writeFileSync(path.join(dir, 'garbage.txt'), 'hello\nworld\n');
  // strace -ff -o ff/app: one file per process, no pid on the lines.
  mkdirSync(path.join(dir, 'ff'));
  writeFileSync(path.join(dir, 'ff', 'app.100'), 'execve("/usr/bin/app", ["app"], 0x7ffd0 /* 3 vars */) = 0\nchdir("/srv/app") = 0\n');
  writeFileSync(path.join(dir, 'ff', 'app.101'), 'openat(AT_FDCWD</srv/app>, "data/db.sqlite", O_RDWR) = 3</srv/app/data/db.sqlite>\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('help is rendered only when asked for', () => {
  /** A yargs program with one command, counting how often its usage instance renders help. */
  function countingParser(skip: boolean) {
    const parser = yargs([]).exitProcess(false).command('go', 'do it', (y) => y.option('fast', { type: 'boolean' }), () => {});
    if (skip) skipHelpCacheOnRun(parser);
    const usage = (parser as unknown as { getInternalMethods(): { getUsageInstance(): { help(): string } } }).getInternalMethods().getUsageInstance();
    const render = usage.help;
    let renders = 0;
    usage.help = function (this: unknown) {
      renders++;
      return render.call(this);
    };
    return { parser, renders: () => renders };
  }

  test("a command's run renders no help text (yargs would, for a failure that prints none here)", async () => {
    const skipped = countingParser(true);
    await skipped.parser.parseAsync(['go', '--fast']);
    expect(skipped.renders()).toBe(0);
    // The same program without the skip renders it: the count above can see a rendering.
    const plain = countingParser(false);
    await plain.parser.parseAsync(['go', '--fast']);
    expect(plain.renders()).toBe(1);
  });
});

describe('bindscout (in process)', () => {
  test('--help names the commands, shows examples and the exit codes', async () => {
    const { io, stdout } = fakeIO();
    expect(await runProgram(['analyze', '--help'], io)).toBe(0);
    expect(stdout()).toContain('Examples:');
    expect(stdout()).toContain('--no-baseline');
    expect(stdout()).toMatch(/3 +bad input/);
  });

  test('--version prints the package version', async () => {
    const { io, stdout } = fakeIO();
    expect(await runProgram(['--version'], io)).toBe(0);
    expect(stdout().trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('an unknown command is a usage error (exit 2) on stderr', async () => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyse-this'], io)).toBe(2);
    expect(stdout()).toBe('');
    expect(stderr()).toMatch(/error:/);
  });

  test('a bad --format value is a usage error', async () => {
    const { io } = fakeIO();
    expect(await runProgram(['analyze', '--format', 'xml', path.join(dir, 'demo.strace')], io)).toBe(2);
  });

  test('a missing file is bad input (exit 3) and says which file', async () => {
    const { io, stderr } = fakeIO();
    expect(await runProgram(['analyze', path.join(dir, 'nope.strace')], io)).toBe(3);
    expect(stderr()).toContain('nope.strace');
  });

  test('a file with no strace output in it is bad input, not an empty profile', async () => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', path.join(dir, 'garbage.txt')], io)).toBe(3);
    expect(stdout()).toBe('');
    expect(stderr()).toContain('no strace output');
  });

  test('analyze prints a drop-in on stdout and line-numbered warnings on stderr', async () => {
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', path.join(dir, 'demo.strace')], io)).toBe(0);
    expect(stdout()).toContain('TemporaryFileSystem=/:ro');
    expect(stdout()).toContain('/etc/demo/demo.conf');
    expect(stderr()).toContain('demo.strace:3');
  });

  test('analyze --json reports stats, accesses, profile and warnings', async () => {
    const { io, stdout } = fakeIO();
    expect(await runProgram(['analyze', '--json', '--no-baseline', path.join(dir, 'demo.strace')], io)).toBe(0);
    const report = JSON.parse(stdout());
    expect(report.stats).toMatchObject({ syscalls: 3, unparsed: 1 });
    const conf = report.accesses.find((a: { path: string }) => a.path === '/etc/demo/demo.conf');
    expect(conf).toMatchObject({ ops: ['read'], ok: true, errors: [], count: 1 });
    expect(report.warnings[0]).toMatchObject({ line: 3 });
    expect(report.profile.TemporaryFileSystem).toEqual(['/:ro']);
    expect(report.profile.LogsDirectory).toEqual(['demo']);
  });

  test('analyze reads stdin when given -', async () => {
    const { io, stdout } = fakeIO({ stdinText: TRACE });
    expect(await runProgram(['analyze', '--format', 'table', '-'], io)).toBe(0);
    expect(stdout()).toMatch(/read +ok +1 +\/etc\/demo\/demo\.conf/);
  });

  test('analyze with no input and a terminal on stdin is a usage error', async () => {
    const { io, stderr } = fakeIO();
    expect(await runProgram(['analyze'], io)).toBe(2);
    expect(stderr()).toContain('no input');
  });

  test('a path of 20 MB in a successful openat is analyzed, not a stack overflow', async () => {
    const name = 'x'.repeat(20 << 20);
    const file = path.join(dir, 'long-path.strace');
    writeFileSync(file, `4711  openat(AT_FDCWD</>, "/srv/${name}", O_RDONLY) = 3</srv/${name}>\n`);
    const { io, stdout, stderr } = fakeIO();
    expect(await runProgram(['analyze', '--json', '--no-baseline', file], io)).toBe(0);
    expect(stderr()).not.toContain('internal error');
    const report = JSON.parse(stdout());
    expect(report.accesses.map((a: { path: string }) => a.path.length)).toEqual([5 + name.length]);
  });

  test('a strace -ff directory is read file by file, with the pid from each file name', async () => {
    const { io, stdout } = fakeIO();
    expect(await runProgram(['analyze', '--json', path.join(dir, 'ff')], io)).toBe(0);
    const report = JSON.parse(stdout());
    const byPath = new Map(report.accesses.map((a: { path: string }) => [a.path, a]));
    expect(byPath.get('/usr/bin/app')).toMatchObject({ firstPid: 100, ops: ['exec'] });
    expect(byPath.get('/srv/app/data/db.sqlite')).toMatchObject({ firstPid: 101, ops: ['read', 'write'] });
  });

  test('cleanup and discover refuse to run without root, with exit code 5 and how to run them', async () => {
    for (const argv of [['cleanup'], ['discover', 'nginx', '--yes']]) {
      const { io, stderr } = fakeIO();
      expect(await runProgram(argv, io)).toBe(5);
      expect(stderr()).toContain(`sudo bindscout ${argv[0]}`);
    }
  });
});
