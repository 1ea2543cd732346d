/**
 * The diagnosis against a real systemd 252 (PID 1 of the nspawn test bed, scripts/testbed.sh): units
 * whose start fails under TemporaryFileSystem=/:ro the ways the discover loop meets, diagnosed from
 * what the bed really reports. Needs root and a running bed; skipped loudly otherwise, failed on CI.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { diagnoseStart, type JournalLine } from '../checks/diagnose.js';
import { visibleUnder } from '../profile/visibility.js';
import type { FsView } from '../core/fsview.js';
import type { Profile, ProfileEntry } from '../core/model.js';
import { createHostFsView } from '../host/fs.js';
import { resolveExecClosure, tolerantReader } from '../host/elf.js';
import { createNamespaceRunner, type Runner } from '../systemd/runner.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const testbed = path.join(repo, 'scripts/testbed.sh');

function bedPid1(): { pid1?: number; why?: string } {
  if (process.getuid?.() !== 0) return { why: 'not running as root' };
  try {
    execFileSync(testbed, ['status'], { stdio: 'pipe' });
  } catch {
    return { why: `the test bed is not up (run: sudo ${testbed} up)` };
  }
  const pid1 = Number(execFileSync(testbed, ['pid1'], { encoding: 'utf8' }).trim());
  return Number.isInteger(pid1) && pid1 > 1 ? { pid1 } : { why: 'scripts/testbed.sh pid1 gave no PID' };
}

const bed = bedPid1();
if (!bed.pid1) {
  if (process.env.CI === 'true') throw new Error(`diagnose e2e cannot run on CI: ${bed.why}`);
  console.warn(`\n*** SKIPPING src/e2e/diagnose.e2e.test.ts: ${bed.why} ***\n`);
}
const describeBed = bed.pid1 ? describe : describe.skip;

const UNITS = {
  exec: 'bindscout-diag-exec.service',
  namespace: 'bindscout-diag-ns.service',
};
const unitFile = (unit: string) => `/run/systemd/system/${unit}`;

function profileOf(entries: [ProfileEntry['directive'], string][]): Profile {
  return { entries: entries.map(([directive, value]) => ({ directive, value, reason: 'e2e' })), needsConsent: [], omitted: [] };
}

function unitText(profile: Profile): string {
  return ['[Service]', 'ExecStart=/usr/bin/sleep 60', ...profile.entries.map((e) => `${e.directive}=${e.value}`), ''].join('\n');
}

/** The container's files seen from here: /proc/PID1/root, symlinks read but resolved by our own walk. */
function containerFsView(runner: Runner): FsView {
  const hostView = createHostFsView();
  const at = (p: string) => path.posix.join(runner.root, p);
  return { lstat: (p) => hostView.lstat(at(p)), readlink: (p) => hostView.readlink(at(p)) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts the unit and collects its properties and the journal lines of this one invocation. */
async function attempt(runner: Runner, unit: string): Promise<{ properties: Record<string, string>; journal: JournalLine[] }> {
  await runner.run('systemctl', ['reset-failed', unit]);
  await runner.run('systemctl', ['start', unit], { timeoutMs: 30_000 });
  let properties: Record<string, string> = {};
  for (let i = 0; i < 100; i++) {
    const show = await runner.run('systemctl', ['show', '-p', 'Result,ExecMainCode,ExecMainStatus,ActiveState,SubState,InvocationID', unit]);
    properties = Object.fromEntries(show.stdout.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    // `start` of a Type=simple unit returns once forked: the unit shows `active` until the exec fails.
    if (properties.ActiveState === 'failed') break;
    await sleep(100);
  }
  const id = properties.InvocationID;
  let journal: JournalLine[] = [];
  // journald may lag behind PID 1: wait for the final "Failed with result" line of this invocation.
  for (let i = 0; i < 50; i++) {
    const out = await runner.run('journalctl', ['-u', unit, '-o', 'json', '--no-pager', '-a']);
    journal = out.stdout
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.INVOCATION_ID === id || e._SYSTEMD_INVOCATION_ID === id)
      .map((e) => ({ message: String(e.MESSAGE), pid: Number(e._PID), identifier: String(e.SYSLOG_IDENTIFIER) }));
    if (journal.some((l) => l.message.includes('Failed with result'))) break;
    await sleep(100);
  }
  return { properties, journal };
}

describeBed('diagnoseStart against systemd in the test bed', () => {
  let runner: Runner;
  const profiles = {
    exec: profileOf([['TemporaryFileSystem', '/:ro'], ['ProtectSystem', 'no'], ['BindReadOnlyPaths', '/usr/bin/sleep']]),
    namespace: profileOf([['TemporaryFileSystem', '/:ro'], ['ProtectSystem', 'no'], ['BindReadOnlyPaths', '/usr'], ['BindReadOnlyPaths', '/lib'], ['BindReadOnlyPaths', '/lib64'], ['BindReadOnlyPaths', '/nonexistent-bindscout-path']]),
  };

  beforeAll(async () => {
    runner = createNamespaceRunner(bed.pid1!);
    await runner.writeFileAtomic(unitFile(UNITS.exec), unitText(profiles.exec));
    await runner.writeFileAtomic(unitFile(UNITS.namespace), unitText(profiles.namespace));
    const reload = await runner.run('systemctl', ['daemon-reload']);
    expect(reload.exitCode).toBe(0);
  });

  afterAll(async () => {
    if (!runner) return;
    for (const unit of Object.values(UNITS)) {
      await runner.run('systemctl', ['stop', unit]);
      await runner.removeFile(unitFile(unit));
    }
    await runner.run('systemctl', ['daemon-reload']);
    await runner.run('systemctl', ['reset-failed', ...Object.values(UNITS)]);
  });

  test('only the binary bound: 203/EXEC, and the diagnosis names the ELF interpreter and libc', async () => {
    const { properties, journal } = await attempt(runner, UNITS.exec);
    expect(properties).toMatchObject({ Result: 'exit-code', ExecMainStatus: '203' });
    const fs = containerFsView(runner);
    const closure = await resolveExecClosure('/usr/bin/sleep', tolerantReader(runner));
    const d = diagnoseStart({
      unit: UNITS.exec,
      properties,
      journal,
      exists: (p) => fs.lstat(p) !== undefined,
      visible: visibleUnder(profiles.exec, fs),
      profile: profiles.exec,
      execPath: '/usr/bin/sleep',
      closure,
    });
    expect(d.kind).toBe('exec');
    expect(d.summary).toMatch(/ELF interpreter .*\/lib64\/ld-linux-x86-64\.so\.2 is not visible/);
    expect(d.fixes.map((f) => f.path)).toEqual(expect.arrayContaining(['/lib64/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6']));
    expect(d.fixes.map((f) => f.path)).not.toContain('/usr/bin/sleep');
  });

  test('a bind source missing on the host: 226/NAMESPACE with that path', async () => {
    const { properties, journal } = await attempt(runner, UNITS.namespace);
    expect(properties).toMatchObject({ Result: 'exit-code', ExecMainStatus: '226' });
    const fs = containerFsView(runner);
    const d = diagnoseStart({ unit: UNITS.namespace, properties, journal, exists: (p) => fs.lstat(p) !== undefined, profile: profiles.namespace });
    expect(d.kind).toBe('namespace');
    expect(d.summary).toContain('/nonexistent-bindscout-path');
    expect(d.fixes).toContainEqual(expect.objectContaining({ directive: 'BindReadOnlyPaths', path: '/nonexistent-bindscout-path', optional: true }));
  });
});
