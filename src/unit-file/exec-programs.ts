/** The programs a unit's Exec*= lines run: from the unit's text (lint, profile) or as systemd loaded it (discover). */
import type { UnitInfo } from './unitfile.js';
import { splitExecPrefixes, splitFirstWord } from './unitfile.js';
import { splitWords, type UnitSettings } from './unit-settings.js';

/** The program an Exec*= line runs, as written (before PATH search), or undefined when not knowable. */
export function execProgram(value: string): string | undefined {
  const { command } = splitExecPrefixes(value);
  const word = splitWords(splitFirstWord(command).word)[0];
  if (word === undefined || word === '' || /[$%]/.test(word.replace(/%%/g, ''))) return undefined;
  return word.replace(/%%/g, '%');
}

/** The programs whose closures the exec-not-visible check needs. */
export function execPrograms(settings: UnitSettings): string[] {
  return [
    ...new Set(
      settings
        .exec()
        .map((e) => execProgram(e.at.value))
        .filter((p): p is string => p !== undefined),
    ),
  ];
}

/**
 * Exec*= programs of a loaded unit (systemd's resolved path, else the first word), absolute ones only.
 * `+` lines run outside the unit's namespace: their programs need nothing bound.
 */
export function execProgramsOf(unit: UnitInfo): string[] {
  const programs = new Set<string>();
  for (const line of unit.exec.filter((l) => !l.prefixes.includes('+'))) {
    const word = line.shown?.path ?? line.command.trim().split(/\s+/)[0];
    if (word?.startsWith('/')) programs.add(word);
  }
  return [...programs];
}
