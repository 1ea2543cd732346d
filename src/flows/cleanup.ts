/**
 * What a killed bindscout can leave behind, found and removed: tracing and candidate drop-ins under
 * /run/systemd/system/UNIT.d/, locks of processes that are gone, `profile --trace` runtime units, and
 * links in /run into a private /run that no unit has any more.
 * A unit that still runs under a removed drop-in (under strace, or a candidate) is restarted, so that
 * it runs its own configuration again.
 */
import { PRIVATE_RUN_SUFFIX, privateRunName } from '../profile/shared-run.js';
import { TRACING_DROPIN_GLOB } from '../unit-file/tracing-dropin.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import { hostLinksInRun, removeLinks } from '../systemd/host-links.js';
import { systemctl } from '../systemd/unit.js';
import { isRunning, LOCK_DIR, unitJob, unitState } from '../systemd/control.js';
import type { Runner } from '../systemd/runner.js';
import { RUNTIME_UNIT_PREFIX } from '../systemd/trace-run.js';
import { daemonReload, RUNTIME_UNIT_DIR } from '../systemd/tracing.js';

export interface CleanupReport {
  removed: string[];
  restarted: string[];
  /** Leftovers of a bindscout that is still running: not touched. */
  inUse: string[];
}

const PROFILE_UNIT = new RegExp(`^${RUNTIME_UNIT_PREFIX}.+\\.service$`);

export async function cleanupLeftovers(runner: Runner, alive: (pid: number) => boolean): Promise<CleanupReport> {
  const report: CleanupReport = { removed: [], restarted: [], inUse: [] };
  const liveLocks = new Set<string>();
  for (const file of (await runner.readdir(LOCK_DIR)) ?? []) {
    if (!file.endsWith('.lock')) continue;
    const path = `${LOCK_DIR}/${file}`;
    const pid = Number((await runner.readFile(path))?.toString('utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      liveLocks.add(file.slice(0, -'.lock'.length));
      report.inUse.push(path);
      continue;
    }
    if (await runner.removeFile(path)) report.removed.push(path);
  }

  const touched = new Set<string>();
  for (const entry of (await runner.readdir(RUNTIME_UNIT_DIR)) ?? []) {
    if (entry.endsWith('.d')) {
      const unit = entry.slice(0, -2);
      const ours = ((await runner.readdir(`${RUNTIME_UNIT_DIR}/${entry}`)) ?? []).filter((f) => TRACING_DROPIN_GLOB.test(f));
      if (ours.length === 0) continue;
      if (liveLocks.has(unit)) {
        report.inUse.push(...ours.map((f) => `${RUNTIME_UNIT_DIR}/${entry}/${f}`));
        continue;
      }
      for (const file of ours) {
        if (await runner.removeFile(`${RUNTIME_UNIT_DIR}/${entry}/${file}`)) report.removed.push(`${RUNTIME_UNIT_DIR}/${entry}/${file}`);
      }
      await runner.removeEmptyDir(`${RUNTIME_UNIT_DIR}/${entry}`);
      touched.add(unit);
    } else if (PROFILE_UNIT.test(entry)) {
      // A `profile --trace` that is still running has its unit active: leave it to finish.
      if (isRunning(await unitState(runner, parseUnitName(entry)))) {
        report.inUse.push(`${RUNTIME_UNIT_DIR}/${entry}`);
        continue;
      }
      if (await runner.removeFile(`${RUNTIME_UNIT_DIR}/${entry}`)) report.removed.push(`${RUNTIME_UNIT_DIR}/${entry}`);
    }
  }
  if (report.removed.length > 0) await daemonReload(runner);
  report.removed.push(...(await removeOrphanHostLinks(runner, liveLocks)));
  // Names read from /run: made UnitNames here, where they come in.
  for (const unit of [...touched].sort().map(parseUnitName)) {
    if (!isRunning(await unitState(runner, unit))) continue;
    const job = await unitJob(runner, 'restart', unit, 120_000);
    if (job.exitCode === 0) report.restarted.push(unit);
  }
  return report;
}

/**
 * Links in /run into a private /run (src/profile/shared-run.ts) that no unit uses any more: left by a
 * killed discover, or by a profile removed by hand without its links. A link is kept while its unit
 * (the private /run is named after it) has that RuntimeDirectory=, or while a discover of it runs.
 */
async function removeOrphanHostLinks(runner: Runner, liveLocks: Set<string>): Promise<string[]> {
  const removed: string[] = [];
  const byPrivateRun = await hostLinksInRun(runner);
  for (const privateRun of [...byPrivateRun.keys()].sort()) {
    const unit = `${privateRun.slice(0, -PRIVATE_RUN_SUFFIX.length)}.service`;
    if (privateRunName(unit) !== privateRun || liveLocks.has(unit)) continue;
    const shown = await systemctl(runner, ['show', '-p', 'RuntimeDirectory', '--value', '--', unit]);
    if (shown.stdout.split(/\s+/).includes(privateRun)) continue;
    removed.push(...(await removeLinks(runner, byPrivateRun.get(privateRun)!, privateRun, () => undefined)));
  }
  return removed;
}
