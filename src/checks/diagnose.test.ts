import { describe, expect, test } from '@jest/globals';
import { diagnoseStart, notFoundCommands, notFoundPaths, type JournalLine, type StartFacts } from './diagnose.js';
import { visibleUnder } from '../profile/visibility.js';
import { memoryFsView } from '../testing/fs-views.js';
import type { ExecClosure } from '../profile/elf.js';
import type { Access, Profile, ProfileEntry } from '../core/model.js';

/** Debian 12's merged-/usr layout, enough for the sleep binary and its loader. */
const host = memoryFsView({
  '/bin': { symlink: 'usr/bin' },
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/usr/bin/sleep': 'file',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/etc/passwd': 'file',
  '/etc/group': 'file',
  '/etc/nsswitch.conf': 'file',
  '/etc/nginx/nginx.conf': 'file',
  '/usr/sbin/nginx': 'file',
  '/var/log/nginx': 'dir',
  '/run/systemd/journal/socket': 'socket',
});
const exists = (p: string) => host.lstat(p) !== undefined;

const profile = (...entries: [ProfileEntry['directive'], string][]): Profile => ({
  entries: [['TemporaryFileSystem', '/:ro'] as [ProfileEntry['directive'], string], ['ProtectSystem', 'no'] as [ProfileEntry['directive'], string], ...entries].map(([directive, value]) => ({ directive, value, reason: 'test' })),
  needsConsent: [],
  omitted: [],
});

/** The closure resolveExecClosure gives for /usr/bin/sleep on Debian 12. */
const sleepClosure: ExecClosure = {
  path: '/usr/bin/sleep',
  items: [
    { path: '/usr/bin/sleep', role: 'binary', links: [], realPath: '/usr/bin/sleep' },
    { path: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter', neededBy: '/usr/bin/sleep', links: ['/lib64', '/usr/lib64/ld-linux-x86-64.so.2', '/lib'], realPath: '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
    { path: '/etc/ld.so.cache', role: 'ld-cache', links: [], realPath: '/etc/ld.so.cache' },
    { path: '/lib/x86_64-linux-gnu/libc.so.6', role: 'library', name: 'libc.so.6', neededBy: '/usr/bin/sleep', links: ['/lib'], realPath: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
  ],
  files: [],
  interpreter: '/lib64/ld-linux-x86-64.so.2',
  unresolved: [],
  notes: [],
};

const systemd = (message: string): JournalLine => ({ message, pid: 1, identifier: 'systemd' });
const child = (message: string): JournalLine => ({ message, pid: 211, identifier: '(sleep)' });

function facts(unit: string, props: Record<string, string>, journal: JournalLine[], extra: Partial<StartFacts> = {}): StartFacts {
  return { unit, properties: { ActiveState: 'failed', SubState: 'failed', ...props }, journal, exists, ...extra };
}

const EXIT_203 = { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '203' };

describe('visibleUnder', () => {
  test('a bound binary is visible, its loader behind /lib64 only when /lib is visible too', () => {
    const onlySleep = visibleUnder(profile(['BindReadOnlyPaths', '/usr/bin/sleep']), host);
    expect(onlySleep('/usr/bin/sleep')).toBe(true);
    expect(onlySleep('/usr/bin')).toBe(true);
    expect(onlySleep('/usr/bin/ls')).toBe(false);
    expect(onlySleep('/lib64/ld-linux-x86-64.so.2')).toBe(false);
    // /lib64 bound: inside it the loader is a symlink to /lib/…, which is still hidden.
    const lib64 = visibleUnder(profile(['BindReadOnlyPaths', '/lib64']), host);
    expect(lib64('/lib64/ld-linux-x86-64.so.2')).toBe(false);
    const both = visibleUnder(profile(['BindReadOnlyPaths', '/lib64'], ['BindReadOnlyPaths', '/lib']), host);
    expect(both('/lib64/ld-linux-x86-64.so.2')).toBe(true);
    expect(both('/lib/x86_64-linux-gnu/libc.so.6')).toBe(true);
    // Binding /usr/lib does not make /lib appear: /lib is a symlink only on the host.
    expect(visibleUnder(profile(['BindReadOnlyPaths', '/usr/lib']), host)('/lib/x86_64-linux-gnu/libc.so.6')).toBe(false);
  });

  test('PrivateTmp, PrivateDevices, MountAPIVFS, *Directory= and no TemporaryFileSystem at all', () => {
    const v = visibleUnder(profile(['PrivateTmp', 'yes'], ['PrivateDevices', 'yes'], ['LogsDirectory', 'nginx'], ['MountAPIVFS', 'yes']), host);
    expect(v('/tmp')).toBe(true);
    expect(v('/dev/null')).toBe(true);
    expect(v('/dev/sda')).toBe(false);
    expect(v('/var/log/nginx')).toBe(true);
    expect(v('/var/log/syslog')).toBe(false);
    expect(v('/proc')).toBe(true);
    // /dev/log under PrivateDevices= is a symlink to the journal's socket, which is not bound.
    expect(v('/dev/log')).toBe(false);
    const open: Profile = { entries: [], needsConsent: [], omitted: [] };
    expect(visibleUnder(open, host)('/etc/passwd')).toBe(true);
    expect(visibleUnder(open, host)('/etc/shadow-nothere')).toBe(false);
  });

  test('without a host view the answer is lexical', () => {
    const v = visibleUnder(profile(['BindReadOnlyPaths', '/etc/nginx']));
    expect(v('/etc/nginx/nginx.conf')).toBe(true);
    expect(v('/etc/passwd')).toBe(false);
  });
});

describe('diagnoseStart: 203/EXEC', () => {
  const p = profile(['BindReadOnlyPaths', '/usr/bin/sleep']);
  const visible = visibleUnder(p, host);
  // What systemd 252 logs when the sandbox hides journald's socket: the child's lines are lost.
  const lost = [systemd('Started bsx-exec.service.'), systemd('bsx-exec.service: Main process exited, code=exited, status=203/EXEC'), systemd("bsx-exec.service: Failed with result 'exit-code'.")];

  test('journal lines lost: the closure names the ELF interpreter and the library', () => {
    const d = diagnoseStart(facts('bsx-exec.service', EXIT_203, lost, { visible, closure: sleepClosure, execPath: '/usr/bin/sleep' }));
    expect(d.kind).toBe('exec');
    expect(d.summary).toMatch(/\/usr\/bin\/sleep is visible but cannot be executed: its ELF interpreter .* \/lib64\/ld-linux-x86-64\.so\.2 is not visible/);
    expect(d.details.join('\n')).toMatch(/does not mean the program is missing/);
    expect(d.fixes.map((f) => [f.directive, f.path])).toEqual([
      ['BindReadOnlyPaths', '/lib64/ld-linux-x86-64.so.2'],
      ['BindReadOnlyPaths', '/lib/x86_64-linux-gnu/libc.so.6'],
    ]);
  });

  test('"Failed to execute" with ENOENT, as in the article this project grew out of', () => {
    const d = diagnoseStart(facts('nginx.service', EXIT_203, [
      child('nginx.service: Failed to execute /usr/sbin/nginx: No such file or directory'),
      child('nginx.service: Failed at step EXEC spawning /usr/sbin/nginx: No such file or directory'),
      systemd('nginx.service: Main process exited, code=exited, status=203/EXEC'),
    ]));
    expect(d.kind).toBe('exec');
    expect(d.summary).toMatch(/\/usr\/sbin\/nginx could not be executed .*does not mean the program is missing/);
    expect(d.details[0]).toBe('systemd reported: No such file or directory (from execve)');
  });

  test('"Failed to locate executable": the program itself is hidden', () => {
    const d = diagnoseStart(facts('bsx-nobin.service', EXIT_203, [
      child('bsx-nobin.service: Failed to locate executable /usr/bin/sleep: No such file or directory'),
      child('bsx-nobin.service: Failed at step EXEC spawning /usr/bin/sleep: No such file or directory'),
      systemd('bsx-nobin.service: Main process exited, code=exited, status=203/EXEC'),
    ], { visible: visibleUnder(profile(['BindReadOnlyPaths', '/lib'], ['BindReadOnlyPaths', '/lib64']), host), closure: sleepClosure }));
    expect(d.summary).toBe('/usr/bin/sleep cannot be started: the program itself is not visible in the sandbox.');
    expect(d.fixes.map((f) => f.path)).toEqual(['/usr/bin/sleep']);
  });

  test('Permission denied is explained, not mistaken for a missing file', () => {
    const d = diagnoseStart(facts('redis-server.service', EXIT_203, [child('redis-server.service: Failed to locate executable /usr/bin/strace: Permission denied')]));
    expect(d.details.join('\n')).toMatch(/noexec|NoExecPaths/);
  });
});

describe('diagnoseStart: 226/NAMESPACE', () => {
  const journal = [
    child('bsx-ns.service: Failed to set up mount namespacing: /run/systemd/unit-root/nonexistent-bindscout-path: No such file or directory'),
    child('bsx-ns.service: Failed at step NAMESPACE spawning /usr/bin/sleep: No such file or directory'),
    systemd('bsx-ns.service: Main process exited, code=exited, status=226/NAMESPACE'),
  ];
  test('a missing bind source: the path without systemd\'s unit-root, "-" or removal', () => {
    const d = diagnoseStart(facts('bsx-ns.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '226' }, journal, { profile: profile(['BindPaths', '/nonexistent-bindscout-path']) }));
    expect(d.kind).toBe('namespace');
    expect(d.summary).toMatch(/bind mount source \/nonexistent-bindscout-path does not exist on the host/);
    expect(d.fixes).toEqual([
      expect.objectContaining({ directive: 'BindPaths', path: '/nonexistent-bindscout-path', optional: true }),
      expect.objectContaining({ directive: 'BindPaths', path: '/nonexistent-bindscout-path', remove: true }),
    ]);
  });
  test('the source exists: the destination is the problem', () => {
    const d = diagnoseStart(facts('x.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '226' }, [child('x.service: Failed to set up mount namespacing: /run/systemd/unit-root/etc/passwd: Not a directory')]));
    expect(d.summary).toMatch(/mounting \/etc\/passwd failed \(Not a directory\), although it exists on the host/);
    expect(d.fixes).toEqual([]);
  });
});

describe('diagnoseStart: other steps, signals, timeouts, service errors', () => {
  test('200/CHDIR', () => {
    const j = [child('bsx-chdir.service: Changing to the requested working directory failed: No such file or directory'), systemd('bsx-chdir.service: Main process exited, code=exited, status=200/CHDIR')];
    expect(diagnoseStart(facts('bsx-chdir.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '200' }, j, { workingDirectory: '/srv/nothere' })).summary).toMatch(/does not exist on the host either/);
    const hidden = diagnoseStart(facts('n.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '200' }, j, { workingDirectory: '/var/log/nginx', visible: visibleUnder(profile(), host) }));
    expect(hidden.fixes).toEqual([expect.objectContaining({ directive: 'BindReadOnlyPaths', path: '/var/log/nginx' })]);
  });

  test('217/USER is not the sandbox\'s fault, but the service\'s own lookups will need the user database', () => {
    const d = diagnoseStart(facts('bsx-user.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '217' }, [
      child('bsx-user.service: Failed to determine user credentials: No such process'),
      child('bsx-user.service: Failed at step USER spawning /usr/bin/sleep: No such process'),
      systemd('bsx-user.service: Main process exited, code=exited, status=217/USER'),
    ], { visible: visibleUnder(profile(), host) }));
    expect(d.kind).toBe('user');
    expect(d.details.join('\n')).toMatch(/before it builds the sandbox/);
    expect(d.fixes.map((f) => f.path)).toEqual(['/etc/passwd', '/etc/group', '/etc/nsswitch.conf']);
  });

  test('timeout wins over the SIGTERM that follows it', () => {
    const d = diagnoseStart(facts('bsx-to.service', { Result: 'timeout', ExecMainCode: '2', ExecMainStatus: '15' }, [systemd('bsx-to.service: start operation timed out. Terminating.'), systemd("bsx-to.service: Failed with result 'timeout'.")]));
    expect(d.kind).toBe('timeout');
  });

  test('a crash by signal', () => {
    const d = diagnoseStart(facts('bsx-seg.service', { Result: 'signal', ExecMainCode: '2', ExecMainStatus: '11' }, [systemd('bsx-seg.service: Main process exited, code=killed, status=11/SEGV')]));
    expect(d).toMatchObject({ kind: 'signal', signal: 'SEGV' });
    expect(d.summary).toMatch(/killed by signal SEGV/);
  });

  test('service error: hidden paths from the trace, writable where it wrote or met EROFS; host ENOENT is ignored', () => {
    const access = (path: string, ops: Access['ops'] extends ReadonlySet<infer O> ? O[] : never, errors: string[]): Access => ({ path, ops: new Set(ops), ok: false, errors: new Set(errors), count: 1, firstPid: 1, firstLine: 1, source: 't' });
    const d = diagnoseStart(facts('nginx.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '1' }, [
      { message: 'nginx: [emerg] open() "/etc/nginx/nginx.conf" failed (2: No such file or directory)', pid: 300, identifier: 'nginx' },
      systemd('nginx.service: Control process exited, code=exited, status=1/FAILURE'),
    ], {
      visible: visibleUnder(profile(['BindReadOnlyPaths', '/usr/sbin/nginx']), host),
      accesses: [access('/etc/nginx/nginx.conf', ['read'], ['ENOENT']), access('/var/log/nginx/error.log', ['write', 'create'], ['ENOENT']), access('/etc/nginx/conf.d/x.conf', ['read'], ['ENOENT']), access('/usr/sbin/nginx', ['exec'], ['EROFS'])],
    }));
    expect(d.kind).toBe('service-error');
    expect(d.fixes.map((f) => [f.directive, f.path])).toEqual([
      ['BindReadOnlyPaths', '/etc/nginx/nginx.conf'],
      ['BindPaths', '/var/log/nginx'],
      ['BindPaths', '/usr/sbin/nginx'],
    ]);
    expect(d.summary).toMatch(/3 paths it needs are hidden/);
  });

  test("the unit's own start (no sandbox) that fails on a path: no word of a sandbox hiding it", () => {
    const d = diagnoseStart(facts('nginx.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '1' }, [
      { message: 'nginx: [emerg] open() "/etc/nginx/nginx.conf" failed (13: Permission denied)', pid: 300, identifier: 'nginx' },
    ]));
    expect(d.kind).toBe('service-error');
    expect(d.summary).not.toMatch(/sandbox|hidden/);
    expect(d.summary).toContain('/etc/nginx/nginx.conf');
  });

  test('ld.so\'s missing library message (exit 127) names the library\'s host path', () => {
    const d = diagnoseStart(facts('bsx.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '127' }, [
      { message: '/usr/bin/sleep: error while loading shared libraries: libc.so.6: cannot open shared object file: No such file or directory', pid: 5, identifier: 'sleep' },
      systemd('bsx.service: Main process exited, code=exited, status=127/n/a'),
    ], { closure: sleepClosure }));
    expect(d.kind).toBe('service-error');
    expect(d.fixes).toEqual([expect.objectContaining({ directive: 'BindReadOnlyPaths', path: '/lib/x86_64-linux-gnu/libc.so.6' })]);
  });

  test('"not found" for a program the sandbox shows: its #! interpreter is what is hidden, named from its closure', () => {
    const helper = '/usr/share/ftpd/helper.pl';
    const helperHost = memoryFsView({ [helper]: 'file', '/usr/bin/perl': 'file', '/usr/sbin/ftpd': 'file' });
    const closure: ExecClosure = {
      path: helper,
      items: [
        { path: helper, role: 'binary', links: [], realPath: helper },
        { path: '/usr/bin/perl', role: 'script-interpreter', neededBy: helper, links: [], realPath: '/usr/bin/perl' },
      ],
      files: [],
      unresolved: [],
      notes: [],
    };
    const journal = [
      { message: `/bin/sh: 1: ${helper}: not found`, pid: 301, identifier: 'ftpd' },
      systemd('ftpd.service: Main process exited, code=exited, status=1/FAILURE'),
    ];
    expect(notFoundPaths(journal, 'ftpd.service')).toEqual([helper]);
    const base = { exists: (p: string) => helperHost.lstat(p) !== undefined, visible: visibleUnder(profile(['BindReadOnlyPaths', helper], ['BindReadOnlyPaths', '/usr/sbin/ftpd']), helperHost) };
    const d = diagnoseStart(facts('ftpd.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '1' }, journal, { ...base, closuresOfNamed: { [helper]: closure } }));
    expect(d.fixes).toEqual([expect.objectContaining({ directive: 'BindReadOnlyPaths', path: '/usr/bin/perl' })]);
    expect(d.summary).toMatch(/hidden by the sandbox \(\/usr\/bin\/perl\)/);
    // Without the closure it still says where to look instead of "nothing points at a hidden path".
    const unknown = diagnoseStart(facts('ftpd.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '1' }, journal, base));
    expect(unknown.summary).not.toMatch(/nothing in the trace or its output/);
    expect(unknown.details.join('\n')).toContain(`${helper} is not found, but it is visible`);
  });

  test('a command a shell ran by bare name and says is "not found": PATH on the host finds it, and it is granted with what it loads', () => {
    const host = memoryFsView({ '/usr/bin/ln': 'file', '/etc/init.d/slapd': 'file', '/lib64/ld-linux-x86-64.so.2': 'file' });
    const journal = [
      { message: 'Starting OpenLDAP: slapd/etc/init.d/slapd: 154: ln: not found', pid: 339, identifier: 'slapd' },
      { message: '/usr/libexec/x: line 3: sponge: command not found', pid: 340, identifier: 'x' },
      { message: 'ldap_bind: Invalid credentials (49): user not found', pid: 341, identifier: 'slapd' },
      systemd('slapd.service: Control process exited, code=exited, status=1/FAILURE'),
    ];
    expect(notFoundCommands(journal, 'slapd.service')).toEqual(['ln', 'sponge']);
    const closure: ExecClosure = {
      path: '/usr/bin/ln',
      items: [
        { path: '/usr/bin/ln', role: 'binary', links: [], realPath: '/usr/bin/ln' },
        { path: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter', neededBy: '/usr/bin/ln', links: [], realPath: '/lib64/ld-linux-x86-64.so.2' },
      ],
      files: [],
      unresolved: [],
      notes: [],
    };
    const shown = visibleUnder(profile(['BindReadOnlyPaths', '/etc/init.d/slapd']), host);
    const d = diagnoseStart(
      facts('slapd.service', { Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '1' }, journal, {
        exists: (p: string) => host.lstat(p) !== undefined,
        visible: shown,
        commandsOnPath: { ln: '/usr/bin/ln' },
        closuresOfNamed: { '/usr/bin/ln': closure },
      }),
    );
    expect(d.fixes.map((f) => [f.directive, f.path])).toEqual([
      ['BindReadOnlyPaths', '/usr/bin/ln'],
      ['BindReadOnlyPaths', '/lib64/ld-linux-x86-64.so.2'],
    ]);
    expect(d.summary).not.toMatch(/nothing in the trace or its output/);
    expect(d.details.join('\n')).toContain('PATH finds it at /usr/bin/ln');
  });

  test('ok and unknown', () => {
    expect(diagnoseStart(facts('a.service', { Result: 'success', ActiveState: 'active', SubState: 'running' }, [])).kind).toBe('ok');
    expect(diagnoseStart(facts('a.service', { Result: 'success', ActiveState: 'inactive', SubState: 'dead' }, [])).kind).toBe('unknown');
  });
});
