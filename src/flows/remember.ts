/**
 * After discover installed a profile: keep what it was made from (src/systemd/memory.ts), so that
 * `check` can tell what changed since and a later discover can start from it.
 */
import type { AccessJson } from '../core/report.js';
import { execPrograms, parseUnitText, UnitSettings } from '../core/lint.js';
import { findOnDefaultPath } from '../host/elf.js';
import { packageVersions, rememberInstall } from '../systemd/memory.js';
import type { Runner } from '../systemd/runner.js';
import { catUnit } from '../systemd/unit.js';
import { runnerFsView } from '../systemd/view.js';

/** Version of the accesses report kept in memory (and of analyze --json's `accesses`). */
export const ACCESSES_SCHEMA_VERSION = 1;

export async function rememberDiscovery(
  runner: Runner,
  unit: string,
  installed: { path: string; text: string },
  accesses: AccessJson[],
  now: Date = new Date(),
): Promise<string> {
  const unitConfig = await catUnit(runner, unit);
  const fs = runnerFsView(runner);
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
  });
}
