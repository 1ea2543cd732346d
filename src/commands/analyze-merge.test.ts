/**
 * analyze over several inputs, in process: reports made by analyze --json on two "hosts" and a trace
 * merged as one observation, with provenance in the drop-in, the table and the JSON.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { runProgram } from '../program.js';
import type { CommandIO } from './types.js';

const identity = (s: string) => s;

function fakeIO(stdinText?: string) {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = Readable.from(stdinText === undefined ? [] : [Buffer.from(stdinText, 'utf8')]) as Readable & { isTTY?: boolean };
  stdin.isTTY = stdinText === undefined;
  const io: CommandIO = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    paint: { red: identity, yellow: identity, bold: identity, dim: identity },
    stderrIsTTY: false,
    stdin,
    env: {},
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

// /etc/hostname and /etc/os-release exist on any Debian host, so the fold keeps them.
const trace = (extra: string) =>
  [
    '4711  execve("/usr/bin/true", ["true"], 0x7ffd0 /* 3 vars */) = 0',
    '4711  openat(AT_FDCWD</>, "/etc/hostname", O_RDONLY|O_CLOEXEC) = 3</etc/hostname>',
    `4711  openat(AT_FDCWD</>, "${extra}", O_RDONLY|O_CLOEXEC) = 3<${extra}>`,
    '4711  +++ exited with 0 +++',
    '',
  ].join('\n');

let dir: string;
const file = (name: string) => path.join(dir, name);

async function reportOf(traceName: string, host: string): Promise<string> {
  const { io, stdout } = fakeIO();
  expect(await runProgram(['analyze', '--json', '--no-baseline', '--recorded-on', host, file(traceName)], io)).toBe(0);
  return stdout();
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'bindscout-merge-'));
  writeFileSync(file('web1.strace'), trace('/etc/os-release'));
  writeFileSync(file('web2.strace'), trace('/etc/hostname'));
  writeFileSync(file('web1.json'), await reportOf('web1.strace', 'web1'));
  writeFileSync(file('web2.json'), await reportOf('web2.strace', 'web2'));
  writeFileSync(file('other.json'), '{\n  "hello": "world"\n}\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('analyze REPORT… (merge)', () => {
  test('the --json report is versioned and names its host and observation', () => {
    const report = JSON.parse(readFileSync(file('web1.json'), 'utf8'));
    expect(report).toMatchObject({ schemaVersion: 1, host: 'web1', observations: [{ id: 1, kind: 'trace', host: 'web1' }] });
    expect(report.accesses.find((a: { path: string }) => a.path === '/etc/os-release')).toMatchObject({ ok: true, seenIn: [1] });
  });

  test('two hosts\' reports: one drop-in, a grant needed on one host only says so', async () => {
    const { io, stdout } = fakeIO();
    expect(await runProgram(['analyze', '--no-baseline', file('web1.json'), file('web2.json')], io)).toBe(0);
    const dropin = stdout();
    expect(dropin).toMatch(/needed on 1 of 2 hosts \(web1\)\nBindReadOnlyPaths=\/etc\/os-release\n/);
    expect(dropin).toMatch(/BindReadOnlyPaths=\/etc\/hostname\n/);
    expect(dropin).not.toMatch(/needed on 2 of 2/);
  });

  test('a report on stdin is read as a report', async () => {
    const { io, stdout } = fakeIO(readFileSync(file('web1.json'), 'utf8'));
    expect(await runProgram(['analyze', '--json', '--no-baseline', '-'], io)).toBe(0);
    expect(JSON.parse(stdout()).observations).toEqual([expect.objectContaining({ host: 'web1', input: expect.stringMatching(/^-: .*web1\.strace$/) })]);
  });

  test('a file and stdin given together: both are read, as two observations', async () => {
    const { io, stdout } = fakeIO(readFileSync(file('web2.strace'), 'utf8'));
    expect(await runProgram(['analyze', '--json', '--no-baseline', file('web1.json'), '-'], io)).toBe(0);
    expect(JSON.parse(stdout()).observations.map((o: { input: string }) => o.input)).toEqual([expect.stringMatching(/web1\.strace$/), '-']);
  });

  test('the table lists the observations and which saw each path: a report and a trace', async () => {
    const { io, stdout } = fakeIO();
    expect(await runProgram(['analyze', '--format', 'table', '--recorded-on', 'web3', file('web1.json'), file('web2.strace')], io)).toBe(0);
    const table = stdout();
    expect(table).toMatch(/^#1 +trace +web1 /m);
    expect(table).toMatch(/^#2 +trace +web3 .*web2\.strace$/m);
    expect(table).toMatch(/2\/2 #1,#2 +\/etc\/hostname$/m);
    expect(table).toMatch(/1\/2 #1 +\/etc\/os-release$/m);
  });

  test('a merged report merged again keeps every observation', async () => {
    const first = fakeIO();
    expect(await runProgram(['analyze', '--json', '--no-baseline', file('web1.json'), file('web2.json')], first.io)).toBe(0);
    writeFileSync(file('fleet.json'), first.stdout());
    const { io, stdout } = fakeIO();
    expect(await runProgram(['analyze', '--json', '--no-baseline', file('fleet.json')], io)).toBe(0);
    const report = JSON.parse(stdout());
    expect(report.observations.map((o: { host: string }) => o.host)).toEqual(['web1', 'web2']);
    expect(report.accesses.find((a: { path: string }) => a.path === '/etc/os-release').seenIn).toEqual([1]);
  });

  test('a JSON file that is not a report is bad input, with exit code 3', async () => {
    const { io, stderr } = fakeIO();
    expect(await runProgram(['analyze', file('other.json')], io)).toBe(3);
    expect(stderr()).toContain('not a bindscout report');
  });
});
