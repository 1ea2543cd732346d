// `npm run bench:merge`: analyze folding 100 earlier --json reports of 10,000 accesses each (a fleet's
// reports merged centrally), against a floor measured in the same run: Node reading the same files and
// JSON.parse-ing them, nothing else. Figures only; nothing here is an assertion.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outDir = path.join(root, 'bench-out', 'merge');
const reports = Number(process.env.BENCH_REPORTS ?? 100);
const perReport = Number(process.env.BENCH_ACCESSES ?? 10_000);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const cli = path.join(root, 'dist', 'bindscout.mjs');

/** A seeded generator, so every run merges the same reports. */
function random(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Hosts of one service: most paths are shared (libraries, config, data trees), some are the host's
 * own (its cache files, its logs), a few fail; operations and counts vary.
 */
function buildReports() {
  mkdirSync(outDir, { recursive: true });
  const wanted = Array.from({ length: reports }, (_, i) => path.join(outDir, `host${String(i).padStart(3, '0')}.json`));
  if (wanted.every((f) => existsSync(f))) return wanted;
  const shared = Math.floor(perReport * 0.8);
  const rnd = random(20261129);
  const ops = [['read'], ['stat'], ['read', 'stat'], ['write', 'create'], ['exec', 'read'], ['list']];
  for (const [i, file] of wanted.entries()) {
    const accesses = [];
    for (let j = 0; j < perReport; j++) {
      const own = j >= shared;
      const dir = own ? `/var/cache/app/host${i}/d${j % 97}` : `/usr/share/app/tree${j % 211}/sub${j % 13}`;
      const ok = rnd() > 0.05;
      accesses.push({
        path: `${dir}/file-${j}.dat`,
        ops: ops[Math.floor(rnd() * ops.length)],
        ok,
        errors: ok ? [] : ['ENOENT'],
        count: 1 + Math.floor(rnd() * 50),
        firstPid: 1000 + i,
        firstLine: j + 1,
        source: `host${i}.strace`,
      });
    }
    writeFileSync(file, JSON.stringify({ schemaVersion: 1, host: `host${i}`, observedAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(), accesses }, null, 2));
  }
  return wanted;
}

function floor(files) {
  const start = process.hrtime.bigint();
  let n = 0;
  for (const f of files) n += JSON.parse(readFileSync(f, 'utf8')).accesses.length;
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, accesses: n };
}

function analyze(files, format) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, [cli, 'analyze', '--quiet', '--format', format, ...files], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`analyze exited with ${code}: ${stderr}`));
      resolve(Number(process.hrtime.bigint() - start) / 1e9);
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(cli)) throw new Error('run npm run build first (npm run bench:merge does)');
const files = buildReports();
const distinct = new Set();
for (const f of files) for (const a of JSON.parse(readFileSync(f, 'utf8')).accesses) distinct.add(a.path);
console.log(`${files.length} reports × ${perReport} accesses (${distinct.size} distinct paths) in ${path.relative(root, outDir)}/`);
const floors = [];
const json = [];
const dropin = [];
for (let r = 0; r < runs; r++) {
  floors.push(floor(files).seconds);
  json.push(await analyze(files, 'json'));
  dropin.push(await analyze(files, 'dropin'));
}
const f = median(floors);
console.log(`floor (read + JSON.parse):        ${f.toFixed(2)} s  (${floors.map((x) => x.toFixed(2)).join(', ')})`);
console.log(`analyze --format dropin:          ${median(dropin).toFixed(2)} s  (${dropin.map((x) => x.toFixed(2)).join(', ')}), ${(median(dropin) / f).toFixed(1)}× the floor`);
console.log(`analyze --format json:            ${median(json).toFixed(2)} s  (${json.map((x) => x.toFixed(2)).join(', ')}), ${(median(json) / f).toFixed(1)}× the floor`);
