/**
 * Bad input, in bulk: real traces (fixtures/traces and the shared corpus) mutated line by line with a
 * seeded PRNG, so that any failure names a seed and a line and replays exactly. Set
 * BINDSCOUT_FUZZ_SEED to replay or to try another seed; BINDSCOUT_FUZZ_LINES to change the volume.
 *
 * What must hold whatever the input: nothing throws, it ends, every warning names a real line, warnings
 * and `stats.unparsed` agree, and memory does not grow with the input (the parser keeps pending calls
 * only, never the text it has seen).
 */
import { afterAll, describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeInputs } from '../src/flows/analyze.js';
import { memoryFsView } from '../src/testing/fs-views.js';
import type { TraceSource } from '../src/host/inputs.js';
import type { StraceEvent } from './events.js';
import { createTraceParser } from './index.js';
import { LineSplitter } from './lines.js';
import { seededRandom } from '../src/testing/seeded-random.js';
import { mutatedTraces } from '../src/testing/mutated-traces.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/strace');
const SEED = Number(process.env.BINDSCOUT_FUZZ_SEED ?? 20240613);
const TOTAL_LINES = Number(process.env.BINDSCOUT_FUZZ_LINES ?? 1_000_000);
/** Lines per parser instance: each stream is sniffed afresh, so several input forms get their turn. */
const STREAM_LINES = 100_000;
/**
 * Live heap while a parser is in the middle of a stream (after a full GC), over the heap before the run.
 * Each stream is tens of MB and the whole input hundreds: what is left is pending calls, not text seen.
 */
const HEAP_GROWTH_MAX = 48 << 20;
/** Only a hang detector: a parse gone quadratic takes hours, not a few minutes. */
const HANG_GUARD_MS = 240_000;

if (!existsSync(corpusDir)) {
  console.warn(`\n*** fuzz: ${corpusDir} does not exist; mutating fixtures/traces only ***\n`);
}

const { seeds: SEEDS, mutate } = mutatedTraces(repoRoot, corpusDir);

function exposedGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

function settledHeap(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

const figures: string[] = [];
afterAll(() => {
  if (figures.length > 0) console.info(`fuzz (seed ${SEED}):\n${figures.join('\n')}`);
});

describe(`parser fed mutated real traces (seed ${SEED})`, () => {
  test('seed material is present', () => {
    expect(SEEDS.length).toBeGreaterThan(1000);
  });

  test(`${TOTAL_LINES} mutated lines through createTraceParser: no throw, warnings account for every unparsed line, bounded heap`, () => {
    const gc = exposedGc();
    const heapBefore = settledHeap(gc);
    const started = Date.now();
    const rand = seededRandom(SEED);
    let bytes = 0;
    let totalWarnings = 0;
    let totalUnparsed = 0;
    let totalSyscalls = 0;
    let liveGrowth = 0;
    for (let stream = 0; stream * STREAM_LINES < TOTAL_LINES; stream++) {
      const lines = Math.min(STREAM_LINES, TOTAL_LINES - stream * STREAM_LINES);
      let warnings = 0;
      let badLine: { line: number; reason: string } | undefined;
      let lastLine = 0;
      const parser = createTraceParser({
        source: `fuzz-${stream}`,
        onEvent: (event: StraceEvent) => {
          if (event.type !== 'warning') return;
          warnings++;
          if (!(Number.isInteger(event.line) && event.line >= 1 && event.line <= lastLine) && badLine === undefined) {
            badLine = { line: event.line, reason: event.reason };
          }
        },
      });
      let current = '';
      try {
        for (let i = 0; i < lines; i++) {
          current = mutate(rand, stream * STREAM_LINES + i);
          bytes += current.length + 1;
          lastLine = i + 1;
          parser.line(current);
          if (Date.now() - started > HANG_GUARD_MS) throw new Error(`still parsing after ${HANG_GUARD_MS} ms (stream ${stream}, line ${i + 1})`);
        }
        liveGrowth = Math.max(liveGrowth, settledHeap(gc) - heapBefore);
        parser.end();
      } catch (err) {
        throw new Error(`seed ${SEED}, stream ${stream}, line ${lastLine} (${JSON.stringify(current.slice(0, 300))}): ${(err as Error).stack}`);
      }
      expect({ stream, badLine }).toEqual({ stream, badLine: undefined });
      expect({ stream, warnings }).toEqual({ stream, warnings: parser.stats.unparsed });
      expect(parser.stats.lines).toBe(lines);
      totalWarnings += warnings;
      totalUnparsed += parser.stats.unparsed;
      totalSyscalls += parser.stats.syscalls;
    }
    const afterGrowth = settledHeap(gc) - heapBefore;
    figures.push(
      `  createTraceParser: ${TOTAL_LINES} lines, ${(bytes / 1e6).toFixed(0)} MB, ${totalSyscalls} syscalls, ${totalUnparsed} unparsed, ` +
        `live heap growth ${(liveGrowth / 2 ** 20).toFixed(1)} MiB at most, ${(afterGrowth / 2 ** 20).toFixed(1)} MiB after, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    if (TOTAL_LINES >= 1_000_000) expect(bytes).toBeGreaterThan(200e6);
    expect(totalWarnings).toBe(totalUnparsed);
    // Real lines survive the mutations: a parser that gave up on everything would pass the rest.
    expect(totalSyscalls).toBeGreaterThan(TOTAL_LINES / 5);
    expect(liveGrowth).toBeLessThan(HEAP_GROWTH_MAX);
    expect(afterGrowth).toBeLessThan(HEAP_GROWTH_MAX);
  }, HANG_GUARD_MS + 60_000);

  test('the same kind of input through analyze, in chunks cut at random places', async () => {
    const rand = seededRandom(SEED ^ 0x5eed);
    const lines = Math.min(200_000, TOTAL_LINES);
    let bytes = 0;
    const source: TraceSource = {
      name: 'fuzz-analyze',
      async *open() {
        let buffer = '';
        for (let i = 0; i < lines; i++) {
          buffer += mutate(rand, i) + (i === lines - 1 && rand() < 0.5 ? '' : '\n');
          if (buffer.length > 1 << 16) {
            // Chunk edges anywhere, including inside a line and right after a `\n`.
            const cut = Math.floor(rand() * buffer.length);
            bytes += cut;
            yield buffer.slice(0, cut);
            buffer = buffer.slice(cut);
          }
        }
        bytes += buffer.length;
        yield buffer;
      },
    };
    const result = await analyzeInputs([{ kind: 'trace', name: source.name, sources: [source], observedAt: null }], { baseline: true, include: [], exclude: [], host: null }, memoryFsView({ '/usr/lib': 'dir', '/etc': 'dir' }));
    figures.push(`  analyze: ${result.stats.lines} lines, ${(bytes / 1e6).toFixed(0)} MB, ${result.stats.unparsed} unparsed, ${result.accesses.length} distinct paths`);
    expect(result.stats.lines).toBeGreaterThanOrEqual(lines);
    expect(result.stats.unparsed).toBeGreaterThan(0);
    expect(result.warnings.length).toBe(Math.min(100, result.stats.unparsed));
    for (const w of result.warnings) {
      expect(w.line).toBeGreaterThanOrEqual(1);
      expect(w.line).toBeLessThanOrEqual(result.stats.lines);
    }
    expect(result.dropin).toMatch(/^\[Service\]$/m);
    // The drop-in is one assignment or comment per line whatever bytes the paths held.
    for (const line of result.dropin.split('\n')) expect(line).toMatch(/^(?:|#.*|\[Service\]|[A-Za-z]+=.*)$/);
  }, HANG_GUARD_MS);
});
