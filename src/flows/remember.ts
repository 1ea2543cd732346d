/**
 * After discover installed a profile: keep what it was made from (src/systemd/memory.ts), so that
 * `check` can tell what changed since and a later discover can start from it.
 */
import type { AccessJson } from '../profile/report.js';
import type { Exposure } from '../checks/audit.js';
import { earlierAccesses, earlierGrants, type EarlierObservation, type ObservationDifference } from '../checks/earlier.js';
import type { Memory } from '../systemd/memory.js';
import { execPrograms } from '../unit-file/exec-programs.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import { findOnDefaultPath } from '../host/elf.js';
import { packageVersions, rememberInstall } from '../systemd/memory.js';
import type { Runner } from '../systemd/runner.js';
import { catUnit } from '../systemd/unit.js';
import type { UnitName } from '../unit-file/unit-name.js';

/** Version of the accesses report kept in memory (and of analyze --json's `accesses`). */
export const ACCESSES_SCHEMA_VERSION = 1;

export async function rememberDiscovery(
  runner: Runner,
  unit: UnitName,
  installed: { path: string; text: string },
  accesses: AccessJson[],
  exposureBefore?: Exposure,
  now: Date = new Date(),
): Promise<string> {
  const unitConfig = await catUnit(runner, unit);
  const fs = runner.fsView();
  const programs = execPrograms(new UnitSettings(parseUnitText(unitConfig, unit)))
    .map((p) => findOnDefaultPath(p, (path) => fs.lstat(path) !== undefined))
    .filter((p): p is string => p !== undefined);
  const installedAt = now.toISOString();
  return rememberInstall(runner, {
    unit,
    installedAt,
    dropIn: installed.path,
    profile: installed.text,
    unitConfig,
    packages: await packageVersions(runner, [...new Set(programs)]),
    accesses: JSON.stringify({ schemaVersion: ACCESSES_SCHEMA_VERSION, unit, observedAt: installedAt, accesses }, null, 2) + '\n',
    ...(exposureBefore ? { exposureBefore } : {}),
  });
}

export function earlierObservation(memory: Memory): EarlierObservation {
  return { when: memory.installedAt, accesses: earlierAccesses(memory.accesses), grants: earlierGrants(memory.profile, memory.installedAt) };
}

/** Only what changed since the earlier observation, for the admin (progress lines). */
export function describeDifference(diff: ObservationDifference, when: string): string[] {
  const list = (paths: string[]) => (paths.length > 6 ? `${paths.slice(0, 6).join(', ')} and ${paths.length - 6} more` : paths.join(', '));
  const lines: string[] = [];
  if (diff.newPaths.length > 0) lines.push(`new since ${when}: ${diff.newPaths.length} path(s): ${list(diff.newPaths)}`);
  if (diff.notUsedNow.length > 0) lines.push(`not used in this run (still granted, from the earlier observation): ${list(diff.notUsedNow)}`);
  if (diff.gone.length > 0) lines.push(`used or granted earlier, gone from this host, no longer bound: ${list(diff.gone)}`);
  if (diff.addedGrants.length > 0) lines.push(`bound now and not by the earlier profile: ${list(diff.addedGrants)}`);
  if (lines.length === 0) lines.push(`nothing changed since the earlier observation (${when})`);
  return lines;
}
