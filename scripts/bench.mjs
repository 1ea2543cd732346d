// `npm run bench`: analyze throughput and peak memory on a ≥1 GB log, against a floor measured in the
// same run (Node reading the same file and splitting it into lines, nothing else). Figures are ratios
// to that floor because these machines are noisy; nothing here is an assertion.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'bench-out');
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
  const { mkdirSync } = await import('node:fs');
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
 * The floor: the fastest plain way to get the lines of the file as strings (1 MiB buffers, each
 * turned into a latin1 string, split at newlines), doing nothing with them.
 */
async function floor(file) {
  const start = process.hrtime.bigint();
  let lines = 0;
  let rest = '';
  for await (const buffer of createReadStream(file, { highWaterMark: 1 << 20 })) {
    const text = rest + buffer.toString('latin1');
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

function runAnalyze(file) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      ['--import', path.join(root, 'scripts', 'bench-rss-hook.mjs'), path.join(root, 'dist', 'bindscout.mjs'), 'analyze', '--quiet', '--json', file],
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
const spread = (xs) => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`;

const size = await buildBigLog();
const mb = size / 1e6;
console.error(`benchmark log: ${bigLog} (${mb.toFixed(0)} MB)`);

const floorRates = [];
const analyzeRates = [];
const rssMiB = [];
let last;
for (let i = 0; i < runs; i++) {
  const f = await floor(bigLog);
  floorRates.push(mb / f.seconds);
  last = await runAnalyze(bigLog);
  analyzeRates.push(mb / last.seconds);
  rssMiB.push(last.rssKiB / 1024);
  console.error(`run ${i + 1}/${runs}: floor ${(mb / f.seconds).toFixed(0)} MB/s, analyze ${(mb / last.seconds).toFixed(0)} MB/s, peak RSS ${(last.rssKiB / 1024).toFixed(0)} MiB`);
}

const ratio = median(analyzeRates) / median(floorRates);
console.log(`log:            ${mb.toFixed(0)} MB, ${last.stats.lines} lines, ${last.stats.syscalls} syscalls, ${last.paths} distinct paths, ${last.stats.unparsed} unparsed`);
console.log(`floor:          ${median(floorRates).toFixed(0)} MB/s median (${spread(floorRates)}) — read + split lines only`);
console.log(`analyze:        ${median(analyzeRates).toFixed(0)} MB/s median (${spread(analyzeRates)})   target ≥150 MB/s`);
console.log(`ratio:          ${ratio.toFixed(2)} of the floor   target ≥0.33`);
console.log(`peak RSS:       ${median(rssMiB).toFixed(0)} MiB median (${spread(rssMiB)})   target ≤200 MiB`);
