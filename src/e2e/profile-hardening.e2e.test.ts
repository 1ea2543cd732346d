/**
 * `profile` on Debian's redis unit (NoExecPaths=/, ReadWritePaths=): installed as it comes, its drop-in
 * keeps the empty root in effect (the unit's NoExecPaths=/ would make systemd drop it silently) and
 * redis answers, writing where its unit says it writes.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execedMainPid } from '../systemd/control.js';
import { catUnit } from '../systemd/unit.js';
import { removeDropIn } from './run-cli.js';
import { describeWithBed, retry } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist', 'bindscout.mjs');

describeWithBed("profile keeps a unit's own hardening working under the lockdown", (bed) => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
  }, 60_000);

  test('redis-server under its starter profile: the root is the empty tmpfs, and it saves its data', async () => {
    const unit = 'redis-server.service';
    const { runner, exec } = bed();
    const before = await catUnit(runner, parseUnitName(unit));
    const made = spawnSync(process.execPath, [cli, 'profile', unit, '--pid1', String(bed().pid1)], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(made.status).toBe(0);
    expect(made.stdout).toMatch(/^NoExecPaths=$/m);
    const dropIn = `/run/systemd/system/${unit}.d/zz-bindscout-starter-test.conf`;
    await runner.mkdirp(`/run/systemd/system/${unit}.d`);
    await runner.writeFileAtomic(dropIn, made.stdout);
    try {
      await exec('systemctl', ['daemon-reload']);
      await exec('systemctl', ['restart', '--', unit], 120_000);
      const pid = await execedMainPid(runner, parseUnitName(unit), { timeoutMs: 30_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
      expect(pid).toBeGreaterThan(1);
      const root = (await exec('cat', [`/proc/${pid}/mountinfo`])).split('\n').find((l) => l.split(' ')[4] === '/');
      expect(root?.split(' - ')[1]?.split(' ')[0]).toBe('tmpfs');
      expect((await runner.run('test', ['-e', `/proc/${pid}/root/etc/shadow`])).exitCode).toBe(1);
      // Its data directory, writable only through the unit's own ReadWritePaths= carried over.
      await retry(() => exec('redis-cli', ['ping']));
      expect((await exec('redis-cli', ['save'])).trim()).toBe('OK');
    } finally {
      await removeDropIn(bed(), unit, dropIn);
    }
    expect(await catUnit(runner, parseUnitName(unit))).toBe(before);
  }, 180_000);
});
