/**
 * Three daemons of the zoo (scripts/zoo-daemons.json, `npm run zoo`) that the tests of the Debian
 * services above do not cover, each ending as the product must end on any service: `discover --yes`
 * reports `working`, installs its drop-in, the service survives `systemctl restart` under it, its
 * probe (what a real client does) passes again, the audit is clean, and its root is the empty tmpfs.
 *
 * Each stands for gaps the rules had (README, zoo section); their packages are installed by
 * `scripts/testbed.sh install-deps`.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unitProcess } from '../systemd/control.js';
import { describeWithBed, retry, type Bed } from './bed.js';
import { buildCli, runBuiltCli, uninstallDropIn } from './run-cli.js';
import { parseUnitName } from '../unit-file/unit-name.js';

interface ZooDaemon {
  name: string;
  unit: string;
  packages: string[];
  setup?: string;
  probe: string;
}

/**
 * The gaps they stand for: bind9's named drops to its own user with -u and keeps its state and key as
 * that user (root:bind, bind:bind 0640); postfix@-.service is Type=forking without a MainPID (the
 * audit goes through its cgroup) and mkdir -p's its way through /var; nsd keeps its own key in
 * /etc/nsd, a directory named for it.
 */
const NAMES = ['bind9', 'postfix', 'nsd'];

const zoo = JSON.parse(readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/zoo-daemons.json'), 'utf8')) as { daemons: ZooDaemon[] };
const DAEMONS = NAMES.map((n) => {
  const d = zoo.daemons.find((x) => x.name === n);
  if (!d) throw new Error(`${n} is not in scripts/zoo-daemons.json`);
  return d;
});

async function sh(bed: Bed, script: string): Promise<boolean> {
  return (await bed.runner.run('/bin/sh', ['-c', script], { timeoutMs: 30_000 })).exitCode === 0;
}

function suite(bed: () => Bed): void {
  beforeAll(async () => {
    await buildCli();
    // Suites before this one may have left unbound running on port 53, which bind9 and nsd need (and a
    // probe would get unbound's answer).
    await bed().runner.run('systemctl', ['stop', '--', 'unbound.service'], { timeoutMs: 60_000 });
  }, 120_000);

  afterAll(async () => {
    // Port 53 and the rest: the suites that run after this one start their own daemons.
    for (const d of DAEMONS) await bed().runner.run('systemctl', ['stop', '--', d.unit], { timeoutMs: 60_000 });
  }, 180_000);

  test.each(DAEMONS)('$name ($unit): working, installed, survives a restart, probe passes, audit clean, empty root', async ({ unit, setup, probe }) => {
    if (setup) await bed().exec('/bin/sh', ['-c', setup]);
    await bed().exec('systemctl', ['start', '--', unit], 120_000);
    // The daemon works in the bed unconfined: otherwise a failure below would say nothing of bindscout.
    await retry(async () => (await sh(bed(), probe)) || Promise.reject(new Error(`${unit}: the probe fails even unconfined`)), 60, 500);
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json', '--probe', probe]);
      const report = JSON.parse(run.stdout) as { result: string; installed: string | null; failure?: string; audit: { pid: number; violations: { kind: string; path: string }[] } | null };
      expect({ result: report.result, failure: report.failure, violations: report.audit?.violations.map((v) => `${v.kind} ${v.path}`) }).toEqual({ result: 'working', failure: undefined, violations: [] });
      expect(run.code).toBe(0);
      expect(report.installed).toBe(`/etc/systemd/system/${unit}.d/bindscout.conf`);

      await bed().exec('systemctl', ['restart', '--', unit], 120_000);
      await retry(async () => (await sh(bed(), probe)) || Promise.reject(new Error(`${unit}: the probe fails after a restart under the profile`)), 60, 500);
      // Through any process of the unit: postfix@- has no MainPID.
      const found = await unitProcess(bed().runner, parseUnitName(unit), { timeoutMs: 30_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
      if (found === undefined || 'none' in found) throw new Error(`${unit} has no process to look into after its restart`);
      const pid = found.pid;
      const root = (await bed().exec('cat', [`/proc/${pid}/mountinfo`])).split('\n').find((l) => l.split(' ')[4] === '/');
      expect(root?.split(' - ')[1]?.split(' ')[0]).toBe('tmpfs');
      expect(await sh(bed(), `test -e /proc/${pid}/root/etc/shadow`)).toBe(false);
    } finally {
      await uninstallDropIn(bed(), unit);
      await bed().runner.run('systemctl', ['stop', '--', unit], { timeoutMs: 60_000 });
    }
  }, 900_000);
}

describeWithBed('zoo daemons no other suite uses', suite);
