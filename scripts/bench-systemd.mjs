// `npm run bench:systemd`: what tracing costs a real service, in the test bed (scripts/testbed.sh up).
// A throwaway nginx unit (127.0.0.1:8083, its own files under /run) is started untraced and traced
// (bindscout's tracing drop-in), interleaved, and each start is timed from `systemctl start` to the
// first HTTP 200. The untraced starts are the floor: the figure is the ratio of the medians. Then
// `discover --dry-run` is timed end to end on the same unit. Nothing here is an assertion.
import { execFileSync, spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { bedPid1, loadSources, root } from './bench-bed.mjs';

const reps = Number(process.env.BENCH_REPS ?? 10);
const discoverRuns = Number(process.env.BENCH_DISCOVER_RUNS ?? 3);
const { throwawayNginx, ...lib } = await loadSources('bench-systemd-lib', [
  "export { createNamespaceRunner } from './src/systemd/runner.js';",
        "export { installTracing, removeTracing } from './src/systemd/tracing.js';",
        "export { loadUnit } from './src/systemd/unit.js';",
        "export { throwawayNginx } from './src/e2e/throwaway-nginx.js';",
]);
const { unit: UNIT, unitFile: UNIT_FILE, dir: DIR, port: PORT, probe: PROBE, nginxConf: NGINX_CONF, unitText: UNIT_TEXT } = throwawayNginx(
  'bindscout-e2e-prove-bench',
  8083,
  'bindscout tracing benchmark',
);

async function check(runner, file, args, timeoutMs = 60_000) {
  const result = await runner.run(file, args, { timeoutMs });
  if (result.exitCode !== 0) throw new Error(`${file} ${args.join(' ')}: exit ${result.exitCode}: ${result.stderr}${result.failedToStart ?? ''}`);
  return result.stdout;
}

/** The bed shares the host's network: the port is polled from here, without a process per try. */
function answers() {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port: PORT, path: '/', timeout: 1000, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
  });
}

async function timedStart(runner) {
  const started = process.hrtime.bigint();
  await check(runner, 'systemctl', ['start', '--', UNIT]);
  for (;;) {
    if (await answers()) return Number(process.hrtime.bigint() - started) / 1e6;
    if (Number(process.hrtime.bigint() - started) > 30e9) throw new Error(`${UNIT} did not answer within 30 s`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function stop(runner) {
  await check(runner, 'systemctl', ['stop', '--', UNIT]);
  // The next start must not find the port still taken by the previous instance.
  while (await answers()) await new Promise((r) => setTimeout(r, 10));
}

function runDiscover(pid1) {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [path.join(root, 'dist', 'bindscout.mjs'), 'discover', UNIT, '--yes', '--dry-run', '--json', '--probe', PROBE, '--pid1', String(pid1)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      if (code !== 0) return reject(new Error(`discover exited with ${code}:\n${stderr}`));
      const report = JSON.parse(stdout);
      resolve({ seconds, starts: report.starts, result: report.result });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs, digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

async function cleanup(runner, removeTracing) {
  await runner.run('systemctl', ['stop', '--', UNIT], { timeoutMs: 60_000 });
  await runner.run('systemctl', ['reset-failed', '--', UNIT]);
  await removeTracing(runner, UNIT).catch(() => undefined);
  for (const file of (await runner.readdir(`${UNIT_FILE}.d`)) ?? []) await runner.removeFile(`${UNIT_FILE}.d/${file}`);
  await runner.removeEmptyDir(`${UNIT_FILE}.d`);
  await runner.removeFile(UNIT_FILE);
  await runner.removeFile(`/run/bindscout/${UNIT}.lock`);
  await runner.run('rm', ['-rf', '--', DIR]);
  await runner.run('systemctl', ['daemon-reload']);
}

if (process.getuid?.() !== 0) {
  console.error('bench:systemd must run as root (it drives the test bed)');
  process.exit(5);
}
const pid1 = bedPid1();
execFileSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
const { createNamespaceRunner, installTracing, removeTracing, loadUnit } = lib;
const runner = createNamespaceRunner(pid1);
let interrupted = false;
process.on('SIGINT', () => {
  interrupted = true;
  console.error('SIGINT: stopping after this step and cleaning up');
});

try {
  await cleanup(runner, removeTracing);
  await runner.mkdirp(DIR);
  await runner.writeFileAtomic(`${DIR}/nginx.conf`, NGINX_CONF);
  await runner.writeFileAtomic(UNIT_FILE, UNIT_TEXT);
  await check(runner, 'systemctl', ['daemon-reload']);
  const clean = await loadUnit(runner, UNIT);

  // One start of each kind first, not counted: page cache, nginx's temp directories, strace's first run.
  await timedStart(runner);
  await stop(runner);
  await installTracing(runner, clean);
  await timedStart(runner);
  await stop(runner);
  await removeTracing(runner, UNIT);

  const plain = [];
  const traced = [];
  for (let i = 0; i < reps && !interrupted; i++) {
    plain.push(await timedStart(runner));
    await stop(runner);
    await installTracing(runner, clean);
    traced.push(await timedStart(runner));
    await stop(runner);
    await removeTracing(runner, UNIT);
    console.error(`rep ${i + 1}/${reps}: untraced ${plain.at(-1).toFixed(0)} ms, traced ${traced.at(-1).toFixed(0)} ms`);
  }

  const discover = [];
  for (let i = 0; i < discoverRuns && !interrupted; i++) {
    const run = await runDiscover(pid1);
    discover.push(run);
    console.error(`discover ${i + 1}/${discoverRuns}: ${run.seconds.toFixed(1)} s, ${run.starts} starts, ${run.result}`);
  }

  if (plain.length > 0) {
    const ratio = median(traced) / median(plain);
    console.log(`unit:             ${UNIT} (nginx, Type=simple), ${plain.length} starts of each kind, interleaved`);
    console.log(`untraced start:   ${median(plain).toFixed(0)} ms median (${spread(plain)}), systemctl start → first HTTP 200`);
    console.log(`traced start:     ${median(traced).toFixed(0)} ms median (${spread(traced)}), under bindscout's tracing drop-in`);
    console.log(`ratio:            ${ratio.toFixed(2)}x the untraced start   target ≤1.5x`);
  }
  if (discover.length > 0) {
    const seconds = discover.map((d) => d.seconds);
    console.log(`discover:         ${median(seconds).toFixed(1)} s median (${spread(seconds, 1)}) per run, --yes --dry-run --probe, default --settle 2; ${discover[0].starts} starts each`);
  }
} finally {
  await cleanup(runner, removeTracing);
}
