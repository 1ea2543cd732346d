/**
 * When a traced start gives no trace: what the unit does with its output, so that the admin knows
 * where the lines went. Pure: the unit's `systemctl show` properties come in, words go out.
 */
import type { UnitInfo } from './unitfile.js';

/** Output-related settings of the unit that can keep strace's stderr out of the journal, as `Key=value`. */
export function outputSettings(unit: UnitInfo): string[] {
  const shown: string[] = [];
  for (const key of ['StandardOutput', 'StandardError', 'LogLevelMax', 'LogNamespace']) {
    const value = unit.properties.get(key)?.join(' ').trim() ?? '';
    if (value === '' || (key === 'LogLevelMax' && value === '-1')) continue;
    shown.push(`${key}=${value}`);
  }
  return shown;
}

/**
 * The error for a traced start that worked but yielded no strace line: nothing can be proposed from
 * nothing. (A start that failed is reported as such first: the unit has to work before it is profiled.)
 */
export function lostTraceError(unit: UnitInfo): { message: string; hint: string } {
  const settings = outputSettings(unit);
  return {
    message:
      `a traced start of ${unit.Id} produced no strace output in the journal: ` +
      `there is nothing to build a profile from${settings.length > 0 ? ` (the unit's output settings: ${settings.join(', ')})` : ''}`,
    hint:
      `look for strace lines with: journalctl -u ${unit.Id} -n 50; ` +
      'the trace goes to the journal through the unit\'s stderr: a LogNamespace= or a journald that drops messages keeps it away',
  };
}
