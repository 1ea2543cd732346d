/**
 * The links a private /run leaves in the host's /run (src/core/shared-run.ts): made and removed by the
 * profile's own ExecStartPre=/ExecStopPost= while it is installed, and removed here when a candidate
 * that had them is taken away without a stop under it (discover's restore, cleanup after a kill).
 */
import { isPrivateRunLinkTarget } from '../core/shared-run.js';
import type { Runner } from './runner.js';

/** Removes /run's symlinks into /run/PRIVATE_RUN; returns those removed. */
export async function removeHostLinks(runner: Runner, privateRun: string, log: (message: string) => void): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of (await runner.readdir('/run')) ?? []) {
    const link = `/run/${entry}`;
    const target = await runner.readlink(link);
    if (target === undefined || !isPrivateRunLinkTarget(target, privateRun)) continue;
    if (await runner.removeFile(link)) removed.push(link);
    else log(`could not remove ${link}, a link into /run/${privateRun}: remove it by hand`);
  }
  return removed;
}
