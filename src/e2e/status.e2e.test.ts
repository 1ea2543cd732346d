/**
 * `bindscout status` on the real systemd in the bed: cron and unbound on the host's root, then under
 * the profiles discover installs (less exposed), then cron drifted by a drop-in that reads a new path
 * (check is the next step, and check agrees); a service enabled but stopped and one active without a
 * process have null exposure and break nothing.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { describeWithBed, startUnits, type Bed } from './bed.js';
import { CRON_PROBE, UNBOUND_PROBE } from './probes.js';
import { buildCli, removeDropIn, runBuiltCli, uninstallDropIn } from './run-cli.js';

const DISCOVERED = [
  { unit: 'cron.service', probe: CRON_PROBE },
  { unit: 'unbound.service', probe: UNBOUND_PROBE },
];
const NEW_PATH = '/etc/default/bindscout-e2e-status';
const DRIFT_DROPIN = '/etc/systemd/system/cron.service.d/bindscout-e2e-status.conf';
/** Enabled (for this boot) but never started. */
const STOPPED = 'bindscout-e2e-status-stopped.service';
/** Active with no process left: a oneshot that remains after exit. */
const DONE = 'bindscout-e2e-status-done.service';

interface Row {
  unit: string;
  state: string;
  next: string | null;
  exposure: { visible: number; writable: number; sockets: number; secrets: number } | null;
  note?: string;
}

async function status(bed: Bed): Promise<{ host: string; units: Row[] }> {
  const run = await runBuiltCli(bed, ['status', '--json']);
  expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
  const json = JSON.parse(run.stdout);
  expect(json.schemaVersion).toBe(1);
  return json;
}

const rowOf = (report: { units: Row[] }, unit: string): Row | undefined => report.units.find((u) => u.unit === unit);

async function removeAll(bed: Bed): Promise<void> {
  await bed.runner.removeFile(DRIFT_DROPIN);
  await bed.runner.removeFile(NEW_PATH);
  for (const unit of [STOPPED, DONE]) {
    await bed.runner.run('systemctl', ['disable', '--runtime', '--', unit]);
    await bed.runner.run('systemctl', ['stop', '--', unit], { timeoutMs: 60_000 });
    await bed.runner.removeFile(`/run/systemd/system/${unit}`);
  }
  await bed.runner.run('systemctl', ['daemon-reload']);
}

describeWithBed('status: every service, its lockdown, its exposure, what to do next', (bed) => {
  beforeAll(async () => {
    buildCli();
    await removeAll(bed());
    // A remembered install of another suite's (audit.e2e removes its drop-in, not the memory) would
    // make the unit drifted from the start: status would be right, this test's premise wrong.
    for (const { unit } of DISCOVERED) await runBuiltCli(bed(), ['discover', '--forget', unit]);
    await startUnits(bed(), DISCOVERED.map((d) => d.unit));
    await bed().runner.writeFileAtomic(`/run/systemd/system/${STOPPED}`, '[Service]\nExecStart=/bin/sleep infinity\n\n[Install]\nWantedBy=multi-user.target\n');
    await bed().runner.writeFileAtomic(`/run/systemd/system/${DONE}`, '[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n');
    await bed().exec('systemctl', ['daemon-reload']);
    await bed().exec('systemctl', ['enable', '--runtime', '--', STOPPED]);
    await bed().exec('systemctl', ['start', '--', DONE]);
  }, 300_000);

  afterAll(async () => {
    for (const { unit } of DISCOVERED) {
      await uninstallDropIn(bed(), unit).catch(() => undefined);
      await runBuiltCli(bed(), ['discover', '--forget', unit]);
    }
    await removeAll(bed());
  }, 300_000);

  test('discovered services turn bindscout and less exposed; a new drop-in makes one drifted with check next', async () => {
    const before = await status(bed());
    expect(before.host).not.toBe('');
    for (const { unit } of DISCOVERED) {
      expect(rowOf(before, unit)).toMatchObject({ state: 'none', next: `bindscout discover ${unit}` });
      expect(rowOf(before, unit)!.exposure).not.toBeNull();
    }
    // Not running, or nothing to look into: a row with null exposure, and the others are all there.
    expect(rowOf(before, STOPPED)).toMatchObject({ state: 'none', exposure: null, next: `bindscout discover ${STOPPED}` });
    expect(rowOf(before, STOPPED)!.note).toContain('not running');
    expect(rowOf(before, DONE)).toMatchObject({ exposure: null });
    expect(rowOf(before, DONE)!.note).toContain('no process');
    // Worst first: every service with a number comes before every one without.
    const firstNull = before.units.findIndex((u) => u.exposure === null);
    expect(before.units.slice(firstNull).every((u) => u.exposure === null)).toBe(true);

    for (const { unit, probe } of DISCOVERED) {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--accept-audit', '--json', '--probe', probe]);
      expect({ unit, code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ unit, code: 0, stderr: '' });
    }

    const after = await status(bed());
    for (const { unit } of DISCOVERED) {
      const was = rowOf(before, unit)!.exposure!;
      const now = rowOf(after, unit)!;
      expect({ unit, state: now.state, next: now.next }).toEqual({ unit, state: 'bindscout', next: null });
      expect(now.exposure!.visible).toBeLessThan(was.visible);
      expect(now.exposure!.secrets).toBeLessThanOrEqual(was.secrets);
      expect(now.exposure!.writable).toBeLessThanOrEqual(was.writable);
      expect(now.exposure!.sockets).toBeLessThanOrEqual(was.sockets);
    }

    // The drift: a drop-in that has cron read a file its profile was not made with.
    await bed().runner.writeFileAtomic(NEW_PATH, 'EXTRA_OPTS=\n');
    await bed().runner.writeFileAtomic(DRIFT_DROPIN, `[Service]\nEnvironmentFile=${NEW_PATH}\n`);
    await bed().exec('systemctl', ['daemon-reload']);
    const drifted = await status(bed());
    expect(rowOf(drifted, 'cron.service')).toMatchObject({ state: 'drifted', next: 'bindscout check cron.service' });
    expect(rowOf(drifted, 'unbound.service')).toMatchObject({ state: 'bindscout', next: null });
    // check says the same of it.
    const check = await runBuiltCli(bed(), ['check', 'cron.service', '--json']);
    expect(check.code).toBe(1);
    expect(JSON.parse(check.stdout).units[0].findings).toEqual(expect.arrayContaining([expect.objectContaining({ check: 'setting-changed', setting: 'EnvironmentFile' })]));

    // The table for people says the same, one row per service.
    const text = await runBuiltCli(bed(), ['status']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^cron\.service +drifted +\d+ +\d+ +\d+ +\d+ {2}bindscout check cron\.service$/m);
    expect(text.stdout).toMatch(new RegExp(`^${STOPPED.replace(/\./g, '\\.')} +none +- +- +- +- {2}bindscout discover `, 'm'));
    expect(text.stdout.split('\n').filter((l) => /\.service /.test(l) && !l.startsWith('  ')).length).toBe(drifted.units.length);

    await removeDropIn(bed(), 'cron.service', DRIFT_DROPIN);
  }, 900_000);
});
