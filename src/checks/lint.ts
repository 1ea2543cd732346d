/**
 * The mistakes people make when they hide a service's root with `TemporaryFileSystem=/`, found in the
 * unit text before the service is started. Each finding names the file and line, says what systemd
 * will actually do, and how to write it instead. Pure: the host's filesystem comes in as an FsView and
 * the Exec binaries' ELF closures are resolved by the caller (reading them is asynchronous I/O).
 *
 * systemd facts the checks rely on (systemd.exec(5), systemd 252 as in Debian 12, and the bed):
 * - ProtectSystem= other than `no` mounts the host's root read-only over the tmpfs (issue #18999);
 *   DynamicUser=yes forces ProtectSystem=strict whatever the unit says.
 * - ReadOnlyPaths=/ReadWritePaths= re-mount paths that are already visible; below a
 *   TemporaryFileSystem= there is nothing to re-mount.
 * - NoExecPaths=/, ReadOnlyPaths=/ or InaccessiblePaths=/ next to TemporaryFileSystem=/ make systemd
 *   252 drop the tmpfs on / without a word: the service sees the host's root (measured in the bed).
 * - A bind source that is missing fails the start with 226/NAMESPACE unless it is prefixed with `-`.
 * - In Exec*= lines `%X` is a specifier and `${NAME}` (or `$NAME` as a word) is replaced by the
 *   environment; a literal needs `%%` and `$$`.
 * - ProtectHome=yes|tmpfs makes /home, /root and /run/user inaccessible or empty.
 */
import type { ExecClosure } from '../profile/elf.js';
import { visibleUnder } from '../profile/visibility.js';
import { isUnder, normalizePath, resolveSymlinks, type FsView } from '../core/fsview.js';
import { DIRECTIVES, type ByteString, type Directive, type Profile, type ProfileEntry } from '../core/model.js';
import { EXEC_KINDS } from '../unit-file/unitfile.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import { bindWord, escapeBindPath, encodeUtf8Bytes, readBindPaths } from '../unit-file/escape.js';
import { containsSensitivePlace, sensitiveReason } from '../profile/sensitive.js';
import type { ExecKind } from '../unit-file/unitfile.js';
import { execProgram } from '../unit-file/exec-programs.js';
import { TRUE_WORDS, type Assignment, type UnitSettings } from '../unit-file/unit-settings.js';
import { UNIT_DIRECTORY_BASES, UNIT_DIRECTORY_SETTINGS } from '../unit-file/unit-directories.js';

export const CHECKS = [
  'protect-system-reexposes-root',
  'root-mount-drops-tmpfs',
  'read-paths-through-tmpfs',
  'missing-bind-source',
  'percent-not-doubled',
  'dollar-not-doubled',
  'protect-home-hides-bind',
  'sensitive-bind',
  'exec-not-visible',
  'bind-syntax',
  'setting-in-wrong-section',
] as const;
export type CheckId = (typeof CHECKS)[number];

export interface Finding {
  check: CheckId;
  severity: 'error' | 'warning';
  file: string;
  line: number;
  /** The setting the finding is about, e.g. `ProtectSystem`. */
  setting: string;
  /** The offending value or word. */
  value: string;
  /** One line: what is wrong. */
  message: string;
  /** What systemd actually does, and why it matters. */
  explanation: string;
  fix: string;
}

interface Bind {
  optional: boolean;
  /** As systemd reads it (escapes undone, `%%` made `%`), as bytes like every path of the model. */
  source: ByteString;
  destination: ByteString;
  writable: boolean;
  at: Assignment;
  /** The bind as a person reads it: source (and :destination), unescaped. */
  word: string;
  /** Specifiers systemd expands (`%n`): the paths are templates and are not looked up here. */
  specifiers: string[];
}

const BIND_KEYS = [
  ['BindReadOnlyPaths', false],
  ['BindPaths', true],
] as const;

/** The unit's binds, read by the same module that writes them (src/unit-file/escape.ts). */
function binds(settings: UnitSettings): Bind[] {
  const out: Bind[] = [];
  for (const [key, writable] of BIND_KEYS) {
    for (const at of settings.listAssignments(key)) {
      const read = readBindPaths(at.value);
      if ('error' in read) continue;
      for (const spec of read) {
        out.push({ optional: spec.optional, source: spec.source, destination: spec.destination, writable, at, word: spec.written, specifiers: spec.specifiers });
      }
    }
  }
  return out;
}

/** Settings of the service's execution and sandbox: systemd reads them in [Service] (or [Socket] …), never in [Unit]. */
const EXECUTION_SETTINGS: ReadonlySet<string> = new Set<string>([
  ...DIRECTIVES,
  ...EXEC_KINDS,
  'ProtectHome',
  'ReadOnlyPaths',
  'ReadWritePaths',
  'InaccessiblePaths',
  'ExecPaths',
  'NoExecPaths',
  'DynamicUser',
  'User',
  'Group',
  'PIDFile',
  'RootDirectory',
  'RootImage',
  'PrivateUsers',
  'PrivateNetwork',
  'ProtectKernelTunables',
  'ProtectKernelModules',
  'ProtectControlGroups',
  'StateDirectoryMode',
  'RuntimeDirectoryMode',
  'RuntimeDirectoryPreserve',
]);

/** Lockdown settings written under [Unit] or [Install]: systemd warns in the journal and ignores them. */
function checkSections(settings: UnitSettings, add: (f: Finding) => void): void {
  for (const at of settings.assignments) {
    if ((at.section !== 'Unit' && at.section !== 'Install') || !EXECUTION_SETTINGS.has(at.key)) continue;
    add({
      check: 'setting-in-wrong-section',
      severity: 'error',
      file: at.file,
      line: at.line,
      setting: at.key,
      value: at.value,
      message: `${at.key}= is under [${at.section}], where systemd ignores it: the service runs without it`,
      explanation: `systemd reads ${at.key}= only in [Service] (or the section of the unit's own type); elsewhere it logs "Unknown key name '${at.key}' in section '${at.section}', ignoring" and starts the service as if the line were not there.`,
      fix: `move ${at.key}= below a [Service] line`,
    });
  }
}

/** How to write `bind` again with a `-` (skip when missing), escaped as systemd reads it. */
function optionalBindFix(bind: Bind): string {
  const word = bindWord(bind.source, bind.destination, true);
  return typeof word === 'string' ? `${bind.at.key}=${word}` : `a ${bind.at.key}= line with a "-" prefix`;
}

/** Binds systemd would refuse to read, and binds whose path holds a specifier. */
function checkBindSyntax(settings: UnitSettings, add: (f: Finding) => void): void {
  for (const [key] of BIND_KEYS) {
    for (const at of settings.listAssignments(key)) {
      // A build template (unbound.service.in's @UNBOUND_CHROOT_DIR@) is not what systemd will read.
      if (/@[A-Za-z_][A-Za-z0-9_]*@/.test(at.value)) continue;
      const read = readBindPaths(at.value);
      if ('error' in read) {
        add({
          check: 'bind-syntax',
          severity: 'error',
          file: at.file,
          line: at.line,
          setting: key,
          value: at.value,
          message: `${key}=${at.value} cannot be read: ${read.error}`,
          explanation: 'systemd ignores an assignment it cannot parse (or refuses the path), so nothing of it is bound and the service misses it.',
          fix: 'write each path escaped: "\\:" for a colon, "%%" for a percent sign, quotes around whitespace (bindscout analyze writes them so)',
        });
        continue;
      }
      for (const spec of read) {
        for (const specifier of new Set(spec.specifiers)) {
          const known = SPECIFIERS.has(specifier.slice(1));
          add({
            check: 'percent-not-doubled',
            severity: known ? 'warning' : 'error',
            file: at.file,
            line: at.line,
            setting: key,
            value: bytesToDisplay(spec.source),
            message: `"${specifier}" in ${key}= is read as the specifier ${specifier}${known ? '' : ' (unknown)'}, not as a "%" in the path`,
            explanation: known
              ? `systemd replaces ${specifier} before binding, so a path that holds a literal "%" names another path.`
              : `${specifier} is not a specifier: systemd refuses the assignment and binds nothing of it.`,
            fix: `write %%${specifier.slice(1)} if the path holds a literal "%"`,
          });
        }
      }
    }
  }
}

function pathOf(word: string): string {
  return word.replace(/^[-+]+/, '').split(':')[0];
}

/** `/`, `/:ro`, `/:ro,mode=0755`: a TemporaryFileSystem= word that hides the whole root. */
function hidesRoot(word: string): boolean {
  return normalizePath(word.split(':')[0] || '.') === '/' && word.startsWith('/');
}

/** Specifiers systemd 252 knows in Exec*= lines (systemd.unit(5) "Specifiers"). */
const SPECIFIERS = new Set('aAbBCdEfgGhHiIjJlLmMnNopPqsStTuUvVwWyY'.split(''));

/** Variables systemd itself sets for every service (systemd.exec(5) "Environment Variables"). */
const SYSTEMD_VARIABLES = new Set([
  'MAINPID', 'MANAGERPID', 'USER', 'LOGNAME', 'HOME', 'SHELL', 'PATH', 'LANG', 'TERM', 'INVOCATION_ID',
  'RUNTIME_DIRECTORY', 'STATE_DIRECTORY', 'CACHE_DIRECTORY', 'LOGS_DIRECTORY', 'CONFIGURATION_DIRECTORY',
  'CREDENTIALS_DIRECTORY', 'NOTIFY_SOCKET', 'LISTEN_FDS', 'LISTEN_PIDS', 'LISTEN_FDNAMES', 'WATCHDOG_PID',
  'WATCHDOG_USEC', 'JOURNAL_STREAM', 'SERVICE_RESULT', 'EXIT_CODE', 'EXIT_STATUS', 'PIDFILE', 'SYSTEMD_EXEC_PID',
  'LOG_NAMESPACE', 'REMOTE_ADDR', 'REMOTE_PORT', 'TRIGGER_UNIT', 'TRIGGER_PATH', 'TRIGGER_TIMER_REALTIME_USEC',
  'TRIGGER_TIMER_MONOTONIC_USEC', 'MONITOR_SERVICE_RESULT', 'MONITOR_EXIT_CODE', 'MONITOR_EXIT_STATUS',
  'MONITOR_INVOCATION_ID', 'MONITOR_UNIT',
]);

export interface LintContext {
  /** The filesystem the unit will run on (the host's, or a container's). */
  fs: FsView;
  /** ELF/script closures of the Exec programs, keyed as execPrograms() returned them. */
  closures?: Map<string, ExecClosure>;
}

/** The unit's own mount settings as a Profile, so diagnose's visibleUnder can walk it. */
export function unitProfile(settings: UnitSettings): Profile {
  const entries: ProfileEntry[] = [];
  const add = (directive: Directive, value: string) => entries.push({ directive, value, reason: 'unit' });
  for (const { word } of settings.list('TemporaryFileSystem')) add('TemporaryFileSystem', word);
  for (const bind of binds(settings)) {
    // A bind to another destination shows the source there; visibleUnder looks up the same path on the
    // host, so only same-path binds can be modelled exactly. Others are left out (less visible, never more).
    if (bind.source === bind.destination) add(bind.writable ? 'BindPaths' : 'BindReadOnlyPaths', normalizePath(bind.source));
  }
  for (const key of ['PrivateTmp', 'PrivateDevices', 'MountAPIVFS'] as const) if (settings.bool(key)) add(key, 'yes');
  // These imply MountAPIVFS=yes (systemd.exec(5)).
  if (['ProtectKernelTunables', 'ProtectKernelModules', 'ProtectControlGroups'].some((k) => settings.bool(k)) && !settings.bool('MountAPIVFS')) {
    add('MountAPIVFS', 'yes');
  }
  for (const key of UNIT_DIRECTORY_SETTINGS) {
    for (const { word } of settings.list(key)) add(key, word.split(':')[0]);
  }
  return { entries, needsConsent: [], omitted: [] };
}

export function lintUnit(settings: UnitSettings, ctx: LintContext): Finding[] {
  const findings: Finding[] = [];
  const add = (f: Finding) => findings.push(f);
  const tfs = settings.list('TemporaryFileSystem');
  const rootTmpfs = tfs.find((t) => hidesRoot(t.word));
  let rootReexposed = false;

  if (rootTmpfs) {
    const protect = settings.last('ProtectSystem');
    if (protect !== undefined && !/^(no|false|0|off|n|f)$/i.test(protect.value) && protect.value !== '') {
      rootReexposed = true;
      add({
        check: 'protect-system-reexposes-root',
        severity: 'error',
        file: protect.file,
        line: protect.line,
        setting: 'ProtectSystem',
        value: protect.value,
        message: `ProtectSystem=${protect.value} together with TemporaryFileSystem=${rootTmpfs.at.value} re-exposes the whole root read-only`,
        explanation:
          "ProtectSystem= re-mounts the host's /usr, /boot, /etc (strict: the whole root) read-only on top of the empty tmpfs, " +
          'so the service sees the host again and the lockdown does nothing (systemd issue #18999).',
        fix: 'remove ProtectSystem= or set ProtectSystem=no: TemporaryFileSystem=/:ro already makes everything read-only',
      });
    }
    const dynamic = settings.last('DynamicUser');
    if (dynamic !== undefined && TRUE_WORDS.test(dynamic.value)) {
      rootReexposed = true;
      add({
        check: 'protect-system-reexposes-root',
        severity: 'error',
        file: dynamic.file,
        line: dynamic.line,
        setting: 'DynamicUser',
        value: dynamic.value,
        message: `DynamicUser=${dynamic.value} together with TemporaryFileSystem=${rootTmpfs.at.value} re-exposes the whole root read-only`,
        explanation:
          "DynamicUser=yes forces ProtectSystem=strict, which mounts the host's root read-only over the empty tmpfs " +
          '(ProtectSystem=no does not undo it).',
        fix: 'use a static User= (and Group=) instead of DynamicUser=yes, or do not hide / with TemporaryFileSystem=',
      });
    }
    for (const key of ['NoExecPaths', 'ReadOnlyPaths', 'InaccessiblePaths']) {
      for (const { word, at } of settings.list(key)) {
        if (normalizePath(pathOf(word) || '.') !== '/' || !pathOf(word).startsWith('/')) continue;
        rootReexposed = true;
        add({
          check: 'root-mount-drops-tmpfs',
          severity: 'error',
          file: at.file,
          line: at.line,
          setting: key,
          value: word,
          message: `${key}=${word} together with TemporaryFileSystem=${rootTmpfs.at.value}: systemd drops the tmpfs on / and the service sees the host's root`,
          explanation:
            `${key}=/ is a mount on / as well; systemd 252 keeps only one mount per path and silently drops TemporaryFileSystem=/, ` +
            'so every file of the host is visible again.',
          fix:
            key === 'NoExecPaths'
              ? 'reset it with an empty NoExecPaths= and list the bound paths instead (NoExecPaths=-/usr/lib …), keeping ExecPaths= for the binaries'
              : `remove ${key}=/: under TemporaryFileSystem=/:ro everything not bound is already ${key === 'ReadOnlyPaths' ? 'read-only' : 'invisible'}`,
        });
      }
    }
  }

  // Paths below a tmpfs mount point that no bind or *Directory= brings back.
  const unitBinds = binds(settings);
  const hiddenUnder = (path: string) =>
    tfs.some((t) => isUnder(path, normalizePath(t.word.split(':')[0]))) &&
    !unitBinds.some((b) => isUnder(path, normalizePath(b.destination))) &&
    !directoryMounts(settings).some((d) => isUnder(path, d));
  if (tfs.length > 0 && !rootReexposed) {
    for (const key of ['ReadOnlyPaths', 'ReadWritePaths']) {
      for (const { word, at } of settings.list(key)) {
        const path = pathOf(word);
        if (!path.startsWith('/') || normalizePath(path) === '/' || !hiddenUnder(normalizePath(encodeUtf8Bytes(path)))) continue;
        const escaped = escapeBindPath(encodeUtf8Bytes(normalizePath(path)));
        const bind = key === 'ReadOnlyPaths' ? 'BindReadOnlyPaths' : 'BindPaths';
        add({
          check: 'read-paths-through-tmpfs',
          severity: 'error',
          file: at.file,
          line: at.line,
          setting: key,
          value: word,
          message: `${key}=${word} does not bring ${path} back from under TemporaryFileSystem=`,
          explanation:
            `${key}= only changes how an already visible path is mounted; under the empty tmpfs ${path} does not ` +
            'exist, so it stays invisible (or the start fails with 226/NAMESPACE).',
          fix: typeof escaped === 'string' ? `${bind}=${word.startsWith('-') ? '-' : ''}${escaped}` : `${bind}= cannot name it: ${escaped.error}`,
        });
      }
    }
  }

  checkBindSyntax(settings, add);
  checkSections(settings, add);

  // systemd creates the unit's own *Directory= before it binds (a private /run's backing directory).
  const createdAtStart = directoryMounts(settings).filter((d) => !d.startsWith('/tmp') && !d.startsWith('/var/tmp'));
  for (const bind of unitBinds) {
    if (bind.optional || bind.specifiers.length > 0 || !bind.source.startsWith('/')) continue;
    if (resolveSymlinks(ctx.fs, bind.source).kind !== undefined) continue;
    if (createdAtStart.some((d) => normalizePath(bind.source) === encodeUtf8Bytes(d))) continue;
    const shown = bytesToDisplay(bind.source);
    if (ctx.fs.denied?.(bind.source) === true) {
      // Run unprivileged, lint cannot look inside other users' directories: that is not "missing".
      add({
        check: 'missing-bind-source',
        severity: 'warning',
        file: bind.at.file,
        line: bind.at.line,
        setting: bind.at.key,
        value: bind.word,
        message: `${shown} cannot be checked: permission denied`,
        explanation: 'the user lint runs as may not look inside a directory above it; systemd, as root, may well find it.',
        fix: 'run lint as root to check it',
      });
      continue;
    }
    add({
      check: 'missing-bind-source',
      severity: 'error',
      file: bind.at.file,
      line: bind.at.line,
      setting: bind.at.key,
      value: bind.word,
      message: `${shown} does not exist on this host`,
      explanation: 'a missing bind source fails the start with status=226/NAMESPACE ("Failed to set up mount namespacing").',
      fix: `create ${shown}, remove the entry, or write ${optionalBindFix(bind)} to skip it when missing`,
    });
  }

  const protectHome = settings.last('ProtectHome');
  if (protectHome && /^(1|yes|true|on|tmpfs|read-only)$/i.test(protectHome.value)) {
    const homes = ['/home', '/root', '/run/user'];
    for (const bind of unitBinds) {
      const under = homes.find((h) => isUnder(normalizePath(bind.destination), h));
      if (under === undefined) continue;
      if (/^read-only$/i.test(protectHome.value) && !bind.writable) continue;
      add({
        check: 'protect-home-hides-bind',
        severity: 'error',
        file: bind.at.file,
        line: bind.at.line,
        setting: bind.at.key,
        value: bind.word,
        message: `ProtectHome=${protectHome.value} (${protectHome.file}:${protectHome.line}) conflicts with binding ${bind.destination}`,
        explanation:
          /^read-only$/i.test(protectHome.value)
            ? `ProtectHome=read-only re-mounts ${under} read-only, so the writable bind cannot be written.`
            : `ProtectHome=${protectHome.value} makes ${under} ` +
              `${/tmpfs/i.test(protectHome.value) ? 'an empty tmpfs' : 'inaccessible'}; ` +
              'the bind below it is hidden or the start fails.',
        fix: rootTmpfs
          ? 'remove ProtectHome= (or set ProtectHome=no): TemporaryFileSystem=/ already hides every home directory not bound'
          : `set ProtectHome=no and hide the rest of ${under} with TemporaryFileSystem=${under}:ro`,
      });
    }
  }

  for (const bind of unitBinds) {
    const source = normalizePath(bind.source);
    if (!bind.source.startsWith('/') || bind.specifiers.length > 0) continue;
    const holdsSecrets = 'a place that holds secrets (password hashes, private keys, home directories) is below it';
    const reason = sensitiveReason(source) ?? (containsSensitivePlace(source) ? holdsSecrets : undefined);
    if (reason === undefined) continue;
    add({
      check: 'sensitive-bind',
      severity: 'warning',
      file: bind.at.file,
      line: bind.at.line,
      setting: bind.at.key,
      value: bind.word,
      message: `${bind.at.key}= ${source} exposes sensitive files: ${reason}`,
      explanation: 'everything below a bound directory is visible to the service, including secrets it never needs.',
      fix:
        source === '/' || containsSensitivePlace(source)
          ? `bind only the files the service reads below ${source} (bindscout discover finds them)`
          : `remove ${source} unless the service really needs it`,
    });
  }

  for (const { kind, at } of settings.exec()) checkExecWords(kind, at, settings, add);

  if (rootTmpfs && !rootReexposed && ctx.closures) {
    const visible = visibleUnder(unitProfile(settings), ctx.fs);
    const reported = new Set<string>();
    for (const { kind, at } of settings.exec()) {
      const program = execProgram(at.value);
      if (program === undefined || reported.has(program)) continue;
      const closure = ctx.closures.get(program);
      if (closure === undefined) continue;
      // Each file as the kernel or ld.so asks for it: the sandbox walks its own symlinks, and a bind of
      // /bin/kill makes /bin a plain directory there, so the host's /usr/bin/kill need not be visible.
      const missingItems = closure.items.filter((i) => i.role !== 'ld-cache' && !visible(i.path));
      const missing = [...new Set(missingItems.map((i) => i.path))];
      if (missing.length === 0) continue;
      reported.add(program);
      const what = [...new Set(missingItems.map((r) => r.role.replace('-', ' ')))].join(', ');
      add({
        check: 'exec-not-visible',
        severity: 'error',
        file: at.file,
        line: at.line,
        setting: kind,
        value: program,
        message:
          `${program} cannot start under this unit's TemporaryFileSystem=/: not visible: ` +
          `${missing.slice(0, 6).join(' ')}${missing.length > 6 ? ` and ${missing.length - 6} more` : ''}`,
        explanation:
          `the kernel and ld.so need the ${what || 'files'} before the program runs; when one is missing the start fails with ` +
          'status=203/EXEC "No such file or directory" even though the binary itself may be bound.',
        fix: `BindReadOnlyPaths=${missingBinds(missing).join(' ')}`,
      });
    }
  }

  return findings.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
}

/** Missing files folded to their library directories where that is what an admin would bind. */
function missingBinds(missing: string[]): string[] {
  const out = new Set<string>();
  for (const path of missing) {
    const lib = /^(\/usr)?\/lib(64|32|x32)?(\/[^/]+-linux-gnu[^/]*)?(?=\/)/.exec(path);
    out.add(lib ? lib[0] : path);
  }
  return [...out];
}

function directoryMounts(settings: UnitSettings): string[] {
  const out: string[] = [];
  for (const [key, base] of Object.entries(UNIT_DIRECTORY_BASES)) {
    for (const { word } of settings.list(key)) out.push(normalizePath(`${base}/${word.split(':')[0]}`));
  }
  if (settings.bool('PrivateTmp')) out.push('/tmp', '/var/tmp');
  return out;
}

function checkExecWords(kind: ExecKind, at: Assignment, settings: UnitSettings, add: (f: Finding) => void): void {
  const value = at.value;
  // %% is a literal; everything else after % is a specifier.
  const percent = /%(.)([A-Za-z]*)/g;
  for (const m of value.matchAll(percent)) {
    if (m[1] === '%') continue;
    const before = value.slice(0, m.index);
    // `%%file` matched as `%%` then `file`: count the run of % before this one.
    const run = /%*$/.exec(before)![0].length;
    if (run % 2 === 1) continue;
    const known = SPECIFIERS.has(m[1]);
    if (known && m[2] === '') continue;
    add({
      check: 'percent-not-doubled',
      severity: 'error',
      file: at.file,
      line: at.line,
      setting: kind,
      value: `%${m[1]}${m[2]}`,
      message: `"%${m[1]}${m[2]}" in ${kind}= is read as the specifier %${m[1]}${known ? '' : ' (unknown)'}`,
      explanation: known
        ? `systemd replaces %${m[1]} before running the command, so the program receives something else than ` +
          `"%${m[1]}${m[2]}" (strace's -e trace=%file becomes trace=<unit file name>ile).`
        : `%${m[1]} is not a specifier: systemd refuses the line ("Failed to resolve unit specifiers") and the unit does not start.`,
      fix: `write %%${m[1]}${m[2]}`,
    });
  }
  const defined = new Set(settings.list('Environment').map((w) => w.word.split('=')[0]));
  const hasEnvFile = settings.list('EnvironmentFile').length > 0 || settings.list('PassEnvironment').length > 0;
  const dollar = /\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*)|.?)/g;
  for (const m of value.matchAll(dollar)) {
    if (m[1] === '$') continue;
    const name = m[2] ?? m[3];
    if (name !== undefined) {
      // `$NAME` is only expanded as a word of its own.
      if (m[3] !== undefined) {
        const start = m.index!;
        const end = start + m[0].length;
        if ((start > 0 && !/\s/.test(value[start - 1])) || (end < value.length && !/\s/.test(value[end]))) continue;
      }
      if (defined.has(name) || SYSTEMD_VARIABLES.has(name) || hasEnvFile) continue;
    }
    add({
      check: 'dollar-not-doubled',
      severity: 'warning',
      file: at.file,
      line: at.line,
      setting: kind,
      value: m[0],
      ...(name !== undefined
        ? {
            message: `${m[0]} in ${kind}= is replaced by the environment variable ${name}, which this unit never sets`,
            explanation: 'systemd expands ${NAME} (and $NAME as a word of its own) itself, before any shell sees the line; an unset variable becomes empty.',
            fix: `write $${m[0]} if the program (or a shell) should see it literally, or set Environment=${name}=…`,
          }
        : {
            message: `a lone "$" in ${kind}= (${JSON.stringify(m[0])})`,
            explanation: 'systemd reserves $ for environment variables; a literal dollar sign is written $$.',
            fix: 'write $$ for a literal $',
          }),
    });
  }
}
