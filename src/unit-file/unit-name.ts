/**
 * Unit names as systemd takes them: which characters, which suffixes, templates and instances, and
 * the `.service` that a bare name implies (as with systemctl).
 */

const UNIT_SUFFIXES = [
  'service', 'socket', 'device', 'mount', 'automount', 'swap', 'target', 'path', 'timer', 'slice', 'scope',
] as const;

/** systemd's UNIT_NAME_MAX. */
const UNIT_NAME_MAX = 255;

const UNIT_NAME_CHARS = /^[A-Za-z0-9:_.\\@-]+$/;

export class UnitNameError extends Error {
  constructor(readonly input: string, reason: string) {
    super(`invalid unit name ${JSON.stringify(input)}: ${reason}`);
    this.name = 'UnitNameError';
  }
}

declare const validated: unique symbol;

/**
 * A unit's full name, valid by systemd's rules. Only parseUnitName makes one, where a name comes in
 * (an argument, a file name under /run, systemd's own answer), so whatever takes a UnitName can hand
 * it to systemctl, journalctl or a path as it is.
 */
export type UnitName = string & { readonly [validated]: true };

/**
 * The full unit name for `name`, or a UnitNameError. A name without a known suffix means a service,
 * as with systemctl (`nginx` → `nginx.service`, `postgresql@15-main` → `postgresql@15-main.service`).
 * Templates without an instance (`foo@.service`) are refused: they cannot be started.
 */
export function parseUnitName(name: string): UnitName {
  if (name.length === 0) throw new UnitNameError(name, 'empty');
  if (!UNIT_NAME_CHARS.test(name)) {
    throw new UnitNameError(name, 'only letters, digits and ":_.\\@-" are allowed');
  }
  // A leading dash would read as an option to every program the name is handed to.
  if (name.startsWith('-') || name.startsWith('.')) throw new UnitNameError(name, 'must not start with "-" or "."');
  const dot = name.lastIndexOf('.');
  const suffix = dot > 0 ? name.slice(dot + 1) : '';
  const full = (UNIT_SUFFIXES as readonly string[]).includes(suffix) ? name : `${name}.service`;
  if (full.length > UNIT_NAME_MAX) throw new UnitNameError(name, `longer than ${UNIT_NAME_MAX} characters`);
  const stem = full.slice(0, full.lastIndexOf('.'));
  if (stem.length === 0) throw new UnitNameError(name, 'no name before the suffix');
  const at = stem.indexOf('@');
  if (at >= 0) {
    if (stem.indexOf('@', at + 1) >= 0) throw new UnitNameError(name, 'more than one "@"');
    if (at === 0) throw new UnitNameError(name, 'no template name before "@"');
    if (at === stem.length - 1) throw new UnitNameError(name, 'a template without an instance cannot be run');
  }
  return full as UnitName;
}

/** What a command is pointed at: an installed unit by its name, or a unit file by its path. */
export type UnitOrFile = { unit: UnitName } | { file: string };
