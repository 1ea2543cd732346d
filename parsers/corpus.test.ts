/**
 * The parser against real strace logs written by other people (/work/shared/corpus/strace, described in its
 * INDEX.md). Expectations marked "hand-checked" were counted in the files themselves.
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StraceEvent, SyscallEvent, WarningEvent } from './events.js';
import { createTraceParser, type InputForm } from './index.js';
import { LineSplitter } from './lines.js';
import { StraceParser } from './strace.js';
import { decodeQuoted, splitArgs } from './strings.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpusDir = path.resolve(repoRoot, '../shared/corpus/strace');
const corpusPresent = existsSync(corpusDir);
if (!corpusPresent) {
  console.warn(`corpus tests skipped: ${corpusDir} does not exist`);
}
const describeCorpus = corpusPresent ? describe : describe.skip;

/** Files that hold no trace at all: `-c` summaries only, or only `+++` lines. */
const NO_SYSCALLS = new Set([
  'renlord_zoom-sandbox__strace.log.txt',
  'yinling123_DTMiner__strace.log.txt',
  'strace_strace__tests_strace-log-merge-suffix.test.expected.txt',
]);

interface Run {
  events: StraceEvent[];
  stats: { lines: number; syscalls: number; unparsed: number };
  form: InputForm | undefined;
}

function run(file: string, chunkSize = 1 << 16): Run {
  const events: StraceEvent[] = [];
  const parser = createTraceParser({ source: file, onEvent: (e) => events.push(e) });
  const splitter = new LineSplitter();
  const text = readFileSync(path.join(corpusDir, file), 'latin1');
  for (let i = 0; i < text.length; i += chunkSize) splitter.push(text.slice(i, i + chunkSize), (l) => parser.line(l));
  splitter.end((l) => parser.line(l));
  parser.end();
  return { events, stats: parser.stats, form: parser.form };
}

function runStrace(file: string): { events: StraceEvent[]; parser: StraceParser } {
  const events: StraceEvent[] = [];
  const parser = new StraceParser({ source: file, onEvent: (e) => events.push(e) });
  const splitter = new LineSplitter();
  splitter.push(readFileSync(path.join(corpusDir, file), 'latin1'), (l) => parser.line(l));
  splitter.end((l) => parser.line(l));
  parser.end();
  return { events, parser };
}

const syscalls = (events: StraceEvent[]): SyscallEvent[] => events.filter((e): e is SyscallEvent => e.type === 'syscall');
const warnings = (events: StraceEvent[]): WarningEvent[] => events.filter((e): e is WarningEvent => e.type === 'warning');

describeCorpus('every corpus file', () => {
  const files = corpusPresent ? readdirSync(corpusDir).filter((f) => f.endsWith('.txt')) : [];

  test('the corpus is there', () => {
    expect(files.length).toBeGreaterThan(50);
  });

  test.each(files)('%s', (file) => {
    const { events, stats } = run(file);
    const physicalLines = readFileSync(path.join(corpusDir, file), 'latin1').split('\n').filter((l, i, all) => i < all.length - 1 || l !== '').length;
    expect(stats.lines).toBe(physicalLines);
    if (!NO_SYSCALLS.has(file)) expect(stats.syscalls).toBeGreaterThan(0);
    expect(syscalls(events)).toHaveLength(stats.syscalls);
    expect(warnings(events)).toHaveLength(stats.unparsed);
    // Collected first so a failure reports the offending events, not 20,000 passing assertions.
    const misplaced = events.filter((e) => !(e.line >= 1 && e.line <= stats.lines) || e.source !== file);
    expect(misplaced).toEqual([]);
    const oddNames = syscalls(events).filter((c) => !/^(?:[a-z_][a-z0-9_]*|\?\?\?)$/.test(c.name));
    expect(oddNames).toEqual([]);
    // Foreign text is rare in these logs: most lines must be understood.
    expect(stats.unparsed).toBeLessThanOrEqual(Math.max(3, stats.lines / 50));
  });

  test('chunk boundaries do not change the result', () => {
    const whole = run('zicada_bug-ASTERISK-27262__strace.log.txt');
    const tiny = run('zicada_bug-ASTERISK-27262__strace.log.txt', 97);
    expect(tiny.stats).toEqual(whole.stats);
    expect(tiny.events).toEqual(whole.events);
  });
});

describeCorpus('hand-checked corpus expectations', () => {
  test('Stana ls.out (-f -tt): the exact set of opened paths', () => {
    const { events, form } = run('johnlcf_Stana__test_ls.out.txt');
    expect(form).toBe('strace');
    const opened = syscalls(events)
      .filter((c) => c.name === 'open')
      .map((c) => decodeQuoted(splitArgs(c.argsText)[0])!.bytes);
    expect(opened).toEqual([
      '/etc/ld.so.cache',
      '/lib64/libselinux.so.1',
      '/lib64/librt.so.1',
      '/lib64/libcap.so.2',
      '/lib64/libacl.so.1',
      '/lib64/libc.so.6',
      '/lib64/libdl.so.2',
      '/lib64/libpthread.so.0',
      '/lib64/libattr.so.1',
      '/usr/lib/locale/locale-archive',
      '.',
      '/usr/lib64/gconv/gconv-modules.cache',
    ]);
    expect(syscalls(events).every((c) => c.pid === 12679)).toBe(true);
  });

  test('straceprof ls.log (-f -ttt): execve, exit_group, exit', () => {
    const { events } = run('akawashiro_straceprof__ls.log.txt');
    expect(events.map((e) => e.type)).toEqual(['syscall', 'syscall', 'exit']);
    const [execve, exitGroup, exit] = events as [SyscallEvent, SyscallEvent, StraceEvent];
    expect(decodeQuoted(splitArgs(execve.argsText)[0])?.bytes).toBe('/usr/bin/ls');
    expect(execve).toMatchObject({ pid: 22627, result: { kind: 'ok', value: '0' } });
    expect(exitGroup).toMatchObject({ name: 'exit_group', result: { kind: 'unknown', reason: '?' } });
    expect(exit).toMatchObject({ pid: 22627, code: 0, line: 3 });
  });

  test('Asterisk (old spacing, attach mid-call): 4717 pairs merged, 52 calls still pending at the end', () => {
    const { events, parser } = runStrace('zicada_bug-ASTERISK-27262__strace.log.txt');
    expect(parser.stats.merged).toBe(4717);
    expect(parser.stats.neverResumed).toBe(52);
    expect(parser.stats.unparsed).toBe(0);
    const last = events[events.length - 1];
    expect(last.type).toBe('syscall');
  });

  test('Stana stardict: 169 unfinished, 168 resumed, one left over', () => {
    const { parser } = runStrace('johnlcf_Stana__test_stardict.out.txt');
    expect(parser.stats).toMatchObject({ merged: 168, neverResumed: 1, unparsed: 0 });
  });

  test('Stana firefox (old strace): all 1884 pairs merged', () => {
    const { parser } = runStrace('johnlcf_Stana__test_firefox_no_t.out.txt');
    expect(parser.stats).toMatchObject({ merged: 1884, unparsed: 0 });
  });

  test('AGLARA (old spacing `<... vfork resumed> )`): 605 pairs merged', () => {
    const { parser } = runStrace('sjvermeu_AGLARA__strace.log.txt');
    expect(parser.stats).toMatchObject({ merged: 605, unparsed: 0 });
  });

  test('systemd#5970: journal lines with a localised month ("Maj")', () => {
    const { events, form, stats } = run('issues_systemd_systemd_5970.txt');
    expect(form).toBe('journal-text');
    expect(stats).toEqual({ lines: 12, syscalls: 12, unparsed: 0 });
    const calls = syscalls(events);
    expect(calls.map((c) => c.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    // The journal's pid (strace's own, 1499) is not a traced task's pid.
    expect(calls.every((c) => c.pid === undefined)).toBe(true);
    expect(calls[3]).toMatchObject({ name: 'open', argsText: '0x7fe718a4a175, O_RDONLY|O_CLOEXEC', result: { kind: 'error', errno: 'ENOENT' } });
  });

  test('fprintd journal (-t -ff to the journal, grep file prefixes)', () => {
    const { events, form, stats } = run('issues_netdev_fprintd_journal.txt');
    expect(form).toBe('journal-text');
    expect(stats).toEqual({ lines: 3, syscalls: 3, unparsed: 0 });
    expect(syscalls(events).map((c) => [c.name, c.pid, c.result.kind])).toEqual([
      ['connect', 5599, 'error'],
      ['sendmsg', 5599, 'error'],
      ['connect', 2658, 'ok'],
    ]);
  });

  test('obs-studio: tracee output inside wait4 is rejoined; shell prompts are warnings', () => {
    const { events } = run('rpodcast_obs-studio-snap-debugging__strace_output.txt');
    const wait = syscalls(events).find((c) => c.line === 3197);
    expect(wait).toMatchObject({ name: 'wait4', result: { kind: 'ok', value: '70160' } });
    expect(warnings(events).map((w) => w.line)).toEqual([1, 8466]);
  });

  test('clamav: a log cut while blocked ends with an unfinished poll', () => {
    const { events } = run('zaabskr_clamav-traces__strace.txt');
    expect(events[0]).toMatchObject({ type: 'message', pid: 15 });
    expect(events[events.length - 1]).toMatchObject({ type: 'syscall', name: 'poll', line: 197, result: { reason: 'unfinished' } });
  });

  test('crun: in-band strace messages carry their pids', () => {
    const { events } = run('issues_containers_crun_324.txt');
    const attached = events.filter((e) => e.type === 'message' && e.pid !== undefined).map((e) => (e as { pid: number }).pid);
    expect(attached.slice(0, 3)).toEqual([1577, 1578, 1579]);
  });

  test('Russian strerror text does not disturb the errno', () => {
    const { events } = run('new-quaere_tuxcloker.strace__strace.log.txt');
    const errors = syscalls(events).filter((c) => c.result.kind === 'error');
    expect(errors.length).toBeGreaterThan(700);
    for (const call of errors) expect((call.result as { errno: string }).errno).toMatch(/^E[A-Z0-9]+$/);
  });
});
