/**
 * The starter profile alone, in the real bed: nginx and memcached (a perl wrapper script that execs
 * the C binary) must get past 203/EXEC under it, every interpreter, module tree, library and binary of
 * their Exec lines visible. Whether they then start fully is recorded, not required: what they open at
 * run time is discover's job.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execedMainPid } from '../systemd/control.js';
import { catUnit } from '../systemd/unit.js';
import { removeDropIn } from './run-cli.js';
import { describeWithBed } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist', 'bindscout.mjs');

describeWithBed('profile: a starter profile gets real services past 203/EXEC', (bed) => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
  }, 60_000);

  test.each(['nginx.service', 'memcached.service'])('%s under its starter profile alone', async (unit) => {
    const { runner, exec } = bed();
    const before = await catUnit(runner, parseUnitName(unit));
    const made = spawnSync(process.execPath, [cli, 'profile', unit, '--pid1', String(bed().pid1)], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(made.status).toBe(0);
    expect(made.stdout).toContain('TemporaryFileSystem=/:ro');
    expect(made.stderr).toContain('bindscout discover');
    const dropIn = `/run/systemd/system/${unit}.d/zz-bindscout-starter-test.conf`;
    await runner.mkdirp(`/run/systemd/system/${unit}.d`);
    await runner.writeFileAtomic(dropIn, made.stdout);
    try {
      await exec('systemctl', ['daemon-reload']);
      const started = await runner.run('systemctl', ['restart', '--', unit], { timeoutMs: 120_000 });
      // memcached is Type=simple: the restart returns before its exec (where a 203 would happen).
      await execedMainPid(runner, parseUnitName(unit), { timeoutMs: 30_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
      await exec('journalctl', ['--sync']);
      const state = await exec('systemctl', ['show', '-p', 'ExecMainStatus', '-p', 'ActiveState', '-p', 'Result', '--', unit]);
      const journal = await exec('journalctl', ['-u', unit, '-n', '30', '--no-pager', '-o', 'cat']);
      console.info(`${unit} under the starter profile: start exit ${started.exitCode}; ${state.trim().replace(/\n/g, ', ')}\n${journal.split('\n').slice(-8).join('\n')}`);
      expect(state).not.toMatch(/ExecMainStatus=203\b/);
      expect(journal).not.toMatch(/status=203\/EXEC|Failed at step EXEC|Failed to execute/);
    } finally {
      await removeDropIn(bed(), unit, dropIn);
    }
    expect(await catUnit(runner, parseUnitName(unit))).toBe(before);
  }, 180_000);
});

describeWithBed('profile --exec --trace: a program with no unit, traced under its starter profile', (bed) => {
  test('what the program opens at run time (and what a script execs) joins the profile; nothing is left behind', async () => {
    const { runner } = bed();
    // The shell opens /etc/hostname itself (a redirection) and looks for cat along PATH: neither can
    // be read off the command line, both show in a trace under the starter profile.
    const command = "/bin/sh -c 'read name < /etc/hostname; cat /etc/hostname'";
    const run = (extra: string[]) =>
      spawnSync(process.execPath, [cli, 'profile', '--exec', command, '--pid1', String(bed().pid1), ...extra], {
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1' },
      });
    const plain = run([]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('ExecStart=/bin/sh -c ');
    expect(plain.stdout).not.toContain('BindReadOnlyPaths=/etc/hostname');
    const traced = run(['--trace', '2']);
    expect(traced.status).toBe(0);
    for (const line of ['BindReadOnlyPaths=/etc/hostname', 'BindReadOnlyPaths=/usr/bin/cat', '[Install]']) {
      expect(traced.stdout).toContain(line);
    }
    expect((await runner.readdir('/run/systemd/system'))?.filter((f) => f.startsWith('bindscout-profile-'))).toEqual([]);
  }, 120_000);
});
