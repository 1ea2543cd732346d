/**
 * `bindscout lint TARGET…`: installed units (as `systemctl cat` shows them) and unit files, checked
 * before they are started. Returns the findings; printing them is the command's business.
 */
import type { ExecClosure } from '../profile/elf.js';
import type { FsView } from '../core/fsview.js';
import { execPrograms } from '../unit-file/exec-programs.js';
import { lintUnit, type Finding } from '../checks/lint.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import type { UnitOrFile } from '../unit-file/unit-name.js';
import { UNIT_TEXT_HINT, whyNotUnitText } from '../unit-file/unit-syntax.js';
import { InputError } from '../errors.js';
import { findOnDefaultPath, resolveExecClosure, tolerantReader, type ElfFileReader } from '../host/elf.js';
import type { Runner } from '../systemd/runner.js';
import { catUnit } from '../systemd/unit.js';

export interface LintedTarget {
  target: string;
  kind: 'unit' | 'file';
  findings: Finding[];
  /** False when the text has no [Service] settings: no lockdown to check, which is not "no problems". */
  checked: boolean;
}

function hasServiceSettings(text: string, file: string): boolean {
  return new UnitSettings(parseUnitText(text, file)).service.length > 0;
}

export async function lintText(text: string, file: string, fs: FsView, reader: ElfFileReader): Promise<Finding[]> {
  const settings = new UnitSettings(parseUnitText(text, file));
  const closures = new Map<string, ExecClosure>();
  for (const program of execPrograms(settings)) {
    const path = findOnDefaultPath(program, (path) => fs.lstat(path) !== undefined);
    if (path === undefined) continue;
    closures.set(program, await resolveExecClosure(path, reader));
  }
  return lintUnit(settings, { fs, closures });
}

/**
 * `runner` reads the units, and its files decide whether bind sources exist, for unit files too: a
 * unit file is meant for the machine that systemd runs on.
 */
export async function lintTargets(
  targets: UnitOrFile[],
  runner: Runner,
  readFile: (path: string) => Promise<string>,
): Promise<LintedTarget[]> {
  const fs = runner.fsView();
  const reader = tolerantReader(runner);
  const results: LintedTarget[] = [];
  for (const target of targets) {
    if ('file' in target) {
      const text = await readFile(target.file);
      const notUnit = whyNotUnitText(text);
      if (notUnit !== undefined)
        throw new InputError(`${target.file} is not a unit file: ${notUnit}`, UNIT_TEXT_HINT);
      results.push({ target: target.file, kind: 'file', findings: await lintText(text, target.file, fs, reader), checked: hasServiceSettings(text, target.file) });
      continue;
    }
    const text = await catUnit(runner, target.unit);
    results.push({ target: target.unit, kind: 'unit', findings: await lintText(text, target.unit, fs, reader), checked: hasServiceSettings(text, target.unit) });
  }
  return results;
}
