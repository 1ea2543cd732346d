/**
 * `status` against a fake systemd with five services: one on the host's root, one under bindscout's
 * profile, one whose profile drifted, one locked down by hand, one enabled but stopped, and one whose
 * process went away while it was looked at.
 */
import { describe, expect, test } from '@jest/globals';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import { fakeIO } from '../testing/fake-io.js';
import type { RunResult } from '../systemd/runner.js';
import { runProgram } from '../program.js';
import { serviceStatus } from './status.js';

interface FakeUnit {
  id: string;
  active: string;
  fileState: string;
  pid: number;
  /** What `systemctl cat` shows (drop-ins under their `# /path` headers). */
  cat: string;
  dropIns?: string[];
  tmpfs?: string;
  /** Its mount namespace; the same one shares a walk. */
  mnt?: string;
  /** find's output for its root. */
  walk?: string;
  /** Its /proc/PID/status is gone: the process exited while status looked. */
  gone?: boolean;
}

const HOST_WALK = [
  'd 755 0 0 etc', 'f 640 0 42 etc/shadow', 'f 644 0 0 etc/passwd', 'd 755 0 0 home', 'd 755 1000 1000 home/alice', 'f 600 1000 1000 home/alice/notes',
  'd 777 0 0 srv', 'd 755 0 0 usr', 'f 755 0 0 usr/bin/web', 'd 755 0 0 run', 's 666 0 0 run/dbus-socket',
].join('\0') + '\0';
const LOCKED_WALK = ['d 755 0 0 usr', 'f 755 0 0 usr/bin/web', 'd 755 0 0 etc', 'f 644 0 0 etc/locked.conf'].join('\0') + '\0';

const PROFILE = '/etc/systemd/system/locked.service.d/bindscout.conf';
const DRIFTED_PROFILE = '/etc/systemd/system/drifted.service.d/bindscout.conf';
const profileText = '[Service]\nTemporaryFileSystem=/:ro\n';
const lockedCat = `# /lib/systemd/system/locked.service\n[Service]\nExecStart=/usr/bin/web\n\n# ${PROFILE}\n${profileText}`;
const driftedUnitBefore = `# /lib/systemd/system/drifted.service\n[Service]\nExecStart=/usr/bin/web\n\n# ${DRIFTED_PROFILE}\n${profileText}`;
const driftedCat = driftedUnitBefore + `\n# /etc/systemd/system/drifted.service.d/more.conf\n[Service]\nExecStartPre=/usr/bin/web --prepare\n`;

const UNITS: FakeUnit[] = [
  { id: 'web.service', active: 'active', fileState: 'enabled', pid: 100, cat: '# /lib/systemd/system/web.service\n[Service]\nExecStart=/usr/bin/web\n', mnt: 'mnt:[1]', walk: HOST_WALK },
  { id: 'shell.service', active: 'active', fileState: 'static', pid: 110, cat: '# /lib/systemd/system/shell.service\n[Service]\nExecStart=/usr/bin/web\n', mnt: 'mnt:[1]', walk: HOST_WALK },
  { id: 'locked.service', active: 'active', fileState: 'enabled', pid: 200, cat: lockedCat, dropIns: [PROFILE], tmpfs: '/:ro', mnt: 'mnt:[2]', walk: LOCKED_WALK },
  { id: 'drifted.service', active: 'active', fileState: 'enabled', pid: 250, cat: driftedCat, dropIns: [DRIFTED_PROFILE], tmpfs: '/:ro', mnt: 'mnt:[3]', walk: LOCKED_WALK },
  { id: 'jail.service', active: 'active', fileState: 'enabled', pid: 300, cat: '# /lib/systemd/system/jail.service\n[Service]\nTemporaryFileSystem=/\nExecStart=/usr/bin/web\n', tmpfs: '/', mnt: 'mnt:[4]', walk: LOCKED_WALK },
  { id: 'idle.service', active: 'inactive', fileState: 'enabled', pid: 0, cat: '# /lib/systemd/system/idle.service\n[Service]\nExecStart=/usr/bin/web\n' },
  { id: 'vanishing.service', active: 'active', fileState: 'enabled', pid: 400, cat: '# /lib/systemd/system/vanishing.service\n[Service]\nExecStart=/usr/bin/web\n', gone: true },
];
/** Loaded but neither running nor enabled: not listed. */
const DISABLED: FakeUnit = { id: 'off.service', active: 'inactive', fileState: 'disabled', pid: 0, cat: '' };

function showBlock(u: FakeUnit): string {
  return [
    `Id=${u.id}`, 'LoadState=loaded', 'Type=simple', `ActiveState=${u.active}`, `SubState=${u.active === 'active' ? 'running' : 'dead'}`, `UnitFileState=${u.fileState}`,
    `MainPID=${u.pid}`, `DropInPaths=${(u.dropIns ?? []).join(' ')}`, `TemporaryFileSystem=${u.tmpfs ?? ''}`, 'RootDirectory=', 'RootImage=',
  ].join('\n') + '\n';
}

function fakeSystemd() {
  const all = [...UNITS, DISABLED];
  const byId = new Map(all.map((u) => [u.id, u]));
  const byPid = new Map(UNITS.filter((u) => u.pid > 0).map((u) => [u.pid, u]));
  const files: Record<string, string> = {
    '/proc/1/mountinfo': '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n',
    // What discover remembered of drifted.service: the unit before more.conf came.
    '/var/lib/bindscout/drifted.service/install.json': JSON.stringify({ schemaVersion: 1, unit: 'drifted.service', installedAt: '2026-12-01T10:00:00Z', dropIn: DRIFTED_PROFILE, packages: [] }),
    '/var/lib/bindscout/drifted.service/profile.conf': profileText,
    '/var/lib/bindscout/drifted.service/unit.conf': driftedUnitBefore,
  };
  const links: Record<string, string> = {};
  for (const u of UNITS) {
    if (u.pid === 0) continue;
    if (!u.gone) files[`/proc/${u.pid}/status`] = 'Uid:\t33\t33\t33\t33\nGid:\t33\t33\t33\t33\nGroups:\t\nCapEff:\t0000000000000000\n';
    files[`/proc/${u.pid}/mountinfo`] = u.tmpfs ? '900 800 0:50 / / ro - tmpfs tmpfs ro\n901 900 8:1 /usr /usr ro - ext4 /dev/sda1 rw\n' : '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n';
    if (u.mnt) links[`/proc/${u.pid}/ns/mnt`] = u.mnt;
    links[`/proc/${u.pid}/root`] = '/';
  }
  const answer = (file: string, args: string[]): RunResult | undefined => {
    const last = args.at(-1)!;
    if (file === 'uname') return ok('bed\n');
    if (file === 'systemctl' && args[0] === 'list-units') return ok(all.map((u) => `${u.id} loaded ${u.active} x desc`).join('\n') + '\n');
    if (file === 'systemctl' && args[0] === 'list-unit-files') return ok(all.filter((u) => u.fileState === 'enabled').map((u) => `${u.id} enabled enabled`).join('\n') + '\n');
    if (file === 'systemctl' && args[0] === 'show' && args[1]?.startsWith('--property=')) {
      return ok(args.slice(args.indexOf('--') + 1).map((id) => showBlock(byId.get(id)!)).join('\n'));
    }
    if (file === 'systemctl' && args[0] === 'show' && args.includes('ControlGroup')) return ok('');
    if (file === 'systemctl' && args[0] === 'show') return ok(showBlock(byId.get(last)!));
    if (file === 'systemctl' && args[0] === 'cat') return ok(byId.get(last)!.cat);
    if (file === 'stat') return ok(`1:1\n1:${/\/proc\/(\d+)\/exe/.exec(last)?.[1]}\n`);
    if (file === 'find') return ok(byPid.get(Number(/\/proc\/(\d+)\/root/.exec(args[1]!)?.[1]))?.walk ?? '');
    if (file === 'dpkg-query' || file === 'dpkg') return { exitCode: 1, stdout: '', stderr: '' };
    return undefined;
  };
  return fakeRunner({ files, links, answer });
}

describe('status', () => {
  test('every running or enabled service with its state, exposure and next command, worst first', async () => {
    const fake = fakeSystemd();
    const report = await serviceStatus(fake.runner);
    expect(report.host).toBe('bed');
    const rows = Object.fromEntries(report.units.map((u) => [u.unit, u]));
    expect(Object.keys(rows).sort()).toEqual(UNITS.map((u) => u.id).sort());

    expect(rows['web.service']).toMatchObject({ state: 'none', next: 'bindscout discover web.service', active: 'active', driftFindings: null });
    expect(rows['web.service']!.exposure).toEqual({ visible: expect.any(Number), writable: 1, sockets: 1, secrets: 2 });
    expect(rows['web.service']!.exposure!.visible).toBeGreaterThan(5);
    expect(rows['locked.service']).toMatchObject({ state: 'bindscout', next: null, driftFindings: 0, exposure: { writable: 0, sockets: 0, secrets: 0 } });
    expect(rows['drifted.service']).toMatchObject({ state: 'drifted', next: 'bindscout check drifted.service' });
    expect(rows['drifted.service']!.driftFindings).toBeGreaterThan(0);
    expect(rows['jail.service']).toMatchObject({ state: 'hand-made', next: null });
    expect(rows['idle.service']).toMatchObject({ state: 'none', exposure: null, next: 'bindscout discover idle.service', note: 'not running (inactive)' });
    expect(rows['vanishing.service']).toMatchObject({ state: 'none', exposure: null });
    expect(rows['vanishing.service']!.note).toContain('gone');

    // The two services on the host's root come first (they see its secrets); no process: last.
    expect(report.units.slice(0, 2).map((u) => u.unit).sort()).toEqual(['shell.service', 'web.service']);
    expect(report.units.slice(-2).map((u) => u.exposure)).toEqual([null, null]);
    // One systemctl listing of each kind and one show for all, whatever the number of units.
    expect(fake.calls.filter((c) => c.startsWith('systemctl show --property=')).length).toBe(1);
    // web and shell share the host's mount namespace: its root is walked once.
    expect(fake.calls.filter((c) => c.startsWith('find')).length).toBe(4);
  });

  test('one at a time gives the same table', async () => {
    const parallel = await serviceStatus(fakeSystemd().runner);
    const serial = await serviceStatus(fakeSystemd().runner, { concurrency: 1 });
    expect(serial).toEqual(parallel);
  });
});

describe('bindscout status', () => {
  test('without root: exit 5 and a message that says why, nothing looked at', async () => {
    const fake = fakeSystemd();
    const { io, stdout, stderr } = fakeIO({ isRoot: false, runner: fake.runner });
    expect(await runProgram(['status'], io)).toBe(5);
    expect(stdout()).toBe('');
    expect(stderr()).toMatch(/root/);
    expect(fake.calls).toEqual([]);
  });

  test('--json: schemaVersion, host and one object per unit with the four numbers or null', async () => {
    const { io, stdout } = fakeIO({ isRoot: true, runner: fakeSystemd().runner });
    expect(await runProgram(['status', '--json'], io)).toBe(0);
    const json = JSON.parse(stdout());
    expect(json).toMatchObject({ schemaVersion: 1, host: 'bed' });
    for (const unit of json.units) {
      expect(Object.keys(unit)).toEqual(expect.arrayContaining(['unit', 'state', 'next', 'exposure']));
      if (unit.exposure !== null) expect(Object.keys(unit.exposure).sort()).toEqual(['secrets', 'sockets', 'visible', 'writable']);
    }
    expect(json.units.find((u: { unit: string }) => u.unit === 'idle.service').exposure).toBeNull();
  });

  test('the table: a row per unit, "-" where there was no process, and why', async () => {
    const { io, stdout } = fakeIO({ isRoot: true, runner: fakeSystemd().runner });
    expect(await runProgram(['status'], io)).toBe(0);
    const text = stdout();
    expect(text).toMatch(/^bed: 7 services, 5 looked into; worst first$/m);
    expect(text).toMatch(/^unit +state +visible writable sockets secrets {2}next$/m);
    expect(text).toMatch(/^drifted\.service +drifted +\d+ +0 +0 +0 {2}bindscout check drifted\.service$/m);
    expect(text).toMatch(/^idle\.service +none +- +- +- +- {2}bindscout discover idle\.service$/m);
    expect(text).toContain('  idle.service: not running (inactive)');
  });
});
