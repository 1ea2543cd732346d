/**
 * Drift: does an installed TemporaryFileSystem=/ profile still fit the unit and the host as they are
 * now? A package upgrade renames a library or a config directory, or adds an ExecStartPre= in a new
 * drop-in, and the next restart fails (226/NAMESPACE, 203/EXEC) or runs a program nobody traced.
 * Pure: the unit text, the filesystem, the Exec closures and what was remembered at install come in.
 *
 * What a restart needs is judged with lint's rules on the unit as it is now (one set of rules for
 * "will this start"); what changed is judged against the configuration remembered at install.
 */
import type { ExecClosure } from '../profile/elf.js';
import { resolveSymlinks, type FsView } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import { bindWord, readBindPaths } from '../unit-file/escape.js';
import { visibleUnder } from '../profile/visibility.js';
import { lintUnit, unitProfile, type CheckId } from './lint.js';
import { parseUnitText, UnitSettings, type Assignment } from '../unit-file/unit-settings.js';
import { EXEC_KINDS, isCatFileHeader } from '../unit-file/unitfile.js';
import { linksOfTmpfiles, PRIVATE_RUN_SUFFIX } from '../profile/shared-run.js';

export const DRIFT_CHECKS = [
  'profile-missing',
  'profile-edited',
  'root-reexposed',
  'missing-bind-source',
  'optional-source-gone',
  'exec-not-visible',
  'setting-changed',
  'package-changed',
  'namespace-audit',
  'host-links',
] as const;
export type DriftCheckId = (typeof DRIFT_CHECKS)[number];

export interface DriftFinding {
  check: DriftCheckId;
  /** error: the next restart fails, or the service is less locked down than when it was installed. */
  severity: 'error' | 'warning';
  message: string;
  /** What to do: re-run discover, or the exact line to change. */
  fix: string;
  file?: string;
  line?: number;
  setting?: string;
  value?: string;
}

/** What discover remembered when it installed the profile (see src/systemd/memory.ts). */
export interface RememberedInstall {
  /** Path of the installed drop-in. */
  dropIn: string;
  /** The drop-in's text as installed. */
  profile: string;
  /** `systemctl cat` of the unit right after install (with the drop-in). */
  unitConfig: string;
  /** ISO time of the install. */
  installedAt: string;
  /** Package and version of each Exec program, where dpkg knew it. */
  packages?: PackageVersion[];
}

export interface PackageVersion {
  path: string;
  package: string;
  version: string;
}

export interface DriftInput {
  unit: string;
  /** `systemctl cat UNIT` now. */
  catText: string;
  /** The drop-in bindscout installed (remembered, or the default place). */
  dropIn: string;
  remembered?: RememberedInstall;
  fs: FsView;
  /** ELF/script closures of the unit's Exec programs now, keyed as execPrograms() returned them. */
  closures: Map<string, ExecClosure>;
  /** Package versions of the Exec programs now (only compared when remembered ones exist). */
  packages?: PackageVersion[];
  /** The private /run's tmpfiles.d snippet (src/profile/shared-run.ts) as it is now, when there is one. */
  tmpfiles?: { path: string; text: string | undefined };
}

/** The lint checks that decide whether a restart under the profile works, and what they become here. */
const RESTART_CHECKS: Partial<Record<CheckId, DriftCheckId>> = {
  'protect-system-reexposes-root': 'root-reexposed',
  'root-mount-drops-tmpfs': 'root-reexposed',
  'missing-bind-source': 'missing-bind-source',
  'exec-not-visible': 'exec-not-visible',
};

/**
 * Settings whose change the installed profile was not verified against: what runs (Exec*=), as whom,
 * and every mount setting that adds to or takes from what the service sees.
 */
export const MATTERING_SETTINGS = [
  ...EXEC_KINDS,
  'User', 'Group', 'DynamicUser', 'SupplementaryGroups', 'Type', 'PIDFile', 'WorkingDirectory', 'RootDirectory', 'RootImage',
  'EnvironmentFile', 'ProtectSystem', 'ProtectHome', 'NoExecPaths', 'ExecPaths', 'ReadOnlyPaths', 'ReadWritePaths',
  'InaccessiblePaths', 'TemporaryFileSystem', 'BindPaths', 'BindReadOnlyPaths', 'PrivateTmp', 'PrivateDevices',
  'MountAPIVFS', 'ProtectProc', 'ProcSubset', 'RuntimeDirectory', 'StateDirectory', 'CacheDirectory', 'LogsDirectory',
  'ConfigurationDirectory',
] as const;

export function judgeDrift(input: DriftInput): DriftFinding[] {
  const { unit } = input;
  const findings: DriftFinding[] = [];
  const rediscover = `re-run: bindscout discover ${unit}`;
  const assignments = parseUnitText(input.catText, unit);
  const settings = new UnitSettings(assignments);

  const fromDropIn = assignments.filter((a) => a.file === input.dropIn);
  if (fromDropIn.length === 0) {
    findings.push({
      check: 'profile-missing',
      severity: 'error',
      message: input.remembered
        ? `the bindscout profile ${input.dropIn} is no longer part of ${unit}: the service runs without its lockdown`
        : `${unit} has no bindscout profile (${input.dropIn} is not among its drop-ins)`,
      fix: input.remembered
        ? `put it back (a copy of what was installed is kept with the memory) and run systemctl daemon-reload, or ${rediscover}`
        : rediscover,
    });
    return findings;
  }

  for (const f of lintUnit(settings, { fs: input.fs, closures: input.closures })) {
    const check = RESTART_CHECKS[f.check];
    if (check === undefined) continue;
    const fix =
      check === 'exec-not-visible'
        ? `add to ${input.dropIn}: BindReadOnlyPaths=${missingFiles(settings, input, f.value).join(' ')} — or ${rediscover}`
        : check === 'missing-bind-source'
          ? `${rediscover} (if the service no longer needs it: ${f.fix})`
          : f.fix;
    // A warning of lint (a source it may not look at) is no evidence that a restart fails.
    const fails = f.severity === 'error';
    findings.push({
      check,
      severity: fails ? 'error' : 'warning',
      message: `${check === 'root-reexposed' || !fails ? '' : 'a restart fails: '}${f.message}`,
      fix,
      file: f.file,
      line: f.line,
      setting: f.setting,
      value: f.value,
    });
  }

  for (const bind of optionalBinds(settings)) {
    if (resolveSymlinks(input.fs, bind.source).kind !== undefined || input.fs.denied?.(bind.source) === true) continue;
    findings.push({
      check: 'optional-source-gone',
      severity: 'warning',
      message: `${bind.shown} no longer exists: the service starts, but without it (it existed when the profile was made, or it would not be bound)`,
      fix: `if ${bind.shown} moved (a package upgrade renamed it), ${rediscover}; if it is gone for good, remove ${bind.at.key}=${bind.word} (${bind.at.file}:${bind.at.line})`,
      file: bind.at.file,
      line: bind.at.line,
      setting: bind.at.key,
      value: bind.word,
    });
  }

  findings.push(...hostLinkFindings(new UnitSettings(fromDropIn), input, rediscover));

  if (input.remembered) {
    const remembered = input.remembered;
    const current = fileText(input.catText, input.dropIn);
    if (current !== undefined && normalizeText(current) !== normalizeText(remembered.profile)) {
      findings.push({
        check: 'profile-edited',
        severity: 'warning',
        message: `${input.dropIn} was changed since bindscout installed it (${remembered.installedAt})`,
        fix: `if that was on purpose nothing is needed; compare with the copy kept by discover, or ${rediscover}`,
        file: input.dropIn,
      });
    }
    const before = new UnitSettings(parseUnitText(remembered.unitConfig, unit).filter((a) => a.file !== remembered.dropIn));
    const after = new UnitSettings(assignments.filter((a) => a.file !== input.dropIn));
    for (const change of settingChanges(before, after)) {
      findings.push({
        check: 'setting-changed',
        severity: 'error',
        message: `${change.key}= changed since the profile was installed: ${describeChange(change)}`,
        fix: `the profile was verified with the old value: ${rediscover} (it starts from what it remembered)`,
        setting: change.key,
        ...(change.at ? { file: change.at.file, line: change.at.line } : {}),
        value: change.after.join(' '),
      });
    }
    for (const change of packageChanges(remembered.packages ?? [], input.packages ?? [])) {
      findings.push({
        check: 'package-changed',
        severity: 'warning',
        message: `${change.path} (package ${change.package}) was upgraded from ${change.before} to ${change.after} since the profile was installed`,
        fix: `the checks above passed for its files as they are now; to catch new files it reads, ${rediscover}`,
        value: change.package,
      });
    }
  }
  return findings;
}

/** A finding for the caller's namespace audit of the running service, already in drift's terms. */
export function auditFinding(message: string, fix: string): DriftFinding {
  return { check: 'namespace-audit', severity: 'error', message, fix };
}

export function driftFails(findings: DriftFinding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

/**
 * The files of one program's closure that are not visible, exactly: lint folds them to their library
 * directory for a unit being written, but a profile made by discover binds single files, and binding a
 * whole /usr/lib would expose more than the upgrade needs.
 */
function missingFiles(settings: UnitSettings, input: DriftInput, program: string): string[] {
  const closure = input.closures.get(program);
  if (closure === undefined) return [];
  const visible = visibleUnder(unitProfile(settings), input.fs);
  return [...new Set(closure.items.filter((i) => i.role !== 'ld-cache' && !visible(i.path)).map((i) => i.path))];
}

interface OptionalBind {
  /** As systemd reads it (src/unit-file/escape.ts), as bytes. */
  source: ByteString;
  /** Shown to the admin. */
  shown: string;
  word: string;
  at: Assignment;
}

function optionalBinds(settings: UnitSettings): OptionalBind[] {
  const out: OptionalBind[] = [];
  for (const key of ['BindReadOnlyPaths', 'BindPaths']) {
    for (const at of settings.listAssignments(key)) {
      const read = readBindPaths(at.value);
      if ('error' in read) continue;
      for (const spec of read) {
        // Specifiers cannot be expanded without systemd: not judged.
        if (!spec.optional || spec.specifiers.length > 0) continue;
        const word = bindWord(spec.source, spec.destination, true);
        out.push({ source: spec.source, shown: bytesToDisplay(spec.source), word: typeof word === 'string' ? word : at.value, at });
      }
    }
  }
  return out;
}

export interface SettingChange {
  key: string;
  before: string[];
  after: string[];
  /** Where the value in effect now is set (the first added line, or the last one). */
  at?: Assignment;
}

/** The effective value of each mattering setting, before and after, as lists of words or lines. */
export function settingChanges(before: UnitSettings, after: UnitSettings): SettingChange[] {
  const changes: SettingChange[] = [];
  for (const key of MATTERING_SETTINGS) {
    const was = effective(before, key);
    const now = effective(after, key);
    if (was.values.join('\n') === now.values.join('\n')) continue;
    const at = now.at.find((_, i) => !was.values.includes(now.values[i])) ?? now.at.at(-1);
    changes.push({ key, before: was.values, after: now.values, ...(at ? { at } : {}) });
  }
  return changes;
}

function effective(settings: UnitSettings, key: string): { values: string[]; at: Assignment[] } {
  if ((EXEC_KINDS as readonly string[]).includes(key)) {
    const lines = settings.exec().filter((e) => e.kind === key);
    return { values: lines.map((e) => e.at.value.trim()), at: lines.map((e) => e.at) };
  }
  if (LIST_SETTINGS.has(key)) {
    const words = settings.list(key);
    return { values: words.map((w) => w.word), at: words.map((w) => w.at) };
  }
  const last = settings.last(key);
  return last === undefined ? { values: [], at: [] } : { values: [last.value.trim()], at: [last] };
}

const LIST_SETTINGS = new Set([
  'SupplementaryGroups', 'EnvironmentFile', 'NoExecPaths', 'ExecPaths', 'ReadOnlyPaths', 'ReadWritePaths', 'InaccessiblePaths',
  'TemporaryFileSystem', 'BindPaths', 'BindReadOnlyPaths', 'RuntimeDirectory', 'StateDirectory', 'CacheDirectory', 'LogsDirectory',
  'ConfigurationDirectory',
]);

function describeChange(change: SettingChange): string {
  const show = (values: string[]) => (values.length === 0 ? '(not set)' : values.join(EXEC_KINDS.includes(change.key as never) ? ' ; ' : ' '));
  const added = change.after.filter((v) => !change.before.includes(v));
  const removed = change.before.filter((v) => !change.after.includes(v));
  if (added.length > 0 && removed.length === 0) return `added ${show(added)}`;
  if (removed.length > 0 && added.length === 0) return `removed ${show(removed)}`;
  return `was ${show(change.before)}, now ${show(change.after)}`;
}

function packageChanges(before: PackageVersion[], after: PackageVersion[]) {
  const now = new Map(after.map((p) => [p.path, p]));
  const out: { path: string; package: string; before: string; after: string }[] = [];
  for (const was of before) {
    const is = now.get(was.path);
    if (is === undefined || (is.package === was.package && is.version === was.version)) continue;
    out.push({ path: was.path, package: is.package, before: `${was.package} ${was.version}`, after: `${is.package} ${is.version}` });
  }
  return out;
}

/** One file's text out of `systemctl cat` output (after its `# /path` header), or undefined. */
export function fileText(catText: string, file: string): string | undefined {
  const lines = catText.split('\n');
  const start = lines.findIndex((line, i) => line === `# ${file}` && (i === 0 || lines[i - 1] === ''));
  if (start < 0) return undefined;
  const out: string[] = [];
  for (let i = start + 1; i < lines.length; i++) {
    if (lines[i] === '' && i + 1 < lines.length && isCatFileHeader(lines[i + 1])) break;
    out.push(lines[i]);
  }
  return out.join('\n');
}

function normalizeText(text: string): string {
  return text.replace(/\s+$/g, '').replace(/\r/g, '');
}

/**
 * A private /run needs its links in the host's /run for the host's own tools (unbound-control, a
 * logrotate `kill $(cat /run/x.pid)`): the service itself starts without them, so a missing one warns.
 */
function hostLinkFindings(dropIn: UnitSettings, input: DriftInput, rediscover: string): DriftFinding[] {
  const privateRun = dropIn.list('RuntimeDirectory').find(({ word }) => word.endsWith(PRIVATE_RUN_SUFFIX));
  if (privateRun === undefined || input.tmpfiles === undefined) return [];
  const { path, text } = input.tmpfiles;
  if (text === undefined) {
    return [
      {
        check: 'host-links',
        severity: 'warning',
        message: `${path} is missing: the files ${input.unit} makes in its private /run (/run/${privateRun.word}) have no link at their old place in /run, where the host's own tools look for them`,
        fix: rediscover,
        file: path,
      },
    ];
  }
  const findings: DriftFinding[] = [];
  for (const { path: link, target, line } of linksOfTmpfiles(text)) {
    const now = input.fs.readlink(link);
    if (now === target) continue;
    findings.push({
      check: 'host-links',
      severity: 'warning',
      message: `${link} ${now === undefined ? 'is not a link' : `points to ${now}`}, not to ${target}: the host's own tools do not reach the file ${input.unit} makes in its private /run`,
      fix: `systemd-tmpfiles --create ${path}`,
      file: path,
      line,
    });
  }
  return findings;
}
