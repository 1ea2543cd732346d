#!/usr/bin/env node
/**
 * The zoo: `bindscout discover --yes` on many Debian-packaged daemons that the tests do not use, each
 * in a bed of its own, and a table of how each ends. It measures how general the rules are; it is not
 * a test suite (a daemon that fails here names a gap, not a regression).
 *
 *   npm run zoo                  every daemon in scripts/zoo-daemons.json
 *   npm run zoo -- vsftpd bind9  only those (by name)
 *
 * Needs root and systemd-nspawn (scripts/testbed.sh). For every daemon: its packages are installed on
 * the host (services not started, see `testbed.sh install-deps`) while no bed is up, then under the bed
 * lock a fresh bed is booted (it starts no packaged service), the daemon's setup runs, the unit is
 * started and its probe must pass unconfined (otherwise the daemon cannot run in the bed at all, which
 * says nothing about bindscout), then discover runs with that probe and the result is checked from
 * outside: result `working`, the drop-in installed, `systemctl restart` succeeds, the probe passes
 * again, the audit is clean, and the service's root is the empty tmpfs. The bed goes down after every
 * daemon, so daemons sharing a port never meet and a left-over of one cannot help the next.
 *
 * Environment: ZOO_RESULTS (default zoo-results/ in the repository), BINDSCOUT_BED_LOCK (default
 * /tmp/bindscout-bed.lock: the bed is one per machine; every use of it, and every apt-get install,
 * holds this lock), ZOO_DISCOVER_TIMEOUT (seconds, default 600).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const testbed = path.join(repo, 'scripts', 'testbed.sh');
const cli = path.join(repo, 'dist', 'bindscout.mjs');
const lock = process.env.BINDSCOUT_BED_LOCK ?? '/tmp/bindscout-bed.lock';
const resultsDir = path.resolve(process.env.ZOO_RESULTS ?? path.join(repo, 'zoo-results'));
const discoverTimeout = Number(process.env.ZOO_DISCOVER_TIMEOUT ?? 600) * 1000;

const { daemons } = JSON.parse(readFileSync(path.join(repo, 'scripts', 'zoo-daemons.json'), 'utf8'));

function die(message) {
  console.error(`zoo: ${message}`);
  process.exit(2);
}

/** A command, its output captured; never throws. */
function run(file, args, { timeoutMs = 120_000, input } = {}) {
  const r = spawnSync(file, args, { encoding: 'utf8', timeout: timeoutMs, input, maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? (r.error ? -1 : null), stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : '') };
}

/** A shell command inside the bed. */
const inBed = (script, timeoutMs) => run(testbed, ['exec', '--', '/bin/sh', '-c', script], { timeoutMs });

/** The probe, retried: a Type=simple service counts as started before it listens. */
async function probeUntil(probe, seconds) {
  const until = Date.now() + seconds * 1000;
  let last;
  do {
    last = inBed(probe, 30_000);
    if (last.code === 0) return { ok: true, last };
    await new Promise((r) => setTimeout(r, 500));
  } while (Date.now() < until);
  return { ok: false, last };
}

function selected() {
  const names = process.argv.slice(2);
  if (names.length === 0) return daemons;
  const unknown = names.filter((n) => !daemons.some((d) => d.name === n));
  if (unknown.length > 0) die(`no such daemon in scripts/zoo-daemons.json: ${unknown.join(', ')} (known: ${daemons.map((d) => d.name).join(' ')})`);
  // In the order given: the ones wanted first come first.
  return [...new Set(names)].map((n) => daemons.find((d) => d.name === n));
}

/** Under the bed lock: the host's root is the bed's lower layer, so no install while a bed is up. */
function installPackages(list) {
  const debconf = list.flatMap((d) => d.debconf ?? []);
  const packages = [...new Set(list.flatMap((d) => d.packages))];
  // Installed already: no need to wait for the lock (another user may hold it for many minutes).
  const status = run('dpkg-query', ['-W', '-f=${db:Status-Abbrev}\n', ...packages]);
  if (status.code === 0 && status.stdout.split('\n').filter(Boolean).every((l) => l.startsWith('ii'))) return;
  const script = [
    ...(debconf.length > 0 ? [`printf '%s\\n' ${debconf.map((l) => `'${l.replaceAll("'", "'\\''")}'`).join(' ')} | debconf-set-selections`] : []),
    `exec "$0" install-deps "$@"`,
  ].join(' && ');
  console.error(`zoo: installing (if missing): ${packages.join(' ')}`);
  const r = spawnSync('flock', [lock, 'bash', '-c', script, testbed, ...packages], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) die('installing the packages failed');
}

const short = (text, max = 160) => {
  const one = String(text ?? '').replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/** Spawned, not spawnSync: discover can run for minutes, and the run's own timer must be able to stop it. */
function runCli(args, pid1) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args, '--pid1', String(pid1)], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    // SIGINT: discover puts the unit back as it found it on an interrupt.
    const timer = setTimeout(() => child.kill('SIGINT'), discoverTimeout);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** One daemon in a bed of its own; the caller holds the lock and brings the bed up and down. */
async function measure(d, dir) {
  const row = { service: d.name, unit: d.unit, result: 'error', starts: null, visible: null, outside: null, seconds: null, checks: {}, cause: '' };
  const pid1 = run(testbed, ['pid1']).stdout.trim();
  if (d.setup) {
    const s = inBed(d.setup, 60_000);
    if (s.code !== 0) return { ...row, cause: `setup failed: ${short(s.stderr || s.stdout)}` };
  }
  const started = inBed(`systemctl start -- '${d.unit}'`, 180_000);
  const baseline = started.code === 0 ? await probeUntil(d.probe, 30) : { ok: false, last: started };
  if (!baseline.ok) {
    const journal = inBed(`journalctl -b -u '${d.unit}' -n 40 --no-pager -o cat`, 30_000).stdout;
    writeFileSync(path.join(dir, 'journal.txt'), journal);
    return { ...row, result: 'no-baseline', cause: `does not work in the bed even unconfined: ${short(baseline.last.stderr || baseline.last.stdout || journal.split('\n').filter(Boolean).slice(-2).join(' | '))}` };
  }

  const t0 = Date.now();
  const cliRun = await runCli(['discover', d.unit, '--yes', '--json', '--probe', d.probe], pid1);
  row.seconds = Math.round((Date.now() - t0) / 100) / 10;
  writeFileSync(path.join(dir, 'discover.json'), cliRun.stdout);
  writeFileSync(path.join(dir, 'discover.stderr'), cliRun.stderr);
  let report;
  try {
    report = JSON.parse(cliRun.stdout);
  } catch {
    row.cause = `no JSON report (exit ${cliRun.code ?? cliRun.signal}): ${short(cliRun.stderr.split('\n').filter(Boolean).slice(-3).join(' | '))}`;
    writeFileSync(path.join(dir, 'journal.txt'), inBed(`journalctl -b -u '${d.unit}' -n 80 --no-pager`, 30_000).stdout);
    return row;
  }
  row.result = report.result;
  row.starts = report.starts;
  row.visible = report.audit?.visible ?? null;
  row.outside = report.audit?.outside ?? null;
  const violations = (report.audit?.violations ?? []).map((v) => `${v.kind} ${v.path}`);

  const checks = row.checks;
  checks.working = report.result === 'working';
  const dropIn = `/etc/systemd/system/${d.unit}.d/bindscout.conf`;
  checks.installed = report.installed === dropIn && inBed(`test -f '${dropIn}'`).code === 0;
  checks.auditClean = report.audit !== null && report.audit.clean === true && violations.length === 0;
  if (checks.installed) {
    checks.restart = inBed(`systemctl restart -- '${d.unit}'`, 180_000).code === 0;
    checks.probeAfterRestart = checks.restart && (await probeUntil(d.probe, 30)).ok;
    checks.emptyRoot = emptyRoot(d.unit);
  }
  writeFileSync(path.join(dir, 'journal.txt'), inBed(`journalctl -b -u '${d.unit}' -n 80 --no-pager`, 30_000).stdout);

  const failed = Object.entries(checks).filter(([, ok]) => !ok).map(([k]) => k);
  if (report.result === 'working' && failed.length === 0) {
    row.result = 'working';
  } else {
    if (report.result === 'working') row.result = 'working-but';
    const noAudit = report.audit === null ? (report.notes ?? []).find((n) => /audit/.test(n)) ?? 'no audit in the report' : '';
    const why = report.failure ?? (violations.length > 0 ? `audit: ${violations.join(', ')}` : noAudit);
    row.cause = short([failed.length > 0 && report.result === 'working' ? `failed checks: ${failed.join(', ')}` : '', why].filter(Boolean).join('; '), 300);
  }
  return row;
}

/**
 * A process of the unit: its MainPID, or (a forking unit without a pid file, such as postfix@-, has
 * none) the first process of its control group.
 */
const UNIT_PID = (unit) => `pid=$(systemctl show -p MainPID --value -- '${unit}'); if [ "$pid" = 0 ]; then cg=$(systemctl show -p ControlGroup --value -- '${unit}'); for f in /sys/fs/cgroup$cg/cgroup.procs /sys/fs/cgroup/unified$cg/cgroup.procs /sys/fs/cgroup/systemd$cg/cgroup.procs; do if [ -r "$f" ]; then pid=$(head -n1 "$f"); break; fi; done; fi; echo "$pid"`;

/** The service's / from outside its namespace: a tmpfs, with no /etc/shadow in it. */
function emptyRoot(unit) {
  for (let i = 0; i < 20; i++) {
    const pid = inBed(UNIT_PID(unit)).stdout.trim();
    if (/^[1-9]\d*$/.test(pid)) {
      const host = run(testbed, ['hostpid', pid]).stdout.trim();
      if (/^\d+$/.test(host)) {
        let mountinfo = '';
        try {
          mountinfo = readFileSync(`/proc/${host}/mountinfo`, 'utf8');
        } catch {
          /* exited meanwhile: try again */
        }
        const root = mountinfo.split('\n').find((l) => l.split(' ')[4] === '/');
        // systemd forks first and sets the namespace up in the child: an early look sees the host's root.
        if (root && root.split(' - ')[1]?.split(' ')[0] === 'tmpfs') {
          return run('test', ['-e', `/proc/${host}/root/etc/shadow`]).code !== 0;
        }
      }
    }
    spawnSync('sleep', ['0.5']);
  }
  return false;
}

function table(rows) {
  const cols = [
    ['service', (r) => r.service],
    ['result', (r) => r.result],
    ['starts', (r) => r.starts ?? '-'],
    ['visible', (r) => (r.outside === null ? '-' : `${r.outside}/${r.visible}`)],
    ['seconds', (r) => r.seconds ?? '-'],
    ['cause', (r) => r.cause || ''],
  ];
  const cells = rows.map((r) => cols.map(([, f]) => String(f(r))));
  const widths = cols.map(([h], i) => Math.max(h.length, ...cells.map((c) => (i === cols.length - 1 ? 0 : c[i].length))));
  const line = (c) => c.map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]))).join('  ');
  return [line(cols.map(([h]) => h)), ...cells.map(line)].join('\n');
}

async function main() {
  if (process.getuid?.() !== 0) die('must run as root (it boots the bed and installs packages)');
  const list = selected();
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'inherit' });
  installPackages(list);
  const commit = run('git', ['-C', repo, 'rev-parse', '--short', 'HEAD']).stdout.trim();
  const dirty = run('git', ['-C', repo, 'status', '--porcelain', '--untracked-files=no']).stdout.trim() !== '';
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const out = path.join(resultsDir, stamp);
  mkdirSync(out, { recursive: true });
  const rows = [];
  for (const d of list) {
    const dir = path.join(out, d.name);
    mkdirSync(dir, { recursive: true });
    console.error(`zoo: ${d.name} (${d.unit}): waiting for the bed lock`);
    // The lock is held for one daemon at a time (a few minutes), so another user of the bed gets turns.
    // No timeout here: the wait for the lock can be long, and every step inside has a timeout of its own.
    const child = spawnSync('flock', [lock, process.execPath, fileURLToPath(import.meta.url), '--one', d.name, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
    let row;
    try {
      row = JSON.parse(readFileSync(path.join(dir, 'row.json'), 'utf8'));
    } catch {
      row = { service: d.name, unit: d.unit, result: 'error', starts: null, visible: null, outside: null, seconds: null, checks: {}, cause: `the run for this daemon ended without a result (exit ${child.status ?? child.signal})` };
    }
    rows.push(row);
    console.error(`zoo: ${d.name}: ${row.result}${row.cause ? ` (${row.cause})` : ''}`);
    writeFileSync(path.join(out, 'zoo.json'), `${JSON.stringify({ commit, dirty, date: new Date().toISOString(), rows }, null, 2)}\n`);
  }
  const text = table(rows);
  writeFileSync(path.join(out, 'table.txt'), `${text}\n`);
  console.log(`zoo on ${commit}${dirty ? ' (uncommitted changes)' : ''}: ${rows.filter((r) => r.result === 'working').length}/${rows.length} working; results in ${out}\n`);
  console.log(text);
}

/** `--one NAME DIR`: one daemon, run by main under the lock: bed up, measure, bed down whatever happens. */
async function one(name, dir) {
  const d = daemons.find((x) => x.name === name);
  let row;
  const up = run(testbed, ['up'], { timeoutMs: 180_000 });
  try {
    if (up.code !== 0) {
      row = { service: d.name, unit: d.unit, result: 'error', starts: null, visible: null, outside: null, seconds: null, checks: {}, cause: `bed did not come up: ${short(up.stderr.split('\n').slice(-3).join(' | '))}` };
    } else {
      row = await measure(d, dir);
    }
  } catch (err) {
    row = { service: d.name, unit: d.unit, result: 'error', starts: null, visible: null, outside: null, seconds: null, checks: {}, cause: short(err?.stack ?? err, 300) };
  } finally {
    run(testbed, ['down'], { timeoutMs: 120_000 });
  }
  writeFileSync(path.join(dir, 'row.json'), `${JSON.stringify(row, null, 2)}\n`);
}

if (process.argv[2] === '--one') await one(process.argv[3], process.argv[4]);
else await main();
