/**
 * What systemd says about a unit: `systemctl show` for the effective settings and state, `systemctl
 * cat` for the exact Exec*= text. Both through the Runner, the unit name always as one argv word.
 */
import { parseUnitName, type UnitName } from '../unit-file/unit-name.js';
import { unitInfoFromText, type UnitInfo } from '../unit-file/unitfile.js';
import type { Runner } from './runner.js';

export type { UnitInfo } from '../unit-file/unitfile.js';

export class UnitError extends Error {
  constructor(
    readonly unit: string,
    message: string,
    /** not-found, masked, …: why bindscout cannot work with it. */
    readonly reason: 'not-found' | 'masked' | 'bad-setting' | 'error' | 'systemctl',
  ) {
    super(message);
    this.name = 'UnitError';
  }
}

function failure(what: string, result: { exitCode: number; stderr: string; failedToStart?: string }): string {
  return result.failedToStart ?? `${what} exited with ${result.exitCode}: ${result.stderr.trim() || '(no message)'}`;
}

export async function systemctl(runner: Runner, args: string[], timeoutMs = 120_000) {
  return runner.run('systemctl', args, { timeoutMs });
}

/** `systemctl cat` text, byte for byte, to compare a unit before and after bindscout touched it. */
export async function catUnit(runner: Runner, name: UnitName): Promise<string> {
  const result = await systemctl(runner, ['cat', '--', name]);
  if (result.exitCode !== 0) throw new UnitError(name, failure(`systemctl cat ${name}`, result), 'systemctl');
  return result.stdout;
}

/** A unit systemd has loaded, under the name systemd gives it (an alias's target). */
export type LoadedUnit = UnitInfo & { Id: UnitName };

export async function loadUnit(runner: Runner, name: UnitName): Promise<LoadedUnit> {
  const show = await systemctl(runner, ['show', '--', name]);
  if (show.exitCode !== 0) throw new UnitError(name, failure(`systemctl show ${name}`, show), 'systemctl');
  // cat first needs a loadable unit; show always answers, with LoadState telling why not.
  const partial = unitInfoFromText(show.stdout, '');
  switch (partial.LoadState) {
    case 'loaded':
      break;
    case 'not-found':
      throw new UnitError(name, `unit ${name} not found`, 'not-found');
    case 'masked':
      throw new UnitError(name, `unit ${name} is masked (systemctl unmask ${name} first)`, 'masked');
    case 'bad-setting':
      throw new UnitError(name, `unit ${name} has a bad setting; see: systemctl status ${name}`, 'bad-setting');
    default:
      throw new UnitError(name, `unit ${name} cannot be loaded (LoadState=${partial.LoadState || 'unknown'})`, 'error');
  }
  const cat = await catUnit(runner, name);
  const info = unitInfoFromText(show.stdout, cat);
  return { ...info, Id: info.Id === '' ? name : parseUnitName(info.Id) };
}
