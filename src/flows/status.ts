/**
 * `bindscout status`: every running or enabled service of the host, how it is locked down, what it is
 * exposed to (the audit behind `view`), and the one command to run next, worst first. The units come
 * from three systemctl calls (src/systemd/list-units.ts); the namespaces are looked into a few at a
 * time, and services sharing one root (the host's, mostly) share one walk of it.
 */
import { exposureOf } from '../checks/audit.js';
import { compareWorstFirst, nextCommand, profileState, statusExposure, type ProfileState, type StatusExposure } from '../checks/status.js';
import { isRunningState, listServices, type ServiceSummary } from '../systemd/list-units.js';
import { MEMORY_DIR, memoryDir } from '../systemd/memory.js';
import type { Runner } from '../systemd/runner.js';
import { auditSnapshot, sharedRootWalk, snapshotService, ViewError, type RootWalk } from '../systemd/view.js';
import type { AuditReport } from '../checks/audit.js';
import { auditFindings, checkUnits, DEFAULT_DROPIN_NAME } from './check.js';
import { INSTALL_DIR } from './discover-loop.js';

export interface UnitStatus {
  unit: string;
  state: ProfileState;
  /** The command to run next, or null. */
  next: string | null;
  /** null: there was no process to look into (or it could not be looked into: see `note`). */
  exposure: StatusExposure | null;
  /** ActiveState, as systemctl says. */
  active: string;
  /** UnitFileState (enabled, static, disabled…). */
  unitFile: string;
  /** How many findings `check` reports of a bindscout profile (0: it fits as installed); null without one, or when check failed. */
  driftFindings: number | null;
  /** Why the exposure is null, or what went wrong looking into it. */
  note?: string;
}

export interface StatusReport {
  /** The host name of the systemd looked at (a container's own with --pid1). */
  host: string;
  units: UnitStatus[];
}

export interface StatusOptions {
  /** Namespaces looked into at the same time. */
  concurrency?: number;
  /** After each unit: how many are done of how many. */
  onProgress?: (done: number, total: number) => void;
}

/** Two at a time: each look is a find(1) over a whole root, and the machines this runs on have few cores to spare. */
export const DEFAULT_CONCURRENCY = 2;

export async function serviceStatus(runner: Runner, options: StatusOptions = {}): Promise<StatusReport> {
  const services = await listServices(runner);
  const remembered = new Set((await runner.readdir(MEMORY_DIR)) ?? []);
  const host = await hostName(runner);
  const walkRoot = sharedRootWalk();
  let done = 0;
  const units = await mapLimited(services, options.concurrency ?? DEFAULT_CONCURRENCY, async (service) => {
    const status = await statusOf(runner, service, remembered, walkRoot);
    options.onProgress?.(++done, services.length);
    return status;
  });
  return { host, units: units.sort(compareWorstFirst) };
}

async function statusOf(runner: Runner, service: ServiceSummary, remembered: Set<string>, walkRoot: RootWalk): Promise<UnitStatus> {
  const { unit } = service;
  let audit: AuditReport | undefined;
  let note: string | undefined;
  if (!isRunningState(service.activeState)) note = `not running (${service.activeState})`;
  else {
    try {
      audit = auditSnapshot(await snapshotService(runner, unit, walkRoot));
    } catch (err) {
      // One service that stopped, or could not be read, leaves the others' rows as they are.
      note = err instanceof ViewError ? err.message : `could not be looked into: ${(err as Error).message}`;
    }
  }
  // A memory without install.json is an install that never finished (src/systemd/memory.ts).
  const bindscoutProfile =
    service.dropInPaths.includes(`${INSTALL_DIR}/${unit}.d/${DEFAULT_DROPIN_NAME}`) ||
    (remembered.has(unit) && (await runner.readFile(`${memoryDir(unit)}/install.json`)) !== undefined);
  let driftFindings: number | null = null;
  let drifted = false;
  if (bindscoutProfile) {
    // The same judgement as `bindscout check UNIT`, with the audit just made instead of a second look.
    const namespace = async () => (audit === undefined ? [] : auditFindings(audit, unit));
    try {
      const [checked] = await checkUnits({ units: [unit], dropInName: DEFAULT_DROPIN_NAME }, { runner, audit: namespace });
      driftFindings = checked!.findings.length;
      drifted = driftFindings > 0;
    } catch (err) {
      // An unreadable memory, say: check will say the same, with what to do about it.
      drifted = true;
      note = `${note === undefined ? '' : `${note}; `}check failed: ${(err as Error).message}`;
    }
  }
  const state = profileState({ ...service, bindscoutProfile, drifted });
  const exposure = audit === undefined ? null : statusExposure(exposureOf(audit));
  return {
    unit,
    state,
    next: nextCommand(unit, state, exposure),
    exposure,
    active: service.activeState,
    unitFile: service.unitFileState,
    driftFindings,
    ...(note !== undefined ? { note } : {}),
  };
}

/** The host name as the systemd looked at sees it: uname in its namespaces. */
async function hostName(runner: Runner): Promise<string> {
  const result = await runner.run('uname', ['-n']);
  return result.exitCode === 0 ? result.stdout.trim() : '';
}

/** `fn` over `items`, at most `limit` at a time, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
