import { describe, expect, test } from '@jest/globals';
import { waitUntilMainPidExecd } from './mainpid.js';
import type { Runner } from './runner.js';

/** A unit whose MainPID goes through the given (pid, comm) states, one per question. */
function runnerThrough(states: [number, string | undefined][]): { runner: Runner; asked: () => number } {
  let i = 0;
  const current = () => states[Math.min(i, states.length - 1)];
  const runner = {
    run: async (file: string, args: string[]) => {
      expect([file, ...args]).toEqual(['systemctl', 'show', '-p', 'MainPID', '--value', '--', 'app.service']);
      return { exitCode: 0, stdout: `${current()[0]}\n`, stderr: '' };
    },
    readFile: async (file: string) => {
      const [pid, comm] = current();
      i++;
      expect(file).toBe(`/proc/${pid}/comm`);
      return comm === undefined ? undefined : Buffer.from(`${comm}\n`);
    },
  } as unknown as Runner;
  return { runner, asked: () => i };
}

describe('waitUntilMainPidExecd', () => {
  test("waits while systemd's forked child is still setting up, then gives the program's pid", async () => {
    const { runner, asked } = runnerThrough([
      [812, '(sleep)'],
      [812, '(sleep)'],
      [812, 'sleep'],
    ]);
    expect(await waitUntilMainPidExecd(runner, 'app.service', { intervalMs: 1 })).toEqual({ pid: 812, comm: 'sleep' });
    expect(asked()).toBe(3);
  });

  test('follows a new MainPID, and gives up on a unit without one or a child that never execs', async () => {
    expect(await waitUntilMainPidExecd(runnerThrough([[812, undefined], [900, 'nginx']]).runner, 'app.service', { intervalMs: 1 })).toEqual({ pid: 900, comm: 'nginx' });
    expect(await waitUntilMainPidExecd(runnerThrough([[0, undefined]]).runner, 'app.service')).toBeUndefined();
    expect(await waitUntilMainPidExecd(runnerThrough([[812, '(unbound-helpe']]).runner, 'app.service', { timeoutMs: 30, intervalMs: 5 })).toBeUndefined();
  });
});
