/**
 * The parallel reader on mutated real traces (see src/testing/mutated-traces.ts): whatever the bytes
 * (NUL, ESC, high bytes, odd leaders, cut and glued lines, lines over 1 MiB), its events are those of
 * the line-by-line parser, calls as events and in bulk. The lines come twice, so that the second time
 * every text is a known one and the reader's WebAssembly takes most lines, their leaders then in any
 * form it reads. Seeded: set
 * BINDSCOUT_FUZZ_SEED to replay a failure or to try another seed.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StraceEvent } from '../../../parsers/events.js';
import { LineSplitter } from '../../../parsers/lines.js';
import { StraceParser } from '../../../parsers/strace.js';
import { mutatedTraces } from '../../testing/mutated-traces.js';
import { seededRandom } from '../../testing/seeded-random.js';
import { eventsInParallel } from '../../testing/events-in-parallel.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/strace');
const SEED = Number(process.env.BINDSCOUT_FUZZ_SEED ?? 20261130);
const LINES = 60_000;

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bindscout-parallel-fuzz-'));
  file = path.join(dir, 'mutated.strace');
  const { mutate } = mutatedTraces(repoRoot, corpusDir);
  const rand = seededRandom(SEED);
  const lines: string[] = [];
  for (let i = 0; i < LINES; i++) lines.push(mutate(rand, i));
  // The second time, a line's pid leader may take another form around the same text.
  const leaders = [
    (pid: string, pad: string) => pid + pad,
    (pid: string) => `0${pid} `,
    (pid: string) => `[pid ${pid}] `,
    (pid: string) => `[pid  ${pid}]  `,
    (pid: string, pad: string) => `${pid}${pad}10:00:00.000001 `,
    (pid: string) => `${pid}${' '.repeat(40)}`,
    () => '1700000000.123456 ',
    () => '',
  ];
  const again = lines.map((line) => line.replace(/^(\d+)( +)/, (_, pid: string, pad: string) => leaders[Math.floor(rand() * leaders.length)](pid, pad)));
  writeFileSync(file, Buffer.from([...lines, ...again].join('\n') + '\n', 'latin1'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lineByLine(): { events: StraceEvent[]; stats: StraceParser['stats'] } {
  const events: StraceEvent[] = [];
  const parser = new StraceParser({ source: file, onEvent: (e) => events.push(e) });
  const splitter = new LineSplitter();
  const onLine = (line: string): void => parser.line(line);
  splitter.push(readFileSync(file, 'latin1'), onLine);
  splitter.end(onLine);
  parser.end();
  return { events, stats: parser.stats };
}

test(`mutated lines, twice (seed ${SEED}): the parallel reader gives the line-by-line events`, async () => {
  const expected = lineByLine();
  expect(expected.stats.syscalls).toBeGreaterThan(LINES / 5);
  for (const [chunkBytes, tableLimit, inRuns] of [
    [1 << 16, 256, false],
    [1 << 16, 256, true],
    [1 << 20, 1 << 16, true],
  ] as const) {
    const { events, stats } = await eventsInParallel(file, { chunkBytes, workers: 1, tableLimit, inRuns });
    const where = { seed: SEED, chunkBytes, tableLimit, inRuns };
    expect({ ...where, stats }).toEqual({ ...where, stats: { lines: expected.stats.lines, syscalls: expected.stats.syscalls, unparsed: expected.stats.unparsed } });
    expect(events.length).toBe(expected.events.length);
    for (let i = 0; i < events.length; i++) {
      if (JSON.stringify(events[i]) !== JSON.stringify(expected.events[i])) expect({ ...where, event: events[i] }).toEqual({ ...where, event: expected.events[i] });
    }
  }
}, 120_000);
