import { describe, expect, test } from '@jest/globals';
import type { StraceEvent, SyscallEvent, WarningEvent } from './events.js';
import { StraceParser } from './strace.js';

function parse(lines: string[], pid?: number): { events: StraceEvent[]; parser: StraceParser } {
  const events: StraceEvent[] = [];
  const parser = new StraceParser({ source: 'test.log', pid, onEvent: (e) => events.push(e) });
  for (const line of lines) parser.line(line);
  parser.end();
  return { events, parser };
}

const syscalls = (events: StraceEvent[]): SyscallEvent[] => events.filter((e): e is SyscallEvent => e.type === 'syscall');
const warnings = (events: StraceEvent[]): WarningEvent[] => events.filter((e): e is WarningEvent => e.type === 'warning');

function only(line: string, pid?: number): SyscallEvent {
  const { events } = parse([line], pid);
  expect(warnings(events)).toEqual([]);
  const calls = syscalls(events);
  expect(calls).toHaveLength(1);
  return calls[0];
}

describe('complete calls and the leader', () => {
  const body = 'newfstatat(AT_FDCWD, "/etc/passwd", {st_mode=S_IFREG|0644, st_size=1221, ...}, 0) = 0';
  const args = 'AT_FDCWD, "/etc/passwd", {st_mode=S_IFREG|0644, st_size=1221, ...}, 0';

  test.each([
    ['no leader', body, undefined],
    ['-f -o pid', `14233 ${body}`, 14233],
    ['-f -o 4-digit pid padded to 5', `7510  ${body}`, 7510],
    ['6-digit pid', `553636 ${body}`, 553636],
    ['stderr [pid N]', `[pid 14219] ${body}`, 14219],
    ['stderr [pid  N] padded', `[pid  5599] ${body}`, 5599],
    ['-t', `[pid 14303] 07:47:39 ${body}`, 14303],
    ['-tt', `14249 07:47:39.550710 ${body} <0.000025>`, 14249],
    ['-ttt', `14264 1795938459.615065 ${body} <0.000183>`, 14264],
    ['-ttt without pid', `1795938459.615065 ${body}`, undefined],
    ['ns timestamps', `14314 1795938459.791931702 ${body} <0.000074501>`, 14314],
    ['-r', `14291      0.000508 ${body}`, 14291],
    ['-r without pid', `     0.000508 ${body}`, undefined],
    ['-tt with -r', `18667 07:49:09.166683 (+     0.000000) ${body} <0.000170>`, 18667],
    ['-Y comm', `14328<storm> ${body}`, 14328],
    ['-Y comm in brackets', `[pid 14339<storm>] ${body}`, 14339],
    ['-n and -i', `[  59] [00007f6f6bd5fad7] ${body}`, undefined],
    ['unix seconds timestamp', `1795938459 ${body}`, undefined],
    ['ARM -f -t', `1277  12:18:05 ${body}`, 1277],
  ])('%s', (_label, line, pid) => {
    const call = only(line);
    expect(call).toMatchObject({ name: 'newfstatat', argsText: args, pid, line: 1, source: 'test.log' });
    expect(call.result).toEqual({ kind: 'ok', value: '0' });
  });

  test('the -ff file pid applies to lines without a prefix', () => {
    expect(only('openat(AT_FDCWD, "/a", O_RDONLY) = 3', 4242).pid).toBe(4242);
  });

  test('zero-argument call and underscore names', () => {
    expect(only('getpid()                                = 1499')).toMatchObject({ name: 'getpid', argsText: '' });
    expect(only('_llseek(4, -24, [3495], SEEK_CUR)       = 0')).toMatchObject({ name: '_llseek' });
  });

  test('") = " inside a string does not end the arguments', () => {
    const call = only('read(10, "something) = 5"..., 8192) = 8192');
    expect(call.argsText).toBe('10, "something) = 5"..., 8192');
    expect(call.result).toEqual({ kind: 'ok', value: '8192' });
  });

  test('a decorated dirfd with parentheses in its path', () => {
    const call = only('openat(3</srv/a (b)>, "x", O_RDONLY) = 4</srv/a (b)/x>');
    expect(call.argsText).toBe('3</srv/a (b)>, "x", O_RDONLY');
    expect(call.result).toEqual({ kind: 'ok', value: '4', fdPath: '/srv/a (b)/x' });
  });

  test('-X raw and -X verbose', () => {
    expect(only('openat(-100</srv/work>, "/etc/ld.so.cache", 0x80000) = 3</etc/ld.so.cache>').result).toEqual({
      kind: 'ok',
      value: '3',
      fdPath: '/etc/ld.so.cache',
    });
    const verbose = only('openat(-100 /* AT_FDCWD */, "/x", 0x80000 /* O_RDONLY|O_CLOEXEC */) = 3');
    expect(verbose.argsText).toBe('-100 /* AT_FDCWD */, "/x", 0x80000 /* O_RDONLY|O_CLOEXEC */');
  });

  test('-xx hex strings and decorations stay verbatim in argsText', () => {
    const line = '39270      0.000020 access("\\x2f\\x65\\x74\\x63", R_OK) = -1 ENOENT (No such file or directory)';
    expect(only(line)).toMatchObject({ argsText: '"\\x2f\\x65\\x74\\x63", R_OK', result: { kind: 'error', errno: 'ENOENT' } });
  });

  test('unknown syscall names', () => {
    expect(only('syscall_0x1c4(0xffffff9c, 0x562f8f68a05c, 0x1a4, 0, 0, 0) = 0').name).toBe('syscall_0x1c4');
  });
});

describe('results', () => {
  test.each([
    ['= 3', { kind: 'ok', value: '3' }],
    ['= 0x7f52a332e000', { kind: 'ok', value: '0x7f52a332e000' }],
    ['= 022', { kind: 'ok', value: '022' }],
    ['= 3</etc/passwd>', { kind: 'ok', value: '3', fdPath: '/etc/passwd' }],
    ['= 6</dev/null<char 1:3>>', { kind: 'ok', value: '6', fdPath: '/dev/null' }],
    ['= 4</srv/work/wd/angle\\74b\\76.txt>', { kind: 'ok', value: '4', fdPath: '/srv/work/wd/angle<b>.txt' }],
    ['= 5</srv/gone>(deleted)', { kind: 'ok', value: '5', fdPath: '/srv/gone' }],
    ['= 6<UNIX-STREAM:[30551]>', { kind: 'ok', value: '6' }],
    ['= 4<TCP:[127.0.0.1:40990->127.0.0.1:39929]>', { kind: 'ok', value: '4' }],
    ['= 0 <0.000025>', { kind: 'ok', value: '0' }],
    ['= 1 (in [3])', { kind: 'ok', value: '1' }],
    ['= 0 (INJECTED)', { kind: 'ok', value: '0' }],
    ['= -1 ENOENT (No such file or directory)', { kind: 'error', errno: 'ENOENT' }],
    ['= -1 EACCES (Keine Berechtigung)', { kind: 'error', errno: 'EACCES' }],
    ['= -1 ENOENT (\xd0\x9d\xd0\xb5\xd1\x82 \xd1\x82\xd0\xb0\xd0\xba\xd0\xbe\xd0\xb3\xd0\xbe)', { kind: 'error', errno: 'ENOENT' }],
    ['= -1 ENOENT (No such file or directory) (INJECTED)', { kind: 'error', errno: 'ENOENT' }],
    ['= -1 (errno 1234)', { kind: 'error', errno: 'EUNKNOWN' }],
    ['= ?', { kind: 'unknown', reason: '?' }],
    ['= ? <0.000283>', { kind: 'unknown', reason: '?' }],
    ['= ? <unavailable>', { kind: 'unknown', reason: 'unavailable' }],
    ['= ? ERESTARTSYS (To be restarted if SA_RESTART is set)', { kind: 'unknown', reason: 'ERESTARTSYS' }],
    ['= ? ERESTART_RESTARTBLOCK (Interrupted by signal) <0.380816>', { kind: 'unknown', reason: 'ERESTART_RESTARTBLOCK' }],
  ])('%s', (result, expected) => {
    expect(only(`openat(AT_FDCWD, "/x", O_RDONLY)       ${result}`).result).toEqual(expected);
  });
});

describe('unfinished and resumed calls', () => {
  test('merged per pid, across another task', () => {
    const { events, parser } = parse([
      '14219 openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC <unfinished ...>',
      '14220 newfstatat(AT_FDCWD, "/etc/hostname",  <unfinished ...>',
      '14219 <... openat resumed>) = 3',
      '14220 <... newfstatat resumed>{st_mode=S_IFREG|0755, st_size=3, ...}, 0) = 0',
    ]);
    expect(syscalls(events)).toEqual([
      expect.objectContaining({ line: 3, pid: 14219, name: 'openat', argsText: 'AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC', result: { kind: 'ok', value: '3' } }),
      expect.objectContaining({
        line: 4,
        pid: 14220,
        name: 'newfstatat',
        argsText: 'AT_FDCWD, "/etc/hostname", {st_mode=S_IFREG|0755, st_size=3, ...}, 0',
      }),
    ]);
    expect(parser.stats.merged).toBe(2);
  });

  test('old strace (< 5.0) put a space after the marker', () => {
    const { events } = parse([
      '[pid 25404] futex(0x7f, FUTEX_WAIT, 0, NULL <unfinished ...>',
      '[pid 25405] open("/a", O_RDONLY) = 3',
      '[pid 25404] <... futex resumed> )       = 0',
      '29900 wait4(-1,  <unfinished ...>',
      '29901 exit_group(0) = ?',
      '29900 <... wait4 resumed> [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL) = 29901',
    ]);
    const calls = syscalls(events);
    expect(calls.map((c) => c.argsText)).toEqual([
      '"/a", O_RDONLY',
      '0x7f, FUTEX_WAIT, 0, NULL',
      '0',
      '-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], 0, NULL',
    ]);
    expect(calls[3].result).toEqual({ kind: 'ok', value: '29901' });
  });

  test('a task dying while blocked: `<unfinished ...>) = ?`', () => {
    const { events } = parse([
      '15879 20:12:50.000000 epoll_wait(4,  <unfinished ...>',
      '15880 20:12:50.100000 exit_group(0) = ?',
      '15879 20:12:51.109551 <... epoll_wait resumed> <unfinished ...>) = ?',
      '15879 +++ exited with 0 +++',
    ]);
    expect(syscalls(events)[1]).toMatchObject({ name: 'epoll_wait', argsText: '4, ', result: { kind: 'unknown', reason: '?' } });
    expect(warnings(events)).toEqual([]);
  });

  test('same pid starting a new call gives up the old one (§5.3)', () => {
    const { events } = parse([
      '14446 openat(AT_FDCWD, "/fifo", O_RDONLY <unfinished ...>',
      '14446 execve("/bin/true", ["true"], 0x7ffd /* 1 var */) = 0',
    ]);
    expect(syscalls(events).map((c) => [c.name, c.result.kind, c.line])).toEqual([
      ['openat', 'unknown', 1],
      ['execve', 'ok', 2],
    ]);
    expect(syscalls(events)[0].result).toEqual({ kind: 'unknown', reason: 'unfinished' });
  });

  test('exit of a task gives up its pending call', () => {
    const { events } = parse(['14358 openat(AT_FDCWD, "/fifo", O_RDONLY <unfinished ...>', '14358 +++ killed by SIGKILL +++']);
    expect(events.map((e) => e.type)).toEqual(['syscall', 'exit']);
    expect(syscalls(events)[0]).toMatchObject({ argsText: 'AT_FDCWD, "/fifo", O_RDONLY', result: { reason: 'unfinished' } });
  });

  test('superseded by execve moves the thread\'s execve to the leader (§5.5)', () => {
    const { events } = parse([
      '14387 openat(AT_FDCWD, "/srv/work/threxec.fifo", O_RDONLY <unfinished ...>',
      '14388 execve("/bin/cat", ["/bin/cat", "/etc/hostname"], 0x7fc31e127e10 /* 1 var */ <unfinished ...>',
      '14387 <... openat resumed>)             = ?',
      '14387 +++ superseded by execve in pid 14388 +++',
      '14387 <... execve resumed>)             = 0',
    ]);
    expect(events.map((e) => e.type)).toEqual(['syscall', 'superseded', 'syscall']);
    expect(events[1]).toMatchObject({ pid: 14387, by: 14388 });
    expect(events[2]).toMatchObject({
      pid: 14387,
      name: 'execve',
      argsText: '"/bin/cat", ["/bin/cat", "/etc/hostname"], 0x7fc31e127e10 /* 1 var */',
      result: { kind: 'ok', value: '0' },
      line: 5,
    });
  });

  test('-ff: a thread execve line with <pid changed to N ...>', () => {
    const call = only('execve("/bin/cat", ["/bin/cat"], 0x7f /* 1 var */ <pid changed to 14387 ...>', 14388);
    expect(call).toMatchObject({ pid: 14388, argsText: '"/bin/cat", ["/bin/cat"], 0x7f /* 1 var */' });
    expect(call.result).toEqual({ kind: 'unknown', reason: 'pid changed to 14387' });
  });

  test('detached while blocked', () => {
    expect(only('29394 nanosleep({1, 0},  <detached ...>')).toMatchObject({
      argsText: '{1, 0}, ',
      result: { kind: 'unknown', reason: 'detached' },
    });
    expect(only('execve("../sleep", ["../sleep", "0"], NULL <detached ...>').result).toEqual({ kind: 'unknown', reason: 'detached' });
  });

  test('pending calls at the end are emitted as unfinished', () => {
    const { events, parser } = parse(['123 semop(1, [{0, -1, SEM_UNDO}], 1 <unfinished ...>']);
    expect(syscalls(events)).toEqual([
      expect.objectContaining({ name: 'semop', argsText: '1, [{0, -1, SEM_UNDO}], 1', result: { kind: 'unknown', reason: 'unfinished' } }),
    ]);
    expect(parser.stats.neverResumed).toBe(1);
  });

  test('a resumed half with no start is a warning, not a call', () => {
    const { events } = parse(['6955  <... futex resumed> )             = -1 ETIMEDOUT (Connection timed out)']);
    expect(syscalls(events)).toEqual([]);
    expect(warnings(events)).toEqual([expect.objectContaining({ line: 1, reason: expect.stringContaining('futex') })]);
  });

  test('stderr mode: the prefix appears once a second task exists', () => {
    const { events } = parse([
      'clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD <unfinished ...>',
      'strace: Process 14220 attached',
      '[pid 14220] openat(AT_FDCWD, "/a", O_RDONLY) = 3',
      '[pid 14219] <... clone resumed>, child_tidptr=0x7f) = 14220',
      '[pid 14220] +++ exited with 0 +++',
      'openat(AT_FDCWD, "/b", O_RDONLY <unfinished ...>',
      '<... openat resumed>) = 4',
    ]);
    const calls = syscalls(events);
    expect(calls.map((c) => [c.name, c.pid, c.result.kind])).toEqual([
      ['openat', 14220, 'ok'],
      ['clone', 14219, 'ok'],
      ['openat', undefined, 'ok'],
    ]);
    expect(calls[1].argsText).toBe('child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD, child_tidptr=0x7f');
    expect(warnings(events)).toEqual([]);
  });

  test('restart_syscall after attach', () => {
    const { events } = parse([
      '1 restart_syscall(<... resuming interrupted restart_syscall ...> <unfinished ...>',
      '1 <... restart_syscall resumed> )      = -1 ETIMEDOUT (Connection timed out)',
      'restart_syscall(<... resuming interrupted poll ...>) = 1',
    ]);
    expect(syscalls(events).map((c) => c.argsText)).toEqual([
      '<... resuming interrupted restart_syscall ...>',
      '<... resuming interrupted poll ...>',
    ]);
  });
});

describe('non-syscall lines', () => {
  test('exit, killed, signals, stopped, personality', () => {
    const { events } = parse([
      '14233 +++ exited with 3 +++',
      '+++ killed by SIGSEGV (core dumped) +++',
      '[pid 1] +++ killed by SIGRT_4 +++',
      '--- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=14473, si_uid=0, si_status=0, si_utime=0, si_stime=0} ---',
      '14233 --- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---',
      '--- SIGUSR1 {si_signo=SIGUSR1, si_code=SI_QUEUE, si_value={int=1, ptr=0x1}} ---',
      '--- stopped by SIGSTOP ---',
      '[ Process PID=15667 runs in 32 bit mode. ]',
    ]);
    expect(events).toEqual([
      expect.objectContaining({ type: 'exit', pid: 14233, code: 3, line: 1 }),
      expect.objectContaining({ type: 'exit', pid: undefined, signal: 'SIGSEGV' }),
      expect.objectContaining({ type: 'exit', pid: 1, signal: 'SIGRT_4' }),
      expect.objectContaining({ type: 'signal', signal: 'SIGCHLD' }),
      expect.objectContaining({ type: 'signal', pid: 14233, signal: 'SIGSEGV' }),
      expect.objectContaining({ type: 'signal', signal: 'SIGUSR1' }),
      expect.objectContaining({ type: 'signal', signal: 'SIGSTOP' }),
      expect.objectContaining({ type: 'message', pid: 15667, line: 8 }),
    ]);
  });

  test('strace messages, old and new, with argv[0] as a path', () => {
    const { events } = parse([
      'strace: Process 14219 attached',
      '/usr/bin/strace: Process 19090 attached with 4 threads',
      'Process 29579 attached - interrupt to quit',
      'Process 3 detached',
      'strace: Requested path "hn-link" resolved into "/etc/hostname"',
    ]);
    expect(events.map((e) => [e.type, (e as { pid?: number }).pid])).toEqual([
      ['message', 14219],
      ['message', 19090],
      ['message', 29579],
      ['message', 3],
      ['message', undefined],
    ]);
  });

  test('messages spliced mid-line, continuation joined (§6.1)', () => {
    const { events } = parse([
      '[pid 14219] newfstatat(AT_FDCWD, "/etc/passwd", strace: Process 14220 attached',
      '{st_mode=S_IFREG|0644, st_size=1221, ...}, 0) = 0',
      '[pid 14220] openat(AT_FDCWD, "relative.txt", O_RDONLY|O_CLOEXECstrace: Process 14223 attached',
      ' <unfinished ...>',
      '[pid 14223] newfstatat(5, "", strace: Process 14226 attached',
      'strace: Process 14225 attached',
      ' <unfinished ...>',
      '[pid 14220] <... openat resumed>) = 3',
      '[pid 14223] <... newfstatat resumed>{st_mode=S_IFDIR|0755, ...}, AT_EMPTY_PATH) = 0',
    ]);
    expect(warnings(events)).toEqual([]);
    expect(events.filter((e) => e.type === 'message').map((e) => (e as { pid?: number }).pid)).toEqual([14220, 14223, 14226, 14225]);
    expect(syscalls(events).map((c) => [c.pid, c.line, c.argsText])).toEqual([
      [14219, 2, 'AT_FDCWD, "/etc/passwd", {st_mode=S_IFREG|0644, st_size=1221, ...}, 0'],
      [14220, 8, 'AT_FDCWD, "relative.txt", O_RDONLY|O_CLOEXEC'],
      [14223, 9, '5, "", {st_mode=S_IFDIR|0755, ...}, AT_EMPTY_PATH'],
    ]);
  });

  test('the traced program\'s output glued into lines', () => {
    const { events } = parse([
      'write(1, "to-stderr\\n", 10to-stderr',
      ')             = 10',
      'wait4(-1, mkdir: cannot create directory \'/run/user/0\': Permission denied',
      '[{WIFEXITED(s) && WEXITSTATUS(s) == 1}], 0, NULL) = 70160',
      'write(1, "successful lookup: google.com\\nre"..., 129successful lookup: google.com',
      'returned address: 142.250.81.206',
      'returned address: 142.250.81.206',
      ') = 129',
      'write(2, ")", 1))                        = 1',
      'write(2, "(\\n", 2(',
      ')                      = 2',
    ]);
    expect(warnings(events)).toEqual([]);
    expect(syscalls(events).map((c) => [c.name, c.line, c.result])).toEqual([
      ['write', 2, { kind: 'ok', value: '10' }],
      ['wait4', 4, { kind: 'ok', value: '70160' }],
      ['write', 8, { kind: 'ok', value: '129' }],
      ['write', 9, { kind: 'ok', value: '1' }],
      ['write', 11, { kind: 'ok', value: '2' }],
    ]);
  });

  test('a line cut at the end of the log is reported as unfinished', () => {
    const { events } = parse(['strace: Process 15 attached', 'poll([{fd=6, events=POLLIN}], 1, 3600000']);
    expect(syscalls(events)).toEqual([
      expect.objectContaining({ name: 'poll', line: 2, argsText: '[{fd=6, events=POLLIN}], 1, 3600000', result: { kind: 'unknown', reason: 'unfinished' } }),
    ]);
  });

  test('an open line never completed: the call is reported and the absorbed lines warned', () => {
    const { events } = parse(['write(1, "x", 1x', 'program output', 'openat(AT_FDCWD, "/a", O_RDONLY) = 3']);
    expect(events.map((e) => [e.type, e.line])).toEqual([
      ['syscall', 1],
      ['warning', 2],
      ['syscall', 3],
    ]);
  });

  test('stack frames, I/O dumps, summary tables and the tips box are recognised', () => {
    const { events } = parse([
      'openat(AT_FDCWD, "/a", O_RDONLY) = 3',
      ' > /usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2(_dl_catch_error+0x869d) [0x20b1d]',
      ' | 00000  68 65 6c 6c 6f 0a                                hello.           |',
      '% time     seconds  usecs/call     calls    errors syscall',
      '------ ----------- ----------- --------- --------- ----------------',
      '  0.00    0.000000           0        82        20 openat',
      '100.00    0.000000           0       315        61 total',
      '  ______________________________________________',
      ' / strace can decode fds with -y               \\',
      ' \\______________________________________________/',
    ]);
    expect(warnings(events)).toEqual([]);
    expect(syscalls(events)).toHaveLength(1);
  });

  test('ANSI colour escapes are stripped', () => {
    const call = only('\x1b[1mopenat\x1b[0m(\x1b[33mAT_FDCWD\x1b[0m, "/etc/passwd", O_RDONLY) = \x1b[32m3\x1b[0m');
    expect(call).toMatchObject({ name: 'openat', argsText: 'AT_FDCWD, "/etc/passwd", O_RDONLY', result: { kind: 'ok', value: '3' } });
  });

  test('foreign lines are warnings with their line numbers; blank lines are skipped', () => {
    const { events, parser } = parse([
      'eric@system76-pc:~$ sudo strace obs-studio ',
      '',
      'execve("/usr/bin/obs", ["obs"], 0x7ffd /* 36 vars */) = 0',
      '[root@centos6 linux_kernel_module]# ',
    ]);
    expect(warnings(events).map((w) => w.line)).toEqual([1, 4]);
    expect(parser.stats).toMatchObject({ lines: 4, syscalls: 1, unparsed: 2 });
  });

  test('warnings quote a bounded amount of text and stay linear', () => {
    const long = 'x'.repeat(1_000_000);
    const lines = Array.from({ length: 2000 }, () => long.slice(0, 5000));
    lines.push(long);
    const started = Date.now();
    const { events } = parse(lines);
    expect(Date.now() - started).toBeLessThan(5000);
    const all = warnings(events);
    expect(all).toHaveLength(2001);
    expect(Math.max(...all.map((w) => w.text.length))).toBeLessThan(300);
  });

  test('tasks that never resume are bounded: the oldest is given up with a warning', () => {
    const lines = Array.from({ length: 65537 }, (_, i) => `${i + 1} futex(0x1, FUTEX_WAIT, 0, NULL <unfinished ...>`);
    const { events, parser } = parse(lines);
    expect(warnings(events)).toEqual([expect.objectContaining({ line: 1, reason: expect.stringContaining('unfinished') })]);
    expect(parser.stats.neverResumed).toBe(65536);
  });

  test('a never-closing line does not absorb the rest of the log', () => {
    const lines = ['write(1, "x", 1x'];
    for (let i = 0; i < 1000; i++) lines.push(`output ${i}`);
    const { events } = parse(lines);
    expect(syscalls(events)).toHaveLength(1);
    expect(warnings(events)).toHaveLength(1000);
  });
});

describe('repeated complete lines', () => {
  test('the same call text under different pids keeps each pid, line and result', () => {
    const { events } = parse([
      '101 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3</etc/hosts>',
      '202 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = 3</etc/hosts>',
      '202 openat(AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC) = -1 EACCES (Permission denied)',
    ]);
    const calls = syscalls(events);
    expect(calls.map((c) => [c.pid, c.line, c.result.kind])).toEqual([
      [101, 1, 'ok'],
      [202, 2, 'ok'],
      [202, 3, 'error'],
    ]);
    expect(calls[1]).toMatchObject({ name: 'openat', argsText: 'AT_FDCWD, "/etc/hosts", O_RDONLY|O_CLOEXEC' });
    expect(calls[1].result).toEqual({ kind: 'ok', value: '3', fdPath: '/etc/hosts' });
  });

  test('a repeated text that is a split half is still merged, not taken as complete', () => {
    const { events } = parse([
      '7 openat(AT_FDCWD, "/a", O_RDONLY <unfinished ...>',
      '8 openat(AT_FDCWD, "/b", O_RDONLY) = 4',
      '7 <... openat resumed>) = 3',
      '7 openat(AT_FDCWD, "/a", O_RDONLY <unfinished ...>',
      '7 <... openat resumed>) = 5',
    ]);
    const calls = syscalls(events);
    expect(calls.map((c) => [c.pid, c.argsText, c.result.kind === 'ok' ? c.result.value : '?'])).toEqual([
      [8, 'AT_FDCWD, "/b", O_RDONLY', '4'],
      [7, 'AT_FDCWD, "/a", O_RDONLY', '3'],
      [7, 'AT_FDCWD, "/a", O_RDONLY', '5'],
    ]);
  });
});
