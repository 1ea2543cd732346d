/**
 * The collector keeps what a repeated call text gives in the parser's memo slot (CALL_MEMO). Whatever
 * the events share, the accesses must be those of a collector that derives everything afresh for every
 * event: checked on the fixtures and the corpus, read line by line and read in parallel (where every
 * complete call shares its result with its repeats), with complete calls as events and in bulk (where
 * addRun replays repeats from plans).
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CallRun, StraceEvent } from '../../../parsers/events.js';
import { createTraceParser } from '../../../parsers/index.js';
import { LineSplitter } from '../../../parsers/lines.js';
import { parseTraceInput } from '../../host/trace-reader/read.js';
import { AccessCollector } from './accesses.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/strace');
const tracesDir = path.join(repoRoot, 'fixtures', 'traces');

function inputs(): string[] {
  const files = readdirSync(tracesDir).flatMap((s) => ['strace.log', 'journal.json'].map((f) => path.join(tracesDir, s, f)));
  if (existsSync(corpusDir)) files.push(...readdirSync(corpusDir).filter((n) => n.endsWith('.txt')).map((n) => path.join(corpusDir, n)));
  return files.filter((f) => existsSync(f)).sort();
}

function lineByLine(file: string): StraceEvent[] {
  const events: StraceEvent[] = [];
  const parser = createTraceParser({ source: file, onEvent: (e) => events.push(e) });
  const splitter = new LineSplitter();
  const onLine = (line: string): void => parser.line(line);
  splitter.push(readFileSync(file, 'latin1'), onLine);
  splitter.end(onLine);
  parser.end();
  return events;
}

/** The same events with results of their own: no memo slot, nothing shared. */
function unshared(events: StraceEvent[]): StraceEvent[] {
  return events.map((e) => (e.type === 'syscall' ? { ...e, result: { ...e.result } } : e));
}

function collect(events: StraceEvent[]) {
  const collector = new AccessCollector();
  for (const event of events) collector.add(event);
  return collector.result();
}

describe('accesses do not depend on how events share their results', () => {
  test.each(inputs().map((f) => [path.relative(path.join(repoRoot, '..'), f), f]))('%s', async (_name, file) => {
    const events = lineByLine(file);
    const fresh = collect(unshared(events));
    expect(collect(events)).toEqual(fresh);
    const parallel: StraceEvent[] = [];
    const input = { name: file, file, size: statSync(file).size, open: async function* () {} };
    await parseTraceInput(input, (e) => parallel.push(e), undefined, { parallelMinBytes: 0, chunkBytes: 8192, workers: 2, tableLimit: 256 });
    if (parallel.length > 0) expect(collect(parallel)).toEqual(fresh);
    // Complete calls in bulk, replayed from plans: still the accesses of one event at a time.
    for (const chunkBytes of [8192, 1 << 20]) {
      const inRuns = new AccessCollector();
      const options = { parallelMinBytes: 0, chunkBytes, workers: 2, tableLimit: 256, onCalls: (run: CallRun) => inRuns.addRun(run) };
      await parseTraceInput(input, (e) => inRuns.add(e), undefined, options);
      if (parallel.length > 0) expect(inRuns.result()).toEqual(fresh);
    }
  });
});
