/**
 * `bindscout discover UNIT`: from a unit to an installed, verified TemporaryFileSystem=/:ro profile.
 *
 *   preflight  root, a valid unit name, systemd ≥ 238, strace, the unit loadable, the per-unit lock
 *   loop       observe → propose → enforce → verify → install (src/flows/discover-loop.ts), driving
 *              the unit through a UnitSession (src/systemd/discover-session.ts)
 *   always     tracing and candidate drop-ins removed, the unit back in the state it was found in
 *
 * Every start or restart bindscout performs is counted; restoring the original state is not.
 */
import { accessToJson, type AccessJson } from '../profile/report.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import type { FsView } from '../core/fsview.js';
import type { AuditReport, Exposure } from '../checks/audit.js';
import { privateRunName, tmpfilesPath } from '../profile/shared-run.js';
import { CannotProceed, InterruptedError, PermissionDenied } from '../errors.js';
import { acquireLock, isRunning, unitState } from '../systemd/control.js';
import { preflightTools } from '../systemd/preflight.js';
import type { Runner } from '../systemd/runner.js';
import { daemonReload, dropInDir, findStaleTracing } from '../systemd/tracing.js';
import { loadUnit } from '../systemd/unit.js';
import { UnitSession } from '../systemd/discover-session.js';
import { readLogrotateRules } from '../systemd/logrotate.js';
import { describeDifference, earlierObservation, rememberDiscovery } from './remember.js';
import { observationDifference, type ObservationDifference } from '../checks/earlier.js';
import { memoryDir, recallInstall } from '../systemd/memory.js';
import { setAsideInstalledProfile, type SetAsideProfile } from '../systemd/installed-profile.js';
import {
  INSTALL_DIR,
  findAndInstallProfile,
  type Attempt,
  type DiscoverOptions,
  type LoopOutcome,
  type Reviewer,
  type Stuck,
} from './discover-loop.js';

export { INSTALL_DIR, type Attempt, type DiscoverOptions, type Reviewer } from './discover-loop.js';

export interface DiscoverDeps {
  runner: Runner;
  /** The host filesystem as systemd sees it, for the fold. */
  fs: FsView;
  reviewer: Reviewer;
  /** Progress and explanations for the admin (stderr). */
  log(message: string): void;
  signal?: AbortSignal;
  isRoot: boolean;
  pid: number;
  alive(pid: number): boolean;
  /** Writes --output on the machine bindscout runs on. */
  writeOutput(path: string, text: string): Promise<void>;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export interface DiscoverReport {
  unit: string;
  /**
   * refused: the candidate works, but failed the audit and was not installed; stuck: it failed the
   * same way again with nothing new to grant, and the loop stopped rather than repeat itself.
   */
  result: 'working' | 'failed' | 'refused' | 'stuck';
  starts: number;
  installed: string | null;
  dropin: string;
  accesses: AccessJson[];
  attempts: Attempt[];
  readOnly: string[];
  writable: string[];
  refused: string[];
  /** What is still failing when result is "failed", or why it was "refused". */
  /** Against the earlier observation discover remembered, when there was one. */
  changes?: ObservationDifference;
  failure?: string;
  /** When result is "stuck": what the last starts showed, and the one thing that would get further. */
  stuck?: Stuck;
  /** Writes to places that are not the service's own, not granted, with the Exec*= line that makes them. */
  writesRefused: { path: string; reason: string }[];
  /** The audit of the service running under the working candidate; null when there was none. */
  audit: AuditReport | null;
  /** The same audit's numbers on the unit as found (before) and under the profile (after); null where none was taken. */
  exposure: { before: Exposure | null; after: Exposure | null };
  notes: string[];
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

export async function discover(options: DiscoverOptions, deps: DiscoverDeps): Promise<DiscoverReport> {
  const { runner, log } = deps;
  const checkpoint = () => {
    if (deps.signal?.aborted) throw new Interrupted();
  };

  if (!deps.isRoot) {
    throw new PermissionDenied(
      'discover must run as root: it writes drop-ins and starts and stops the unit',
      `run: sudo bindscout discover ${options.unit}`,
    );
  }
  await preflightTools(runner);
  let unit = await loadUnit(runner, options.unit);
  const name = unit.Id;
  const lock = await acquireLock(runner, name, deps.pid, deps.alive);
  if ('heldBy' in lock) {
    throw new CannotProceed(
      `another bindscout (pid ${lock.heldBy}) is working on ${name}`,
      'wait for it to finish, or stop it (it cleans up after itself)',
    );
  }

  const notes: string[] = [];
  let session: UnitSession | undefined;
  let outcome: LoopOutcome;
  let aside: SetAsideProfile | undefined;
  let changes: ObservationDifference | undefined;
  const runtimeDirExisted = (await runner.readdir(dropInDir(name))) !== undefined;
  const privateRunExisted = (await runner.readdir(`/run/${privateRunName(name)}`)) !== undefined;
  try {
    const stale = (await findStaleTracing(runner)).filter((p) => p.startsWith(`${dropInDir(name)}/`));
    if (stale.length > 0) {
      for (const path of stale) await runner.removeFile(path);
      await daemonReload(runner);
      log(`removed what an interrupted bindscout left behind: ${stale.join(', ')}`);
      notes.push(`removed stale drop-ins: ${stale.join(', ')}`);
      unit = await loadUnit(runner, name);
    }
    // Observed with the unit's own configuration; the old profile comes back unless a new one is installed.
    aside = await setAsideInstalledProfile(runner, `${INSTALL_DIR}/${name}.d/${options.dropInName}`, {
      tmpfiles: tmpfilesPath(name),
      privateRun: privateRunName(name),
    });
    if (aside) {
      log(`${aside.path} set aside while ${name} is observed again; it is put back unless a new profile is installed`);
      unit = await loadUnit(runner, name);
    }
    const memory = await recallInstall(runner, name);
    const earlier = memory ? earlierObservation(memory) : undefined;
    if (earlier) log(`starting from what discover observed and installed ${earlier.when} (${memoryDir(name)}/; --forget to start afresh)`);
    const originalState = await unitState(runner, name);
    session = new UnitSession(runner, unit, {
      ...(options.probe !== undefined ? { probe: options.probe } : {}),
      exercise: options.exercise,
      settleMs: options.settleMs,
      startTimeoutMs: options.startTimeoutMs,
      ...(options.probeTimeoutMs !== undefined ? { probeTimeoutMs: options.probeTimeoutMs } : {}),
      fs: deps.fs,
      log,
      notes,
      checkpoint,
      sleep: deps.sleep,
      ...(deps.signal ? { signal: deps.signal } : {}),
      runtimeDirExisted,
      privateRunExisted,
    });
    let installed = false;
    try {
      outcome = await findAndInstallProfile(session, {
        options,
        fs: deps.fs,
        reviewer: deps.reviewer,
        log,
        checkpoint,
        writeOutput: deps.writeOutput,
        notes,
        ...(earlier ? { earlier } : {}),
        logRules: await readLogrotateRules(runner),
      });
      if (earlier) {
        changes = observationDifference(earlier, outcome.accesses, outcome.profile, deps.fs);
        for (const line of describeDifference(changes, earlier.when)) log(line);
      }
      installed = outcome.installed !== null;
    } finally {
      if (!installed && aside) {
        await aside.putBack();
        aside = undefined;
      }
      await session.restore(isRunning(originalState), originalState.InvocationID, installed);
    }
    if (outcome.installed !== null) {
      // The profile is installed and verified by now: a memory that cannot be written costs only the comparison later.
      try {
        const kept = await rememberDiscovery(
          runner,
          name,
          { path: outcome.installed, text: outcome.dropin },
          outcome.accesses.map(accessToJson),
          outcome.exposure.before ?? undefined,
        );
        log(`remembered what the profile was made from in ${kept}/ (bindscout check ${name} compares with it)`);
      } catch (err) {
        log(`could not remember what the profile was made from: ${(err as Error).message}; check will not compare settings`);
        notes.push(`memory not written: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    // Failed before the session existed: the old profile goes back all the same.
    await aside?.putBack().catch((e) => log(`could not put ${aside?.path} back: ${String(e)}`));
    if (err instanceof Interrupted) {
      log('interrupted: the unit was put back as it was found');
      throw new InterruptedError(`discover ${name} interrupted; nothing was installed`);
    }
    throw err;
  } finally {
    await lock.release().catch(() => undefined);
  }

  const entries = outcome.profile?.entries ?? [];
  const bound = (directive: string) =>
    entries.filter((e) => e.directive === directive).map((e) => bytesToDisplay(e.value));
  return {
    unit: name,
    result: outcome.refusedByAudit ? 'refused' : outcome.working ? 'working' : outcome.stuck ? 'stuck' : 'failed',
    starts: session.starts,
    installed: outcome.installed,
    dropin: outcome.dropin,
    accesses: outcome.accesses.map(accessToJson),
    attempts: outcome.attempts,
    readOnly: bound('BindReadOnlyPaths'),
    writable: bound('BindPaths'),
    refused: outcome.refused,
    ...(changes ? { changes } : {}),
    ...(outcome.stuck && !outcome.working ? { stuck: outcome.stuck } : {}),
    ...(outcome.failure && (!outcome.working || outcome.refusedByAudit) ? { failure: outcome.failure } : {}),
    writesRefused: outcome.writesRefused,
    audit: outcome.audit,
    exposure: outcome.exposure,
    notes,
  };
}
