// What the benchmarks that run in the test bed share: bindscout's own modules bundled from the sources
// (so a benchmark needs no build of its own), and the bed's PID 1.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** `exports` (lines of `export … from './src/…'`) bundled into bench-out/NAME.mjs and imported. */
export async function loadSources(name, exports) {
  const outfile = path.join(root, 'bench-out', `${name}.mjs`);
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    stdin: { contents: exports.join('\n'), resolveDir: root, loader: 'ts' },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  return import(outfile);
}

/** The bed's PID 1 as this host sees it; exits 4 with what to do when the bed is not up. */
export function bedPid1() {
  try {
    execFileSync(path.join(root, 'scripts', 'testbed.sh'), ['status'], { stdio: 'pipe' });
    return Number(execFileSync(path.join(root, 'scripts', 'testbed.sh'), ['pid1'], { stdio: 'pipe' }).toString().trim());
  } catch {
    console.error('the test bed is not up: run scripts/testbed.sh up (as root) first');
    process.exit(4);
  }
}
