/**
 * `bindscout discover` interrupted at any moment leaves the unit exactly as it found it. The built CLI
 * runs against a throwaway nginx unit in the bed and gets SIGINT or SIGTERM at a seeded-random moment
 * between 0.2 s and the length of a whole run; afterwards the unit's configuration, its state (found
 * running, or found stopped), /run and the process table must hold nothing of bindscout's. A SIGKILL
 * leaves things behind by nature: the next run must find them, remove them and say so.
 *
 * Four runs by default; BINDSCOUT_LONG=1 makes it 24. The signals and the fractions of the run length
 * are seeded (BINDSCOUT_INTERRUPT_SEED); the run length is measured in the same suite.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed, retry, type Bed } from './bed.js';
import { throwawayNginx } from './throwaway-nginx.js';
import { seededRandom } from '../testing/seeded-random.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist', 'bindscout.mjs');

const NGINX = throwawayNginx('bindscout-e2e-prove-interrupt', 8082, 'bindscout interrupt test');
const { unit: UNIT, unitFile: UNIT_FILE, dir: DIR, probe: PROBE, nginxConf: NGINX_CONF, unitText: UNIT_TEXT } = NGINX;
const RUNS = process.env.BINDSCOUT_LONG === '1' ? 24 : 4;
const SEED = Number(process.env.BINDSCOUT_INTERRUPT_SEED ?? 7331);
const SETTLE = '1';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

interface Kill {
  signal: NodeJS.Signals;
  /** ms after spawn, or after `when` appears on stderr. */
  afterMs: number;
  when?: string;
}

function runCli(bed: Bed, args: string[], kill?: Kill): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, [cli, ...args, '--pid1', String(bed.pid1)], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      timer = setTimeout(() => child.kill(kill!.signal), kill!.afterMs);
    };
    if (kill && kill.when === undefined) arm();
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      if (kill?.when !== undefined && timer === undefined && stderr.includes(kill.when)) arm();
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
}

async function activeState(bed: Bed): Promise<string> {
  return (await bed.runner.run('systemctl', ['show', '-p', 'ActiveState', '--value', '--', UNIT])).stdout.trim();
}

/** strace processes tracing this unit's nginx (the bed is shared: other units may be traced meanwhile). */
async function ourStraces(bed: Bed): Promise<string[]> {
  const found = await bed.runner.run('pgrep', ['-a', '-x', 'strace']);
  return found.stdout.split('\n').filter((l) => l.includes(`${DIR}/nginx.conf`));
}

async function setFound(bed: Bed, running: boolean): Promise<void> {
  await bed.runner.run('systemctl', ['reset-failed', '--', UNIT]);
  await bed.exec('systemctl', [running ? 'start' : 'stop', '--', UNIT], 60_000);
  if (running) await retry(() => bed.exec('/bin/sh', ['-c', PROBE], 10_000));
  expect(await activeState(bed)).toBe(running ? 'active' : 'inactive');
}

/** What must hold after every run that ended without installing anything; each difference, described. */
async function differences(bed: Bed, original: string, running: boolean): Promise<string[]> {
  const found: string[] = [];
  const cat = await catUnit(bed.runner, parseUnitName(UNIT));
  if (cat !== original) {
    const files = (text: string) => text.split('\n').filter((l) => /^# \/\S+$/.test(l));
    const added = files(cat).filter((f) => !files(original).includes(f));
    found.push(`systemctl cat differs from the original${added.length > 0 ? `: it now has ${added.map((f) => f.slice(2)).join(', ')}` : ''}`);
  }
  const dropIns = ((await bed.runner.readdir(`${UNIT_FILE}.d`)) ?? []).filter((f) => f.includes('bindscout'));
  if (dropIns.length > 0) found.push(`left under ${UNIT_FILE}.d: ${dropIns.join(', ')}`);
  if ((await bed.runner.readFile(`/run/bindscout/${UNIT}.lock`)) !== undefined) found.push('the lock is still there');
  const state = await activeState(bed);
  if (state !== (running ? 'active' : 'inactive')) found.push(`found ${running ? 'running' : 'stopped'}, left ${state}`);
  const straces = await ourStraces(bed);
  if (straces.length > 0) found.push(`strace still tracing the unit (pid ${straces.map((l) => l.split(' ')[0]).join(', ')})`);
  if (running && (await bed.runner.run('/bin/sh', ['-c', PROBE], { timeoutMs: 10_000 })).exitCode !== 0) found.push('the probe fails');
  return found;
}

async function expectAsFound(bed: Bed, original: string, running: boolean, label: string): Promise<void> {
  expect({ label, differences: await differences(bed, original, running) }).toEqual({ label, differences: [] });
}

/** After a run that left something behind: back to the unit as it was, so the next run starts clean. */
async function repair(bed: Bed, running: boolean): Promise<void> {
  for (const file of (await bed.runner.readdir(`${UNIT_FILE}.d`)) ?? []) await bed.runner.removeFile(`${UNIT_FILE}.d/${file}`);
  await bed.runner.removeEmptyDir(`${UNIT_FILE}.d`);
  await bed.runner.removeFile(`/run/bindscout/${UNIT}.lock`);
  await uninstall(bed);
  await bed.runner.run('systemctl', ['stop', '--', UNIT], { timeoutMs: 60_000 });
  await setFound(bed, running);
}

async function uninstall(bed: Bed): Promise<void> {
  await bed.runner.removeFile(`/etc/systemd/system/${UNIT}.d/bindscout.conf`);
  await bed.runner.removeFile(`/etc/systemd/system/${UNIT}.d/bindscout.conf.bindscout-backup`);
  await bed.runner.removeEmptyDir(`/etc/systemd/system/${UNIT}.d`);
  // What discover remembered about the unit goes too.
  await bed.exec('rm', ['-rf', '--', `/var/lib/bindscout/${UNIT}`]);
  await bed.runner.removeEmptyDir('/var/lib/bindscout');
  await bed.exec('systemctl', ['daemon-reload']);
}

async function removeAll(bed: Bed): Promise<void> {
  await bed.runner.run('systemctl', ['stop', '--', UNIT], { timeoutMs: 60_000 });
  await bed.runner.run('systemctl', ['reset-failed', '--', UNIT]);
  for (const file of (await bed.runner.readdir(`${UNIT_FILE}.d`)) ?? []) await bed.runner.removeFile(`${UNIT_FILE}.d/${file}`);
  await bed.runner.removeEmptyDir(`${UNIT_FILE}.d`);
  await bed.runner.removeFile(UNIT_FILE);
  await bed.runner.removeFile(`/run/bindscout/${UNIT}.lock`);
  await uninstall(bed);
  await bed.exec('rm', ['-rf', '--', DIR]);
}

describeWithBed('discover interrupted at any moment', (bed) => {
  const figures: string[] = [];
  let original = '';
  /** Wall-clock length of one whole run, measured here: the interruptions are spread over it. */
  let fullMs = 0;

  beforeAll(async () => {
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
    await removeAll(bed());
    await bed().runner.mkdirp(DIR);
    await bed().runner.writeFileAtomic(`${DIR}/nginx.conf`, NGINX_CONF);
    await bed().runner.writeFileAtomic(UNIT_FILE, UNIT_TEXT);
    await bed().exec('systemctl', ['daemon-reload']);
    original = await catUnit(bed().runner, parseUnitName(UNIT));

    // A whole run, uninterrupted, found stopped: proves the unit can be discovered at all.
    await setFound(bed(), false);
    const whole = await runCli(bed(), ['discover', UNIT, '--yes', '--dry-run', '--json', '--settle', SETTLE, '--probe', PROBE]);
    expect({ code: whole.code, stderr: whole.code === 0 ? '' : whole.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(whole.stdout)).toMatchObject({ unit: UNIT, result: 'working', installed: null });
    fullMs = whole.ms;
    figures.push(`  whole run (found stopped, --dry-run): ${(whole.ms / 1000).toFixed(1)} s, ${JSON.parse(whole.stdout).starts} starts`);
    await expectAsFound(bed(), original, false, 'after the uninterrupted run');
  }, 300_000);

  afterAll(async () => {
    if (figures.length > 0) console.info(`discover interrupted (seed ${SEED}, ${RUNS} runs):\n${figures.join('\n')}`);
    await removeAll(bed());
  }, 120_000);

  test(`${RUNS} runs, each interrupted at a seeded-random moment, leave the unit as found`, async () => {
    const rand = seededRandom(SEED);
    const outcomes = { interrupted: 0, finished: 0 };
    const failures: { run: string; problems: string[] }[] = [];
    for (let i = 0; i < RUNS; i++) {
      const running = i % 2 === 0;
      const signal: NodeJS.Signals = rand() < 0.5 ? 'SIGINT' : 'SIGTERM';
      const afterMs = Math.round(200 + rand() * Math.max(0, fullMs - 200));
      await setFound(bed(), running);
      const label = `run ${i + 1}: found ${running ? 'running' : 'stopped'}, ${signal} at ${afterMs} ms`;
      // --accept-audit: a run the signal comes too late for installs, whatever the audit says.
      const run = await runCli(bed(), ['discover', UNIT, '--yes', '--accept-audit', '--settle', SETTLE, '--probe', PROBE], { signal, afterMs });
      const phase = run.stderr.split('\n').filter((l) => l.startsWith('bindscout: ') && !l.includes('interrupted')).at(-1) ?? '(before any output)';
      figures.push(`  ${label}: exit ${run.code ?? run.signal} after ${(run.ms / 1000).toFixed(1)} s; last step: ${phase.slice(11, 90)}`);
      let problems: string[];
      // The report is printed last: a signal after it (even one that ends the process as it exits) came
      // too late to stop anything.
      const reported = run.stderr.includes('  drop-in: ');
      if (run.code === 0 || (run.signal === signal && reported)) {
        // The signal came after the last point where stopping was still possible: the run finished
        // and installed, which is the other acceptable outcome. Everything temporary is gone all the same.
        outcomes.finished++;
        const installed = `/etc/systemd/system/${UNIT}.d/bindscout.conf`;
        problems = (await catUnit(bed().runner, parseUnitName(UNIT))).includes(`# ${installed}\n`) ? [] : [`exit 0 without ${installed}`];
        await uninstall(bed());
        await bed().exec('systemctl', ['restart', '--', UNIT], 60_000);
        if (!running) await bed().exec('systemctl', ['stop', '--', UNIT], 60_000);
        problems.push(...(await differences(bed(), original, running)));
      } else {
        outcomes.interrupted++;
        problems = await differences(bed(), original, running);
        if (run.code !== 130) problems.unshift(`exit ${run.code ?? run.signal}, not 130: ${run.stderr.trim().split('\n').slice(-3).join(' | ')}`);
        if (!run.stderr.includes(`${signal}: cleaning up`)) problems.push(`stderr does not say "${signal}: cleaning up"`);
      }
      if (problems.length > 0) {
        figures.push(`    left behind: ${problems.join('; ')}`);
        failures.push({ run: label, problems });
        await repair(bed(), running);
      }
    }
    figures.push(`  ${outcomes.interrupted} interrupted (exit 130), ${outcomes.finished} finished before the signal could stop them (installed, removed again)`);
    if (failures.length > 0) figures.push(`  ${failures.length} of ${RUNS} runs left something behind`);
    expect(failures).toEqual([]);
    expect(outcomes.interrupted).toBeGreaterThanOrEqual(Math.ceil(RUNS / 2));
  }, 60_000 + RUNS * 120_000);

  test('found running, interrupted while the traced instance settles: the unit runs again as it was, untraced', async () => {
    await setFound(bed(), true);
    const before = (await bed().exec('systemctl', ['show', '-p', 'InvocationID', '--value', '--', UNIT])).trim();
    // A long settle makes a wide window between the traced restart and the traced stop.
    const run = await runCli(bed(), ['discover', UNIT, '--yes', '--accept-audit', '--settle', '6', '--probe', PROBE], { signal: 'SIGINT', afterMs: 2500, when: 'observing' });
    figures.push(`  SIGINT while the traced instance settles (--settle 6, 2.5 s after "observing"): exit ${run.code ?? run.signal} after ${(run.ms / 1000).toFixed(1)} s`);
    const problems = await differences(bed(), original, true);
    if (problems.length > 0) await repair(bed(), true);
    expect({ code: run.code, problems }).toEqual({ code: 130, problems: [] });
    // Running, and not the instance bindscout started under strace.
    expect((await bed().exec('systemctl', ['show', '-p', 'InvocationID', '--value', '--', UNIT])).trim()).not.toBe(before);
  }, 300_000);

  test('after a SIGKILL during the traced start, the next run removes what was left and says so', async () => {
    await setFound(bed(), true);
    const killed = await runCli(bed(), ['discover', UNIT, '--yes', '--accept-audit', '--settle', SETTLE, '--probe', PROBE], { signal: 'SIGKILL', afterMs: 500, when: 'observing' });
    expect(killed.signal).toBe('SIGKILL');
    // Left behind: the tracing drop-in under /run, and the dead process's lock.
    const left = ((await bed().runner.readdir(`${UNIT_FILE}.d`)) ?? []).filter((f) => f.startsWith('zz-bindscout-'));
    expect(left.length).toBeGreaterThan(0);
    expect(await bed().runner.readFile(`/run/bindscout/${UNIT}.lock`)).toBeDefined();

    const next = await runCli(bed(), ['discover', UNIT, '--yes', '--dry-run', '--settle', SETTLE, '--probe', PROBE]);
    expect({ code: next.code, stderr: next.code === 0 ? '' : next.stderr }).toEqual({ code: 0, stderr: '' });
    expect(next.stderr).toContain('removed what an interrupted bindscout left behind');
    for (const file of left) expect(next.stderr).toContain(`${UNIT_FILE}.d/${file}`);
    figures.push(`  after SIGKILL: left ${left.join(', ')}; the next run (${(next.ms / 1000).toFixed(1)} s) removed them`);
    // The killed run had left the unit running under strace; the next run put it back as running.
    await expectAsFound(bed(), original, true, 'after the run that followed the SIGKILL');
  }, 300_000);

  test('after a SIGKILL, bindscout cleanup removes what was left, says so, and the unit runs untraced', async () => {
    await setFound(bed(), true);
    const killed = await runCli(bed(), ['discover', UNIT, '--yes', '--accept-audit', '--settle', SETTLE, '--probe', PROBE], { signal: 'SIGKILL', afterMs: 500, when: 'observing' });
    expect(killed.signal).toBe('SIGKILL');
    const left = ((await bed().runner.readdir(`${UNIT_FILE}.d`)) ?? []).filter((f) => f.startsWith('zz-bindscout-'));
    expect(left.length).toBeGreaterThan(0);

    const cleanup = await runCli(bed(), ['cleanup']);
    expect(cleanup.code).toBe(0);
    for (const file of left) expect(cleanup.stdout).toContain(`removed ${UNIT_FILE}.d/${file}`);
    expect(cleanup.stdout).toContain(`removed /run/bindscout/${UNIT}.lock`);
    await expectAsFound(bed(), original, true, 'after bindscout cleanup');

    const again = await runCli(bed(), ['cleanup']);
    expect(again.stdout).toContain('nothing of bindscout was left behind');
  }, 300_000);
});
