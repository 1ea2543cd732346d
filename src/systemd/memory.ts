/**
 * What discover remembers about a unit, under /var/lib/bindscout/UNIT/ in systemd's view (so a
 * container's memory stays in the container):
 *
 *   install.json   when, which drop-in, the package versions of the Exec programs, the audit's
 *                  numbers on the unit as discover found it (schemaVersion 1)
 *   profile.conf   the drop-in as installed
 *   unit.conf      `systemctl cat UNIT` right after install
 *   accesses.json  the accesses report the profile was made from (analyze --json's format)
 *
 * All file access goes through the Runner; package versions come from dpkg through it too.
 */
import type { PackageVersion, RememberedInstall } from '../checks/drift.js';
import type { Exposure } from '../checks/audit.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { Runner } from './runner.js';

export const MEMORY_DIR = '/var/lib/bindscout';
export const MEMORY_SCHEMA_VERSION = 1;

export const MEMORY_FILES = ['install.json', 'profile.conf', 'unit.conf', 'accesses.json'] as const;

export function memoryDir(unit: UnitName): string {
  return `${MEMORY_DIR}/${unit}`;
}

export interface Memory extends RememberedInstall {
  unit: UnitName;
  /** The accesses report (JSON text), when one was kept. */
  accesses?: string;
  /** The audit's numbers on the unit as discover found it, before the profile (view's "before"). */
  exposureBefore?: Exposure;
}

export async function rememberInstall(runner: Runner, memory: Memory): Promise<string> {
  const dir = memoryDir(memory.unit);
  await runner.mkdirp(dir);
  const meta = {
    schemaVersion: MEMORY_SCHEMA_VERSION,
    unit: memory.unit,
    installedAt: memory.installedAt,
    dropIn: memory.dropIn,
    packages: memory.packages ?? [],
    ...(memory.exposureBefore ? { exposureBefore: memory.exposureBefore } : {}),
  };
  await runner.writeFileAtomic(`${dir}/profile.conf`, memory.profile);
  await runner.writeFileAtomic(`${dir}/unit.conf`, memory.unitConfig);
  if (memory.accesses !== undefined) await runner.writeFileAtomic(`${dir}/accesses.json`, memory.accesses);
  // Written last: a memory without install.json is incomplete and not read back.
  await runner.writeFileAtomic(`${dir}/install.json`, JSON.stringify(meta, null, 2) + '\n');
  return dir;
}

export class MemoryError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'MemoryError';
  }
}

/** The remembered install of a unit, or undefined when there is none. */
export async function recallInstall(runner: Runner, unit: UnitName): Promise<Memory | undefined> {
  const dir = memoryDir(unit);
  const metaBuf = await runner.readFile(`${dir}/install.json`);
  if (metaBuf === undefined) return undefined;
  let meta: { schemaVersion?: unknown; installedAt?: unknown; dropIn?: unknown; packages?: unknown; exposureBefore?: unknown };
  try {
    meta = JSON.parse(metaBuf.toString('utf8'));
  } catch (err) {
    throw new MemoryError(`${dir}/install.json`, `${dir}/install.json is not valid JSON (${(err as Error).message}); remove it with: bindscout discover --forget ${unit}`);
  }
  if (meta.schemaVersion !== MEMORY_SCHEMA_VERSION || typeof meta.dropIn !== 'string' || typeof meta.installedAt !== 'string') {
    throw new MemoryError(`${dir}/install.json`, `${dir}/install.json has an unknown format (schemaVersion ${String(meta.schemaVersion)}); remove it with: bindscout discover --forget ${unit}`);
  }
  const profile = await runner.readFile(`${dir}/profile.conf`);
  const unitConfig = await runner.readFile(`${dir}/unit.conf`);
  if (profile === undefined || unitConfig === undefined) {
    throw new MemoryError(dir, `the memory under ${dir} is incomplete; remove it with: bindscout discover --forget ${unit}`);
  }
  const accesses = await runner.readFile(`${dir}/accesses.json`);
  return {
    unit,
    installedAt: meta.installedAt,
    dropIn: meta.dropIn,
    profile: profile.toString('utf8'),
    unitConfig: unitConfig.toString('utf8'),
    packages: Array.isArray(meta.packages) ? (meta.packages as PackageVersion[]).filter(isPackageVersion) : [],
    ...(accesses !== undefined ? { accesses: accesses.toString('utf8') } : {}),
    ...(isExposure(meta.exposureBefore) ? { exposureBefore: meta.exposureBefore } : {}),
  };
}

/** Removes the memory of a unit; false when there was none. */
export async function forgetUnit(runner: Runner, unit: UnitName): Promise<boolean> {
  const dir = memoryDir(unit);
  const names = await runner.readdir(dir);
  if (names === undefined) return false;
  for (const name of names) {
    // Only our own files (and leftovers of their atomic writes): anything else stays, and so does the directory.
    if ((MEMORY_FILES as readonly string[]).includes(name) || /^\.(install\.json|profile\.conf|unit\.conf|accesses\.json)\..*\.tmp$/.test(name)) {
      await runner.removeFile(`${dir}/${name}`);
    }
  }
  await runner.removeEmptyDir(dir);
  return true;
}

function isExposure(value: unknown): value is Exposure {
  const v = value as Exposure;
  return typeof v === 'object' && v !== null && [v.outside, v.writable, v.sockets, v.secrets].every((n) => Number.isInteger(n));
}

function isPackageVersion(value: unknown): value is PackageVersion {
  const v = value as PackageVersion;
  return typeof v === 'object' && v !== null && typeof v.path === 'string' && typeof v.package === 'string' && typeof v.version === 'string';
}

/**
 * The Debian package and version of each file, as dpkg knows them now (`dpkg -S`, then
 * `dpkg-query -W`). Files no package owns (a program under /usr/local) are left out; no dpkg, no
 * versions.
 */
export async function packageVersions(runner: Runner, files: string[]): Promise<PackageVersion[]> {
  if (files.length === 0) return [];
  const queried = [...new Set(files.flatMap(mergedUsrAliases))];
  const owners = await runner.run('dpkg', ['-S', '--', ...queried], { timeoutMs: 60_000 });
  if (owners.failedToStart) return [];
  const byFile = new Map<string, string>();
  for (const line of owners.stdout.split('\n')) {
    // "libc6:amd64: /usr/lib/x86_64-linux-gnu/libc.so.6", "diversion by …" lines have no ": /".
    const m = /^([^\s:][^:]*(?::[a-z0-9-]+)?(?:, [^:]+)*): (\/.*)$/.exec(line);
    if (m === null) continue;
    const pkg = m[1].split(', ')[0];
    byFile.set(m[2], pkg);
  }
  const packages = [...new Set(byFile.values())];
  if (packages.length === 0) return [];
  const query = await runner.run('dpkg-query', ['-W', '-f', '${binary:Package}\\t${Version}\\n', '--', ...packages], { timeoutMs: 60_000 });
  const versions = new Map<string, string>();
  for (const line of query.stdout.split('\n')) {
    const [pkg, version] = line.split('\t');
    if (pkg && version) {
      versions.set(pkg, version);
      versions.set(pkg.replace(/:[a-z0-9-]+$/, ''), version);
    }
  }
  const out: PackageVersion[] = [];
  for (const file of files) {
    const pkg = mergedUsrAliases(file).map((f) => byFile.get(f)).find((p) => p !== undefined);
    const version = pkg === undefined ? undefined : (versions.get(pkg) ?? versions.get(pkg.replace(/:[a-z0-9-]+$/, '')));
    if (pkg !== undefined && version !== undefined) out.push({ path: file, package: pkg, version });
  }
  return out;
}

/**
 * The names dpkg may know a file by on a merged-/usr system: packages still list /bin/ls while the
 * PATH search finds /usr/bin/ls (and the reverse for newer packages).
 */
function mergedUsrAliases(file: string): string[] {
  const m = /^(\/usr)?(\/(?:bin|sbin|lib|lib32|lib64|libx32)\/.*)$/.exec(file);
  if (m === null) return [file];
  return m[1] ? [file, m[2]] : [file, `/usr${m[2]}`];
}
