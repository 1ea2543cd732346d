import { describe, expect, test } from '@jest/globals';
import type { StraceEvent, SyscallEvent } from './events.js';
import { createTraceParser, decodeQuoted, sniffLine, splitArgs, type InputForm } from './index.js';

function feed(lines: string[], opts: { pid?: number; form?: InputForm } = {}) {
  const events: StraceEvent[] = [];
  const parser = createTraceParser({ source: 'in', onEvent: (e) => events.push(e), ...opts });
  for (const line of lines) parser.line(line);
  parser.end();
  return { events, parser, calls: events.filter((e): e is SyscallEvent => e.type === 'syscall') };
}

const TRACE = 'openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3';

describe('input form detection', () => {
  test.each<[string, string, InputForm]>([
    ['plain strace', TRACE, 'strace'],
    ['-f -o', `7510  ${TRACE}`, 'strace'],
    ['stderr -f', `[pid 14219] ${TRACE}`, 'strace'],
    ['-ttt', `1795938459.615065 ${TRACE}`, 'strace'],
    ['-r', `     0.000508 ${TRACE}`, 'strace'],
    ['strace message first', 'strace: Process 15 attached', 'strace'],
    ['journal short', `Nov 29 07:50:20 vm strace[432]: ${TRACE}`, 'journal-text'],
    ['journal short-unix', `1795939130.710308 vm strace[432]: ${TRACE}`, 'journal-text'],
    ['journal short-monotonic', `[ 1218.039194] vm strace[432]: ${TRACE}`, 'journal-text'],
    ['journal meta line', '-- Journal begins at Sun 2026-11-29 07:00:00 UTC. --', 'journal-text'],
    ['journal json', JSON.stringify({ MESSAGE: TRACE, _PID: '1' }), 'journal-json'],
  ])('%s', (_label, line, form) => {
    expect(sniffLine(line)).toBe(form);
    const { parser, calls } = feed([line]);
    expect(parser.form).toBe(form);
    if (form === 'strace' && line !== 'strace: Process 15 attached') expect(calls).toHaveLength(1);
  });

  test('undecided leading lines are held and replayed with their line numbers', () => {
    const { events, parser } = feed(['$ sudo strace -f -o /tmp/x nginx', '', 'Nov 29 07:50:20 vm strace[432]: ' + TRACE]);
    expect(parser.form).toBe('journal-text');
    expect(events.map((e) => [e.type, e.line])).toEqual([
      ['warning', 1],
      ['syscall', 3],
    ]);
    expect(parser.stats).toEqual({ lines: 3, syscalls: 1, unparsed: 1 });
  });

  test('input with no decisive line is taken as strace text', () => {
    const { events, parser } = feed(['hello', 'world']);
    expect(parser.form).toBe('strace');
    expect(events.map((e) => e.type)).toEqual(['warning', 'warning']);
  });

  test('pid prefixes on some lines and not on others', () => {
    const { calls } = feed([TRACE, `[pid 14220] ${TRACE}`, `14221 ${TRACE}`, TRACE], { pid: 77 });
    expect(calls.map((c) => c.pid)).toEqual([77, 14220, 14221, 77]);
  });

  test('the form can be forced', () => {
    const { calls, parser } = feed([`Nov 29 07:50:20 vm strace[432]: ${TRACE}`], { form: 'strace' });
    expect(parser.form).toBe('strace');
    expect(calls).toHaveLength(0);
  });

  test('helpers are re-exported for src/core', () => {
    const { calls } = feed([TRACE]);
    expect(decodeQuoted(splitArgs(calls[0].argsText)[1])?.bytes).toBe('/etc/hosts');
  });
});
