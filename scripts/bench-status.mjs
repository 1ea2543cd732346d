// `npm run bench:status`: how long `bindscout status` takes on the test bed (scripts/testbed.sh up)
// with 20 or more running services. It starts the bed's packaged daemons and a dozen transient units
// (systemd-run, some with a mount namespace of their own), then times, interleaved:
//   - the built CLI end to end (`status --pid1`), as an admin runs it;
//   - the flow looking into 1, 2 (the default) and 4 namespaces at a time;
//   - the flow with every service's root walked on its own (no sharing of one walk per namespace).
// Medians of BENCH_REPS runs (default 1: one run of each takes minutes on the bed); the machine is shared, so compare the ratios, not the
// seconds. Prints the CLI's table. Stops what it started. Nothing here is an assertion.
import { execFileSync, spawn } from 'node:child_process';
import path from 'node:path';
import { bedPid1, loadSources, root } from './bench-bed.mjs';

const reps = Number(process.env.BENCH_REPS ?? 1);
const PACKAGED = ['nginx.service', 'postgresql@15-main.service', 'redis-server.service', 'memcached.service', 'cron.service', 'unbound.service', 'ssh.service', 'dbus.service'];
const TRANSIENT = Array.from({ length: 12 }, (_, i) => ({
  unit: `bindscout-bench-status-${i + 1}.service`,
  // A third get a mount namespace of their own, as sandboxed packages have.
  properties: i % 3 === 0 ? ['PrivateTmp=yes', 'ProtectSystem=full'] : [],
}));

function runCli(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, 'dist', 'bindscout.mjs'), ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The runner, counting find(1) walks; `shareWalks: false` hides the mount namespaces, so no walk is shared. */
function counting(runner, { shareWalks }) {
  const counts = { find: 0 };
  const wrapped = Object.create(runner);
  wrapped.run = (file, args, options) => {
    if (file === 'find') counts.find++;
    return runner.run(file, args, options);
  };
  if (!shareWalks) wrapped.readlink = async (file) => (/\/ns\/mnt$/.test(file) ? undefined : runner.readlink(file));
  return { runner: wrapped, counts };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const { createNamespaceRunner, serviceStatus } = await loadSources('bench-status-lib', ["export { createNamespaceRunner } from './src/systemd/runner.js';", "export { serviceStatus } from './src/flows/status.js';"]);
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
const pid1 = bedPid1();
const runner = createNamespaceRunner(pid1);

const started = [];
try {
  for (const unit of PACKAGED) {
    const active = (await runner.run('systemctl', ['is-active', '--', unit])).stdout.trim();
    if (active === 'active') continue;
    const result = await runner.run('systemctl', ['start', '--', unit], { timeoutMs: 120_000 });
    if (result.exitCode === 0) started.push(unit);
    else console.error(`${unit} did not start: ${result.stderr.trim()}`);
  }
  for (const { unit, properties } of TRANSIENT) {
    const result = await runner.run('systemd-run', [`--unit=${unit}`, ...properties.flatMap((p) => ['-p', p]), '--', '/bin/sleep', 'infinity'], { timeoutMs: 60_000 });
    if (result.exitCode === 0) started.push(unit);
    else console.error(`${unit} did not start: ${result.stderr.trim()}`);
  }

  const times = { cli: [], c1: [], c2: [], unshared: [] };
  const walks = {};
  let table = '';
  let report;
  for (let rep = 0; rep < reps; rep++) {
    let t = performance.now();
    const cli = await runCli(['status', '--pid1', String(pid1)]);
    times.cli.push(performance.now() - t);
    if (cli.code !== 0) throw new Error(`status exited with ${cli.code}: ${cli.stderr}`);
    table = cli.stdout;
    for (const [key, concurrency, shareWalks] of [['c1', 1, true], ['c2', 2, true], ['unshared', 2, false]]) {
      const counted = counting(runner, { shareWalks });
      t = performance.now();
      report = await serviceStatus(counted.runner, { concurrency });
      times[key].push(performance.now() - t);
      walks[key] = counted.counts.find;
    }
  }
  const active = report.units.filter((u) => u.active === 'active').length;
  const measured = report.units.filter((u) => u.exposure !== null).length;
  const s = (ms) => `${(ms / 1000).toFixed(1)} s`;
  console.log(`\n${report.units.length} services listed, ${active} active, ${measured} looked into; medians of ${reps} run(s)`);
  console.log(`  bindscout status (built CLI, end to end):  ${s(median(times.cli))}`);
  for (const [key, label] of [['c1', '1 at a time'], ['c2', '2 at a time (default)'], ['unshared', '2 at a time, every root walked']]) {
    console.log(`  flow, ${label.padEnd(32)} ${s(median(times[key]))}  (${(median(times[key]) / median(times.c2)).toFixed(2)}× the default; ${walks[key]} walks)`);
  }
  console.log(`\n$ bindscout status\n${table}`);
  const sample = report.units.filter((u) => u.exposure !== null).slice(0, 1).concat(report.units.filter((u) => u.exposure === null).slice(0, 1));
  console.log(`$ bindscout status --json (two of the units)\n${JSON.stringify({ schemaVersion: 1, host: report.host, units: sample }, null, 2)}`);
} finally {
  for (const unit of started.reverse()) await runner.run('systemctl', ['stop', '--', unit], { timeoutMs: 120_000 });
}
