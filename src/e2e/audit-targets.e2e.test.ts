/**
 * The targets of a tight profile, on six Debian services in the bed: `discover --yes` (no override,
 * no consent given) ends working in at most 2 starts, installs, and the service then passes the audit
 * with at most 60 entries visible outside /usr, /lib*, /bin, /sbin, /proc, /sys, /dev and its own
 * directories; nginx keeps working through reload, restart, log reopening (USR1) and stop.
 */
import { beforeAll, expect, test } from '@jest/globals';
import type { AuditReport } from '../checks/audit.js';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed, retry, startUnits, type Bed } from './bed.js';
import { CRON_PROBE, UNBOUND_PROBE } from './probes.js';
import { buildCli, mainPidOf, runBuiltCli, uninstallDropIn } from './run-cli.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const MAX_ENTRIES = 60;
const NGINX_PROBE = 'curl -fsS http://127.0.0.1/ >/dev/null';

const CASES: { unit: string; probe: string }[] = [
  { unit: 'nginx.service', probe: NGINX_PROBE },
  { unit: 'postgresql@15-main.service', probe: "runuser -u postgres -- psql -XAtc 'SELECT 1'" },
  { unit: 'redis-server.service', probe: 'redis-cli ping | grep -qx PONG' },
  { unit: 'memcached.service', probe: `bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211; printf "stats\\r\\nquit\\r\\n" >&3; grep -q "STAT uptime" <&3'` },
  { unit: 'cron.service', probe: CRON_PROBE },
  // A control socket directly in /run, and ExecStartPre= helpers that update a trust anchor.
  { unit: 'unbound.service', probe: UNBOUND_PROBE },
];

const violations = (a: AuditReport) => a.violations.map((v) => `${v.kind} ${v.path}${v.entries > 1 ? ` (${v.entries})` : ''}`);

async function probeOk(bed: Bed, probe: string): Promise<boolean> {
  return (await bed.runner.run('/bin/sh', ['-c', probe], { timeoutMs: 30_000 })).exitCode === 0;
}

async function active(bed: Bed, unit: string): Promise<boolean> {
  return (await bed.runner.run('systemctl', ['is-active', '--quiet', '--', unit])).exitCode === 0;
}

describeWithBed('tight profiles: working, installed, and a clean audit', (bed) => {
  beforeAll(async () => {
    buildCli();
    await startUnits(bed(), CASES.map((c) => c.unit));
  }, 300_000);

  test.each(CASES)('$unit: discover --yes installs a profile under which the audit is clean and ≤ 60 entries are visible', async ({ unit, probe }) => {
    const before = await catUnit(bed().runner, parseUnitName(unit));
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json', '--probe', probe]);
      const report = JSON.parse(run.stdout) as { result: string; starts: number; installed: string | null; failure?: string; audit: AuditReport | null };
      expect({ result: report.result, failure: report.failure, violations: report.audit ? violations(report.audit) : null }).toEqual({ result: 'working', failure: undefined, violations: [] });
      expect(run.code).toBe(0);
      expect(report.starts).toBeLessThanOrEqual(2);
      expect(report.installed).toBe(`/etc/systemd/system/${unit}.d/bindscout.conf`);
      expect(report.audit!.outside).toBeLessThanOrEqual(MAX_ENTRIES);

      // view, on its own, agrees about the running service.
      const view = await runBuiltCli(bed(), ['view', '--json', unit]);
      const seen = (JSON.parse(view.stdout) as { audit: AuditReport }).audit;
      expect(violations(seen)).toEqual([]);
      expect(view.code).toBe(0);
      expect(seen.pid).toBe(await mainPidOf(bed(), unit));
      expect(seen.outside).toBeLessThanOrEqual(MAX_ENTRIES);
    } finally {
      await uninstallDropIn(bed(), unit);
    }
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
  }, 600_000);

  test('nginx under its installed profile: reload, restart, kill -USR1 (log reopening) and stop all work', async () => {
    const unit = 'nginx.service';
    const before = await catUnit(bed().runner, parseUnitName(unit));
    let logOwner: string | undefined;
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json', '--probe', NGINX_PROBE]);
      expect({ code: run.code, installed: JSON.parse(run.stdout).installed }).toEqual({ code: 0, installed: `/etc/systemd/system/${unit}.d/bindscout.conf` });

      expect((await bed().runner.run('systemctl', ['reload', '--', unit], { timeoutMs: 60_000 })).exitCode).toBe(0);
      expect(await retry(async () => (await probeOk(bed(), NGINX_PROBE)) || Promise.reject(new Error('probe after reload')))).toBe(true);

      const firstPid = await mainPidOf(bed(), unit);
      expect((await bed().runner.run('systemctl', ['restart', '--', unit], { timeoutMs: 60_000 })).exitCode).toBe(0);
      expect(await mainPidOf(bed(), unit)).not.toBe(firstPid);
      expect(await retry(async () => (await probeOk(bed(), NGINX_PROBE)) || Promise.reject(new Error('probe after restart')))).toBe(true);

      // A link that is gone: check warns (nginx itself starts without it) with the command that makes it
      // again, the one that runs at every boot from the installed tmpfiles.d snippet.
      await bed().exec('rm', ['-f', '/run/nginx.pid']);
      const checked = await runBuiltCli(bed(), ['check', '--json', unit]);
      const findings = (JSON.parse(checked.stdout) as { units: { findings: { check: string; fix: string }[] }[] }).units[0].findings;
      expect({ code: checked.code, findings: findings.map((f) => `${f.check}: ${f.fix}`) }).toEqual({
        code: 0,
        findings: ['host-links: systemd-tmpfiles --create /etc/tmpfiles.d/bindscout-nginx.service.conf'],
      });
      await bed().exec('systemd-tmpfiles', ['--create', '/etc/tmpfiles.d/bindscout-nginx.service.conf']);
      expect((await bed().exec('readlink', ['/run/nginx.pid'])).trim()).toBe('nginx-private-run/nginx.pid');

      // Log reopening as logrotate asks for it, from the host, by the pid file at its usual path.
      logOwner = (await bed().exec('stat', ['-c', '%U:%G %a', '/var/log/nginx/access.log'])).trim();
      await bed().exec('mv', ['/var/log/nginx/access.log', '/var/log/nginx/access.log.rotated']);
      expect(Number((await bed().exec('cat', ['/run/nginx.pid'])).trim())).toBe(await mainPidOf(bed(), unit));
      await bed().exec('sh', ['-c', 'kill -USR1 "$(cat /run/nginx.pid)"']);
      await retry(async () => {
        await bed().exec('sh', ['-c', `${NGINX_PROBE} && test -s /var/log/nginx/access.log`]);
      });
      expect(await active(bed(), unit)).toBe(true);

      // discover again (a dry run): observed with its own configuration, then the profile is put back,
      // and with it the links of its private /run.
      const again = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--probe', NGINX_PROBE]);
      expect({ code: again.code, result: JSON.parse(again.stdout).result }).toEqual({ code: 0, result: 'working' });
      expect(await bed().runner.readFile(`/etc/systemd/system/${unit}.d/bindscout.conf`)).toBeDefined();
      expect((await bed().exec('readlink', ['/run/nginx.pid'])).trim()).toBe('nginx-private-run/nginx.pid');
      expect(Number((await bed().exec('cat', ['/run/nginx.pid'])).trim())).toBe(await mainPidOf(bed(), unit));

      expect((await bed().runner.run('systemctl', ['stop', '--', unit], { timeoutMs: 60_000 })).exitCode).toBe(0);
      const state = (await bed().exec('systemctl', ['show', '-p', 'ActiveState', '-p', 'Result', '--', unit])).trim().split('\n').sort();
      expect(state).toEqual(['ActiveState=inactive', 'Result=success']);
    } finally {
      // The log as it was: one file, its owner and mode (nginx's master reopens it as root).
      if (logOwner !== undefined) {
        const [owner, mode] = logOwner.split(' ');
        const log = '/var/log/nginx/access.log';
        await bed().runner.run('sh', ['-c', 'cat "$1.rotated" "$1" > "$1.merged" 2>/dev/null; mv "$1.merged" "$1" && rm -f "$1.rotated"', 'sh', log]);
        await bed().runner.run('chown', [owner, log]);
        await bed().runner.run('chmod', [mode, log]);
      }
      await uninstallDropIn(bed(), unit);
    }
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
    expect(await active(bed(), unit)).toBe(true);
    // Undone as the drop-in's header says, nginx writes its pid file itself again, not through a link.
    expect((await bed().runner.run('test', ['-L', '/run/nginx.pid'])).exitCode).not.toBe(0);
  }, 600_000);
});
