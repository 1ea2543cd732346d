/**
 * `bindscout view UNIT`: what a running service sees of the filesystem, compared with the host.
 * Returns data; the table is the command's business.
 */
import { parseMountinfo, parseStatus } from '../core/procfs.js';
import { summarizeView, walk, type ServiceView } from '../systemd/view.js';
import type { Runner } from '../systemd/runner.js';
import { loadUnit } from '../systemd/unit.js';

export class ViewError extends Error {
  constructor(
    message: string,
    readonly unit: string,
    readonly reason: 'not-running' | 'gone',
  ) {
    super(message);
    this.name = 'ViewError';
  }
}

export async function viewService(runner: Runner, unit: string): Promise<ServiceView> {
  const info = await loadUnit(runner, unit);
  const pid = info.MainPID;
  if (!pid) {
    const message = `${info.Id} has no main process (ActiveState=${info.ActiveState}): start it first`;
    throw new ViewError(message, unit, 'not-running');
  }
  const status = await runner.readFile(`/proc/${pid}/status`);
  const mountinfo = await runner.readFile(`/proc/${pid}/mountinfo`);
  if (status === undefined || mountinfo === undefined) {
    throw new ViewError(`process ${pid} of ${info.Id} is gone`, unit, 'gone');
  }
  const [seen, host] = [await walk(runner, `/proc/${pid}/root`), await walk(runner, '/')];
  return summarizeView({
    unit: info.Id,
    pid,
    seen,
    host,
    mounts: parseMountinfo(mountinfo.toString('utf8')),
    credentials: parseStatus(status.toString('utf8')),
  });
}
