/**
 * discover's loop with a fake session: the same paths the end-to-end tests take on a real systemd
 * (working at once, 203/EXEC then fixed, a refused secret, interrupted, an install rolled back), here
 * with every start, trace and candidate scripted, so each decision of the loop can be checked.
 */
import { describe, expect, test } from '@jest/globals';
import type { Violation } from '../checks/audit.js';
import type { Diagnosis } from '../checks/diagnose.js';
import { memoryFsView } from '../testing/fs-views.js';
import { unitInfoFromText } from '../unit-file/unitfile.js';
import {
  FAKE_OPTIONS as OPTIONS,
  auditReport,
  execFailure,
  fakeContext as context,
  scriptedSession,
  traceOf as trace,
} from '../testing/fake-session.js';
import { findAndInstallProfile, type CandidateOutcome, type Reviewer } from './discover-loop.js';

describe('discover loop', () => {
  test('works at once: one traced start, one candidate, installed with what the trace showed', async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') }],
      candidates: [{ started: true, working: true }],
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.working).toBe(true);
    expect(outcome.installed).toBe('/etc/systemd/system/app.service.d/bindscout.conf');
    expect(session.starts).toBe(2);
    expect(log.installed).toHaveLength(1);
    expect(log.installed[0].text).toBe(log.candidates[0]);
    expect(log.installed[0].text).toContain('TemporaryFileSystem=/:ro');
    expect(log.installed[0].text).toContain('/etc/app/app.conf');
    expect(outcome.attempts.map((a) => [a.traced, a.sandboxed, a.ok])).toEqual([
      [true, false, true],
      [false, true, true],
    ]);
  });

  test('a working candidate that fails the audit: not installed under --yes alone, installed with --accept-audit', async () => {
    const run = /\/run/;
    const writableRun: Violation = { kind: 'writable', path: '/run', hostPath: null, entries: 60, canWrite: true, why: 'a directory of the host' };
    const script = () => ({
      traced: [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') }],
      candidates: [{ started: true, working: true }],
      violations: [writableRun],
    });
    const refused = scriptedSession(script());
    const outcome = await findAndInstallProfile(refused.session, context(refused.log));
    expect(outcome).toMatchObject({ working: true, installed: null, refusedByAudit: true });
    expect(outcome.failure).toMatch(run);
    expect(outcome.failure).toContain('--accept-audit');
    expect(outcome.audit?.violations).toEqual([writableRun]);
    expect(refused.log.installed).toEqual([]);

    const accepted = scriptedSession(script());
    const ctx = context(accepted.log, { options: { ...OPTIONS, acceptAudit: true } });
    const installed = await findAndInstallProfile(accepted.session, ctx);
    expect(installed).toMatchObject({ working: true, refusedByAudit: false, installed: '/etc/systemd/system/app.service.d/bindscout.conf' });
    expect(ctx.notes.join('\n')).toContain('--accept-audit');
  });

  test("an earlier profile's writable /run is not carried over: /run is not bound writable, and the report says so", async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') }],
      candidates: [{ started: true, working: true }],
    });
    const earlier = {
      when: '2026-11-01T10:00:00.000Z',
      accesses: [],
      grants: [
        { directive: 'BindPaths' as const, value: '/run', reason: 'granted by the profile installed 2026-11-01T10:00:00.000Z' },
        { directive: 'BindReadOnlyPaths' as const, value: '/etc/app/app.conf', reason: 'granted by the profile installed 2026-11-01T10:00:00.000Z' },
      ],
    };
    const ctx = context(log, { fs: memoryFsView({ '/usr/sbin/app': 'file', '/etc/app/app.conf': 'file', '/run': 'dir' }), earlier });
    const outcome = await findAndInstallProfile(session, ctx);
    expect(outcome.working).toBe(true);
    expect(log.installed[0].text).not.toMatch(/^BindPaths=\/run$/m);
    expect(log.installed[0].text).toMatch(/^BindReadOnlyPaths=\/etc\/app\/app\.conf$/m);
    expect(outcome.writesRefused.map((w) => w.path)).toContain('/run');
    expect(ctx.said.join('\n')).toContain("earlier writable grant of /run is not the service's own");
  });

  test('203/EXEC under the first candidate: the path the diagnosis names is bound, the second candidate works', async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') }],
      candidates: [
        { started: false, working: false, diagnosis: execFailure('/usr/share/app/data.bin') },
        { started: true, working: true },
      ],
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.working).toBe(true);
    expect(log.candidates).toHaveLength(2);
    expect(log.candidates[0]).not.toContain('/usr/share/app/data.bin');
    expect(log.candidates[1]).toContain('/usr/share/app/data.bin');
    expect(log.stops).toBe(1);
    expect(outcome.attempts[1].diagnosis?.kind).toBe('exec');
    expect(log.installed.map((i) => i.text)).toEqual([log.candidates[1]]);
  });

  test('a secret the service reads is refused by default: never bound, and the failure says how to grant it', async () => {
    const secret = '/etc/ssl/private/app.key';
    const { session, log } = scriptedSession({
      traced: [
        { ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf', secret) },
        // Traced again under the sandbox: the same paths, nothing new to grant.
        { ok: false, lines: trace('/usr/sbin/app', '/etc/app/app.conf', secret) },
      ],
      candidates: [
        {
          started: false,
          working: false,
          diagnosis: { kind: 'service-error', summary: 'app exited with 1', details: [], fixes: [] },
        },
      ],
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.working).toBe(false);
    expect(outcome.installed).toBeNull();
    expect(outcome.refused).toEqual([secret]);
    const bound = (dropin: string) => dropin.split('\n').filter((line) => line.startsWith('Bind'));
    expect(log.candidates.flatMap(bound).some((line) => line.includes(secret))).toBe(false);
    expect(log.candidates.flatMap(bound).some((line) => line.includes('/etc/app'))).toBe(true);
    expect(log.tracedUnder).toEqual([undefined, log.candidates[0]]);
    expect(outcome.failure).toContain(`--include '${secret}'`);
    expect(log.installed).toEqual([]);
  });

  test('a traced start under the sandbox that fails only on the refused secret: stuck after 3 starts, not after another candidate', async () => {
    const secret = '/etc/ssl/private/app.key';
    const { session, log } = scriptedSession({
      traced: [
        { ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf', secret) },
        { ok: false, lines: [...trace('/usr/sbin/app', '/etc/app/app.conf'), `100 openat(AT_FDCWD</>, "${secret}", O_RDONLY|O_CLOEXEC) = -1 ENOENT (No such file or directory)`] },
      ],
      candidates: Array.from({ length: 3 }, () => ({ started: true, working: false, probeFailure: 'the probe failed (exit 7)', diagnosis: { kind: 'unknown' as const, summary: 'app.service runs, but the probe failed.', details: [], fixes: [] } })),
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.working).toBe(false);
    expect(session.starts).toBe(3);
    expect(outcome.stuck?.evidence.join('\n')).toContain(`failed only on paths that were refused (${secret})`);
    expect(outcome.stuck?.next).toContain(`--include '${secret}'`);
  });

  test('interrupted while a candidate starts: no further start, nothing installed', async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app') }],
      candidates: [{ started: false, working: false, diagnosis: execFailure('/usr/share/app/data.bin') }],
      interruptAtCandidate: 0,
    });
    await expect(findAndInstallProfile(session, context(log))).rejects.toThrow('interrupted');
    expect(log.candidates).toHaveLength(1);
    expect(log.installed).toEqual([]);
  });

  test('the installed drop-in does not verify: rolled back, and the run ends failed', async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app') }],
      candidates: [{ started: true, working: true }],
      installVerifies: false,
    });
    const ctx = context(log);
    const outcome = await findAndInstallProfile(session, ctx);
    expect(log.installed).toHaveLength(1);
    expect(outcome.working).toBe(false);
    expect(outcome.installed).toBeNull();
    expect(outcome.failure).toBe('the installed drop-in did not verify and was rolled back');
    expect(ctx.said.join('\n')).toContain('rolled back');
  });

  test('a unit that fails with its own configuration: exit code 1 before any candidate', async () => {
    const { session, log } = scriptedSession({ traced: [{ ok: false, lines: [] }], candidates: [] });
    await expect(findAndInstallProfile(session, context(log))).rejects.toMatchObject({
      name: 'CannotProceed',
      message: expect.stringContaining('does not work even without a sandbox'),
    });
    expect(log.candidates).toEqual([]);
  });

  test('a traced start that works but leaves no trace: stopped with an error naming where the lines went', async () => {
    const { session, log } = scriptedSession({ traced: [{ ok: true, lines: [] }], candidates: [] });
    await expect(findAndInstallProfile(session, context(log))).rejects.toMatchObject({
      name: 'CannotProceed',
      message: expect.stringContaining('produced no strace output in the journal'),
      hint: expect.stringContaining('journalctl -u app.service'),
    });
    expect(log.candidates).toEqual([]);
  });

  test('the review names the process and syscall that touched a path, not a journal line', async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: ['100 execve("/usr/sbin/app", ["app"], 0x7ffd /* 3 vars */) = 0', ...trace('/etc/app/app.conf')] }],
      candidates: [{ started: true, working: true }],
    });
    const seen: string[] = [];
    const reviewer: Reviewer = {
      review: async (items) => {
        seen.push(...items.map((i) => i.witness ?? ''));
        return new Map();
      },
      confirmInstall: async () => true,
    };
    const outcome = await findAndInstallProfile(session, context(log, { reviewer }));
    expect(outcome.working).toBe(true);
    expect(seen).toContain('app (pid 100), openat /etc/app/app.conf');
  });

  test('--dry-run and --output install nothing', async () => {
    for (const overrides of [{ dryRun: true }, { output: '/tmp/app.conf' }]) {
      const written: string[] = [];
      const { session, log } = scriptedSession({
        traced: [{ ok: true, lines: trace('/usr/sbin/app') }],
        candidates: [{ started: true, working: true }],
      });
      const ctx = context(log, {
        options: { ...OPTIONS, ...overrides },
        writeOutput: async (path) => void written.push(path),
      });
      const outcome = await findAndInstallProfile(session, ctx);
      expect(outcome.working).toBe(true);
      expect(outcome.installed).toBeNull();
      expect(log.installed).toEqual([]);
      expect(written).toEqual('output' in overrides ? ['/tmp/app.conf'] : []);
    }
  });
});

describe('a loop that converges or stops', () => {
  const serviceError = (summary = 'app.service started but exited with status 1.'): Diagnosis => ({
    kind: 'service-error',
    summary,
    details: [],
    fixes: [],
    lastOutput: ['app: cannot find its plugin'],
  });

  test('the same failure twice with nothing new to grant: stuck at once, with the evidence and what gets further', async () => {
    // Every traced start under the sandbox shows one more path, so a loop that only counted starts would go on to --max-starts.
    const traced = [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') }];
    for (let i = 0; i < 10; i++) traced.push({ ok: false, lines: trace('/usr/sbin/app', `/usr/share/app/extra-${i}`) });
    const { session, log } = scriptedSession({
      traced,
      candidates: Array.from({ length: 10 }, () => ({ started: false, working: false, diagnosis: serviceError() })),
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.working).toBe(false);
    expect(session.starts).toBe(4); // observe, candidate, traced under it, candidate again
    expect(outcome.stuck?.evidence.join('\n')).toContain('cannot find its plugin');
    expect(outcome.stuck?.next).toContain('journalctl -u app.service');
    expect(outcome.failure).toContain('failed the same way twice');
  });

  test('a write the output names but no trace showed (a link an init script makes only when missing) is traced under the sandbox, not taken for a refusal', async () => {
    const traced = [
      { ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') },
      { ok: false, lines: trace('/usr/sbin/app', '/etc/app/app.conf', '/usr/share/app/extra') },
    ];
    const { session, log } = scriptedSession({
      traced,
      candidates: [
        { started: false, working: false, diagnosis: { ...serviceError(), fixes: [{ directive: 'BindPaths', path: '/var/run/compat.sock', reason: 'named in the output' }] } },
        { started: true, working: true },
      ],
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.stuck).toBeUndefined();
    expect(session.starts).toBe(4); // observe, candidate, traced under it, the candidate that works
  });

  test('a service that runs but does not answer the probe in time: stuck, and the next step is a longer --probe-timeout', async () => {
    const probeFailure = 'the probe `curl -fsS http://127.0.0.1:8080/` failed (exit 7): Connection refused for 10.0 s (14 tries)';
    const notAnswering = (): CandidateOutcome => ({
      started: false,
      working: false,
      probeFailure,
      probe: { passed: false, seconds: 10, tries: 14 },
      diagnosis: { kind: 'unknown', summary: 'app.service is active (running, result probe-failed), and nothing says why.', details: [], fixes: [] },
    });
    const { session, log } = scriptedSession({
      traced: [
        { ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') },
        { ok: false, lines: trace('/usr/sbin/app', '/usr/share/app/data.bin') },
        { ok: false, lines: trace('/usr/sbin/app', '/usr/share/app/other') },
      ],
      candidates: [notAnswering(), notAnswering(), notAnswering()],
    });
    const outcome = await findAndInstallProfile(session, context(log, { options: { ...OPTIONS, probe: 'curl -fsS http://127.0.0.1:8080/' } }));
    expect(outcome.stuck?.next).toContain('--probe-timeout 30');
    expect(session.starts).toBe(4);
  });

  test('a service that starts and answers but fails its reload every time: a failed attempt, stuck within 4 starts, and the summary names the reload', async () => {
    const reloadFailure = 'reload under the candidate was accepted, but the service is inactive afterwards (result success)';
    // What the session reports when the start went well and only the reload failed: started, not working.
    const reloadFails = (): CandidateOutcome => ({
      started: true,
      working: false,
      reloadFailure,
      probe: { passed: true, seconds: 0.3, tries: 1 },
      diagnosis: { kind: 'ok', summary: 'app.service started and is active (running).', details: [], fixes: [] },
    });
    const traced = [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf') }];
    for (let i = 0; i < 10; i++) traced.push({ ok: true, lines: trace('/usr/sbin/app', `/usr/share/app/extra-${i}`) });
    const { session, log } = scriptedSession({ traced, candidates: Array.from({ length: 10 }, reloadFails) });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.working).toBe(false);
    expect(session.starts).toBeLessThanOrEqual(4);
    expect(outcome.failure).toContain(`app.service runs, but ${reloadFailure}`);
    expect(outcome.failure).not.toContain('started and is active (running)');
  });

  test('a setting of the unit that keeps the host root: stuck after one candidate, naming the setting to reset', async () => {
    const lockdown = "app.service started, but its / is the host's (ext4), not the empty tmpfs: a setting of the unit defeats TemporaryFileSystem=/";
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app') }],
      candidates: [{ started: false, working: false, lockdown, diagnosis: { kind: 'unknown', summary: '', details: [], fixes: [] } }],
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(session.starts).toBe(2);
    expect(outcome.stuck?.next).toContain('systemctl cat app.service');
  });
});

describe('unit settings that defeat the empty root', () => {
  const unit = unitInfoFromText(
    'Id=app.service\nLoadState=loaded\nType=simple\nReadOnlyPaths=/\nReadWritePaths=-/run\n',
    '# /lib/systemd/system/app.service\n[Service]\nExecStart=/usr/sbin/app\nReadOnlyDirectories=/\nReadWriteDirectories=-/run\n',
  );

  test('ReadOnlyDirectories=/ is reset in the candidate; ReadWriteDirectories=-/run is asked about and never bound whole', async () => {
    const { session, log } = scriptedSession({
      unit,
      traced: [{ ok: true, lines: [...trace('/usr/sbin/app', '/etc/app/app.conf'), '100 openat(AT_FDCWD</>, "/run/app/app.sock", O_WRONLY|O_CREAT, 0644) = 5</run/app/app.sock>'] }],
      candidates: [{ started: true, working: true }],
    });
    const asked: { path: string; dangerous?: string }[] = [];
    const reviewer: Reviewer = {
      review: async (items) => {
        asked.push(...items.map((i) => ({ path: i.path, ...(i.dangerous ? { dangerous: i.dangerous } : {}) })));
        return new Map(items.map((item) => [item.path, item.defaultAnswer]));
      },
      confirmInstall: async () => true,
    };
    const fs = memoryFsView({ '/usr/sbin/app': 'file', '/etc/app/app.conf': 'file', '/run/app/app.sock': 'file' });
    const outcome = await findAndInstallProfile(session, context(log, { reviewer, fs }));
    expect(outcome.working).toBe(true);
    const dropin = log.candidates[0];
    expect(dropin).toMatch(/^ReadOnlyPaths=$/m);
    expect(dropin).not.toMatch(/^BindPaths=-?\/run$/m);
    expect(dropin).toMatch(/^BindPaths=\/run\/app$/m);
    expect(asked.find((a) => a.path === '/run')?.dangerous).toContain('ReadWritePaths=/run');
    expect(outcome.writesRefused.map((w) => w.path)).toContain('/run');
  });
});

describe('what the lockdown took away', () => {
  test('the same audit on the unit as found and under the profile: four numbers before and after', async () => {
    const v = (kind: Violation['kind'], path: string, entries = 1): Violation => ({ kind, path, hostPath: null, entries, canWrite: true, why: '' });
    const asFound = {
      ...auditReport([v('socket', '/run/systemd/private'), v('socket', '/run/dbus/system_bus_socket'), v('secret', '/etc/ssl/private', 3), v('writable', '/run', 60), v('writable', '/var/tmp', 4)]),
      outside: 802,
    };
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: trace('/usr/sbin/app', '/etc/app/app.conf'), asFound }],
      candidates: [{ started: true, working: true }],
    });
    const outcome = await findAndInstallProfile(session, context(log));
    expect(outcome.exposure).toEqual({
      before: { outside: 802, writable: 2, sockets: 2, secrets: 3 },
      after: { outside: 10, writable: 0, sockets: 0, secrets: 0 },
    });
  });
});
