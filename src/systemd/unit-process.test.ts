/**
 * A Type=forking unit without PIDFile= whose main process systemd could not guess (MainPID=0) is
 * looked into through a process of its cgroup: its view and audit exist, not "no main process".
 */
import { describe, expect, test } from '@jest/globals';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import { stopLeftovers, unitProcess } from './control.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import { auditSnapshot, snapshotService, ViewError } from './view.js';

const SYSTEMD = '254:1:1234';
const DAEMON = '254:1:999';

function forkingUnit(opts: { procs: string; exes: Record<number, string> }) {
  return fakeRunner({
    files: {
      '/proc/812/status': 'Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nGroups:\t\nCapEff:\t000001ffffffffff\n',
      '/proc/812/mountinfo': '900 800 0:50 / / ro,nosuid,nodev - tmpfs tmpfs ro,mode=755\n901 900 8:1 /usr /usr ro,relatime - ext4 /dev/sda1 rw\n',
      '/proc/1/mountinfo': '20 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n',
    },
    answer: (file, args) => {
      if (file === 'systemctl' && args[0] === 'show' && args.includes('ControlGroup')) return ok('/system.slice/forky.service\n');
      if (file === 'systemctl' && args[0] === 'show') return ok('Id=forky.service\nLoadState=loaded\nType=forking\nActiveState=active\nSubState=running\nMainPID=0\n');
      if (file === 'systemctl' && args[0] === 'cat') return ok('# /run/systemd/system/forky.service\n[Service]\nType=forking\nExecStart=/usr/sbin/forky\n');
      if (file === 'stat') {
        const pid = Number(/\/proc\/(\d+)\/exe/.exec(args.at(-1)!)?.[1]);
        return ok(`${SYSTEMD}\n${opts.exes[pid] ?? SYSTEMD}\n`);
      }
      // A hybrid layout, as in a container booted on one: the unified path is not there.
      if (file === 'cat' && args.at(-1) === '/sys/fs/cgroup/systemd/system.slice/forky.service/cgroup.procs') return ok(opts.procs);
      if (file === 'cat') return { exitCode: 1, stdout: '', stderr: 'No such file or directory' };
      if (file === 'find') return ok('d 755 0 0 usr\0f 755 0 0 usr/sbin/forky\0');
      return undefined;
    },
  }).runner;
}

const noWait = { timeoutMs: 0, sleep: async () => undefined };

describe('a unit without a main process', () => {
  test('is looked into through the first process of its cgroup that runs its own program', async () => {
    const runner = forkingUnit({ procs: '813\n812\n', exes: { 812: DAEMON, 813: DAEMON } });
    expect(await unitProcess(runner, parseUnitName('forky.service'), noWait)).toEqual({ pid: 812, main: false });
    const snapshot = await snapshotService(runner, parseUnitName('forky.service'));
    expect(snapshot).toMatchObject({ pid: 812, main: false });
    expect(auditSnapshot(snapshot)).toMatchObject({ unit: 'forky.service', pid: 812, clean: true });
  });

  test('a cgroup that cannot be read is not taken for an empty one', async () => {
    const runner = fakeRunner({ answer: (file, args) => (file === 'cat' ? { exitCode: 1, stdout: '', stderr: 'No such file' } : args.includes('ControlGroup') ? ok('/system.slice/forky.service\n') : ok('MainPID=0\n')) }).runner;
    expect(await unitProcess(runner, parseUnitName('forky.service'), noWait)).toBeUndefined();
  });

  test('with an empty cgroup (a finished oneshot) it has no process at all', async () => {
    const runner = forkingUnit({ procs: '', exes: {} });
    expect(await unitProcess(runner, parseUnitName('forky.service'), noWait)).toEqual({ none: true });
    await expect(snapshotService(runner, parseUnitName('forky.service'))).rejects.toMatchObject({ reason: 'not-running' });
    await expect(snapshotService(runner, parseUnitName('forky.service'))).rejects.toBeInstanceOf(ViewError);
  });
});

describe('processes a failed start left behind', () => {
  function leftBehind(procsAfterTerm: string) {
    let killed = '';
    const faked = fakeRunner({
      answer: (file, args) => {
        if (file === 'systemctl' && args[0] === 'show' && args.includes('ControlGroup')) return ok('/system.slice/slapd.service\n');
        if (file === 'systemctl' && args[0] === 'kill') {
          killed = args.find((a) => a.startsWith('--signal='))!;
          return ok();
        }
        if (file === 'cat') return ok(killed === '' ? '218\n' : killed === '--signal=SIGTERM' ? procsAfterTerm : '');
        return undefined;
      },
    });
    return faked;
  }

  test('are stopped before the next start, so that it cannot lean on them', async () => {
    const { runner, calls } = leftBehind('');
    expect(await stopLeftovers(runner, parseUnitName('slapd.service'), noWait)).toBe(1);
    expect(calls).toContain('systemctl kill --kill-who=all --signal=SIGTERM -- slapd.service');
    expect(calls.some((c) => c.includes('SIGKILL'))).toBe(false);
  });

  test('one that ignores SIGTERM gets SIGKILL', async () => {
    const { runner, calls } = leftBehind('218\n');
    expect(await stopLeftovers(runner, parseUnitName('slapd.service'), noWait)).toBe(1);
    expect(calls).toContain('systemctl kill --kill-who=all --signal=SIGKILL -- slapd.service');
  });

  test('an empty cgroup is left alone', async () => {
    const { runner, calls } = fakeRunner({ answer: (file, args) => (args.includes('ControlGroup') ? ok('/system.slice/slapd.service\n') : file === 'cat' ? ok('') : undefined) });
    expect(await stopLeftovers(runner, parseUnitName('slapd.service'), noWait)).toBe(0);
    expect(calls.some((c) => c.startsWith('systemctl kill'))).toBe(false);
  });
});
