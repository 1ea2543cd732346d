import { expect, test } from '@jest/globals';
import type { SyscallEvent } from '../../parsers/events.js';
import { describeWitness, TraceWitness } from './trace-witness.js';

const call = (pid: number | undefined, name: string, argsText: string, value = '0', fdPath?: string): SyscallEvent => ({
  type: 'syscall',
  line: 1,
  pid,
  name,
  argsText,
  result: { kind: 'ok', value, ...(fdPath ? { fdPath } : {}) },
  source: 'journal',
});

test('names the program a pid exec\'d (inherited across a fork) and the syscall, for a path or what is below it', () => {
  const w = new TraceWitness();
  w.add(call(40, 'execve', '"/usr/bin/pg_ctlcluster", ["/usr/bin/pg_ctlcluster", "--skip-systemctl-redirect", "15-main", "start"], 0x7ffc /* 12 vars */'));
  w.add(call(40, 'clone', 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|SIGCHLD', '41'));
  w.add(call(41, 'openat', 'AT_FDCWD</>, "/var/log/postgresql/postgresql-15-main.log", O_WRONLY|O_CREAT|O_APPEND, 0640', '3', '/var/log/postgresql/postgresql-15-main.log'));
  w.add(call(41, 'mkdir', '"/run/postgresql/15-main.pg_stat_tmp", 0700'));
  w.add(call(55, 'openat', '5</etc/nginx>, "nginx.conf", O_RDONLY', '6', '/etc/nginx/nginx.conf'));
  const log = w.witness('/var/log/postgresql')!;
  expect(describeWitness(log, (p) => p)).toBe('pg_ctlcluster (pid 41), openat /var/log/postgresql/postgresql-15-main.log');
  expect(w.witness('/run/postgresql')).toMatchObject({ program: 'pg_ctlcluster', syscall: 'mkdir' });
  // A pid whose exec the trace does not show is named by its pid; a dirfd-relative path is joined.
  expect(describeWitness(w.witness('/etc/nginx/nginx.conf')!, (p) => p)).toBe('pid 55, openat /etc/nginx/nginx.conf');
  expect(w.witness('/srv')).toBeUndefined();
});

test('strace -f leaves the only traced process unprefixed: it and its forks still get its name', () => {
  const w = new TraceWitness();
  w.add(call(undefined, 'execve', '"/bin/sh", ["/bin/sh", "-c", "cat /etc/x; (echo x > /var/lib/app/last)"], 0x7fff /* 6 vars */'));
  w.add(call(undefined, 'clone', 'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f73', '31824'));
  w.add(call(31824, 'openat', 'AT_FDCWD</>, "/var/lib/app/last", O_WRONLY|O_CREAT|O_TRUNC, 0666', '3', '/var/lib/app/last'));
  // The first process, later shown with its prefix, keeps its name; so do the children it vforks.
  w.add(call(31817, 'vfork', '', '31823'));
  w.add(call(31823, 'openat', 'AT_FDCWD</>, "/etc/x", O_RDONLY', '3', '/etc/x'));
  expect(w.witness('/var/lib/app')).toMatchObject({ pid: 31824, program: 'sh', syscall: 'openat' });
  expect(w.witness('/etc/x')).toMatchObject({ pid: 31823, program: 'sh' });
});
