/** Waiting for a unit's main process to run its own program, with a fake runner scripted per poll. */
import { describe, expect, test } from '@jest/globals';
import { execedMainPid } from './control.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import type { RunResult, Runner } from './runner.js';

/** Each poll answers with the next MainPID and the next pair of executables (PID 1's, the main process's). */
function scripted(polls: { mainPid: number; exe?: [string, string] }[]) {
  let poll = -1;
  const asked: string[] = [];
  const ok = (stdout: string): RunResult => ({ exitCode: 0, stdout, stderr: '' });
  const runner = {
    root: '/',
    async run(file: string, args: string[]): Promise<RunResult> {
      if (file === 'systemctl' && args[0] === 'show') {
        poll = Math.min(poll + 1, polls.length - 1);
        return ok(`MainPID=${polls[poll].mainPid}\nActiveState=active\n`);
      }
      if (file === 'stat') {
        asked.push(args.slice(-2).join(' '));
        const exe = polls[poll].exe;
        return exe ? ok(`${exe[0]}\n${exe[1]}\n`) : { exitCode: 1, stdout: '', stderr: 'No such file or directory' };
      }
      throw new Error(`unexpected ${file} ${args.join(' ')}`);
    },
  } as unknown as Runner;
  return { runner, asked, polls: () => poll + 1 };
}

const noWait = { timeoutMs: 60_000, sleep: async () => undefined };
const SYSTEMD = '254:1:1234';
const SLEEP = '254:1:999';

describe('execedMainPid', () => {
  test("waits while the main process is still PID 1's forked copy, then answers its pid", async () => {
    const fake = scripted([
      { mainPid: 77, exe: [SYSTEMD, SYSTEMD] },
      { mainPid: 77, exe: [SYSTEMD, SYSTEMD] },
      { mainPid: 77, exe: [SYSTEMD, SLEEP] },
    ]);
    expect(await execedMainPid(fake.runner, parseUnitName('app.service'), noWait)).toBe(77);
    expect(fake.polls()).toBe(3);
    expect(fake.asked[0]).toBe('/proc/1/exe /proc/77/exe');
  });

  test('a process that exits before it execs (203/EXEC) leaves no pid to answer', async () => {
    const fake = scripted([{ mainPid: 77, exe: [SYSTEMD, SYSTEMD] }, { mainPid: 77 }, { mainPid: 0 }]);
    expect(await execedMainPid(fake.runner, parseUnitName('app.service'), noWait)).toBeUndefined();
    expect(fake.polls()).toBe(3);
  });

  test('no main process at all: undefined at once', async () => {
    const fake = scripted([{ mainPid: 0 }]);
    expect(await execedMainPid(fake.runner, parseUnitName('app.service'), noWait)).toBeUndefined();
    expect(fake.asked).toEqual([]);
  });

  test('gives up after the timeout instead of waiting forever', async () => {
    const fake = scripted([{ mainPid: 77, exe: [SYSTEMD, SYSTEMD] }]);
    let slept = 0;
    const clock = { timeoutMs: 0, sleep: async () => void slept++ };
    expect(await execedMainPid(fake.runner, parseUnitName('app.service'), clock)).toBeUndefined();
    expect(slept).toBe(0);
  });
});
