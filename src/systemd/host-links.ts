/**
 * The links a private /run leaves in the host's /run (src/profile/shared-run.ts): made and removed by the
 * profile's own ExecStartPre=/ExecStopPost= while it is installed, and removed here when a candidate
 * that had them is taken away without a stop under it (discover's restore, cleanup after a kill).
 */
import { isPrivateRunLinkTarget, PRIVATE_RUN_SUFFIX } from '../profile/shared-run.js';
import type { Runner } from './runner.js';

/** /run's symlinks into a private /run, by the private /run they lead into (one look at /run). */
export async function hostLinksInRun(runner: Runner): Promise<Map<string, string[]>> {
  const found = new Map<string, string[]>();
  for (const entry of (await runner.readdir('/run')) ?? []) {
    const link = `/run/${entry}`;
    const target = await runner.readlink(link);
    if (target === undefined) continue;
    const privateRun = target.split('/')[0];
    if (!privateRun.endsWith(PRIVATE_RUN_SUFFIX) || !isPrivateRunLinkTarget(target, privateRun)) continue;
    found.set(privateRun, [...(found.get(privateRun) ?? []), link]);
  }
  return found;
}

/** Removes /run's symlinks into /run/PRIVATE_RUN; returns those removed. */
export async function removeHostLinks(runner: Runner, privateRun: string, log: (message: string) => void): Promise<string[]> {
  return removeLinks(runner, (await hostLinksInRun(runner)).get(privateRun) ?? [], privateRun, log);
}

export async function removeLinks(runner: Runner, links: string[], privateRun: string, log: (message: string) => void): Promise<string[]> {
  const removed: string[] = [];
  for (const link of links) {
    if (await runner.removeFile(link)) removed.push(link);
    else log(`could not remove ${link}, a link into /run/${privateRun}: remove it by hand`);
  }
  return removed;
}
