/**
 * discover's refusals before it touches anything, with a fake runner that records every call: each
 * must give a clear error, the right exit code, and change nothing (no file written, no unit job).
 */
import { describe, expect, test } from '@jest/globals';
import { asCliError } from '../commands/shared.js';
import { discover, type DiscoverDeps, type DiscoverOptions } from './discover.js';
import type { Runner } from '../systemd/runner.js';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import { memoryFsView } from '../testing/fs-views.js';
import { parseUnitName } from '../unit-file/unit-name.js';

interface FakeSystem {
  systemdVersion?: string;
  strace?: boolean;
  loadState?: string;
}

/** A machine whose systemd and strace answer as `system` says. */
function fakeSystem(system: FakeSystem) {
  return fakeRunner({
    answer(file, args) {
      if (file === 'systemctl' && args[0] === '--version') return ok(`systemd ${system.systemdVersion ?? '252'} (252.39-1~deb12u1)\n+PAM\n`);
      if (file.endsWith('strace')) {
        return system.strace === false ? { exitCode: 127, stdout: '', stderr: '', failedToStart: 'spawn ENOENT' } : ok('strace -- version 6.1\n');
      }
      if (file === 'systemctl' && args[0] === 'show') return ok(`Id=app.service\nLoadState=${system.loadState ?? 'loaded'}\nActiveState=inactive\n`);
      if (file === 'systemctl' && args[0] === 'cat') return ok('# /lib/systemd/system/app.service\n[Service]\nExecStart=/usr/bin/app\n');
      return undefined;
    },
  });
}

const options: DiscoverOptions = {
  unit: parseUnitName('app'),
  exercise: 0,
  maxStarts: 10,
  dryRun: true,
  baseline: true,
  include: [],
  exclude: [],
  settleMs: 0,
  startTimeoutMs: 1000,
  dropInName: 'bindscout.conf',
};

function deps(runner: Runner, isRoot = true): DiscoverDeps {
  return {
    runner,
    fs: memoryFsView({}),
    reviewer: { review: async () => new Map(), confirmInstall: async () => true },
    log: () => undefined,
    isRoot,
    pid: 4242,
    alive: () => true,
    writeOutput: async () => undefined,
    sleep: async () => undefined,
  };
}

/** The error as the command line reports it: the exit code and hint an admin gets. */
async function asTheAdminSeesIt<T>(running: Promise<T>): Promise<T> {
  try {
    return await running;
  } catch (err) {
    throw asCliError(err) ?? err;
  }
}

const jobs = (calls: string[]) => calls.filter((c) => /^systemctl (start|stop|restart|reload|daemon-reload)/.test(c));

describe('discover refuses before touching anything', () => {
  test('not root: exit 5, and says how to run it', async () => {
    const fake = fakeSystem({});
    await expect(asTheAdminSeesIt(discover(options, deps(fake.runner, false)))).rejects.toMatchObject({ exitCode: 5, hint: expect.stringContaining('sudo bindscout discover app') });
    expect(fake.calls).toEqual([]);
  });

  test('systemd older than 238 (no TemporaryFileSystem=): exit 4', async () => {
    const fake = fakeSystem({ systemdVersion: '237' });
    await expect(asTheAdminSeesIt(discover(options, deps(fake.runner)))).rejects.toMatchObject({ exitCode: 4, message: expect.stringContaining('systemd 237 is too old') });
    expect(fake.writes).toEqual([]);
    expect(jobs(fake.calls)).toEqual([]);
  });

  test('strace missing: exit 4 with the package to install', async () => {
    const fake = fakeSystem({ strace: false });
    await expect(asTheAdminSeesIt(discover(options, deps(fake.runner)))).rejects.toMatchObject({ exitCode: 4, hint: expect.stringContaining('apt-get install strace') });
    expect(fake.writes).toEqual([]);
    expect(jobs(fake.calls)).toEqual([]);
  });

  test.each([
    ['not-found', 4, 'not found'],
    ['masked', 4, 'masked'],
  ])('a unit that is %s: exit %i, nothing written', async (loadState, exitCode, words) => {
    const fake = fakeSystem({ loadState });
    await expect(asTheAdminSeesIt(discover(options, deps(fake.runner)))).rejects.toMatchObject({ exitCode, message: expect.stringContaining(words) });
    expect(fake.writes).toEqual([]);
    expect(jobs(fake.calls)).toEqual([]);
  });
});
