/**
 * The admin's probe, run until it passes or its time is up. A service is often `active` before it
 * answers: a `Type=simple` server is active as soon as it is forked, and listens when it has read its
 * configuration, sometimes seconds later. One try right after the start would blame the sandbox for
 * the service's own start-up time.
 */
import type { Runner } from './runner.js';

/** A few seconds: long enough for a server that reads its configuration, short enough not to hide a hang. */
export const DEFAULT_PROBE_TIMEOUT_MS = 10_000;

/** Pause between tries: short at first, so a quick service is not kept waiting. */
const FIRST_PAUSE_MS = 200;
const LONGEST_PAUSE_MS = 1000;
/** One run of the probe may take this long (a client that hangs), within the overall timeout. */
const ONE_TRY_MS = 15_000;

export interface ProbeRun {
  passed: boolean;
  /** From the first try to the last one's end. */
  ms: number;
  tries: number;
  /** Why the last try failed, when it did not pass. */
  failure?: string;
}

export interface ProbeClock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Throws when the run was interrupted. */
  checkpoint(): void;
}

/** Runs `probe` with /bin/sh -c until it exits 0 or `timeoutMs` have passed since the first try. */
export async function runProbe(runner: Runner, probe: string, timeoutMs: number, clock: ProbeClock): Promise<ProbeRun> {
  const started = clock.now();
  let failure = '';
  let pause = FIRST_PAUSE_MS;
  for (let tries = 1; ; tries++) {
    clock.checkpoint();
    const result = await runner.run('/bin/sh', ['-c', probe], { timeoutMs: ONE_TRY_MS });
    if (result.exitCode === 0) return { passed: true, ms: clock.now() - started, tries };
    const said = (result.stderr || result.stdout).trim();
    failure = `the probe \`${probe}\` failed (exit ${result.exitCode})${said ? `: ${said.slice(0, 300)}` : ''}`;
    const left = started + timeoutMs - clock.now();
    if (left <= 0) return { passed: false, ms: clock.now() - started, tries, failure };
    await clock.sleep(Math.min(pause, left));
    pause = Math.min(pause * 2, LONGEST_PAUSE_MS);
  }
}

/** "after 2.4 s (5 tries)", for the log and the report. */
export function describeProbeRun(run: ProbeRun): string {
  const tries = run.tries === 1 ? '1 try' : `${run.tries} tries`;
  return `${(run.ms / 1000).toFixed(1)} s (${tries})`;
}
