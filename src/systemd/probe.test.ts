import { describe, expect, test } from '@jest/globals';
import { fakeRunner } from '../testing/fake-runner.js';
import { runProbe, type ProbeClock } from './probe.js';

/** A clock that only moves when the probe sleeps or a try takes time. */
function fakeClock(): ProbeClock & { t: number } {
  const clock = {
    t: 0,
    now: () => clock.t,
    sleep: async (ms: number) => void (clock.t += ms),
    checkpoint: () => undefined,
  };
  return clock;
}

/** A server that starts listening `readyAt` ms after the start: connection refused until then. */
function lateServer(clock: { t: number }, readyAt: number) {
  return fakeRunner({
    answer: () => {
      clock.t += 5; // each try takes a little time
      return clock.t >= readyAt
        ? { exitCode: 0, stdout: 'HTTP/1.1 200 OK', stderr: '' }
        : { exitCode: 7, stdout: '', stderr: 'curl: (7) Failed to connect to 127.0.0.1 port 8080: Connection refused' };
    },
  }).runner;
}

describe('the probe', () => {
  test('a server that listens 7 s after it is active passes within the default 10 s, and the time it took is told', async () => {
    const clock = fakeClock();
    const run = await runProbe(lateServer(clock, 7000), 'curl -fsS http://127.0.0.1:8080/', 10_000, clock);
    expect(run.passed).toBe(true);
    expect(run.ms).toBeGreaterThanOrEqual(7000);
    expect(run.ms).toBeLessThan(8100);
    expect(run.tries).toBeGreaterThan(2);
  });

  test('gives up when its timeout has passed, with the last failure', async () => {
    const clock = fakeClock();
    const run = await runProbe(lateServer(clock, 60_000), 'curl -fsS http://127.0.0.1:8080/', 3000, clock);
    expect(run.passed).toBe(false);
    expect(run.ms).toBeGreaterThanOrEqual(3000);
    expect(run.ms).toBeLessThan(3100);
    expect(run.failure).toContain('Connection refused');
  });

  test('one try when it passes at once', async () => {
    const clock = fakeClock();
    const run = await runProbe(lateServer(clock, 0), 'true', 10_000, clock);
    expect(run).toEqual({ passed: true, ms: 5, tries: 1 });
  });
});
