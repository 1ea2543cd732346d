/**
 * The audit on real services: `discover --yes` on cron (a pid file directly in /run) and unbound
 * (ExecStartPre= scripts that touch system state, a trust anchor it keeps updated), then `view` on
 * the installed result; and a candidate that fails the audit refused under `--yes` alone.
 *
 * They are installed here with --accept-audit, so that what the audit reports is checked for being
 * true (every violation really visible inside, `view` agreeing) whatever it finds: that the audit is
 * clean is the business of audit-targets.e2e.test.ts.
 */
import { beforeAll, expect, test } from '@jest/globals';
import type { AuditReport } from '../checks/audit.js';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed, startUnits, type Bed } from './bed.js';
import { CRON_PROBE, UNBOUND_PROBE } from './probes.js';
import { buildCli, mainPidOf, runBuiltCli, uninstallDropIn } from './run-cli.js';
import { parseUnitName } from '../unit-file/unit-name.js';


interface Case {
  unit: string;
  probe: string;
  extra: string[];
  /** A place the audit must count as the service's own. */
  own: string;
}

const CASES: Case[] = [
  { unit: 'cron.service', probe: CRON_PROBE, extra: [], own: '/var/spool/cron/crontabs' },
  { unit: 'unbound.service', probe: UNBOUND_PROBE, extra: [], own: '/var/lib/unbound' },
];

const key = (a: AuditReport) => a.violations.filter((v) => v.kind !== 'writable').map((v) => `${v.kind} ${v.path}`).sort();

async function exists(bed: Bed, pid: number, path: string): Promise<boolean> {
  return (await bed.runner.run('test', ['-e', `/proc/${pid}/root${path}`])).exitCode === 0;
}

describeWithBed('the audit of real services', (bed) => {
  beforeAll(async () => {
    buildCli();
    await startUnits(bed(), CASES.map((c) => c.unit));
  }, 300_000);

  test.each(CASES)('$unit: discover --yes works, its report carries the audit, and view audits the same running service', async ({ unit, probe, extra, own }) => {
    const before = await catUnit(bed().runner, parseUnitName(unit));
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--accept-audit', '--json', '--probe', probe, ...extra]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout) as { result: string; installed: string | null; starts: number; audit: AuditReport; notes: string[] };
      expect(report).toMatchObject({ result: 'working', installed: `/etc/systemd/system/${unit}.d/bindscout.conf` });
      expect(report.starts).toBeLessThanOrEqual(3);
      expect((await bed().runner.run('/bin/sh', ['-c', probe], { timeoutMs: 30_000 })).exitCode).toBe(0);

      // The audit in the report is of the process that runs now, under the installed drop-in.
      const pid = await mainPidOf(bed(), unit);
      expect(report.audit.pid).toBe(pid);
      expect(report.audit.visible).toBeGreaterThan(100);
      if (!report.audit.clean) expect(report.notes.join('\n')).toContain('--accept-audit');
      expect(report.audit.own.map((o) => o.path)).toContain(own);
      // Everything it reports is really there, seen from inside; the secrets it does not report are not.
      for (const v of report.audit.violations.slice(0, 30)) expect(await exists(bed(), pid, v.path)).toBe(true);
      for (const secret of ['/etc/shadow', '/root', '/home']) expect(await exists(bed(), pid, secret)).toBe(false);

      const view = await runBuiltCli(bed(), ['view', '--json', unit]);
      expect(view.stderr).toBe('');
      const seen = JSON.parse(view.stdout) as { audit: AuditReport };
      expect(seen.audit.pid).toBe(pid);
      expect(view.code).toBe(seen.audit.clean ? 0 : 1);
      expect(key(seen.audit)).toEqual(key(report.audit));
      expect(seen.audit.clean).toBe(report.audit.clean);
      expect(Math.abs(seen.audit.outside - report.audit.outside)).toBeLessThanOrEqual(10);

      const text = await runBuiltCli(bed(), ['view', unit]);
      expect(text.stdout).toContain(`audit of ${unit}: ${seen.audit.clean ? 'clean' : `${seen.audit.violations.length} violation`}`);
      expect(text.stdout).toMatch(/entries visible outside \/usr, \/lib\*, \/bin, \/sbin, \/proc, \/sys, \/dev and its own directories: \d+/);
      for (const v of seen.audit.violations.filter((x) => x.kind === 'socket').slice(0, 5)) expect(text.stdout).toContain(`socket ${v.path}`);
    } finally {
      await uninstallDropIn(bed(), unit);
    }
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
  }, 300_000);

  test('a secret the admin granted (--include) is listed as granted, not as a violation: installed, and only that secret is seen', async () => {
    const unit = 'bindscout-e2e-audit-secret.service';
    const file = `/run/systemd/system/${unit}`;
    // It needs /etc/shadow and the admin grants it: consent given explicitly is not a finding to refuse.
    // (Refusal under --yes of a candidate whose audit finds violations: src/flows/audit-gate.test.ts.)
    await bed().runner.writeFileAtomic(file, '[Service]\nType=simple\nExecStart=/bin/sh -c "cat /etc/shadow >/dev/null && exec sleep infinity"\n');
    try {
      await bed().exec('systemctl', ['daemon-reload']);
      await bed().exec('systemctl', ['start', '--', unit]);
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json', '--include', '/etc/shadow']);
      const report = JSON.parse(run.stdout);
      expect({ code: run.code, result: report.result, installed: report.installed }).toEqual({ code: 0, result: 'working', installed: `/etc/systemd/system/${unit}.d/bindscout.conf` });
      expect(report.audit.granted).toEqual(expect.arrayContaining([expect.objectContaining({ path: '/etc/shadow' })]));
      expect(report.audit.violations.filter((v: { kind: string }) => v.kind === 'secret')).toEqual([]);
      const pid = await mainPidOf(bed(), unit);
      expect(await exists(bed(), pid, '/etc/shadow')).toBe(true);
      for (const other of ['/etc/gshadow', '/root', '/home']) expect(await exists(bed(), pid, other)).toBe(false);
    } finally {
      await uninstallDropIn(bed(), unit);
      await bed().runner.run('systemctl', ['stop', '--', unit]);
      await bed().runner.removeFile(file);
      await bed().exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);
});
