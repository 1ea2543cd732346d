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
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { analyzeTraces } from '../src/flows/analyze.js';
import { memoryFsView } from '../src/core/fsview.js';
import type { TraceSource } from '../src/host/inputs.js';
import type { StraceEvent } from './events.js';
import { createTraceParser } from './index.js';
import { LineSplitter } from './lines.js';
import { seededRandom } from '../src/testing/seeded-random.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/strace');
const SEED = Number(process.env.BINDSCOUT_FUZZ_SEED ?? 20240613);
const TOTAL_LINES = Number(process.env.BINDSCOUT_FUZZ_LINES ?? 1_000_000);
/** Lines per parser instance: each stream is sniffed afresh, so several input forms get their turn. */
const STREAM_LINES = 100_000;
const HUGE_LINE = (1 << 20) + 17;
const HUGE_EVERY = 10_000;
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

function seedLines(): string[] {
  const files: string[] = [];
  const fixtures = path.join(repoRoot, 'fixtures', 'traces');
  for (const name of readdirSync(fixtures)) {
    const log = path.join(fixtures, name, 'strace.log');
    if (existsSync(log)) files.push(log);
  }
  if (existsSync(corpusDir)) {
    for (const name of readdirSync(corpusDir)) {
      const file = path.join(corpusDir, name);
      if (statSync(file).isFile() && !name.endsWith('.md')) files.push(file);
    }
  }
  const lines: string[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'latin1').split('\n')) if (line.length > 0) lines.push(line);
  }
  return lines;
}

const SEEDS = seedLines();

/** Any byte but `\n` (lines are already split); NUL, CR, ESC and high bytes included. */
function randomBytes(rand: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const b = Math.floor(rand() * 255);
    out += String.fromCharCode(b >= 10 ? b + 1 : b);
  }
  return out;
}

const NASTY = ['"', '"', "'", '(', ')', '[', ']', '{', '}', '<', '>', '\\', '\\"', ' = ', ' <unfinished ...>', '<... ', ' resumed>', '...', '/*', '*/', '\x1b[1m', '\r'];

function hugeLine(rand: () => number, kind: number): string {
  const pid = 1 + Math.floor(rand() * 4_000_000);
  const fill = (ch: string) => ch.repeat(HUGE_LINE);
  switch (kind % 6) {
    case 0:
      return `${pid} openat(AT_FDCWD, "/${fill('a')}", O_RDONLY) = -1 ENOENT (No such file or directory)`;
    case 1:
      return `${pid} write(1, "${fill('x')}`; // a string that never closes
    case 2:
      return `${pid} read(3, "${fill('y')}" <unfinished ...>`; // a huge pending call that never resumes
    case 3:
      return fill('(');
    case 4:
      return randomBytes(rand, HUGE_LINE);
    default:
      return `{"MESSAGE":"${fill('z')}`; // a journal entry cut short
  }
}

/** One mutated line; the choice of mutation is part of the seeded sequence. */
function mutate(rand: () => number, lineIndex: number): string {
  const base = SEEDS[Math.floor(rand() * SEEDS.length)];
  if (lineIndex % HUGE_EVERY === HUGE_EVERY - 1) return hugeLine(rand, Math.floor(rand() * 6));
  const r = rand();
  if (r < 0.3) return base;
  if (r < 0.45) return base.slice(0, Math.floor(rand() * base.length));
  if (r < 0.55) {
    const at = Math.floor(rand() * (base.length + 1));
    return base.slice(0, at) + randomBytes(rand, 1 + Math.floor(rand() * 16)) + base.slice(at);
  }
  if (r < 0.65) {
    let out = base;
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      const at = Math.floor(rand() * (out.length + 1));
      out = out.slice(0, at) + NASTY[Math.floor(rand() * NASTY.length)] + out.slice(at);
    }
    return out;
  }
  if (r < 0.72) {
    // An unfinished half for a pid that will never resume.
    const pid = 1 + Math.floor(rand() * 4_000_000);
    const cut = base.indexOf('(');
    const body = cut > 0 ? base.slice(base.search(/[a-z_]/), Math.max(cut + 1, Math.floor(rand() * base.length))) : base;
    return `${pid} ${body} <unfinished ...>`;
  }
  if (r < 0.76) {
    // A resumed half nobody started.
    const pid = 1 + Math.floor(rand() * 4_000_000);
    return `${pid} <... ${['openat', 'read', 'wait4', 'execve', ''][Math.floor(rand() * 5)]} resumed>${base.slice(Math.floor(rand() * base.length))}`;
  }
  if (r < 0.82) return randomBytes(rand, Math.floor(rand() * 200));
  if (r < 0.88) {
    // Two lines glued together, as when the tracee writes to strace's stderr.
    const other = SEEDS[Math.floor(rand() * SEEDS.length)];
    return base.slice(0, Math.floor(rand() * base.length)) + other;
  }
  if (r < 0.94) {
    const at = Math.floor(rand() * base.length);
    const len = Math.floor(rand() * 8);
    return base.slice(0, at) + base.slice(at + len);
  }
  return base + base.slice(Math.floor(rand() * base.length));
}

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

  test('the same kind of input through analyzeTraces, in chunks cut at random places', async () => {
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
    const result = await analyzeTraces([source], { baseline: true, include: [], exclude: [] }, memoryFsView({ '/usr/lib': 'dir', '/etc': 'dir' }));
    figures.push(`  analyzeTraces: ${result.stats.lines} lines, ${(bytes / 1e6).toFixed(0)} MB, ${result.stats.unparsed} unparsed, ${result.accesses.length} distinct paths`);
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
