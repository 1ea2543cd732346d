/**
 * `bindscout discover --yes` as an admin runs it (the built CLI, a real process), against the real
 * systemd in the bed, on four Debian services. After each: the unit runs under the installed drop-in
 * with no strace anywhere, the probe passes, secrets are invisible from inside, `systemctl cat` is the
 * original plus the new drop-in only, and nothing of bindscout's is left under /run.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execedMainPid } from '../systemd/control.js';
import { catUnit } from '../systemd/unit.js';
import { buildCli, runBuiltCli } from './run-cli.js';
import { describeWithBed, retry, startUnits, type Bed } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';


interface Case {
  unit: string;
  probe: string;
  maxStarts: number;
  /** A file the service is known to read, which must be visible from inside. */
  config: string;
  /** The service's own directories: writable, and not counted as exposure. */
  own: string[];
}

const CASES: Case[] = [
  { unit: 'nginx.service', probe: 'curl -fsS http://127.0.0.1/ >/dev/null', maxStarts: 2, config: '/etc/nginx/nginx.conf', own: ['/var/lib/nginx', '/var/log/nginx'] },
  {
    unit: 'postgresql@15-main.service',
    probe: "runuser -u postgres -- psql -XAtc 'SELECT 1'",
    maxStarts: 2,
    config: '/etc/postgresql/15/main/postgresql.conf',
    own: ['/var/lib/postgresql', '/var/log/postgresql', '/run/postgresql'],
  },
  // /etc/redis: Debian's unit declares ReadWriteDirectories=-/etc/redis (CONFIG REWRITE), and redis owns it.
  { unit: 'redis-server.service', probe: 'redis-cli ping | grep -qx PONG', maxStarts: 2, config: '/etc/redis/redis.conf', own: ['/var/lib/redis', '/var/log/redis', '/run/redis', '/etc/redis'] },
  {
    unit: 'memcached.service',
    probe: `bash -c 'exec 3<>/dev/tcp/127.0.0.1/11211; printf "stats\\r\\nquit\\r\\n" >&3; grep -q "STAT uptime" <&3'`,
    maxStarts: 2,
    config: '/etc/memcached.conf',
    own: ['/run/memcached', '/var/log/memcached'],
  },
];



async function isActive(bed: Bed, unit: string): Promise<boolean> {
  return (await bed.runner.run('systemctl', ['is-active', '--quiet', '--', unit])).exitCode === 0;
}

async function ours(bed: Bed, unit: string): Promise<string[]> {
  return (await bed.runner.readdir(`/run/systemd/system/${unit}.d`)) ?? [];
}

/** Top-level places that are the system's code or the kernel's: not counted as exposure. */
const SYSTEM_TREES = ['/usr', '/lib', '/lib32', '/lib64', '/libx32', '/bin', '/sbin', '/proc', '/sys', '/dev'];
const MAX_VISIBLE = 60;

interface Exposure {
  /** Entries visible outside SYSTEM_TREES and the service's own directories. */
  visible: string[];
  /** Writable mounts that are host paths and not the service's own. */
  foreignWritable: string[];
}

/**
 * What the running service can see and change, from its own mount namespace (/proc/MAINPID/root and
 * /proc/MAINPID/mountinfo, read inside the bed). Small on purpose: `bindscout view` reports the same.
 */
async function exposureOf(bed: Bed, mainPid: string, own: string[]): Promise<Exposure> {
  const root = `/proc/${mainPid}/root`;
  // A directory of its own under /run is reached through the /var/run link as well.
  const ownSeen = [...own, ...own.filter((d) => d.startsWith('/run/')).map((d) => `/var${d}`)];
  const pruned = [...SYSTEM_TREES, ...ownSeen].flatMap((dir, i) => [...(i ? ['-o'] : []), '-path', `${root}${dir}`]);
  const found = await bed.runner.run('find', [`${root}/`, '-mindepth', '1', '(', ...pruned, ')', '-prune', '-o', '-print'], { timeoutMs: 60_000 });
  const visible = found.stdout.split('\n').filter(Boolean).map((p) => p.slice(root.length));
  const mountinfo = await bed.exec('cat', [`/proc/${mainPid}/mountinfo`]);
  const foreignWritable: string[] = [];
  for (const line of mountinfo.split('\n').filter(Boolean)) {
    const [fields, tail] = line.split(' - ');
    const [, , , fsRoot, mountPoint, options] = fields.split(' ');
    const fstype = tail?.split(' ')[0];
    if (!options.split(',').includes('rw')) continue;
    if (SYSTEM_TREES.some((t) => mountPoint === t || mountPoint.startsWith(`${t}/`))) continue;
    if (['/tmp', '/var/tmp'].includes(mountPoint)) continue; // PrivateTmp=
    if (fstype === 'tmpfs' && fsRoot === '/') continue; // a fresh tmpfs of its own
    if (fsRoot.endsWith('-private-run')) continue; // its private /run
    if (ownSeen.some((d) => mountPoint === d || mountPoint.startsWith(`${d}/`))) continue;
    foreignWritable.push(`${mountPoint} (${fstype} ${fsRoot})`);
  }
  return { visible, foreignWritable };
}

/** Puts the unit back as the bed had it: no installed drop-in, running. */
async function uninstall(bed: Bed, unit: string): Promise<void> {
  await bed.runner.removeFile(`/etc/systemd/system/${unit}.d/bindscout.conf`);
  await bed.runner.removeEmptyDir(`/etc/systemd/system/${unit}.d`);
  // What discover remembered about the unit goes too.
  await bed.exec('rm', ['-rf', '--', `/var/lib/bindscout/${unit}`]);
  await bed.runner.removeEmptyDir('/var/lib/bindscout');
  await bed.exec('systemctl', ['daemon-reload']);
  await bed.runner.run('systemctl', ['reset-failed', '--', unit]);
  await bed.exec('systemctl', ['restart', '--', unit], 120_000);
  // A private /run (RuntimeDirectoryPreserve=yes) outlives the profile.
  await bed.runner.run('rm', ['-rf', '--', `/run/${unit.replace(/\.service$/, '')}-private-run`]);
}

describeWithBed('discover --yes on real services', (bed) => {
  const figures: string[] = [];

  beforeAll(async () => {
    buildCli();
    await startUnits(bed(), CASES.map((c) => c.unit));
  }, 300_000);

  afterAll(() => {
    if (figures.length > 0) console.info(`discover starts and wall-clock time:\n${figures.join('\n')}`);
  });

  test.each(CASES)('$unit ends working, installed, locked down and clean', async ({ unit, probe, maxStarts, config, own }) => {
    const before = await catUnit(bed().runner, parseUnitName(unit));
    const started = Date.now();
    try {
      // Installed whatever the audit finds: this checks the way to an installed profile; how tight it
      // is, is checked in audit-targets.e2e.test.ts.
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--accept-audit', '--json', '--probe', probe]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ unit, result: 'working', installed: `/etc/systemd/system/${unit}.d/bindscout.conf` });
      expect(report.starts).toBeGreaterThanOrEqual(2);
      expect(report.starts).toBeLessThanOrEqual(maxStarts);
      expect(report.accesses.length).toBeGreaterThan(10);
      figures.push(`  ${unit}: ${report.starts} starts, ${((Date.now() - started) / 1000).toFixed(1)} s`);

      // Running under the installed drop-in, without strace, and working.
      expect(await isActive(bed(), unit)).toBe(true);
      expect((await bed().runner.run('pgrep', ['-x', 'strace'])).exitCode).toBe(1);
      expect((await bed().runner.run('/bin/sh', ['-c', probe], { timeoutMs: 30_000 })).exitCode).toBe(0);

      // What the service sees: the empty root, not the host's secrets.
      const mainPid = await execedMainPid(bed().runner, parseUnitName(unit), { timeoutMs: 30_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
      expect(mainPid).toBeGreaterThan(1);
      // The report's audit is of this very process.
      expect(report.audit).toMatchObject({ unit, pid: mainPid });
      expect(report.audit.visible).toBeGreaterThan(report.audit.outside);
      const rootMount = (await bed().exec('cat', [`/proc/${mainPid}/mountinfo`])).split('\n').find((l) => l.split(' ')[4] === '/');
      expect(rootMount?.split(' - ')[1]?.split(' ')[0]).toBe('tmpfs');
      for (const secret of ['/etc/shadow', '/etc/gshadow', '/root', '/home', '/run/systemd/private', '/run/dbus/system_bus_socket', '/etc/ssh']) {
        expect({ secret, visible: (await bed().runner.run('test', ['-e', `/proc/${mainPid}/root${secret}`])).exitCode === 0 }).toEqual({ secret, visible: false });
      }
      const exposure = await exposureOf(bed(), String(mainPid), own);
      figures.push(`  ${unit}: ${exposure.visible.length} entries visible outside the system trees and its own directories`);
      expect(exposure.foreignWritable).toEqual([]);
      expect(exposure.visible.length).toBeLessThanOrEqual(MAX_VISIBLE);
      expect(exposure.visible.filter((p) => /^\/run\/(systemd\/private|dbus|postgresql|redis|memcached)/.test(p) && !own.some((d) => p.startsWith(d)))).toEqual([]);
      expect((await bed().runner.run('test', ['-e', `/proc/${mainPid}/root${config}`])).exitCode).toBe(0);

      // The unit is its original configuration plus the new drop-in, and nothing else of bindscout's.
      const after = await catUnit(bed().runner, parseUnitName(unit));
      expect(after.startsWith(before.trimEnd())).toBe(true);
      const added = after.slice(before.trimEnd().length);
      expect(added).toContain(`# /etc/systemd/system/${unit}.d/bindscout.conf\n`);
      expect(added.match(/^# \/.+\.conf$/gm)).toEqual([`# /etc/systemd/system/${unit}.d/bindscout.conf`]);
      expect(added).toContain(report.dropin.trimEnd());
      expect(await ours(bed(), unit)).toEqual([]);
    } finally {
      await uninstall(bed(), unit);
    }
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
  }, 300_000);

  test('nginx under the installed profile: reload, restart, log reopen (kill -USR1) and stop all work', async () => {
    const unit = 'nginx.service';
    const before = await catUnit(bed().runner, parseUnitName(unit));
    const mainPid = async () => (await bed().exec('systemctl', ['show', '-p', 'MainPID', '--value', '--', unit])).trim();
    const probe = async () => (await bed().runner.run('/bin/sh', ['-c', CASES[0].probe], { timeoutMs: 30_000 })).exitCode;
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json', '--probe', CASES[0].probe]);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.dropin).not.toMatch(/^BindPaths=\/run$/m);
      expect(report.dropin).toMatch(/^PIDFile=\/run\/nginx-private-run\/nginx\.pid$/m);
      const first = await mainPid();
      await bed().exec('systemctl', ['reload', '--', unit]);
      expect(await mainPid()).toBe(first);
      expect(await probe()).toBe(0);
      await bed().exec('systemctl', ['restart', '--', unit], 120_000);
      const second = await mainPid();
      expect(second).not.toBe(first);
      expect(await probe()).toBe(0);
      // Log reopen: the master reopens access.log after it was moved away.
      await bed().exec('mv', ['/var/log/nginx/access.log', '/var/log/nginx/access.log.bindscout-test']);
      await bed().exec('kill', ['-USR1', second]);
      await retry(async () => {
        expect(await probe()).toBe(0);
        await bed().exec('test', ['-s', '/var/log/nginx/access.log']);
      });
      await bed().exec('sh', ['-c', 'cat /var/log/nginx/access.log.bindscout-test /var/log/nginx/access.log > /var/log/nginx/access.log.new && mv /var/log/nginx/access.log.new /var/log/nginx/access.log && chown www-data:adm /var/log/nginx/access.log && chmod 640 /var/log/nginx/access.log && rm /var/log/nginx/access.log.bindscout-test']);
      await bed().exec('kill', ['-USR1', second]);
      await bed().exec('systemctl', ['stop', '--', unit], 120_000);
      expect(await isActive(bed(), unit)).toBe(false);
      expect((await bed().exec('systemctl', ['show', '-p', 'Result', '--value', '--', unit])).trim()).toBe('success');
      expect((await bed().runner.run('pgrep', ['-x', 'nginx'])).exitCode).toBe(1);
    } finally {
      await uninstall(bed(), unit);
    }
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
  }, 300_000);

  test('SIGINT in the middle of the traced start leaves the unit exactly as it was, and running', async () => {
    const unit = 'nginx.service';
    const before = await catUnit(bed().runner, parseUnitName(unit));
    expect(await isActive(bed(), unit)).toBe(true);
    let sent = false;
    const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--probe', CASES[0].probe], (stderr, child) => {
      // The observing start is under way once bindscout says so; interrupt it there.
      if (!sent && stderr.includes('observing')) {
        sent = true;
        setTimeout(() => child.kill('SIGINT'), 300);
      }
    });
    expect(sent).toBe(true);
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted');
    expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
    expect(await ours(bed(), unit)).toEqual([]);
    expect(await isActive(bed(), unit)).toBe(true);
    expect((await bed().runner.run('pgrep', ['-x', 'strace'])).exitCode).toBe(1);
  }, 300_000);

  test('a second discover on a unit that is being worked on is refused and changes nothing', async () => {
    const unit = 'redis-server.service';
    const before = await catUnit(bed().runner, parseUnitName(unit));
    // A lock held by a live process (this test's own pid on the host).
    await bed().runner.mkdirp('/run/bindscout');
    await bed().runner.writeFileAtomic(`/run/bindscout/${unit}.lock`, `${process.pid}\n`);
    try {
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes']);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`another bindscout (pid ${process.pid}) is working on ${unit}`);
      expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
      expect(await isActive(bed(), unit)).toBe(true);
    } finally {
      await bed().runner.removeFile(`/run/bindscout/${unit}.lock`);
    }
  }, 120_000);

  test('discover on two different units at the same time: both work', async () => {
    const [redis, memcached] = [CASES[2], CASES[3]];
    const before = await Promise.all([catUnit(bed().runner, parseUnitName(redis.unit)), catUnit(bed().runner, parseUnitName(memcached.unit))]);
    const runs = await Promise.all(
      [redis, memcached].map((c) => runBuiltCli(bed(), ['discover', c.unit, '--yes', '--dry-run', '--json', '--probe', c.probe])),
    );
    for (const [i, run] of runs.entries()) {
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      expect(JSON.parse(run.stdout)).toMatchObject({ result: 'working', installed: null });
      expect(await catUnit(bed().runner, parseUnitName([redis, memcached][i].unit))).toBe(before[i]);
      expect(await isActive(bed(), [redis, memcached][i].unit)).toBe(true);
    }
  }, 300_000);

  test('a Type=oneshot python script that writes its state: working, and only its own directory writable', async () => {
    const unit = 'bindscout-e2e-oneshot.service';
    const dir = '/run/bindscout-e2e-oneshot';
    const state = '/var/lib/bindscout-e2e-oneshot';
    await bed().runner.mkdirp(dir);
    await bed().runner.writeFileAtomic(
      `${dir}/job.py`,
      [
        '#!/usr/bin/python3',
        'import json, pathlib',
        `cfg = json.load(open('${dir}/config.json'))`,
        `state = pathlib.Path('${state}')`,
        'state.mkdir(exist_ok=True)',
        "(state / 'last-run').write_text(cfg['greeting'] + '\\n')",
        '',
      ].join('\n'),
      0o755,
    );
    await bed().runner.writeFileAtomic(`${dir}/config.json`, '{"greeting": "hello"}\n');
    await bed().runner.writeFileAtomic(`/run/systemd/system/${unit}`, `[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=${dir}/job.py\n`);
    try {
      await bed().exec('systemctl', ['daemon-reload']);
      const before = await catUnit(bed().runner, parseUnitName(unit));
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--probe', `grep -qx hello ${state}/last-run`]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ result: 'working', starts: 2, writable: [state] });
      // What it read, file by file: a directory it only read from is not bound whole.
      expect(report.readOnly).toEqual(expect.arrayContaining([`${dir}/job.py`, `${dir}/config.json`]));
      expect(report.readOnly.some((p: string) => p.startsWith('/usr/bin/python3'))).toBe(true);
      expect(report.readOnly).not.toContain('/run');
      expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
      expect(await isActive(bed(), unit)).toBe(false);
    } finally {
      await bed().runner.run('systemctl', ['stop', '--', unit]);
      await bed().runner.removeFile(`/run/systemd/system/${unit}`);
      await bed().runner.run('rm', ['-rf', '--', dir, state]);
      await bed().exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);

  test('a Type=simple service with --settle 0: the check of its empty root waits for its exec', async () => {
    // systemctl start returns once systemd has forked; read at once, the child's root is still the host's.
    const unit = 'bindscout-e2e-simple.service';
    await bed().runner.writeFileAtomic(`/run/systemd/system/${unit}`, '[Service]\nType=simple\nExecStart=/usr/bin/sleep infinity\n');
    try {
      await bed().exec('systemctl', ['daemon-reload']);
      const before = await catUnit(bed().runner, parseUnitName(unit));
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--dry-run', '--json', '--settle', '0']);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ result: 'working', starts: 2 });
      expect(JSON.stringify(report.attempts)).not.toContain('lockdown-not-in-effect');
      expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
    } finally {
      await bed().runner.run('systemctl', ['stop', '--', unit]);
      await bed().runner.removeFile(`/run/systemd/system/${unit}`);
      await bed().exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);

  test('a service that needs a secret: refused by default, an account of why, the unit as it was', async () => {
    const unit = 'bindscout-e2e-needs-secret.service';
    const file = `/run/systemd/system/${unit}`;
    await bed().runner.writeFileAtomic(file, '[Service]\nType=simple\nExecStart=/bin/sh -c "cat /etc/shadow >/dev/null && exec sleep infinity"\n');
    try {
      await bed().exec('systemctl', ['daemon-reload']);
      await bed().exec('systemctl', ['start', '--', unit]);
      const before = await catUnit(bed().runner, parseUnitName(unit));
      const run = await runBuiltCli(bed(), ['discover', unit, '--yes', '--json', '--max-starts', '6']);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout);
      expect(report).toMatchObject({ result: 'stuck', installed: null, refused: ['/etc/shadow'] });
      // The same failure twice with nothing new to grant stops the loop: no start is spent repeating it.
      expect(report.starts).toBeLessThanOrEqual(4);
      expect(report.stuck.next).toContain("--include '/etc/shadow'");
      expect(report.failure).toContain("--include '/etc/shadow'");
      expect(report.dropin).not.toMatch(/^BindReadOnlyPaths=\/etc\/shadow$/m);
      expect(await catUnit(bed().runner, parseUnitName(unit))).toBe(before);
      expect(await isActive(bed(), unit)).toBe(true);
      expect(await ours(bed(), unit)).toEqual([]);
    } finally {
      await bed().runner.run('systemctl', ['stop', '--', unit]);
      await bed().runner.removeFile(file);
      await bed().exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);

  test('a unit that does not exist and a malformed name are clear errors', async () => {
    const missing = await runBuiltCli(bed(), ['discover', 'no-such-service-here', '--yes']);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('not found');
    const malformed = await runBuiltCli(bed(), ['discover', 'bad/name', '--yes']);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toMatch(/not a valid unit name|invalid/i);
  }, 120_000);
});
