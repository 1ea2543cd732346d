import { describe, expect, test } from '@jest/globals';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProgram } from '../program.js';
import { fakeIO } from '../testing/fake-io.js';

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/units');

async function run(args: string[]) {
  const { io, stdout, stderr } = fakeIO();
  const code = await runProgram(args, io);
  return { code, stdout: stdout(), stderr: stderr() };
}

describe('bindscout lint FILE…', () => {
  test('findings with file:line, why and fix; exit code 1', async () => {
    const file = path.join(fixtures, 'reexposed-root.service');
    const r = await run(['lint', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${file}:5: error: ProtectSystem=strict together with TemporaryFileSystem=/:ro re-exposes the whole root read-only [protect-system-reexposes-root]`);
    expect(r.stdout).toMatch(/\n {2}why: .*#18999/);
    expect(r.stdout).toMatch(/\n {2}fix: remove ProtectSystem=/);
    expect(r.stdout).toMatch(/\n\d+ problems found\n$/);
  });

  test('a correct unit: exit code 0 and a plain statement', async () => {
    const file = path.join(fixtures, 'portable.service');
    const r = await run(['lint', file]);
    expect(r).toEqual({ code: 0, stdout: `${file}: no problems found\n`, stderr: '' });
  });

  test('--json: every target with its findings', async () => {
    const files = [path.join(fixtures, 'portable.service'), path.join(fixtures, 'reexposed-root.service')];
    const r = await run(['lint', '--json', ...files]);
    const json = JSON.parse(r.stdout);
    expect(json.targets.map((t: { target: string; findings: unknown[] }) => [t.target, t.findings.length > 0])).toEqual([
      [files[0], false],
      [files[1], true],
    ]);
    expect(json.findings).toBe(json.targets[1].findings.length);
    expect(json.targets[1].findings[0]).toEqual(expect.objectContaining({ check: 'protect-system-reexposes-root', line: 3, setting: 'DynamicUser', severity: 'error' }));
    expect(r.code).toBe(1);
  });

  test('a file that cannot be read: exit code 3', async () => {
    const r = await run(['lint', '/nonexistent/app.service']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: cannot read \/nonexistent\/app.service/);
  });

  test('an invalid unit name: exit code 2 with a hint about files', async () => {
    const r = await run(['lint', 'bad name!']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a path with a "/"');
  });

  test('--help shows examples and the exit codes', async () => {
    const r = await run(['lint', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bindscout lint ./app.service');
    expect(r.stdout).toContain('Exit codes:');
  });
});

describe('bindscout view', () => {
  test('refuses to run as a normal user: exit code 5', async () => {
    const { io, stderr } = fakeIO({ isRoot: false });
    const code = await runProgram(['view', 'nginx'], io);
    expect(code).toBe(5);
    expect(stderr()).toContain('run it as root');
  });

  test('--help shows examples', async () => {
    const r = await run(['view', '--help']);
    expect(r.stdout).toContain('bindscout view --json redis-server');
  });
});
