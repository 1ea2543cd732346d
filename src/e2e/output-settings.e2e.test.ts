/**
 * A unit whose output does not reach the journal (StandardOutput=null, which StandardError= inherits)
 * is still traced: the tracing drop-in sends strace's stderr to the journal, and discover ends with a
 * profile built from what the service really did.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed } from './bed.js';
import { buildCli, runBuiltCli as runCli } from './run-cli.js';
import { parseUnitName } from '../unit-file/unit-name.js';

describeWithBed('discover on a unit whose output does not go to the journal', (bed) => {
  beforeAll(buildCli, 60_000);

  test('StandardOutput=null (stderr inheriting it): traced all the same, working, its config bound', async () => {
    const unit = 'bindscout-e2e-quiet.service';
    const dir = '/run/bindscout-e2e-quiet';
    const file = `/run/systemd/system/${unit}`;
    await bed().runner.mkdirp(dir);
    await bed().runner.writeFileAtomic(`${dir}/settings`, 'quiet\n');
    await bed().runner.writeFileAtomic(
      file,
      `[Service]\nType=simple\nStandardOutput=null\nExecStart=/bin/sh -c "grep -q quiet ${dir}/settings && echo started && exec sleep infinity"\n`,
    );
    try {
      await bed().exec('systemctl', ['daemon-reload']);
      expect((await bed().exec('systemctl', ['show', '-p', 'StandardError', '--value', '--', unit])).trim()).toBe('inherit');
      const before = await catUnit(bed().runner, parseUnitName(unit));
      const run = await runCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json']);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ result: 'working', starts: 2 });
      expect(report.accesses.map((a: { path: string }) => a.path)).toEqual(expect.arrayContaining([`${dir}/settings`, '/usr/bin/grep']));
      expect(report.readOnly.some((p: string) => p === `${dir}/settings` || p === dir)).toBe(true);
      expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
      expect(await bed().runner.readdir(`/run/systemd/system/${unit}.d`)).toBeUndefined();
    } finally {
      await bed().runner.run('systemctl', ['stop', '--', unit]);
      await bed().runner.removeFile(file);
      await bed().runner.run('rm', ['-rf', '--', dir]);
      await bed().exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);
});
