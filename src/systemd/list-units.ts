/**
 * Service units systemd knows: their names for shell completion, and for `status` what it needs of
 * each running or enabled one, in three systemctl calls whatever the number of units.
 */
import { parseShowUnits } from '../unit-file/unitfile.js';
import { parseUnitName, type UnitName } from '../unit-file/unit-name.js';
import type { Runner } from './runner.js';
import { UnitError } from './unit.js';

const LISTINGS = [
  ['list-unit-files', '--type=service', '--no-legend', '--no-pager', '--plain'],
  ['list-units', '--all', '--type=service', '--no-legend', '--no-pager', '--plain'],
];

/** `nginx.service`, `postgresql@15-main.service`…; templates (`getty@.service`) are no unit to name. */
export async function listServiceNames(runner: Runner): Promise<string[]> {
  const names = new Set<string>();
  for (const args of LISTINGS) {
    // A shell waits on completion: an unresponsive systemd must not hang the prompt.
    const result = await runner.run('systemctl', args, { timeoutMs: 3000 });
    if (result.exitCode !== 0) continue;
    serviceNamesIn(result.stdout).forEach((name) => names.add(name));
  }
  return [...names].sort();
}

function serviceNamesIn(listing: string): string[] {
  const out: string[] = [];
  for (const line of listing.split('\n')) {
    const name = line.trim().split(/\s+/)[0];
    if (name !== undefined && name.endsWith('.service') && !name.endsWith('@.service')) out.push(name);
  }
  return out;
}

/** What `status` reads of every service before it looks inside any. */
export interface ServiceSummary {
  unit: UnitName;
  activeState: string;
  subState: string;
  /** enabled, static, disabled…, as `systemctl show -p UnitFileState` says. */
  unitFileState: string;
  mainPid: number;
  dropInPaths: string[];
  temporaryFileSystem: string[];
  rootDirectory: string;
  rootImage: string;
}

export const SUMMARY_PROPERTIES = [
  'Id', 'LoadState', 'ActiveState', 'SubState', 'UnitFileState', 'MainPID', 'DropInPaths', 'TemporaryFileSystem', 'RootDirectory', 'RootImage',
];

const RUNNING_STATES = new Set(['active', 'reloading', 'activating', 'deactivating']);
const ENABLED_STATES = new Set(['enabled', 'enabled-runtime']);

export function isRunningState(activeState: string): boolean {
  return RUNNING_STATES.has(activeState);
}

/**
 * Every loaded service unit that runs or is enabled, by name: one listing of the loaded units, one of
 * the enabled unit files, and one `systemctl show` for all of them together.
 */
export async function listServices(runner: Runner): Promise<ServiceSummary[]> {
  const names = new Set<string>();
  for (const args of [
    ['list-units', '--all', '--type=service', '--no-legend', '--no-pager', '--plain'],
    ['list-unit-files', '--type=service', '--state=enabled,enabled-runtime', '--no-legend', '--no-pager', '--plain'],
  ]) {
    const result = await runner.run('systemctl', args, { timeoutMs: 60_000 });
    if (result.exitCode !== 0) {
      throw new UnitError('', result.failedToStart ?? `systemctl ${args[0]} exited with ${result.exitCode}: ${result.stderr.trim() || '(no message)'}`, 'systemctl');
    }
    serviceNamesIn(result.stdout).forEach((name) => names.add(name));
  }
  if (names.size === 0) return [];
  // Names systemd printed are valid, but nothing it prints goes on to systemctl unchecked.
  const units = [...names].sort().flatMap((name) => {
    try {
      return [parseUnitName(name)];
    } catch {
      return [];
    }
  });
  const shown = await runner.run('systemctl', ['show', `--property=${SUMMARY_PROPERTIES.join(',')}`, '--', ...units], { timeoutMs: 120_000 });
  if (shown.exitCode !== 0) {
    throw new UnitError('', shown.failedToStart ?? `systemctl show exited with ${shown.exitCode}: ${shown.stderr.trim() || '(no message)'}`, 'systemctl');
  }
  return summariesOf(shown.stdout);
}

/** Pure: `systemctl show` blocks → the loaded services that run or are enabled. */
export function summariesOf(showText: string): ServiceSummary[] {
  const out: ServiceSummary[] = [];
  const seen = new Set<string>();
  for (const props of parseShowUnits(showText)) {
    const one = (key: string) => props.get(key)?.join(' ') ?? '';
    const words = (key: string) => (props.get(key) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
    const id = one('Id');
    // An alias listed beside its unit shows the same Id twice.
    if (one('LoadState') !== 'loaded' || !id.endsWith('.service') || seen.has(id)) continue;
    seen.add(id);
    const activeState = one('ActiveState');
    const unitFileState = one('UnitFileState');
    if (!isRunningState(activeState) && !ENABLED_STATES.has(unitFileState)) continue;
    let unit: UnitName;
    try {
      unit = parseUnitName(id);
    } catch {
      continue;
    }
    const pid = Number.parseInt(one('MainPID'), 10);
    out.push({
      unit,
      activeState,
      subState: one('SubState'),
      unitFileState,
      mainPid: Number.isFinite(pid) ? pid : 0,
      dropInPaths: words('DropInPaths'),
      temporaryFileSystem: words('TemporaryFileSystem'),
      rootDirectory: one('RootDirectory'),
      rootImage: one('RootImage'),
    });
  }
  return out;
}
