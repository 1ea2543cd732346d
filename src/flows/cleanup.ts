/**
 * What a killed bindscout can leave behind, found and removed: tracing and candidate drop-ins under
 * /run/systemd/system/UNIT.d/, locks of processes that are gone, and `profile --trace` runtime units.
 * A unit that still runs under a removed drop-in (under strace, or a candidate) is restarted, so that
 * it runs its own configuration again.
 */
import { privateRunName } from '../core/shared-run.js';
import { TRACING_DROPIN_GLOB } from '../core/tracing-dropin.js';
import { removeHostLinks } from '../systemd/host-links.js';
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
      if (isRunning(await unitState(runner, entry))) {
        report.inUse.push(`${RUNTIME_UNIT_DIR}/${entry}`);
        continue;
      }
      if (await runner.removeFile(`${RUNTIME_UNIT_DIR}/${entry}`)) report.removed.push(`${RUNTIME_UNIT_DIR}/${entry}`);
    }
  }
  if (report.removed.length > 0) await daemonReload(runner);
  for (const unit of [...touched].sort()) {
    // A candidate's links into its private /run, unless an installed profile still uses that /run.
    const privateRun = privateRunName(unit);
    const runtimeDirs = (await systemctl(runner, ['show', '-p', 'RuntimeDirectory', '--value', '--', unit])).stdout.split(/\s+/);
    if (!runtimeDirs.includes(privateRun)) report.removed.push(...(await removeHostLinks(runner, privateRun, () => undefined)));
  }
  for (const unit of [...touched].sort()) {
    if (!isRunning(await unitState(runner, unit))) continue;
    const job = await unitJob(runner, 'restart', unit, 120_000);
    if (job.exitCode === 0) report.restarted.push(unit);
  }
  return report;
}
