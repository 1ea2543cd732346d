/**
 * Command-line answers a new user met: arguments after `--`, chatty traces, options that silently did
 * nothing, help texts, and profile's output that the tool's own lint then flagged.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from './program.js';
import { fakeIO } from './testing/fake-io.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const NGINX_TRACE = path.join(repo, 'fixtures', 'traces', 'nginx', 'strace.log');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bindscout-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(argv: string[], stdinText?: string) {
  const { io, stdout, stderr } = fakeIO(stdinText === undefined ? {} : { stdinText });
  const code = await runProgram(argv, io);
  return { code, out: stdout(), err: stderr() };
}

describe('analyze -- FILE', () => {
  test('reads FILE, not stdin', async () => {
    const { code, out } = await run(['analyze', '--', NGINX_TRACE], '');
    expect(code).toBe(0);
    expect(out).toContain(`from ${NGINX_TRACE}`);
  });

  test('a file whose name starts with "-" after --', async () => {
    const odd = path.join(dir, '-odd.log');
    writeFileSync(odd, readFileSync(NGINX_TRACE));
    const { code, out } = await run(['analyze', '--quiet', '--', odd], '');
    expect(code).toBe(0);
    expect(out).toContain('BindReadOnlyPaths=');
  });

  test('a command with no list of arguments refuses words after --', async () => {
    expect((await run(['cleanup', '--', 'x'])).code).toBe(2);
  });
});

describe('a trace among many lines of a chatty program', () => {
  test('3% strace lines: the trace is analyzed and the skipped lines are counted', async () => {
    // Real strace lines (the nginx fixture) written to the same stream as 30 lines of the program's own each.
    const straceLines = readFileSync(NGINX_TRACE, 'latin1').split('\n').filter((l) => l !== '');
    const mixed = straceLines.flatMap((line, i) => [line, ...Array.from({ length: 32 }, (_, j) => `worker ${i}: request ${j} done`)]);
    const file = path.join(dir, 'chatty.log');
    writeFileSync(file, mixed.join('\n') + '\n', 'latin1');
    const { code, out, err } = await run(['analyze', file]);
    expect(code).toBe(0);
    expect(out).toContain('BindReadOnlyPaths=');
    expect(err).toMatch(new RegExp(`only \\d+ of ${mixed.length} lines .*\\(3%\\) are strace output; the ${straceLines.length * 32} others were skipped`));
  });
});

describe('options that did nothing', () => {
  test('--json with --format table is a usage error; --json --format json is fine', async () => {
    expect((await run(['analyze', '--json', '--format', 'table', NGINX_TRACE])).code).toBe(2);
    expect((await run(['analyze', '--json', '--format', 'json', NGINX_TRACE])).code).toBe(0);
  });

  test('--format with no value is a usage error', async () => {
    const { code, out } = await run(['analyze', NGINX_TRACE, '--format']);
    expect(code).toBe(2);
    expect(out).toBe('');
  });

  test.each([['analyze'], ['profile']])('%s: a relative glob that can never match is a usage error', async (command) => {
    const { code, err } = await run([command, '--exclude', 'hostname', command === 'analyze' ? NGINX_TRACE : '--exec=/bin/true']);
    expect(code).toBe(2);
    expect(err).toContain('--exclude hostname can never match');
  });

  test('globs that can match absolute paths are taken', async () => {
    expect((await run(['analyze', '--exclude', '**/hostname', '--include', '{/etc/shadow,/etc/gshadow}', NGINX_TRACE])).code).toBe(0);
  });
});

describe('help', () => {
  test('completion --help is help, not the script', async () => {
    const { code, out } = await run(['completion', '--help']);
    expect(code).toBe(0);
    expect(out).toContain('bindscout completion');
    expect(out).not.toContain('###-begin-bindscout-completions-###');
  });

  test('the exit codes name check under code 1', async () => {
    const { out } = await run(['--help']);
    expect(out).toMatch(/ 1 {4}the answer is no \([^)]*check[^)]*\)/);
  });
});

describe('profile', () => {
  test('--exec keeps $ and % literal, and the tool\'s own lint agrees', async () => {
    const { code, out } = await run(['profile', '--exec', '/bin/echo $FOO 5%']);
    expect(code).toBe(0);
    expect(out).toContain('ExecStart=/bin/echo $$FOO 5%%');
    const file = path.join(dir, 'echo.service');
    writeFileSync(file, out);
    const lint = await run(['lint', file]);
    expect(lint.err + lint.out).not.toContain('dollar-not-doubled');
    expect(lint.err + lint.out).not.toContain('percent-not-doubled');
  });

  test.each([
    ['empty.service', '', 'the file is empty'],
    ['unit-only.service', '[Unit]\nDescription=no service here\n', 'it has no [Service] settings'],
  ])('%s: a warning, not a silent starter', async (name, text, why) => {
    const file = path.join(dir, name);
    writeFileSync(file, text);
    const { code, err } = await run(['profile', file]);
    expect(code).toBe(0);
    expect(err).toContain(`warning: ${file}: ${why}`);
  });
});
