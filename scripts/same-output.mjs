// `node scripts/same-output.mjs OLD_BUNDLE [NEW_BUNDLE] [FILE ...]`: runs `analyze --json` with two builds
// of the CLI on every trace (default: the fixtures' logs and journal exports and the shared corpus) and
// says where their output differs. An old build that still has the parallel reader also runs once more
// with it forced onto every file, in 4 KiB chunks with a 64-entry table (the small-file cut-off, chunk
// size and table size patched in a copy of the bundle), against the new build's one reader. Nothing
// here is timing-dependent: the outputs must match byte for byte.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [oldBundle, newBundle = path.join(root, 'dist', 'bindscout.mjs'), ...given] = process.argv.slice(2);
if (oldBundle === undefined) {
  console.error('usage: node scripts/same-output.mjs OLD_BUNDLE [NEW_BUNDLE] [FILE ...]');
  process.exit(2);
}

function defaultInputs() {
  const files = [];
  const traces = path.join(root, 'fixtures', 'traces');
  for (const name of readdirSync(traces).sort()) {
    for (const file of ['strace.log', 'journal.json', 'journal.txt']) {
      if (existsSync(path.join(traces, name, file))) files.push(path.join(traces, name, file));
    }
  }
  const corpus = path.resolve(root, '../shared/corpus/strace');
  if (existsSync(corpus)) for (const name of readdirSync(corpus).sort()) if (name.endsWith('.txt')) files.push(path.join(corpus, name));
  return files;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'same-output-'));
/** A copy of `bundle` that reads every strace file in parallel, in small chunks; undefined for a bundle without that reader. */
function forcedParallel(bundle, name) {
  const text = readFileSync(bundle, 'utf8');
  if (!/var PARALLEL_MIN_BYTES = /.test(text)) return undefined;
  const patched = text
    .replace(/(var PARALLEL_MIN_BYTES = )[^;]+;/, '$10;')
    .replace(/(var DEFAULT_CHUNK_BYTES = )[^;]+;/, '$14096;')
    .replace(/(var DEFAULT_TABLE_LIMIT = )[^;]+;/, '$164;');
  const file = path.join(scratch, name);
  writeFileSync(file, patched);
  return file;
}

function analyze(bundle, file) {
  // --no-host: judged by the trace alone, so that the answer does not depend on this machine's files.
  const run = spawnSync(process.execPath, [bundle, 'analyze', '--quiet', '--json', '--no-host', file], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  // The report's own time (when this run made it) is the one field that differs between any two runs.
  return `exit ${run.status}\n${run.stdout.replace(/^  "observedAt": "[^"]*",\n/m, '')}`;
}

const builds = [['old', oldBundle, 'new', newBundle]];
const oldParallel = forcedParallel(oldBundle, 'old.mjs');
if (oldParallel !== undefined) builds.push(['old parallel', oldParallel, 'new', forcedParallel(newBundle, 'new.mjs') ?? newBundle]);
let differ = 0;
let compared = 0;
try {
  for (const file of given.length > 0 ? given : defaultInputs()) {
    for (const [oldName, oldBuild, newName, newBuild] of builds) {
      const before = analyze(oldBuild, file);
      const after = analyze(newBuild, file);
      compared++;
      if (before !== after) {
        differ++;
        console.log(`DIFFERS (${oldName} vs ${newName}): ${path.relative(root, file)}`);
      }
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
console.log(`${compared} comparisons, ${differ} differ`);
process.exit(differ === 0 ? 0 : 1);
