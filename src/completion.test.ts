/**
 * Shell completion through the program itself (`bindscout --get-yargs-completions bindscout WORDS…`,
 * what the script from `bindscout completion` asks), with unit names from a fake systemd.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runProgram } from './program.js';
import type { RunResult } from './systemd/runner.js';
import { fakeIO } from './testing/fake-io.js';
import { fakeRunner, ok } from './testing/fake-runner.js';

/** A systemd that knows nginx, a template and a running postgresql instance, and records what it was asked. */
function fakeSystemd() {
  const answer = (_file: string, args: string[]): RunResult => {
    if (args[0] === 'list-unit-files') return ok('nginx.service enabled enabled\ngetty@.service enabled enabled\npostgresql@.service indirect enabled\nssh.socket enabled enabled\n');
    if (args[0] === 'list-units') return ok('nginx.service loaded active running A high performance web server\npostgresql@15-main.service loaded active running PostgreSQL Cluster 15-main\n');
    return { exitCode: 1, stdout: '', stderr: 'unexpected' };
  };
  return fakeRunner({ answer });
}

async function completions(...words: string[]) {
  const systemd = fakeSystemd();
  const { io, stdout, stderr } = fakeIO({ runner: systemd.runner });
  expect(await runProgram(['--get-yargs-completions', 'bindscout', ...words], io)).toBe(0);
  expect(stderr()).toBe('');
  // Completion only lists units: it never writes.
  expect(systemd.writes).toEqual([]);
  return { words: stdout().split('\n').filter((w) => w !== ''), calls: systemd.calls };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bindscout-complete-'));
  writeFileSync(path.join(dir, 'trace.log'), '');
  writeFileSync(path.join(dir, '.hidden'), '');
  mkdirSync(path.join(dir, 'traces'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('completion', () => {
  test('commands', async () => {
    expect((await completions('an')).words).toEqual(['analyze']);
    expect((await completions('')).words).toEqual(expect.arrayContaining(['analyze', 'discover', 'profile', 'lint', 'view', 'cleanup', 'completion']));
  });

  test("a command's options, --no- forms and option values", async () => {
    expect((await completions('analyze', '--fo')).words).toEqual(['--format']);
    expect((await completions('analyze', '--no-')).words).toEqual(['--no-baseline', '--no-host']);
    expect((await completions('analyze', '--format', 't')).words).toEqual(['table']);
    expect((await completions('lint', '--')).words).toEqual(expect.arrayContaining(['--json', '--pid1', '--help']));
  });

  test('unit names from systemd, as admins type them, for discover, view, lint and profile', async () => {
    const nginx = await completions('discover', 'ng');
    expect(nginx.words).toEqual(['nginx']);
    expect(nginx.calls.every((c) => c.startsWith('systemctl list-'))).toBe(true);
    expect((await completions('view', 'po')).words).toEqual(['postgresql@15-main']);
    expect((await completions('lint', '')).words).toEqual(['nginx', 'postgresql@15-main']);
    expect((await completions('profile', '--no-baseline', 'n')).words).toEqual(['nginx']);
  });

  test('files for analyze, for paths given to lint and profile, and for path options', async () => {
    expect((await completions('analyze', `${dir}/tr`)).words).toEqual([`${dir}/trace.log`, `${dir}/traces/`]);
    expect((await completions('analyze', `${dir}/.h`)).words).toEqual([`${dir}/.hidden`]);
    const lint = await completions('lint', `${dir}/t`);
    expect(lint.words).toEqual([`${dir}/trace.log`, `${dir}/traces/`]);
    expect(lint.calls).toEqual([]);
    expect((await completions('analyze', '--root', `${dir}/`)).words).toEqual([`${dir}/traces/`]);
    expect((await completions('analyze', '--exclude', `${dir}/trace.`)).words).toEqual([`${dir}/trace.log`]);
  });

  test('nothing, and no error, for what cannot complete', async () => {
    expect((await completions('nosuchcommand', 'x')).words).toEqual([]);
    expect((await completions('analyze', '/nonexistent-dir/x')).words).toEqual([]);
    expect((await completions('cleanup', '')).words).toEqual([]);
  });
});

describe('bindscout completion', () => {
  async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
    const { io, stdout, stderr } = fakeIO({ env });
    const code = await runProgram(argv, io);
    return { code, stdout: stdout(), stderr: stderr() };
  }

  test('--help prints help, not the script', async () => {
    const help = await run(['completion', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('bindscout completion [shell]');
    expect(help.stdout).toContain('/usr/local/share/bash-completion/completions/bindscout');
    expect(help.stdout).not.toContain('_bindscout_yargs_completions');
  });

  test('the script says where it goes, for the shell asked or the one $SHELL names', async () => {
    const bash = await run(['completion']);
    expect(bash.code).toBe(0);
    expect(bash.stdout).toMatch(/^# {3}~\/\.local\/share\/bash-completion\/completions\/bindscout \(for you\)/m);
    expect(bash.stdout).toContain('complete -o bashdefault -o default -F _bindscout_yargs_completions bindscout');
    const zsh = await run(['completion'], { SHELL: '/usr/bin/zsh' });
    // compinit reads the first line of a file on $fpath.
    expect(zsh.stdout.split('\n')[0]).toBe('#compdef bindscout');
    expect(zsh.stdout).toMatch(/^# {3}\/usr\/local\/share\/zsh\/site-functions\/_bindscout \(for everyone\)/m);
    expect((await run(['completion', 'bash'], { SHELL: '/usr/bin/zsh' })).stdout).toBe(bash.stdout);
    expect((await run(['completion', 'fish'])).code).toBe(2);
  });

  test('the shell argument completes', async () => {
    expect((await completions('completion', '')).words).toEqual(['bash', 'zsh']);
  });
});
