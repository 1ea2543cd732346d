import { describe, expect, test } from '@jest/globals';
import type { StraceEvent, SyscallEvent, WarningEvent } from './events.js';
import { JournalJsonParser, JournalTextParser, parseShortPrefix } from './journal.js';

const syscalls = (events: StraceEvent[]): SyscallEvent[] => events.filter((e): e is SyscallEvent => e.type === 'syscall');
const warnings = (events: StraceEvent[]): WarningEvent[] => events.filter((e): e is WarningEvent => e.type === 'warning');

function text(lines: string[]): { events: StraceEvent[]; parser: JournalTextParser } {
  const events: StraceEvent[] = [];
  const parser = new JournalTextParser({ source: 'journal.txt', onEvent: (e) => events.push(e) });
  for (const line of lines) parser.line(line);
  parser.end();
  return { events, parser };
}

function json(records: (object | string)[]): { events: StraceEvent[]; parser: JournalJsonParser } {
  const events: StraceEvent[] = [];
  const parser = new JournalJsonParser({ source: 'journal.json', onEvent: (e) => events.push(e) });
  for (const record of records) parser.line(typeof record === 'string' ? record : JSON.stringify(record));
  parser.end();
  return { events, parser };
}

const TRACE = 'openat(AT_FDCWD, "/etc/nginx/nginx.conf", O_RDONLY) = 3';

describe('journalctl text formats', () => {
  test.each([
    ['short', `Nov 29 07:50:20 vm nginx[20266]: ${TRACE}`],
    ['short, localised month', `Maj 17 21:36:42 krejzi strace[1499]: ${TRACE}`],
    ['short, UTF-8 month', `\xd0\xbe\xd0\xba\xd1\x82 17 21:36:42 host strace[1499]: ${TRACE}`],
    ['short-precise', `Nov 29 07:50:20.594102 vm nginx[20266]: ${TRACE}`],
    ['short-iso', `2026-11-29T07:50:20+0000 vm nginx[20266]: ${TRACE}`],
    ['short-iso-precise', `2026-11-29T07:50:20.594102+0000 vm nginx[20266]: ${TRACE}`],
    ['short-full', `Sun 2026-11-29 07:58:50 UTC vm nginx[798]: ${TRACE}`],
    ['short-monotonic', `[ 1218.039194] vm nginx[798]: ${TRACE}`],
    ['short-delta', `[ 1218.046556 <    0.007362 >] vm nginx[799]: ${TRACE}`],
    ['short-unix', `1795939130.710308 vm nginx[798]: ${TRACE}`],
    ['with-unit', `Sun 2026-11-29 07:58:50 UTC vm nginx.service[798]: ${TRACE}`],
    ['identifier without pid', `Nov 29 07:50:20 vm my-tracer@x: ${TRACE}`],
  ])('%s', (_label, line) => {
    const { events } = text([line]);
    expect(warnings(events)).toEqual([]);
    expect(syscalls(events)).toEqual([
      expect.objectContaining({ line: 1, pid: undefined, name: 'openat', argsText: 'AT_FDCWD, "/etc/nginx/nginx.conf", O_RDONLY', source: 'journal.txt' }),
    ]);
  });

  test('the traced pid comes from the [pid N] prefix inside the message', () => {
    const { events } = text([
      'Jun 30 05:52:41 ltcden8-lp6 strace[5595]: [pid  5599] 05:52:41 connect(5, {sa_family=AF_UNIX, sun_path="/var/run/dbus/system_bus_socket"}, 110) = -1 ECONNREFUSED (Connection refused)',
    ]);
    expect(syscalls(events)[0]).toMatchObject({ pid: 5599, result: { kind: 'error', errno: 'ECONNREFUSED' } });
  });

  test('a line split by another writer is rejoined within its own stream (§10)', () => {
    const { events } = text([
      'Nov 29 07:50:20 vm mixed[19754]: write(1, "\\377\\376bin-junk\\tX\\n", 13',
      'Nov 29 07:50:20 vm mixed[19757]: [19B blob data]',
      'Nov 29 07:50:20 vm mixed[19754]: )   = 13',
    ]);
    expect(syscalls(events)).toEqual([
      expect.objectContaining({ line: 3, name: 'write', argsText: '1, "\\377\\376bin-junk\\tX\\n", 13', result: { kind: 'ok', value: '13' } }),
    ]);
    expect(warnings(events).map((w) => [w.line, w.text])).toEqual([[2, '[19B blob data]']]);
  });

  test('unfinished and resumed halves in separate entries', () => {
    const { events } = text([
      'Nov 29 07:50:20 vm strace[432]: [pid   445] openat(AT_FDCWD, "/run/nginx.pid", O_RDONLY <unfinished ...>',
      'Nov 29 07:50:20 vm strace[432]: [pid   446] getpid() = 446',
      'Nov 29 07:50:20 vm strace[432]: [pid   445] <... openat resumed>) = 5',
    ]);
    expect(syscalls(events).map((c) => [c.name, c.pid, c.line])).toEqual([
      ['getpid', 446, 2],
      ['openat', 445, 3],
    ]);
  });

  test('journalctl and service manager lines are messages, not warnings', () => {
    const { events } = text([
      '-- Boot 2ad7d69572424515b2675a200a77643e --',
      'Nov 29 08:19:31 vm systemd[1]: Starting nginx.service - A high performance web server...',
      `Nov 29 08:19:31 vm strace[432]: /usr/bin/strace: Process 427 attached`,
      'Nov 29 08:19:31 vm nginx[445]: 2026/11/29 08:19:31 [notice] 445#445: signal process started',
    ]);
    expect(events.map((e) => [e.type, e.line])).toEqual([
      ['message', 1],
      ['message', 2],
      ['message', 3],
      ['warning', 4],
    ]);
  });

  test('the prefix regex is applied to a bounded window only', () => {
    expect(parseShortPrefix('x'.repeat(200_000))).toBeUndefined();
    expect(parseShortPrefix(`Nov 29 07:50:20 vm nginx[1]: ${'y'.repeat(200_000)}`)?.pid).toBe(1);
  });
});

describe('journalctl -o json', () => {
  const base = { SYSLOG_IDENTIFIER: 'strace', _PID: '432', _STREAM_ID: 'abc' };

  test('MESSAGE as a string, the pid from the message', () => {
    const { events } = json([{ ...base, MESSAGE: `[pid   445] ${TRACE}` }]);
    expect(syscalls(events)).toEqual([expect.objectContaining({ pid: 445, line: 1, source: 'journal.json' })]);
  });

  test('MESSAGE as a byte array keeps non-UTF-8 bytes', () => {
    const message = Buffer.concat([Buffer.from('openat(AT_FDCWD, "/srv/'), Buffer.from([0xff]), Buffer.from('", O_RDONLY) = 3\x1b')]);
    const { events } = json([{ ...base, MESSAGE: [...message] }]);
    expect(syscalls(events)[0].argsText).toBe('AT_FDCWD, "/srv/\xff", O_RDONLY');
  });

  test('UTF-8 in a string MESSAGE stays bytes, whether raw or \\u-escaped', () => {
    const raw = Buffer.from(JSON.stringify({ ...base, MESSAGE: 'access("/x", R_OK) = -1 ENOENT (Нет)' }), 'utf8').toString('latin1');
    const escaped = JSON.stringify({ ...base, MESSAGE: 'access("/x", R_OK) = -1 ENOENT (\u041d\u0435\u0442)' }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (const line of [raw, escaped]) {
      const { events } = json([line]);
      expect(syscalls(events)[0].result).toEqual({ kind: 'error', errno: 'ENOENT' });
    }
  });

  test('MESSAGE null (over 4096 bytes without --all) is a warning', () => {
    const { events, parser } = json([{ ...base, MESSAGE: null }]);
    expect(warnings(events)).toEqual([expect.objectContaining({ line: 1, reason: expect.stringContaining('null') })]);
    expect(parser.stats.unparsed).toBe(1);
  });

  test('_LINE_BREAK entries are rejoined with the next entry of the same stream and pid', () => {
    const { events } = json([
      { ...base, MESSAGE: 'execve("/usr/bin/x", ["AAAA', _LINE_BREAK: 'line-max' },
      { ...base, _PID: '19757', MESSAGE: 'tracee says hi' },
      { ...base, _STREAM_ID: 'other', MESSAGE: 'getpid() = 1' },
      { ...base, MESSAGE: 'AAAA"], 0x7ffd /* 1 var */) = 0' },
    ]);
    expect(syscalls(events).map((c) => [c.name, c.line, c.argsText])).toEqual([
      ['getpid', 3, ''],
      ['execve', 4, '"/usr/bin/x", ["AAAAAAAA"], 0x7ffd /* 1 var */'],
    ]);
    expect(warnings(events).map((w) => w.line)).toEqual([2]);
  });

  test('a cut entry never continued is still parsed at the end', () => {
    const { events } = json([{ ...base, MESSAGE: 'openat(AT_FDCWD, "/a", O_RDONLY) = 3', _LINE_BREAK: 'pid-change' }]);
    expect(syscalls(events)).toHaveLength(1);
  });

  test('json-seq record separators and garbage lines', () => {
    const { events } = json([`\x1e${JSON.stringify({ ...base, MESSAGE: TRACE })}`, 'not json at all']);
    expect(syscalls(events)).toHaveLength(1);
    expect(warnings(events)).toEqual([expect.objectContaining({ line: 2 })]);
  });
});
