// `npm run bench`: analyze throughput and peak memory on a ≥1 GB log, against a floor measured in the
// same run (Node reading the same file and splitting it into lines, nothing else). Figures are ratios
// to that floor because these machines are noisy; nothing here is an assertion.
import { spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
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
const spread = (xs, digits = 0) => `${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)}`;

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
