/**
 * The parallel reader must give exactly the events of the line-by-line parser: same order, same line
 * numbers, same warnings, same stats, whether complete calls come as events or in bulk (CallRun). Checked on the real traces (fixtures and the shared corpus) and on
 * hand-made edge cases, with tiny chunks so that lines, unfinished calls and long lines straddle many
 * chunk borders, and a tiny table so that the workers start their numbering over many times.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParseStats, StraceEvent } from '../../../parsers/events.js';
import { createTraceParser } from '../../../parsers/index.js';
import { LineSplitter } from '../../../parsers/lines.js';
import { chunkBounds, parseStraceFileInParallel } from './parallel.js';
import { parseTraceInput } from './read.js';
import { eventsInParallel } from '../../testing/events-in-parallel.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/strace');
const tracesDir = path.join(repoRoot, 'fixtures', 'traces');

function lineByLine(file: string): { events: StraceEvent[]; stats: ParseStats; form: string | undefined } {
  const events: StraceEvent[] = [];
  const parser = createTraceParser({ source: file, onEvent: (e) => events.push(e) });
  const splitter = new LineSplitter();
  const onLine = (line: string): void => parser.line(line);
  const text = readFileSync(file, 'latin1');
  for (let i = 0; i < text.length; i += 1 << 16) splitter.push(text.slice(i, i + (1 << 16)), onLine);
  splitter.end(onLine);
  parser.end();
  return { events, stats: parser.stats, form: parser.form };
}

async function expectSameAsLineByLine(file: string, chunkBytes: number, workers = 2): Promise<void> {
  const expected = lineByLine(file);
  for (const inRuns of [false, true]) {
    const actual = await eventsInParallel(file, { chunkBytes, workers, tableLimit: 64, inRuns });
    expect(actual.stats).toEqual(expected.stats);
    expect(actual.events.length).toBe(expected.events.length);
    for (let i = 0; i < expected.events.length; i++) {
      if (JSON.stringify(actual.events[i]) !== JSON.stringify(expected.events[i])) {
        expect(actual.events[i]).toEqual(expected.events[i]);
      }
    }
    expect(actual.bytes).toBe(statSync(file).size);
  }
}

const straceFiles = (): string[] => {
  const files = readdirSync(tracesDir).map((s) => path.join(tracesDir, s, 'strace.log')).filter((f) => existsSync(f));
  if (existsSync(corpusDir)) {
    for (const name of readdirSync(corpusDir).sort()) {
      const file = path.join(corpusDir, name);
      if (name.endsWith('.txt') && lineByLine(file).form === 'strace') files.push(file);
    }
  }
  return files;
};

describe('parallel reading gives the line-by-line events', () => {
  const files = straceFiles();
  test('there are real traces to compare', () => {
    expect(files.length).toBeGreaterThan(5);
  });

  test.each(files.map((f) => [path.relative(path.join(repoRoot, '..'), f), f]))('%s', async (_name, file) => {
    await expectSameAsLineByLine(file, 4093);
    await expectSameAsLineByLine(file, 1 << 16, 1);
  });
});

describe('edge cases at chunk borders', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'bindscout-parallel-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string): string => {
    const file = path.join(dir, name);
    writeFileSync(file, text, 'latin1');
    return file;
  };

  const mixed = [
    '100   openat(AT_FDCWD</>, "/etc/a", O_RDONLY) = 3</etc/a>',
    '',
    '[pid   101] openat(AT_FDCWD</srv>, "b", O_RDONLY) = -1 ENOENT (No such file or directory)',
    '[pid 102]   chdir("/srv") = 0',
    '[pid 0102] chdir("/x") = 0',
    '0100 openat(AT_FDCWD, "/etc/zero", O_RDONLY) = 3',
    '9999999 openat(AT_FDCWD, "/etc/big", O_RDONLY) = 3',
    '100 10:00:00.000001 openat(AT_FDCWD, "/etc/time", O_RDONLY) = 3',
    '1700000000.123456 openat(AT_FDCWD, "/etc/unix", O_RDONLY) = 3',
    '  0.000123 openat(AT_FDCWD, "/etc/rel", O_RDONLY) = 3',
    '[pid  105] 10:00:00 openat(AT_FDCWD, "/etc/e", O_RDONLY) = 3',
    '105 10:00:00 bogus text after a timestamp',
    '105 10:00:00.5 openat(AT_FDCWD, "/etc/cut3", O_RDO',
    'NLY) = 3',
    '123456789012 openat(AT_FDCWD, "/etc/huge", O_RDONLY) = 3',
    '5000000 6000000 openat(AT_FDCWD, "/etc/big-pid", O_RDONLY) = 3',
    '99999999999 10:00 openat(AT_FDCWD, "/etc/bigger", O_RDONLY) = 3',
    '106 10:00:00 [00007f0e85092b1d] openat(AT_FDCWD, "/etc/ip", O_RDONLY) = 3',
    '106 10:00:00x openat(AT_FDCWD, "/etc/bad-time", O_RDONLY) = 3',
    '100   read(3,  <unfinished ...>',
    '101   openat(AT_FDCWD, "/etc/c", O_RDONLY) = 4',
    '100   <... read resumed>"x", 1) = 1',
    '101   write(1, "(\\n", 2(',
    ') = 2',
    '100   \x1b[1mopenat\x1b[0m(AT_FDCWD, "/etc/ansi", O_RDONLY) = 3',
    'openat(AT_FDCWD, "/etc/no-pid", O_RDONLY) = 3',
    'strace: Process 103 attached',
    '103   openat(AT_FDCWD, "/etc/d", O_RDONLY <unfinished ...>',
    '103   +++ killed by SIGKILL +++',
    'not strace output at all',
    '[pid   104]  bogus text after a leader',
    '104     bogus text after a leader',
    '100   --- SIGCHLD {si_signo=SIGCHLD} ---',
    '100   openat(AT_FDCWD, "/etc/cut", O_RDO',
    'NLY) = 3',
    '107   <... openat resumed>) = 3',
    '108   openat(AT_FDCWD, "/etc/x", O_RDONLY <unfinished ...>',
    '108   <... openat resumed>garbage',
    '[pid   109] openat(AT_FDCWD, "/etc/x", O_RDONLY <unfinished ...>',
    '[pid   110] openat(AT_FDCWD, "/etc/x", O_RDONLY <unfinished ...>',
    '[pid   109] <... openat resumed>) = 3</etc/x>',
    '[pid   110] <... openat resumed> <unfinished ...>) = ?',
    '100   exit_group(0)                     = ?',
    '100   +++ exited with 0 +++',
  ];

  test.each([1, 7, 64, 4096])('mixed lines, chunks of %i bytes', async (chunk) => {
    const file = write(`mixed-${chunk}.strace`, mixed.join('\n') + '\n');
    await expectSameAsLineByLine(file, chunk);
  });

  test('no newline at the end, empty lines around', async () => {
    const file = write('tail.strace', '\n\n' + mixed.join('\n') + '\n\n\n100   openat(AT_FDCWD, "/etc/last", O_RDONLY) = 3');
    await expectSameAsLineByLine(file, 5);
    await expectSameAsLineByLine(file, 3000);
  });

  test('a line far longer than a chunk', async () => {
    const long = `100   openat(AT_FDCWD, "/srv/${'y'.repeat(300000)}", O_RDONLY) = 3`;
    const file = write('long.strace', [mixed[0], long, long, mixed[1], mixed[2]].join('\n') + '\n');
    await expectSameAsLineByLine(file, 1000);
  });

  test('the same calls again and again, many more than the workers keep', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) lines.push(`${100 + (i % 7)}  openat(AT_FDCWD, "/etc/f${i % 211}", O_RDONLY) = ${i % 5}`);
    const file = write('repeats.strace', lines.join('\n') + '\n');
    await expectSameAsLineByLine(file, 2048);
    await expectSameAsLineByLine(file, 2048, 3);
  });

  test('repeated calls in the chunk where a line too long for the read buffer starts', async () => {
    // Such a chunk is read into a buffer of its own, where its lines are compared with the kept texts in JS.
    const short = ['100  openat(AT_FDCWD, "/etc/a", O_RDONLY) = 3', '101  newfstatat(AT_FDCWD, "/etc/b", {st_mode=S_IFREG|0644, st_size=1, ...}, 0) = 0'];
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) lines.push(short[i % 2]);
    lines.push(`100  openat(AT_FDCWD, "/srv/${'z'.repeat(200000)}", O_RDONLY) = 3`);
    for (let i = 0; i < 400; i++) lines.push(short[i % 2]);
    const file = write('long-after-repeats.strace', lines.join('\n') + '\n');
    await expectSameAsLineByLine(file, 16384, 1);
    await expectSameAsLineByLine(file, 40000, 1);
  });

  test('thousands of repeats in one chunk, among leaders of every form, and timestamps on every line', async () => {
    // Most of these lines are taken by the reader's WebAssembly, which hands back at most 4096 lines at
    // a time (the middle 10,000 lines are all its own) and leaves every other leader to JS: both must
    // number them as the line-by-line parser does.
    const leaders = (i: number): string => {
      const pid = 100 + (i % 5);
      switch (i >= 5000 && i < 15000 ? -1 : i % 97 < 22 ? i % 97 : i % 3 === 0 ? 3 : -1) {
        case 0: return `0${pid} `;
        case 1: return `${12345678 + (i % 3)} `;
        case 2: return `4194305  `;
        case 3: return `[pid ${pid}] `;
        case 4: return `${pid}  10:00:00.${String(i).padStart(6, '0')} `;
        case 5: return ` ${pid} `;
        case 6: return '';
        case 7: return `${pid}${' '.repeat(5000)}`;
        case 8: return `[pid  ${pid}] `;
        case 9: return `[pid 0${pid}] `;
        case 10: return `[pid 1234567890] `;
        case 11: return `[pid ${pid}]  `;
        case 12: return `[pid ${pid}]${' '.repeat(3000)}`;
        case 13: return `[pid ${pid}] 10:00:00 `;
        case 14: return `1700000000.${String(i).padStart(6, '0')} `;
        case 15: return `10:00:${String(i % 60).padStart(2, '0')} `;
        case 16: return `12345678 10:00:00 `;
        case 17: return `12345678901 `;
        case 18: return `5000000 `;
        case 19: return `${pid} 1700000000 `;
        case 20: return `${pid}<`;
        case 21: return `[pid 0${pid}]  1700000000.5  `;
        default: return `${pid}  `;
      }
    };
    // The last text resumes a call never started: its warning quotes the whole line, leader and all.
    const calls = ['openat(AT_FDCWD, "/etc/a", O_RDONLY) = 3', 'newfstatat(3, "", {st_mode=S_IFREG|0644, st_size=1, ...}, AT_EMPTY_PATH) = 0', 'read(3, "x", 4096) = 1', 'close(3) = 0', '<... read resumed>"x", 1) = 1'];
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) lines.push(leaders(i) + calls[Math.floor(i / 5) % calls.length] + (i % 1009 === 0 ? '  ' : ''));
    // Simple leaders with long paddings: coded in their records, never copied out as text.
    for (let i = 0; i < 6000; i++) lines.push(`${100 + (i % 5)}${' '.repeat(1000 + (i % 7))}${calls[Math.floor(i / 5) % calls.length]}`);
    // -tt on every line: a leader the WebAssembly hands on as text.
    for (let i = 0; i < 6000; i++) lines.push(`${100 + (i % 5)}${' '.repeat(1 + (i % 3))}10:00:${String(i % 60).padStart(2, '0')}.${i} ${calls[Math.floor(i / 5) % calls.length]}`);
    const file = write('many-repeats.strace', lines.join('\n') + '\n');
    await expectSameAsLineByLine(file, 1 << 20, 1);
    await expectSameAsLineByLine(file, 1 << 16, 2);
  });

  test('many calls of one length that differ in a single byte', async () => {
    // The workers hash a sample of a text's bytes: these all share one sampled hash.
    const lines: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const n = (i * 7919) % 1000;
      lines.push(`${100 + (i % 3)}  read(5<socket:[${String(73000 + n).padStart(5, '0')}]>, "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 43) = 43`);
      lines.push(`${100 + (i % 3)}  openat(AT_FDCWD, "/proc/${1000 + (n % 10)}/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", O_RDONLY) = ${i % 9}`);
    }
    const file = write('crowded.strace', lines.join('\n') + '\n');
    await expectSameAsLineByLine(file, 1 << 16, 1);
    await expectSameAsLineByLine(file, 4096, 2);
  });

  test('the same split calls again and again, joined in every pairing', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const a = 100 + (i % 5);
      const b = 200 + (i % 3);
      lines.push(`${a}  openat(AT_FDCWD, "/etc/f${i % 7}", O_RDONLY <unfinished ...>`);
      if (i % 11 === 0) lines.push(`${b}  <... read resumed>"x", 1) = 1`);
      lines.push(`${b}  read(${i % 4},  <unfinished ...>`);
      lines.push(`${a}  <... openat resumed>) = ${i % 3 === 0 ? '-1 ENOENT (No such file or directory)' : String(i % 6)}`);
      if (i % 13 === 0) lines.push(`${a}  +++ exited with 0 +++`);
      lines.push(`${b}  <... read resumed>"x", 1) = 1`);
    }
    const file = write('split-repeats.strace', lines.join('\n') + '\n');
    await expectSameAsLineByLine(file, 4096);
    await expectSameAsLineByLine(file, 1 << 16, 1);
  });

  test('the first chunks are smaller, doubling up to the full size, and together cover the file once', () => {
    const bounds = chunkBounds(10_000_000, 1 << 20);
    expect(bounds.slice(0, 6)).toEqual([0, 65536, 196608, 458752, 983040, 2031616]);
    const sizes = bounds.slice(1).map((end, i) => end - bounds[i]);
    expect(Math.max(...sizes)).toBe(1 << 20);
    expect(sizes.every((size) => size > 0)).toBe(true);
    expect(bounds.at(-1)).toBe(10_000_000);
    expect(chunkBounds(100, 1 << 20)).toEqual([0, 100]);
    expect(chunkBounds(0, 1 << 20)).toEqual([0, 0]);
  });

  test('an empty file', async () => {
    const file = write('empty.strace', '');
    const events: StraceEvent[] = [];
    const stats = await parseStraceFileInParallel({ file, size: 0, source: file, onEvent: (e) => events.push(e), workers: 1 });
    expect(stats).toEqual({ lines: 0, syscalls: 0, unparsed: 0 });
    expect(events).toEqual([]);
  });

  test('parseTraceInput takes journal exports line by line, and a strace file in parallel, with the same events', async () => {
    for (const file of [path.join(tracesDir, 'nginx', 'journal.json'), path.join(tracesDir, 'nginx', 'journal.txt'), path.join(tracesDir, 'nginx', 'strace.log')]) {
      const expected = lineByLine(file);
      const events: StraceEvent[] = [];
      const size = statSync(file).size;
      const input = { name: file, file, size, open: async function* () { yield readFileSync(file, 'latin1'); } };
      const stats = await parseTraceInput(input, (e) => events.push(e), undefined, { parallelMinBytes: 0, chunkBytes: 4096, workers: 2 });
      expect(stats).toEqual(expected.stats);
      expect(events).toEqual(expected.events);
    }
  });
});
