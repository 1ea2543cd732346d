/**
 * What discover learns about the service from its observed start, with a fake session: the programs
 * it executed (their interpreter chains) and the accounts its processes ran as (their own files).
 */
import { describe, expect, test } from '@jest/globals';
import { createTraceParser } from '../../parsers/index.js';
import type { FsView } from '../core/fsview.js';
import { memoryFsView } from '../testing/fs-views.js';
import type { ExecClosure } from '../profile/elf.js';
import type { ServiceIdentity } from '../profile/ownership.js';
import { unitInfoFromText } from '../unit-file/unitfile.js';
import { parseLogrotate } from '../profile/shared-log.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import { findAndInstallProfile, type CandidateOutcome, type DiscoverOptions, type DiscoverSession, type LoopContext } from './discover-loop.js';

const UNIT = unitInfoFromText(
  'Id=ftpd.service\nLoadState=loaded\nType=forking\n',
  '# /lib/systemd/system/ftpd.service\n[Service]\nExecStart=/usr/sbin/ftpd -u ftp\n',
);

const OPTIONS: DiscoverOptions = {
  unit: parseUnitName('ftpd'),
  exercise: 0,
  maxStarts: 10,
  dryRun: true,
  baseline: false,
  include: [],
  exclude: [],
  settleMs: 0,
  startTimeoutMs: 1000,
  dropInName: 'bindscout.conf',
};

/** A session whose observed start runs `lines`, whose processes ran as `ranAs`, and whose candidate works. */
function fakeSession(
  lines: string[],
  options: { ranAs?: ServiceIdentity['ranAs']; closures?: Record<string, ExecClosure>; candidateFails?: CandidateOutcome } = {},
) {
  let starts = 0;
  let observed = false;
  const askedClosures: string[] = [];
  const candidates: string[] = [];
  const audited: unknown[] = [];
  const session: DiscoverSession = {
    unit: UNIT,
    get starts() {
      return starts;
    },
    async tracedRun(_sandbox, onEvent) {
      starts++;
      const parser = createTraceParser({ source: 'fake journal', onEvent });
      for (const line of lines) parser.line(line);
      parser.end();
      observed = true;
      return { ok: true, syscalls: lines.length };
    },
    async execClosures(executed) {
      askedClosures.push(...executed);
      return Object.entries(options.closures ?? {})
        .filter(([program]) => ['/usr/sbin/ftpd', ...executed].includes(program))
        .map(([program, closure]) => ({ program, closure }));
    },
    async tryCandidate(dropin) {
      starts++;
      candidates.push(dropin);
      return options.candidateFails ?? { started: true, working: true };
    },
    async stopFailed() {},
    async removeCandidate() {},
    async install() {
      return true;
    },
    async audit(granted) {
      audited.push(granted);
      return { unit: 'ftpd.service', pid: 9, uid: 0, clean: true, visible: 5, outside: 1, outsideByDirectory: [], own: [], violations: [] };
    },
    async identity() {
      // Like the real session: the accounts are known only once the observed start ran.
      return { names: ['ftpd'], declared: [], ...(observed && options.ranAs ? { ranAs: options.ranAs } : {}) };
    },
  };
  return { session, askedClosures, candidates, audited };
}

function context(fs: FsView, options: Partial<DiscoverOptions> = {}, extra: Partial<LoopContext> = {}): LoopContext {
  return {
    ...extra,
    options: { ...OPTIONS, ...options },
    fs,
    reviewer: { review: async (items) => new Map(items.map((item) => [item.path, item.defaultAnswer])), confirmInstall: async () => true },
    log: () => undefined,
    checkpoint: () => undefined,
    writeOutput: async () => undefined,
    notes: [],
  };
}

const bindsOf = (dropin: string, directive: string) =>
  dropin
    .split('\n')
    .filter((l) => l.startsWith(`${directive}=`))
    .map((l) => l.slice(directive.length + 1));

describe('discover: interpreters of everything executed', () => {
  test("a helper script run through sh -c brings its #! interpreter and that one's ELF interpreter", async () => {
    const helper = '/usr/share/ftpd/helper.pl';
    const fs = memoryFsView({
      '/usr/sbin/ftpd': 'file',
      '/bin/sh': 'file',
      [helper]: 'file',
      '/usr/bin/perl': 'file',
      '/usr/lib/x86_64-linux-gnu/libperl.so.5.36': 'file',
      '/lib64/ld-linux-x86-64.so.2': 'file',
    });
    const closure: ExecClosure = {
      path: helper,
      items: [
        { path: helper, role: 'binary', links: [], realPath: helper },
        { path: '/usr/bin/perl', role: 'script-interpreter', neededBy: helper, links: [], realPath: '/usr/bin/perl' },
        { path: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter', neededBy: '/usr/bin/perl', links: [], realPath: '/lib64/ld-linux-x86-64.so.2' },
        { path: '/usr/lib/x86_64-linux-gnu/libperl.so.5.36', role: 'library', name: 'libperl.so.5.36', neededBy: '/usr/bin/perl', links: [], realPath: '/usr/lib/x86_64-linux-gnu/libperl.so.5.36' },
      ],
      files: [],
      unresolved: [],
      notes: [],
    };
    const { session, askedClosures, candidates } = fakeSession(
      [
        '100 execve("/usr/sbin/ftpd", ["/usr/sbin/ftpd", "-u", "ftp"], 0x7ffd0 /* 5 vars */) = 0',
        '101 execve("/bin/sh", ["sh", "-c", "/usr/share/ftpd/helper.pl"], 0x7ffd0 /* 5 vars */) = 0',
        '102 execve("/usr/local/bin/helper.pl", ["helper.pl"], 0x7ffd0 /* 5 vars */) = -1 ENOENT (No such file or directory)',
        `102 execve("${helper}", ["${helper}"], 0x7ffd0 /* 5 vars */) = 0`,
      ],
      { closures: { [helper]: closure } },
    );
    const outcome = await findAndInstallProfile(session, context(fs));
    expect(outcome.working).toBe(true);
    expect(askedClosures).toEqual(expect.arrayContaining(['/usr/sbin/ftpd', '/bin/sh', helper]));
    expect(askedClosures).not.toContain('/usr/local/bin/helper.pl');
    const binds = bindsOf(candidates[0], 'BindReadOnlyPaths');
    expect(binds).toEqual(expect.arrayContaining(['/usr/bin/perl', '/lib64/ld-linux-x86-64.so.2', '/usr/lib/x86_64-linux-gnu']));
  });
});

describe("discover: the service's own accounts", () => {
  test('a daemon that drops to its own user by a flag keeps its root:GROUP 0640 key and writes its root:GROUP 0775 directory', async () => {
    const fs = memoryFsView(
      { '/usr/sbin/ftpd': 'file', '/etc/ftpd-key.pem': 'file', '/srv/ftp-upload': 'dir' },
      { '/etc/ftpd-key.pem': { uid: 0, gid: 131, mode: 0o640 }, '/srv/ftp-upload': { uid: 0, gid: 131, mode: 0o775 } },
    );
    const { session, candidates } = fakeSession(
      [
        '100 execve("/usr/sbin/ftpd", ["/usr/sbin/ftpd", "-u", "ftp"], 0x7ffd0 /* 5 vars */) = 0',
        '100 openat(AT_FDCWD</>, "/etc/ftpd-key.pem", O_RDONLY|O_CLOEXEC) = 3</etc/ftpd-key.pem>',
        '101 openat(AT_FDCWD</>, "/srv/ftp-upload/incoming.tmp", O_WRONLY|O_CREAT|O_EXCL, 0644) = 4</srv/ftp-upload/incoming.tmp>',
      ],
      { ranAs: { uids: [121], gids: [131] } },
    );
    const outcome = await findAndInstallProfile(session, context(fs));
    expect(outcome.working).toBe(true);
    expect(outcome.refused).toEqual([]);
    expect(outcome.writesRefused).toEqual([]);
    expect(bindsOf(candidates[0], 'BindReadOnlyPaths')).toContain('/etc/ftpd-key.pem');
    expect(bindsOf(candidates[0], 'BindPaths')).toContain('/srv/ftp-upload');
  });
});

describe('discover: --include follows links', () => {
  test('the key a granted link leads to is bound alone, and the audit is told it was granted', async () => {
    const fs = memoryFsView({
      '/usr/sbin/ftpd': 'file',
      '/etc/ftpd/private/key.pem': { symlink: '/etc/ssl/private/ftpd.key' },
      '/etc/ssl/private/ftpd.key': 'file',
      '/etc/ssl/private/other.key': 'file',
    });
    const { session, candidates, audited } = fakeSession([
      '100 execve("/usr/sbin/ftpd", ["/usr/sbin/ftpd"], 0x7ffd0 /* 5 vars */) = 0',
      '100 openat(AT_FDCWD</>, "/etc/ftpd/private/key.pem", O_RDONLY|O_CLOEXEC) = 3</etc/ssl/private/ftpd.key>',
    ]);
    const outcome = await findAndInstallProfile(session, context(fs, { include: ['/etc/ftpd/private/*'] }));
    expect(outcome.working).toBe(true);
    expect(outcome.refused).toEqual([]);
    const binds = bindsOf(candidates[0], 'BindReadOnlyPaths');
    expect(binds).toContain('/etc/ssl/private/ftpd.key');
    expect(binds).not.toContain('/etc/ssl/private');
    expect(audited).toEqual([[{ path: '/etc/ssl/private/ftpd.key', by: expect.stringContaining('--include /etc/ftpd/private/*') }]]);
  });
});

describe('discover: a log written directly in /var/log, as a child per connection does', () => {
  const fs = memoryFsView({ '/usr/sbin/ftpd': 'file', '/var/log/ftpd.log': 'file', '/var/log/syslog': 'file' });
  const lines = [
    '100 execve("/usr/sbin/ftpd", ["/usr/sbin/ftpd"], 0x7ffd0 /* 5 vars */) = 0',
    '100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD) = 101',
    '101 openat(AT_FDCWD</>, "/var/log/ftpd.log", O_WRONLY|O_CREAT|O_APPEND, 0600) = 3</var/log/ftpd.log>',
  ];
  const rule = (body: string) => parseLogrotate(`/var/log/ftpd.log {\n${body}\n}\n`, '/etc/logrotate.d/ftpd');

  test('rotated by copytruncate: that file alone is writable', async () => {
    const { session, candidates } = fakeSession(lines);
    const outcome = await findAndInstallProfile(session, context(fs, {}, { logRules: rule('copytruncate') }));
    expect(outcome.working).toBe(true);
    expect(bindsOf(candidates[0], 'BindPaths')).toEqual(['/var/log/ftpd.log']);
    expect(outcome.writesRefused).toEqual([]);
  });

  test('rotated by renaming: refused, the report names the file and why, never /var/log as a whole', async () => {
    const { session, candidates } = fakeSession(lines);
    const outcome = await findAndInstallProfile(session, context(fs, {}, { logRules: rule('create 640 root adm') }));
    expect(bindsOf(candidates[0], 'BindPaths')).toEqual([]);
    expect(outcome.writesRefused).toEqual([{ path: '/var/log/ftpd.log', reason: expect.stringMatching(/rotates it by renaming it/), renamedByRotation: true }]);
    expect(outcome.refused).toEqual(['/var/log/ftpd.log']);
    expect(JSON.stringify(outcome)).not.toMatch(/--include '\/var\/log'/);
  });

  test('rotated by renaming, and the connection then fails: stopped, and the failure says why the log was refused, not "as sensitive"', async () => {
    const probeFailure = 'the probe `curl -fsS ftp://127.0.0.1/x` failed (exit 8): 500 OOPS: failed to open log file for 10.0 s (11 tries)';
    const { session } = fakeSession(lines, {
      candidateFails: {
        started: true,
        working: false,
        probeFailure,
        probe: { passed: false, seconds: 10, tries: 11 },
        diagnosis: { kind: 'unknown', summary: 'ftpd.service is active (running, result probe-failed), and nothing says why.', details: [], fixes: [] },
      },
    });
    const outcome = await findAndInstallProfile(session, context(fs, {}, { logRules: rule('create 640 root adm') }));
    expect(outcome.working).toBe(false);
    expect(session.starts).toBeLessThanOrEqual(4);
    expect(outcome.failure).toMatch(/writes to \/var\/log\/ftpd\.log \(not its own: .*rotates it by renaming it/);
    expect(outcome.failure).not.toMatch(/as sensitive/);
  });

  test('the start fails on the refused log itself: stuck after the first candidate, since another start cannot grant it', async () => {
    const { session } = fakeSession(lines, {
      candidateFails: {
        started: false,
        working: false,
        diagnosis: {
          kind: 'service-error',
          summary: 'ftpd.service started but exited with status 78: 1 path it needs is hidden by the sandbox (/var/log/ftpd.log).',
          details: [],
          fixes: [{ directive: 'BindPaths', path: '/var/log/ftpd.log', reason: 'open failed with EROFS' }],
        },
      },
    });
    const outcome = await findAndInstallProfile(session, context(fs, {}, { logRules: rule('create 640 root adm') }));
    expect(outcome.working).toBe(false);
    expect(session.starts).toBe(2);
    expect(outcome.stuck?.evidence.join('\n')).toMatch(/the paths it fails on \(\/var\/log\/ftpd\.log\) were refused/);
    expect(outcome.stuck?.next).toContain("--include '/var/log/ftpd.log'");
  });
});

describe('discover: own directories the probe never wrote into', () => {
  test('a temp directory the master ensures at start (EEXIST) is writable, and the report says the probe did not exercise it', async () => {
    const fs = memoryFsView({ '/usr/sbin/ftpd': 'file', '/var/lib/ftpd/body': 'dir', '/run': 'dir' }, { '/var/lib/ftpd/body': { uid: 33, mode: 0o700 } });
    const { session, candidates } = fakeSession([
      '100 execve("/usr/sbin/ftpd", ["/usr/sbin/ftpd"], 0x7ffd0 /* 5 vars */) = 0',
      '100 mkdir("/run", 0755) = -1 EEXIST (File exists)',
      '100 mkdir("/var/lib/ftpd/body", 0700) = -1 EEXIST (File exists)',
    ]);
    const ctx = context(fs);
    const outcome = await findAndInstallProfile(session, ctx);
    expect(outcome.working).toBe(true);
    expect(bindsOf(candidates[0], 'BindPaths')).toEqual(['/var/lib/ftpd/body']);
    expect(ctx.notes.join('\n')).toMatch(/not exercised by the observed run or the probe: writes into \/var\/lib\/ftpd\/body/);
  });
});
