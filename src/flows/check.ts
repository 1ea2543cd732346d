/**
 * `bindscout check UNIT…`: does the installed profile still fit, without starting or stopping
 * anything? Reads the unit as systemd has it now, the host's files, the Exec programs' closures and
 * what discover remembered at install, and returns the findings (src/checks/drift.ts judges them).
 */
import { auditFinding, driftFails, judgeDrift, type DriftFinding } from '../checks/drift.js';
import type { ExecClosure } from '../profile/elf.js';
import { describeViolation, type AuditReport, type Violation } from '../checks/audit.js';
import { execPrograms } from '../unit-file/exec-programs.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import type { UnitName } from '../unit-file/unit-name.js';
import { tmpfilesPath } from '../profile/shared-run.js';
import { findOnDefaultPath, resolveExecClosure, tolerantReader } from '../host/elf.js';
import { isRunning, unitState } from '../systemd/control.js';
import { packageVersions, recallInstall } from '../systemd/memory.js';
import type { Runner } from '../systemd/runner.js';
import { catUnit, loadUnit } from '../systemd/unit.js';
import { auditRunningService, ViewError } from '../systemd/view.js';
import { INSTALL_DIR } from './discover-loop.js';

export const DEFAULT_DROPIN_NAME = 'bindscout.conf';

/** The namespace audit of a running service (least privilege), when one is available. */
export type NamespaceAudit = (runner: Runner, unit: UnitName, mainPid: number) => Promise<{ message: string; fix: string }[]>;

/**
 * The namespace audit `view` and discover run, for check: what the running service can write, connect
 * to or read that is not its own, each as a finding with the change that removes it.
 */
export const auditRunningNamespace: NamespaceAudit = async (runner, unit) => {
  try {
    return auditFindings(await auditRunningService(runner, unit), unit);
  } catch (err) {
    // Stopped between the state and the look inside: there is no namespace to audit.
    if (err instanceof ViewError) return [];
    throw err;
  }
};

/** An audit already made, as check's findings: each violation with the change that removes it. */
export function auditFindings(report: AuditReport, unit: string): { message: string; fix: string }[] {
  return report.violations.map((v) => ({ message: `audit: ${describeViolation(v)}`, fix: violationFix(v, unit) }));
}

function violationFix(v: Violation, unit: string): string {
  const host = v.hostPath ?? v.path;
  switch (v.kind) {
    case 'writable':
      return `bind ${host} with BindReadOnlyPaths= instead of BindPaths= (or not at all) unless ${unit} owns it; bindscout view ${unit} shows the whole audit`;
    case 'socket':
      return `remove the bind that brings ${host} into ${unit}'s namespace, or re-run: bindscout discover ${unit}`;
    case 'secret':
      return `remove ${host} from the profile's binds, or bind only the files ${unit} reads; bindscout view ${unit} shows the whole audit`;
  }
}

export interface CheckOptions {
  units: UnitName[];
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
  const results: UnitCheck[] = [];
  for (const name of options.units) results.push(await checkUnit(name, options, deps));
  return results;
}

async function checkUnit(requested: UnitName, options: CheckOptions, deps: CheckDeps): Promise<UnitCheck> {
  const { runner } = deps;
  const unit = await loadUnit(runner, requested);
  const name = unit.Id;
  const remembered = await recallInstall(runner, name);
  const dropIn = remembered?.dropIn ?? `${INSTALL_DIR}/${name}.d/${options.dropInName}`;
  const catText = await catUnit(runner, name);
  const fs = runner.fsView();
  const reader = tolerantReader(runner);
  const closures = new Map<string, ExecClosure>();
  const programPaths: string[] = [];
  for (const program of execPrograms(new UnitSettings(parseUnitText(catText, name)))) {
    const path = findOnDefaultPath(program, (p) => fs.lstat(p) !== undefined);
    if (path === undefined) continue;
    programPaths.push(path);
    closures.set(program, await resolveExecClosure(path, reader));
  }
  const packages = remembered?.packages?.length ? await packageVersions(runner, programPaths) : undefined;
  const tmpfiles = tmpfilesPath(name);
  const findings = judgeDrift({
    unit: name,
    tmpfiles: { path: tmpfiles, text: (await runner.readFile(tmpfiles))?.toString('utf8') },
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
