/**
 * lint and view against the real systemd in the bed, on throwaway units of their own (the four Debian
 * services belong to other suites). lint's predictions are checked by starting the units: what it
 * calls a 203/EXEC fails with 203/EXEC, what it calls clean starts; view's report is checked against
 * units whose exposure is known from their settings, including a NoExecPaths=/ that silently undoes
 * TemporaryFileSystem=/.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { runProgram } from '../program.js';
import { fakeIO } from '../testing/fake-io.js';
import type { AuditReport } from '../checks/audit.js';
import type { ServiceView } from '../systemd/view.js';
import { describeWithBed, retry, type Bed } from './bed.js';

const UNIT_DIR = '/run/systemd/system';
const DATA = '/srv/bindscout-e2e-view-data';

async function cli(bed: Bed, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { io, stdout, stderr } = fakeIO({ isRoot: true });
  const code = await runProgram([...args, '--pid1', String(bed.pid1)], io);
  return { code, stdout: stdout(), stderr: stderr() };
}

const LIBS = 'BindReadOnlyPaths=/lib /lib64 /usr/lib /usr/lib64 /etc/ld.so.cache';

const UNITS: Record<string, string> = {
  // Type=exec: systemctl start waits for the execve, so a 203/EXEC or 226/NAMESPACE fails the start.
  // The seed article's trap: the binary is bound, ld.so and libc are not.
  'bindscout-e2e-lint-exec': '[Service]\nType=exec\nExecStart=/usr/bin/sleep infinity\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/usr/bin/sleep\n',
  'bindscout-e2e-lint-fixed': `[Service]\nExecStart=/usr/bin/sleep infinity\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/usr/bin/sleep\n${LIBS}\n`,
  'bindscout-e2e-lint-missing': `[Service]\nType=exec\nExecStart=/usr/bin/sleep infinity\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/usr/bin/sleep /srv/bindscout-not-here\n${LIBS}\n`,
  // Known exposure: the libraries, sleep, one secret (read-only), one writable directory, a private /tmp.
  'bindscout-e2e-view-known': `[Service]\nExecStart=/usr/bin/sleep infinity\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/usr/bin/sleep /etc/shadow\nBindPaths=${DATA}\nPrivateTmp=yes\n${LIBS}\n`,
  // Like Debian's redis-server: NoExecPaths=/ next to TemporaryFileSystem=/ and the host root is back.
  'bindscout-e2e-view-noexec': `[Service]\nExecStart=/usr/bin/sleep infinity\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/usr/bin/sleep\n${LIBS}\nNoExecPaths=/\nExecPaths=/usr/bin/sleep /usr/lib /lib /lib64\n`,
};

describeWithBed('lint and view in the real systemd', (getBed) => {
  let bed: Bed;

  async function start(unit: string): Promise<{ ok: boolean; status: string }> {
    const r = await bed.runner.run('systemctl', ['start', '--', `${unit}.service`], { timeoutMs: 60_000 });
    const show = await bed.runner.run('systemctl', ['show', '-p', 'ExecMainStatus', '-p', 'ActiveState', '--', `${unit}.service`]);
    return { ok: r.exitCode === 0, status: show.stdout };
  }

  beforeAll(async () => {
    bed = getBed();
    await bed.runner.mkdirp(DATA);
    for (const [name, text] of Object.entries(UNITS)) await bed.runner.writeFileAtomic(`${UNIT_DIR}/${name}.service`, text);
    await bed.exec('systemctl', ['daemon-reload']);
  }, 60_000);

  afterAll(async () => {
    if (!bed) return;
    for (const name of Object.keys(UNITS)) {
      await bed.runner.run('systemctl', ['stop', '--', `${name}.service`]);
      await bed.runner.run('systemctl', ['reset-failed', '--', `${name}.service`]);
      await bed.runner.removeFile(`${UNIT_DIR}/${name}.service`);
    }
    await bed.runner.removeFile(`${DATA}/marker`);
    await bed.runner.removeEmptyDir(DATA);
    await bed.exec('systemctl', ['daemon-reload']);
  }, 120_000);

  test('lint predicts the 203/EXEC of a bound binary without its libraries, and the start confirms it', async () => {
    const lint = await cli(bed, ['lint', '--json', 'bindscout-e2e-lint-exec']);
    expect(lint.code).toBe(1);
    const findings = JSON.parse(lint.stdout).targets[0].findings;
    expect(findings.map((f: { check: string }) => f.check)).toEqual(['exec-not-visible']);
    expect(findings[0].file).toBe(`${UNIT_DIR}/bindscout-e2e-lint-exec.service`);
    expect(findings[0].line).toBe(3);
    expect(findings[0].message).toMatch(/ld-linux-x86-64\.so\.2/);

    const started = await start('bindscout-e2e-lint-exec');
    expect(started.ok).toBe(false);
    expect(started.status).toContain('ExecMainStatus=203');
  }, 120_000);

  test('with the libraries bound lint is silent and the unit runs', async () => {
    const lint = await cli(bed, ['lint', 'bindscout-e2e-lint-fixed']);
    expect(lint.stdout).toBe('bindscout-e2e-lint-fixed.service: no problems found\n');
    expect(lint.code).toBe(0);
    expect((await start('bindscout-e2e-lint-fixed')).ok).toBe(true);
  }, 120_000);

  test('lint predicts the 226/NAMESPACE of a missing bind source', async () => {
    const lint = await cli(bed, ['lint', '--json', 'bindscout-e2e-lint-missing']);
    expect(JSON.parse(lint.stdout).targets[0].findings.map((f: { check: string; value: string }) => `${f.check} ${f.value}`)).toEqual([
      'missing-bind-source /srv/bindscout-not-here',
    ]);
    const started = await start('bindscout-e2e-lint-missing');
    expect(started.ok).toBe(false);
    expect(started.status).toContain('ExecMainStatus=226');
  }, 120_000);

  test('view shows exactly the known exposure: sleep, libraries, one secret read-only, the writable directory', async () => {
    expect((await start('bindscout-e2e-view-known')).ok).toBe(true);
    await bed.runner.writeFileAtomic(`${DATA}/marker`, 'x');
    const run = await cli(bed, ['view', '--json', 'bindscout-e2e-view-known']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const view = JSON.parse(run.stdout) as ServiceView & { audit: AuditReport };
    const row = (dir: string) => view.directories.find((d) => d.dir === dir)!;
    // The bound library trees bring their own test keys (a cloud SDK's *.key files): reported, but
    // outside them the only secret is the one bound on purpose.
    const libraryTree = (p: string) => /^\/(usr\/)?lib(64)?\//.test(p);
    expect(view.sensitive.filter((s) => !libraryTree(s.path))).toEqual([{ path: '/etc/shadow', reason: 'password hashes', files: 1, writable: false }]);
    expect(view.sensitive.every((s) => !s.writable)).toBe(true);
    expect(row('/etc')).toMatchObject({ visible: true, files: 2, dirs: 0, writable: 0 });
    expect(row('/home').visible).toBe(false);
    expect(row('/home').hostEntries).toBeGreaterThanOrEqual(0);
    expect(row('/root')).toMatchObject({ visible: false, files: 0 });
    expect(row('/usr').hostEntries).toBeGreaterThan(row('/usr').files);
    // The writable places: the bound directory (its marker counted under it) and the private /tmp, /var/tmp.
    expect(view.writable.map((w) => w.path)).toEqual(expect.arrayContaining([DATA, '/tmp', '/var/tmp']));
    expect(view.writable.some((w) => w.path.startsWith('/usr') || w.path.startsWith('/etc'))).toBe(false);
    expect(row('/srv')).toMatchObject({ visible: true, files: 1, dirs: 1, writable: 2 });

    // The audit: the one secret, read-only; the bound directory (named like the unit) and the
    // private /tmp are its own; outside the system trees only the two files bound into /etc.
    expect(view.audit.violations.filter((v) => !libraryTree(v.path)).map((v) => [v.kind, v.path, v.canWrite])).toEqual([['secret', '/etc/shadow', false]]);
    expect(view.audit.own.map((o) => o.path)).toEqual(expect.arrayContaining([DATA, '/tmp', '/var/tmp']));
    expect(view.audit.outsideByDirectory).toEqual([
      { dir: '/etc/ld.so.cache', entries: 1 },
      { dir: '/etc/shadow', entries: 1 },
    ]);

    const text = await cli(bed, ['view', 'bindscout-e2e-view-known']);
    expect(text.stdout).toMatch(/^\/etc\s+2\s+0\s+0\s+0\s+0\s+0\s+\d+\s*$/m);
    expect(text.stdout).toContain('/etc/shadow (password hashes)');
    expect(text.stdout).toMatch(/^  secret \/etc\/shadow: password hashes/m);
  }, 180_000);

  test("NoExecPaths=/ undoes TemporaryFileSystem=/: lint says so and view sees the host's root", async () => {
    const lint = await cli(bed, ['lint', '--json', 'bindscout-e2e-view-noexec']);
    expect(JSON.parse(lint.stdout).targets[0].findings.map((f: { check: string }) => f.check)).toEqual(['root-mount-drops-tmpfs']);
    expect((await start('bindscout-e2e-view-noexec')).ok).toBe(true);
    const view = JSON.parse((await cli(bed, ['view', '--json', 'bindscout-e2e-view-noexec'])).stdout) as ServiceView;
    expect(view.sensitive.map((s) => s.path)).toContain('/etc/shadow');
    const etc = view.directories.find((d) => d.dir === '/etc')!;
    expect(etc.files).toBeGreaterThan(50);
    expect(etc.files + etc.dirs + etc.symlinks + etc.sockets + etc.other).toBe(etc.hostEntries);
  }, 180_000);

  test('view right after the start of a Type=simple unit sees its sandbox, not the host it forked from', async () => {
    const unit = 'bindscout-e2e-view-known.service';
    // MainPID is known as soon as systemd forked; the child sets up the namespace before it execs.
    for (let i = 0; i < 5; i++) {
      await bed.runner.run('systemctl', ['stop', '--', unit]);
      await bed.exec('systemctl', ['start', '--no-block', '--', unit]);
      await retry(async () => {
        if (!(Number((await bed.exec('systemctl', ['show', '-p', 'MainPID', '--value', '--', unit])).trim()) > 1)) throw new Error('no MainPID yet');
      }, 200, 10);
      const run = await cli(bed, ['view', '--json', unit]);
      expect(run.stderr).toBe('');
      const view = JSON.parse(run.stdout) as ServiceView & { audit: AuditReport };
      const etc = view.directories.find((d) => d.dir === '/etc')!;
      expect([etc.files, view.audit.outside]).toEqual([2, 2]);
    }
  }, 180_000);

  test('view of a unit that is not running says so with exit code 4', async () => {
    await bed.runner.run('systemctl', ['stop', '--', 'bindscout-e2e-lint-fixed.service']);
    const run = await cli(bed, ['view', 'bindscout-e2e-lint-fixed']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/has no (main )?process/);
  }, 60_000);
});
