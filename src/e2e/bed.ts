/**
 * The test bed for end-to-end tests: a Runner for the systemd of the nspawn container that
 * `scripts/testbed.sh up` boots (`.ci/run` and `npm run test:e2e` bring it up and always down).
 *
 * Without root, nspawn or a running bed the e2e suites are skipped loudly; with CI=true (or
 * BINDSCOUT_E2E=require) a missing bed fails them instead, so CI cannot pass without running them.
 */
import { describe, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createNamespaceRunner, type Runner } from '../systemd/runner.js';

const TESTBED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../scripts/testbed.sh');

export interface Bed {
  runner: Runner;
  pid1: number;
  /** Runs a command inside the bed, argv only; throws with its output when it fails. */
  exec(file: string, args: string[], timeoutMs?: number): Promise<string>;
}

function bedRequired(): boolean {
  return process.env.CI === 'true' || process.env.BINDSCOUT_E2E === 'require';
}

function findBed(): Bed | string {
  if (process.getuid?.() !== 0) return 'not running as root';
  if (!['/usr/bin/systemd-nspawn', '/bin/systemd-nspawn'].some((p) => existsSync(p))) return 'systemd-nspawn is not installed';
  let pid1: number;
  try {
    execFileSync(TESTBED, ['status'], { stdio: 'pipe', timeout: 30_000 });
    pid1 = Number(execFileSync(TESTBED, ['pid1'], { stdio: 'pipe', timeout: 30_000 }).toString().trim());
  } catch {
    return `the test bed is not up (run: ${TESTBED} up)`;
  }
  const runner = createNamespaceRunner(pid1);
  return {
    runner,
    pid1,
    async exec(file, args, timeoutMs = 60_000) {
      const result = await runner.run(file, args, { timeoutMs });
      if (result.exitCode !== 0) {
        throw new Error(`${[file, ...args].join(' ')} exited with ${result.exitCode}: ${result.failedToStart ?? ''}${result.stdout}${result.stderr}`);
      }
      return result.stdout;
    },
  };
}

/**
 * `describe` for a suite that needs the bed. `body` receives a getter: the bed is looked up once,
 * when jest collects the file.
 */
export function describeWithBed(name: string, body: (bed: () => Bed) => void): void {
  const found = findBed();
  if (typeof found === 'string') {
    if (bedRequired()) {
      describe(name, () => {
        test('needs the test bed', () => {
          throw new Error(`end-to-end tests must run here (CI=true or BINDSCOUT_E2E=require) but ${found}`);
        });
      });
      return;
    }
    console.warn(
      `\n*** SKIPPING end-to-end suite "${name}": ${found}. ***\n` +
        `*** Run as root: scripts/testbed.sh install-deps && npm run test:e2e ***\n`,
    );
    describe(name, () => {
      test.skip(`SKIPPED: ${found}`, () => undefined);
    });
    return;
  }
  describe(name, () => body(() => found));
}

/** Polls `probe` until it succeeds: a Type=simple service counts as started before it listens. */
export async function retry<T>(probe: () => Promise<T>, tries = 40, delayMs = 250): Promise<T> {
  let last: unknown;
  for (let i = 0; i < tries; i++) {
    try {
      return await probe();
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
  throw last;
}

/**
 * Starts the packaged units a suite uses. The bed boots none of them (scripts/testbed.sh: a host with
 * another DNS or web server enabled would otherwise take their ports at boot), so each suite starts
 * what it needs; starting a running unit is a no-op.
 */
export async function startUnits(bed: Bed, units: string[]): Promise<void> {
  for (const unit of units) await bed.exec('systemctl', ['start', '--', unit], 120_000);
}
