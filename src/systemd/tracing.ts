/**
 * Installs and removes the tracing drop-in. It lives under /run/systemd/system/UNIT.d/ so that a
 * reboot removes it even when bindscout is killed, and after removal `systemctl cat UNIT` is what it
 * was before.
 */
import {
  buildTracingDropIn,
  CREATED_DIR_MARKER,
  TRACING_DROPIN_GLOB,
  TRACING_DROPIN_NAME,
  type TracingDropInOptions,
} from '../unit-file/tracing-dropin.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { Runner } from './runner.js';
import { loadUnit, systemctl, UnitError, type LoadedUnit } from './unit.js';

export const RUNTIME_UNIT_DIR = '/run/systemd/system';

export function dropInDir(unit: UnitName): string {
  return `${RUNTIME_UNIT_DIR}/${unit}.d`;
}

export function tracingDropInPath(unit: UnitName): string {
  return `${dropInDir(unit)}/${TRACING_DROPIN_NAME}`;
}

export async function daemonReload(runner: Runner): Promise<void> {
  const result = await systemctl(runner, ['daemon-reload']);
  if (result.exitCode !== 0) {
    throw new UnitError('', result.failedToStart ?? `systemctl daemon-reload failed: ${result.stderr.trim()}`, 'systemctl');
  }
}

export interface InstalledTracing {
  path: string;
  text: string;
  notes: string[];
  /** The unit as systemd sees it with the drop-in in place. */
  unit: LoadedUnit;
}

/**
 * Writes the drop-in for `unit` (as loaded before, without any bindscout drop-in) and reloads systemd.
 * A drop-in left by an earlier run is replaced: the unit must be clean when it is read, so pass a
 * unit loaded after `removeTracing`.
 */
export async function installTracing(
  runner: Runner,
  unit: LoadedUnit,
  options: Omit<TracingDropInOptions, 'createdDir'> = {},
): Promise<InstalledTracing> {
  const path = tracingDropInPath(unit.Id);
  if (unit.DropInPaths.includes(path)) {
    throw new UnitError(unit.Id, `${path} is already in place; remove it before reading the unit`, 'error');
  }
  const dir = dropInDir(unit.Id);
  const createdDir = (await runner.readdir(dir)) === undefined;
  const { text, notes } = buildTracingDropIn(unit, { ...options, createdDir });
  if (createdDir) await runner.mkdirp(dir);
  await runner.writeFileAtomic(path, text, 0o644);
  try {
    await daemonReload(runner);
    const loaded = await loadUnit(runner, unit.Id);
    if (!loaded.DropInPaths.includes(path)) {
      throw new UnitError(unit.Id, `systemd did not pick up ${path} (DropInPaths=${loaded.DropInPaths.join(' ')})`, 'error');
    }
    return { path, text, notes, unit: loaded };
  } catch (err) {
    await removeTracing(runner, unit.Id).catch(() => undefined);
    throw err;
  }
}

export interface RemovedTracing {
  removed: boolean;
  removedDir: boolean;
}

/** Removes the drop-in (and the directory when bindscout created it and it is empty) and reloads systemd. */
export async function removeTracing(runner: Runner, unit: UnitName): Promise<RemovedTracing> {
  const path = tracingDropInPath(unit);
  const content = await runner.readFile(path);
  const createdDir = content !== undefined && content.toString('utf8').split('\n').includes(CREATED_DIR_MARKER);
  const removed = await runner.removeFile(path);
  const removedDir = createdDir ? await runner.removeEmptyDir(dropInDir(unit)) : false;
  if (removed) await daemonReload(runner);
  return { removed, removedDir };
}

/** Every bindscout drop-in left under /run/systemd/system (a run that was killed), as full paths. */
export async function findStaleTracing(runner: Runner): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await runner.readdir(RUNTIME_UNIT_DIR)) ?? []) {
    if (!entry.endsWith('.d')) continue;
    for (const file of (await runner.readdir(`${RUNTIME_UNIT_DIR}/${entry}`)) ?? []) {
      if (TRACING_DROPIN_GLOB.test(file)) found.push(`${RUNTIME_UNIT_DIR}/${entry}/${file}`);
    }
  }
  return found;
}
