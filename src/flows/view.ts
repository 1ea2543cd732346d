/**
 * `bindscout view UNIT`: what a running service sees of the filesystem, compared with the host, and
 * the audit of it. Returns data; the table is the command's business.
 */
import { exposureOf, type AuditReport, type Exposure } from '../checks/audit.js';
import { recallInstall } from '../systemd/memory.js';
import { auditSnapshot, snapshotService, summarizeView, walk, type ServiceView } from '../systemd/view.js';
import type { Runner } from '../systemd/runner.js';
import type { UnitName } from '../unit-file/unit-name.js';

export { ViewError } from '../systemd/view.js';

export interface ViewReport extends ServiceView {
  audit: AuditReport;
  /**
   * The audit's numbers on the unit as discover found it (remembered at install; null without a
   * memory) and now: what the lockdown took away.
   */
  exposure: { before: Exposure | null; beforeMeasured: string | null; now: Exposure };
}

export async function viewService(runner: Runner, unit: UnitName): Promise<ViewReport> {
  const snapshot = await snapshotService(runner, unit);
  const host = await walk(runner, '/');
  const view = summarizeView({
    unit: snapshot.unit.Id,
    pid: snapshot.pid,
    seen: snapshot.seen,
    host,
    mounts: snapshot.mounts,
    credentials: snapshot.credentials,
  });
  const audit = auditSnapshot(snapshot);
  // Only the comparison depends on the memory: an unreadable one leaves the view as it is.
  const memory = await recallInstall(runner, unit).catch(() => undefined);
  const before = memory?.exposureBefore ?? null;
  return { ...view, audit, exposure: { before, beforeMeasured: before ? memory!.installedAt : null, now: exposureOf(audit) } };
}
