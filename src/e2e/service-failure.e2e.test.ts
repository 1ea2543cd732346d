/**
 * When a service fails for a reason of its own, discover shows what the service said; when it fails
 * after secrets were refused, it says the refusal is the likely cause. Real units in the bed.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed, startUnits, type Bed } from './bed.js';
import { buildCli, runBuiltCli as runCli } from './run-cli.js';
import { parseUnitName } from '../unit-file/unit-name.js';

async function isActive(bed: Bed, unit: string): Promise<boolean> {
  return (await bed.runner.run('systemctl', ['is-active', '--quiet', '--', unit])).exitCode === 0;
}

describeWithBed('discover on a service that fails for a reason that is not a hidden path', (bed) => {
  beforeAll(async () => {
    buildCli();
    await startUnits(bed(), ['nginx.service']);
  }, 180_000);

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
      const before = await catUnit(bed().runner, parseUnitName(unit));
      const run = await runCli(bed(), ['discover', unit, '--yes', '--dry-run']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('does not work even without a sandbox');
      expect(run.stderr).toContain('Address already in use');
      expect(run.stderr).not.toContain('hidden path');
      expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
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
    const before = await catUnit(bed().runner, parseUnitName(unit));
    const wasActive = await isActive(bed(), unit);
    const run = await runCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--max-starts', '6']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ result: 'stuck', installed: null });
    expect(report.starts).toBeLessThanOrEqual(4);
    expect(report.refused).toEqual(expect.arrayContaining([expect.stringMatching(/^\/etc\/ssh\/ssh_host_\w+_key$/)]));
    expect(report.failure).toMatch(/refused .*ssh_host_\w+_key.* as sensitive, and that refusal is the likely cause/);
    expect(report.failure).toContain('no hostkeys available');
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
    expect(await isActive(bed(), unit)).toBe(wasActive);
    expect(await bed().runner.readdir(`/run/systemd/system/${unit}.d`)).toBeUndefined();
  }, 300_000);
});
