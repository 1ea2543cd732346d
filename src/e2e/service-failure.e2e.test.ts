/**
 * When a service fails for a reason of its own, discover shows what the service said; when it fails
 * after secrets were refused, it says the refusal is the likely cause. Real units in the bed.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed, type Bed } from './bed.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist', 'bindscout.mjs');

function runCli(bed: Bed, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--pid1', String(bed.pid1)], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function isActive(bed: Bed, unit: string): Promise<boolean> {
  return (await bed.runner.run('systemctl', ['is-active', '--quiet', '--', unit])).exitCode === 0;
}

describeWithBed('discover on a service that fails for a reason that is not a hidden path', (bed) => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
  }, 60_000);

  test("a port already in use: the service's own last line, and no word of hidden paths", async () => {
    const unit = 'bindscout-e2e-port-taken.service';
    const file = `/run/systemd/system/${unit}`;
    // nginx in the bed listens on port 80.
    expect(await isActive(bed(), 'nginx.service')).toBe(true);
    await bed().runner.writeFileAtomic(
      file,
      `[Service]\nType=simple\nExecStart=/usr/bin/python3 -c "import socket, time; s = socket.socket(); s.bind(('0.0.0.0', 80)); s.listen(); time.sleep(1e6)"\n`,
    );
    try {
      await bed().exec('systemctl', ['daemon-reload']);
      const before = await catUnit(bed().runner, unit);
      const run = await runCli(bed(), ['discover', unit, '--yes', '--dry-run']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('does not work even without a sandbox');
      expect(run.stderr).toContain('Address already in use');
      expect(run.stderr).not.toContain('hidden path');
      expect(await catUnit(bed().runner, unit)).toBe(before);
      expect(await bed().runner.readdir(`/run/systemd/system/${unit}.d`)).toBeUndefined();
    } finally {
      await bed().runner.run('systemctl', ['stop', '--', unit]);
      await bed().runner.run('systemctl', ['reset-failed', '--', unit]);
      await bed().runner.removeFile(file);
      await bed().exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);

  test('sshd with its host keys refused as secrets: the refusal is named as the likely cause, with its own words', async () => {
    const unit = 'ssh.service';
    const before = await catUnit(bed().runner, unit);
    const wasActive = await isActive(bed(), unit);
    const run = await runCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--max-starts', '6']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ result: 'failed', installed: null });
    expect(report.refused).toEqual(expect.arrayContaining([expect.stringMatching(/^\/etc\/ssh\/ssh_host_\w+_key$/)]));
    expect(report.failure).toMatch(/refused .*ssh_host_\w+_key.* as sensitive, and that refusal is the likely cause/);
    expect(report.failure).toContain('no hostkeys available');
    expect(await catUnit(bed().runner, unit)).toBe(before);
    expect(await isActive(bed(), unit)).toBe(wasActive);
    expect(await bed().runner.readdir(`/run/systemd/system/${unit}.d`)).toBeUndefined();
  }, 300_000);
});
