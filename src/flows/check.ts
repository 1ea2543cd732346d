/**
 * `bindscout check UNIT…`: does the installed profile still fit, without starting or stopping
 * anything? Reads the unit as systemd has it now, the host's files, the Exec programs' closures and
 * what discover remembered at install, and returns the findings (src/core/drift.ts judges them).
 */
import { auditFinding, driftFails, judgeDrift, type DriftFinding } from '../core/drift.js';
import type { ExecClosure } from '../core/elf.js';
import { execPrograms, parseUnitText, UnitSettings } from '../core/lint.js';
import { validateUnitName } from '../core/unitfile.js';
import { findOnDefaultPath, resolveExecClosure, runnerElfReader } from '../host/elf.js';
import { isRunning, unitState } from '../systemd/control.js';
import { packageVersions, recallInstall } from '../systemd/memory.js';
import type { Runner } from '../systemd/runner.js';
import { catUnit, loadUnit } from '../systemd/unit.js';
import { runnerFsView } from '../systemd/view.js';
import { INSTALL_DIR } from './discover-loop.js';

export const DEFAULT_DROPIN_NAME = 'bindscout.conf';

/** The namespace audit of a running service (least privilege), when one is available. */
export type NamespaceAudit = (runner: Runner, unit: string, mainPid: number) => Promise<{ message: string; fix: string }[]>;

export interface CheckOptions {
  units: string[];
  /** The drop-in name discover was given (--name), when nothing was remembered. */
  dropInName: string;
}

export interface CheckDeps {
  runner: Runner;
  audit?: NamespaceAudit;
}

export interface UnitCheck {
  unit: string;
  /** ok: a restart works and the profile is as strong as installed. */
  fits: boolean;
  dropIn: string;
  installedAt: string | null;
  running: boolean;
  findings: DriftFinding[];
}

export async function checkUnits(options: CheckOptions, deps: CheckDeps): Promise<UnitCheck[]> {
  const names = options.units.map((u) => validateUnitName(u));
  const results: UnitCheck[] = [];
  for (const name of names) results.push(await checkUnit(name, options, deps));
  return results;
}

async function checkUnit(requested: string, options: CheckOptions, deps: CheckDeps): Promise<UnitCheck> {
  const { runner } = deps;
  const unit = await loadUnit(runner, requested);
  const name = unit.Id || requested;
  const remembered = await recallInstall(runner, name);
  const dropIn = remembered?.dropIn ?? `${INSTALL_DIR}/${name}.d/${options.dropInName}`;
  const catText = await catUnit(runner, name);
  const fs = runnerFsView(runner);
  const reader = runnerElfReader(runner);
  const closures = new Map<string, ExecClosure>();
  const programPaths: string[] = [];
  for (const program of execPrograms(new UnitSettings(parseUnitText(catText, name)))) {
    const path = findOnDefaultPath(program, (p) => fs.lstat(p) !== undefined);
    if (path === undefined) continue;
    programPaths.push(path);
    closures.set(program, await resolveExecClosure(path, reader));
  }
  const packages = remembered?.packages?.length ? await packageVersions(runner, programPaths) : undefined;
  const findings = judgeDrift({
    unit: name,
    catText,
    dropIn,
    ...(remembered ? { remembered } : {}),
    fs,
    closures,
    ...(packages ? { packages } : {}),
  });

  const state = await unitState(runner, name);
  const running = isRunning(state);
  const mainPid = Number(state.MainPID);
  if (running && deps.audit && mainPid > 0 && !findings.some((f) => f.check === 'profile-missing')) {
    for (const violation of await deps.audit(runner, name, mainPid)) findings.push(auditFinding(violation.message, violation.fix));
  }
  return { unit: name, fits: !driftFails(findings), dropIn, installedAt: remembered?.installedAt ?? null, running, findings };
}
