/**
 * A traced start whose trace never reaches the journal must stop discover with a clear error, not
 * go on to propose a candidate built from nothing. A fake systemd that keeps its drop-ins in memory
 * and whose journal stays empty, as a unit with StandardOutput=null gave before the tracing drop-in
 * sent stderr to the journal.
 */
import { expect, test } from '@jest/globals';
import { discover, type DiscoverOptions } from './discover.js';
import { memoryFsView } from '../testing/fs-views.js';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import { parseUnitName } from '../unit-file/unit-name.js';

function silentSystem() {
  let active = 'active';
  const fake = fakeRunner({
    answer(file, args) {
      if (file === 'systemctl' && args[0] === '--version') return ok('systemd 252 (252.39-1~deb12u1)\n');
      if (file.endsWith('strace')) return ok('strace -- version 6.1\n');
      if (file === 'systemctl' && args[0] === 'show') {
        const dropIns = [...fake.files.keys()].filter((f) => f.startsWith('/run/systemd/system/app.service.d/')).join(' ');
        return ok(
          `Id=app.service\nLoadState=loaded\nActiveState=${active}\nSubState=running\nResult=success\nInvocationID=a1\n` +
            `StandardOutput=null\nStandardError=inherit\nLogLevelMax=-1\nDropInPaths=${dropIns}\nExecStart={ path=/usr/bin/app ; argv[]=/usr/bin/app ; }\n`,
        );
      }
      if (file === 'systemctl' && args[0] === 'cat') return ok('# /lib/systemd/system/app.service\n[Service]\nExecStart=/usr/bin/app\nStandardOutput=null\n');
      if (file === 'systemctl' && args[0] === 'stop') active = 'inactive';
      if (file === 'systemctl' && (args[0] === 'start' || args[0] === 'restart')) active = 'active';
      if (file === 'journalctl' && args.includes('--show-cursor')) return ok('-- cursor: s=1;i=1\n');
      return undefined;
    },
    // The journal stays empty: the trace never reaches it.
    stream: () => ({ lines: (async function* () {})(), stop: () => undefined, done: Promise.resolve(ok()) }),
  });
  return { runner: fake.runner, calls: fake.calls, files: fake.files, written: fake.writes };
}

const options: DiscoverOptions = {
  unit: parseUnitName('app.service'),
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

test('a traced start that yields no strace line stops the run with an error naming the output settings', async () => {
  const system = silentSystem();
  const asked: unknown[] = [];
  const run = discover(options, {
    runner: system.runner,
    fs: memoryFsView({}),
    reviewer: { review: async (items) => (asked.push(items), new Map()), confirmInstall: async () => true },
    log: () => undefined,
    isRoot: true,
    pid: 4242,
    alive: () => true,
    writeOutput: async () => undefined,
    sleep: async () => undefined,
  });
  await expect(run).rejects.toMatchObject({
    name: 'CannotProceed',
    message: expect.stringMatching(/no strace output.*StandardOutput=null/),
    hint: expect.stringContaining('journalctl -u app.service'),
  });
  // Nothing proposed, no candidate ever tried, the unit started again as it was found, nothing left behind.
  expect(asked).toEqual([]);
  expect(system.written.filter((f) => f.includes('candidate'))).toEqual([]);
  expect(system.calls.at(-1)).not.toMatch(/^systemctl stop/);
  expect(system.calls.filter((c) => /^systemctl (start|restart)/.test(c))).toEqual(['systemctl restart -- app.service', 'systemctl restart -- app.service']);
  expect([...system.files.keys()]).toEqual([]);
});
