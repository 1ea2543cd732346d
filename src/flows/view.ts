/**
 * `bindscout view UNIT`: what a running service sees of the filesystem, compared with the host, and
 * the audit of it. Returns data; the table is the command's business.
 */
import type { AuditReport } from '../core/checks/audit.js';
import { auditSnapshot, snapshotService, summarizeView, walk, type ServiceView } from '../systemd/view.js';
import type { Runner } from '../systemd/runner.js';
import type { UnitName } from '../core/unit-file/unit-name.js';

export { ViewError } from '../systemd/view.js';

export async function viewService(runner: Runner, unit: UnitName): Promise<ServiceView & { audit: AuditReport }> {
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
  return { ...view, audit: auditSnapshot(snapshot) };
}
