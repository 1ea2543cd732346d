/**
 * discover's loop on the kinds of unit that used to defeat it, as unit files in the bed: a server that
 * listens seconds after it is active, a Type=forking unit systemd knows no main process of, a unit
 * whose own settings mount the host root back, and a daemon handed its socket by its own .socket
 * unit in systemd's tree.
 */
import { afterEach, beforeAll, expect, test } from '@jest/globals';
import { catUnit } from '../systemd/unit.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import { describeWithBed, type Bed } from './bed.js';
import { buildCli, runBuiltCli } from './run-cli.js';

async function writeUnits(bed: Bed, units: Record<string, string>): Promise<void> {
  for (const [name, text] of Object.entries(units)) await bed.runner.writeFileAtomic(`/run/systemd/system/${name}`, text);
  await bed.exec('systemctl', ['daemon-reload']);
}

async function removeUnits(bed: Bed, names: string[]): Promise<void> {
  for (const name of names) {
    await bed.runner.run('systemctl', ['stop', '--', name]);
    await bed.runner.run('systemctl', ['reset-failed', '--', name]);
    await bed.runner.removeFile(`/etc/systemd/system/${name}.d/bindscout.conf`);
    await bed.runner.removeEmptyDir(`/etc/systemd/system/${name}.d`);
    await bed.runner.run('rm', ['-rf', '--', `/var/lib/bindscout/${name}`]);
    await bed.runner.removeFile(`/run/systemd/system/${name}`);
  }
  await bed.exec('systemctl', ['daemon-reload']);
}

describeWithBed('discover on units that used to defeat its loop', (bed) => {
  beforeAll(buildCli, 60_000);
  let made: string[] = [];
  afterEach(async () => {
    await removeUnits(bed(), made);
    made = [];
  }, 120_000);

  test('a Type=simple server that listens 7 s after it is active: the probe waits for it, and the report says how long', async () => {
    const unit = 'bsx-late.service';
    made = [unit];
    await writeUnits(bed(), {
      [unit]: "[Service]\nType=simple\nExecStart=/bin/sh -c 'sleep 7; exec python3 -m http.server 8097 --bind 127.0.0.1 --directory /usr/share/doc'\n",
    });
    const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--settle', '0', '--probe', 'curl -sS -o /dev/null http://127.0.0.1:8097/']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ result: 'working', starts: 2 });
    const probed = report.attempts.find((a: { sandboxed: boolean }) => a.sandboxed).probe;
    expect(probed.passed).toBe(true);
    expect(probed.seconds).toBeGreaterThan(4);
    expect(run.stderr).toMatch(/the probe passed after \d+\.\d s/);
  }, 300_000);

  test('Type=forking without PIDFile= and two processes left (MainPID=0): audited through its cgroup, then installed', async () => {
    const unit = 'bsx-forky.service';
    made = [unit];
    await writeUnits(bed(), { [unit]: "[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep infinity & sleep infinity & exit 0'\n" });
    await bed().exec('systemctl', ['start', '--', unit]);
    // What the case is about: systemd could not guess a main process.
    expect((await bed().exec('systemctl', ['show', '-p', 'MainPID', '--value', '--', unit])).trim()).toBe('0');
    const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ result: 'working', installed: `/etc/systemd/system/${unit}.d/bindscout.conf` });
    expect({ audit: report.audit === null ? null : 'taken', notes: report.notes }).toMatchObject({ audit: 'taken' });
    expect(report.audit.pid).toBeGreaterThan(1);
    expect(report.audit.clean).toBe(true);
    expect(report.notes.join('\n')).not.toContain('no audit');
  }, 300_000);

  test('ReadOnlyDirectories=/ and ReadWriteDirectories=-/run: reset in the drop-in, /run never bound whole, working in 2 starts', async () => {
    const unit = 'bsx-rodir.service';
    made = [unit];
    await writeUnits(bed(), {
      [unit]:
        '[Service]\nType=simple\nRuntimeDirectory=bsx-rodir\nReadOnlyDirectories=/\nReadWriteDirectories=-/run\n' +
        "ExecStart=/bin/sh -c 'echo x > /run/bsx-rodir/state && exec sleep infinity'\n",
    });
    const before = await catUnit(bed().runner, parseUnitName(unit));
    const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ result: 'working', starts: 2 });
    expect(report.dropin).toMatch(/^ReadOnlyPaths=$/m);
    expect(report.dropin).not.toMatch(/^BindPaths=-?\/run$/m);
    expect(report.writesRefused.map((w: { path: string }) => w.path)).toContain('/run');
    expect(report.audit.clean).toBe(true);
    // As found, all of /run was writable; under the profile nothing of the host is.
    expect(report.exposure.before.writable).toBeGreaterThan(0);
    expect(report.exposure.after.writable).toBe(0);
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
  }, 300_000);

  test("a daemon handed a socket in systemd's tree by its own .socket unit: the audit calls it its own", async () => {
    const unit = 'bsx-sock.service';
    made = [unit, 'bsx-sock.socket'];
    await writeUnits(bed(), {
      'bsx-sock.socket': '[Socket]\nListenDatagram=/run/systemd/journal/bsx-syslog\n',
      [unit]: "[Service]\nType=simple\nExecStart=/bin/sh -c 'test -S /run/systemd/journal/bsx-syslog && exec sleep infinity'\n",
    });
    await bed().exec('systemctl', ['start', '--', 'bsx-sock.socket']);
    const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout);
    expect(report.result).toBe('working');
    expect(report.dropin).toContain('/run/systemd/journal/bsx-syslog');
    expect(report.audit.violations.map((v: { path: string }) => v.path)).not.toContain('/run/systemd/journal/bsx-syslog');
    expect(report.audit.own.map((o: { path: string }) => o.path)).toContain('/run/systemd/journal/bsx-syslog');
  }, 300_000);
  test('a failed start that leaves its daemon running (KillMode=process): stopped before the next start, and nothing of it is left after discover', async () => {
    const unit = 'bsx-leftover.service';
    made = [unit];
    const daemon = 'sleep 86399';
    await bed().runner.writeFileAtomic('/etc/bsx-leftover.key', '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n', 0o600);
    await writeUnits(bed(), {
      // Like an LSB script: the daemon is started first, then a step that fails under the candidate
      // (the key is a secret, refused under --yes) fails the start and the daemon stays.
      [unit]: `[Service]\nType=forking\nKillMode=process\nExecStart=/bin/sh -c '${daemon} & cat /etc/bsx-leftover.key >/dev/null'\n`,
    });
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--settle', '0']);
      const report = JSON.parse(run.stdout);
      expect(report.result).toBe('stuck');
      expect(report.refused).toContain('/etc/bsx-leftover.key');
      expect(run.stderr).toMatch(/the stop left 1 process of bsx-leftover\.service running; stopped/);
      const left = await bed().runner.run('pgrep', ['-fx', daemon]);
      expect({ left: left.stdout.trim() }).toEqual({ left: '' });
    } finally {
      await bed().runner.run('pkill', ['-fx', daemon]);
      await bed().runner.removeFile('/etc/bsx-leftover.key');
    }
  }, 300_000);
});
