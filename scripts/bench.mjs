// `npm run bench`: analyze throughput and peak memory on a ≥1 GB log, against a floor measured in the
// same run (Node reading the same file and splitting it into lines, nothing else). Figures are ratios
// to that floor because these machines are noisy; nothing here is an assertion. A second part measures
// the cost per distinct path (see scaleBench). BENCH_ONLY=log or BENCH_ONLY=scale runs one part.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Kept out of the repository and out of a tmpfs /tmp: the log is over a gigabyte.
const outDir = process.env.BENCH_DIR ?? '/var/tmp/bindscout-bench';
const bigLog = path.join(outDir, 'big.strace');
const targetBytes = Number(process.env.BENCH_BYTES ?? 1_100_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);

function fixtureLogs() {
  const dir = path.join(root, 'fixtures', 'traces');
  const logs = [];
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const file = path.join(dir, name, 'strace.log');
    if (existsSync(file)) logs.push(file);
  }
  if (logs.length === 0) throw new Error('no fixtures/traces/*/strace.log to build the benchmark log from');
  return logs;
}

/**
 * Real traces repeated until the target size, each copy with its pids shifted so that the log looks
 * like one long-running service with many short-lived children rather than the same pids recycled.
 */
async function buildBigLog() {
  if (existsSync(bigLog) && statSync(bigLog).size >= targetBytes) return statSync(bigLog).size;
  mkdirSync(outDir, { recursive: true });
  const texts = fixtureLogs().map((f) => readFileSync(f, 'latin1'));
  const out = createWriteStream(bigLog, { encoding: 'latin1' });
  let written = 0;
  for (let copy = 0; written < targetBytes; copy++) {
    const text = texts[copy % texts.length];
    const shifted = text.replace(/^(\d+)(?= )/gm, (pid) => String(Number(pid) + (copy % 40) * 100000));
    if (!out.write(shifted)) await new Promise((r) => out.once('drain', r));
    written += shifted.length;
  }
  await new Promise((r) => out.end(r));
  return statSync(bigLog).size;
}

/**
 * The floor: the fastest plain way to get the lines of the file as strings, doing nothing with them.
 * 1 MiB buffers, each turned into a latin1 string (one char per byte, as analyze reads), cut into one
 * string per line. A line that straddles two buffers is joined from its pieces.
 */
async function floorLatin1(file) {
  const start = process.hrtime.bigint();
  let lines = 0;
  let rest = '';
  for await (const buffer of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = buffer.toString('latin1');
    let from = 0;
    let nl = text.indexOf('\n');
    if (nl >= 0 && rest !== '') {
      keep(rest + text.slice(0, nl));
      lines++;
      rest = '';
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    while (nl !== -1) {
      keep(text.slice(from, nl));
      lines++;
      from = nl + 1;
      nl = text.indexOf('\n', from);
    }
    rest += text.slice(from);
  }
  if (rest) lines++;
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, lines };
}

/** The floor as first defined here: each buffer decoded as UTF-8 and every line found, none cut out. */
async function floorUtf8(file) {
  const start = process.hrtime.bigint();
  let lines = 0;
  let rest = '';
  for await (const buffer of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = rest + buffer.toString('utf8');
    let from = 0;
    let nl;
    while ((nl = text.indexOf('\n', from)) !== -1) {
      lines++;
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  if (rest) lines++;
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, lines };
}

/** Keeps the optimiser from dropping the line strings the floor makes. */
let kept = 0;
function keep(line) {
  kept += line.length & 1;
}

function runAnalyze(file, extra = []) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      ['--import', path.join(root, 'scripts', 'bench-rss-hook.mjs'), path.join(root, 'dist', 'bindscout.mjs'), 'analyze', '--quiet', '--json', ...extra, file],
      { stdio: ['ignore', 'pipe', 'inherit', 'pipe'], env: { ...process.env, NO_COLOR: '1', BINDSCOUT_BENCH_RSS_FD: '3' } },
    );
    let stdout = '';
    let rss = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stdio[3].setEncoding('utf8').on('data', (d) => (rss += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) return reject(new Error(`analyze exited with ${code}`));
      const report = JSON.parse(stdout);
      resolve({ seconds, rssKiB: Number(rss.trim()), stats: report.stats, paths: report.accesses.length });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const spread = (xs, digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

const only = process.env.BENCH_ONLY; // `log` or `scale`: one part only
if (only !== 'scale') await logBench();
if (only !== 'log') await scaleBench();

async function logBench() {
  const size = await buildBigLog();
  const mb = size / 1e6;
  console.error(`benchmark log: ${bigLog} (${mb.toFixed(0)} MB)`);

  // Interleaved, run by run: the machine's speed drifts, and each ratio compares runs made side by side.
  const latin1Rates = [];
  const utf8Rates = [];
  const analyzeRates = [];
  const ratios = [];
  const rssMiB = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const latin1 = mb / (await floorLatin1(bigLog)).seconds;
    const utf8 = mb / (await floorUtf8(bigLog)).seconds;
    last = await runAnalyze(bigLog);
    const analyze = mb / last.seconds;
    latin1Rates.push(latin1);
    utf8Rates.push(utf8);
    analyzeRates.push(analyze);
    ratios.push(analyze / latin1);
    rssMiB.push(last.rssKiB / 1024);
    console.error(
      `run ${i + 1}/${runs}: floor latin1 ${latin1.toFixed(0)} MB/s, floor utf8 ${utf8.toFixed(0)} MB/s, analyze ${analyze.toFixed(0)} MB/s (${(analyze / latin1).toFixed(2)} of latin1), peak RSS ${(last.rssKiB / 1024).toFixed(0)} MiB`,
    );
  }

  const row = (name, xs, digits, note = '') =>
    console.log(`${name.padEnd(22)}${median(xs).toFixed(digits).padStart(6)} median  (min–max ${spread(xs, digits)})${note}`);
  console.log(`log: ${mb.toFixed(0)} MB, ${last.stats.lines} lines, ${last.stats.syscalls} syscalls, ${last.paths} distinct paths, ${last.stats.unparsed} unparsed; ${runs} runs`);
  row('floor latin1 MB/s', latin1Rates, 0, '   read, latin1, one string per line');
  row('floor utf8 MB/s', utf8Rates, 0, '   read, UTF-8, find each line');
  row('analyze MB/s', analyzeRates, 0, '   target ≥ 150');
  row('ratio to latin1 floor', ratios, 2, '   target ≥ 0.33');
  row('peak RSS MiB', rssMiB, 0, '   target ≤ 200');
}

/** Seconds a shell command takes, its output thrown away. */
function timeCommand(command) {
  const start = process.hrtime.bigint();
  const run = spawnSync('/bin/sh', ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (run.status !== 0) throw new Error(`${command}: exit ${run.status}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The tree-walk trace of the scale issue: python stats every file under /usr, traced as the README
 * says. Made once and kept beside the benchmark log; a machine without strace or python3 skips it.
 */
function buildWalkTrace() {
  const file = path.join(outDir, 'walk.strace');
  if (existsSync(file)) return file;
  mkdirSync(outDir, { recursive: true });
  const script = "import os\nfor r,d,fs in os.walk('/usr'):\n  for f in fs:\n    try: os.stat(os.path.join(r,f))\n    except OSError: pass";
  const run = spawnSync('strace', ['-f', '-y', '-e', 'trace=%file,fchdir,clone,clone3,fork,vfork', '-o', file, 'python3', '-c', script], { stdio: 'ignore' });
  if (run.status !== 0) return undefined;
  return file;
}

/** One `newfstatat` per distinct path under /srv/dN/eM/fI: the paths the fold must handle, nothing else. */
async function buildSyntheticTrace(count) {
  const file = path.join(outDir, `synthetic-${count}.strace`);
  if (existsSync(file)) return file;
  mkdirSync(outDir, { recursive: true });
  const out = createWriteStream(file);
  let chunk = '';
  for (let i = 0; i < count; i++) {
    chunk += `4242  newfstatat(AT_FDCWD, "/srv/d${i % 100}/e${Math.floor(i / 100) % 100}/f${i}", {st_mode=S_IFREG|0644, st_size=0, ...}, 0) = 0\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  out.write(chunk + '4242  +++ exited with 0 +++\n');
  await new Promise((r) => out.end(r));
  return file;
}

/** Distinct path components (every ancestor of every path) of a report's accesses: what host judging may lstat once each. */
function distinctComponents(paths) {
  const seen = new Set();
  for (const p of paths) for (let at = p; at !== '/' && at !== '' && !seen.has(at); at = at.slice(0, at.lastIndexOf('/')) || '/') seen.add(at);
  return seen.size + 1;
}

/** lstat-family calls analyze makes, counted by strace on the analyze process itself. */
function statCalls(file) {
  const log = path.join(outDir, 'analyze-stat.strace');
  spawnSync('strace', ['-f', '-qq', '-e', 'trace=lstat,newfstatat,statx', '-o', log, process.execPath, path.join(root, 'dist', 'bindscout.mjs'), 'analyze', '--quiet', file], { stdio: 'ignore' });
  if (!existsSync(log)) return undefined;
  // Node's own start-up stats its modules; only calls on the trace's paths count.
  return readFileSync(log, 'latin1').split('\n').filter((l) => /(?:lstat|statx|newfstatat)\(AT_FDCWD, "\/usr/.test(l) || /lstat\("\/usr/.test(l)).length;
}

/**
 * Cost per distinct path (the scale issue's two targets), as ratios measured in the same run:
 * - the tree walk with host judging against `find /usr -printf '%s\n'` (target ≤ 1.5x, peak RSS ≤ 200 MiB),
 *   and its stat calls per distinct path component (target ≤ 1);
 * - 1,000,000 synthetic distinct paths against 100,000 with --no-host (target ≤ 12x, peak RSS ≤ 600 MiB).
 */
async function scaleBench() {
  const walk = buildWalkTrace();
  const small = await buildSyntheticTrace(100_000);
  const large = await buildSyntheticTrace(1_000_000);
  const walkRatios = [];
  const walkRss = [];
  const synthRatios = [];
  const largeRss = [];
  for (let i = 0; i < runs; i++) {
    if (walk !== undefined) {
      const find = timeCommand("find /usr -printf '%s\\n' > /dev/null");
      const analyzed = await runAnalyze(walk);
      walkRatios.push(analyzed.seconds / find);
      walkRss.push(analyzed.rssKiB / 1024);
      console.error(`run ${i + 1}/${runs}: tree walk ${analyzed.seconds.toFixed(1)} s (${analyzed.paths} paths) vs find ${find.toFixed(2)} s, peak RSS ${(analyzed.rssKiB / 1024).toFixed(0)} MiB`);
    }
    const a = await runAnalyze(small, ['--no-host']);
    const b = await runAnalyze(large, ['--no-host']);
    synthRatios.push(b.seconds / a.seconds);
    largeRss.push(b.rssKiB / 1024);
    console.error(`run ${i + 1}/${runs}: synthetic 100k ${a.seconds.toFixed(1)} s, 1M ${b.seconds.toFixed(1)} s, peak RSS ${(b.rssKiB / 1024).toFixed(0)} MiB`);
  }
  const row = (name, xs, digits, note = '') =>
    console.log(`${name.padEnd(30)}${median(xs).toFixed(digits).padStart(7)} median  (min–max ${spread(xs, digits)})${note}`);
  if (walk !== undefined) {
    row('tree walk / find', walkRatios, 2, '   target ≤ 1.5');
    row('tree walk peak RSS MiB', walkRss, 0, '   target ≤ 200');
    const report = JSON.parse(spawnSync(process.execPath, [path.join(root, 'dist', 'bindscout.mjs'), 'analyze', '--quiet', '--json', walk], { encoding: 'utf8', maxBuffer: 1 << 30 }).stdout);
    const stats = statCalls(walk);
    if (stats !== undefined) console.log(`stat calls per path component  ${(stats / distinctComponents(report.accesses.map((a) => a.path))).toFixed(2)}   target ≤ 1 (${stats} calls under /usr)`);
  } else {
    console.log('tree walk: skipped (needs strace and python3)');
  }
  row('1M / 100k synthetic paths', synthRatios, 2, '   target ≤ 12');
  row('1M paths peak RSS MiB', largeRss, 0, '   target ≤ 600');
}
