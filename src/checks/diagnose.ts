/**
 * Why a start under a candidate profile failed, in profile terms: which path the sandbox hides and the
 * directive that would bring it back. Pure: the unit's state, the journal lines of the attempt, the
 * host check and the exec closure are gathered by the caller.
 *
 * systemd 252 facts this relies on (measured in the test bed, formats from src/core/execute.c):
 * - The forked child logs "Failed to locate executable X: …" (the binary is not there),
 *   "Failed to execute X: …" (execve failed: with ENOENT the ELF interpreter or a script's interpreter
 *   is missing, not X), then "Failed at step EXEC spawning X: …". Those lines are written from inside
 *   the new mount namespace: when the profile hides /run/systemd/journal/socket they are LOST, and only
 *   PID 1's "Main process exited, code=exited, status=203/EXEC" remains. So the exec closure, not the
 *   journal, says what is missing.
 * - A missing library is not 203/EXEC: execve succeeds, ld.so prints "error while loading shared
 *   libraries: NAME: cannot open shared object file" and the process exits 127.
 * - 226/NAMESPACE: "Failed to set up mount namespacing: /run/systemd/unit-root/PATH: …", PATH being
 *   the mount's destination inside the namespace being built.
 * - 217/USER: "Failed to determine user credentials: No such process": systemd resolves User= in its own
 *   view before the sandbox exists, so the profile cannot be the cause.
 * - A start timeout gives Result=timeout with ExecMainStatus=15 (systemd's SIGTERM): Result decides.
 */
import { isUnder, normalizePath, parentOf } from '../core/fsview.js';
import type { ExecClosure } from '../profile/elf.js';
import type { Access, ByteString, Directive, Profile } from '../core/model.js';

export interface JournalLine {
  message: string;
  pid?: number;
  identifier?: string;
}

export interface StartFacts {
  unit: string;
  /** `systemctl show` values after the attempt: Result, ExecMainCode, ExecMainStatus, ActiveState, SubState. */
  properties: Record<string, string | undefined>;
  /** Journal lines of this attempt only (one invocation), systemd's and the service's. */
  journal: JournalLine[];
  /** From a traced run under the same sandbox, when there is one. */
  accesses?: Access[];
  /** Whether a path exists on the host (systemd's view outside the sandbox). */
  exists(path: ByteString): boolean;
  /** Whether a path is reachable inside the candidate profile (see visibleUnder). */
  visible?: (path: ByteString) => boolean;
  /** The profile that was tried: tells which directive a namespace failure comes from. */
  profile?: Profile;
  /** ExecStart's program, for when the journal lost the child's lines. */
  execPath?: string;
  /** The exec closure of the failing program (src/host/elf.ts). */
  closure?: ExecClosure;
  /** Exec closures of the programs the service's output says are "not found" (see notFoundPaths). */
  closuresOfNamed?: Record<string, ExecClosure>;
  /** Commands a shell ran by bare name and said are "not found", with where PATH finds them on the host (see notFoundCommands). */
  commandsOnPath?: Record<string, ByteString>;
  workingDirectory?: string;
}

export type DiagnosisKind = 'ok' | 'exec' | 'namespace' | 'chdir' | 'user' | 'timeout' | 'signal' | 'service-error' | 'unknown';

export interface Fix {
  directive: Directive | 'WorkingDirectory' | 'User' | 'Group';
  path: ByteString;
  /** Render with systemd's `-` prefix (source may be missing). */
  optional?: boolean;
  /** Remove this entry instead of adding it. */
  remove?: boolean;
  reason: string;
}

export interface Diagnosis {
  kind: DiagnosisKind;
  summary: string;
  details: string[];
  fixes: Fix[];
  /** systemd's step name when the failure came from systemd's own exec steps (EXEC, NAMESPACE…). */
  step?: string;
  exitStatus?: number;
  signal?: string;
  /** The service's own last lines (not systemd's), whatever the cause: a port in use, a bad config. */
  lastOutput?: string[];
}

/** systemd's own exit codes (src/basic/exit-status.c) that the sandbox can cause or that hide a cause. */
const EXIT_STEPS: Record<number, string> = {
  200: 'CHDIR', 201: 'NICE', 202: 'FDS', 203: 'EXEC', 204: 'MEMORY', 205: 'LIMITS', 206: 'OOM_ADJUST',
  207: 'SIGNAL_MASK', 208: 'STDIN', 209: 'STDOUT', 210: 'CHROOT', 211: 'IOPRIO', 212: 'TIMERSLACK',
  213: 'SECUREBITS', 214: 'SETSCHEDULER', 215: 'CPUAFFINITY', 216: 'GROUP', 217: 'USER', 218: 'CAPABILITIES',
  219: 'CGROUP', 220: 'SETSID', 221: 'CONFIRM', 222: 'STDERR', 224: 'PAM', 225: 'NETWORK', 226: 'NAMESPACE',
  227: 'NO_NEW_PRIVILEGES', 228: 'SECCOMP', 229: 'SELINUX_CONTEXT', 230: 'PERSONALITY', 231: 'APPARMOR',
  232: 'ADDRESS_FAMILIES', 233: 'RUNTIME_DIRECTORY', 235: 'CHOWN', 236: 'SMACK_PROCESS_LABEL', 237: 'KEYRING',
  238: 'STATE_DIRECTORY', 239: 'CACHE_DIRECTORY', 240: 'LOGS_DIRECTORY', 241: 'CONFIGURATION_DIRECTORY',
  242: 'NUMA_POLICY', 243: 'CREDENTIALS', 245: 'BPF',
};

/** Where systemd assembles the new root before pivoting into it (namespace.c). */
const UNIT_ROOT = '/run/systemd/unit-root';

const USER_DB = ['/etc/passwd', '/etc/group', '/etc/nsswitch.conf'];

/** Strips systemd's "UNIT: " prefix from its own per-unit lines. */
function bare(message: string, unit: string): string {
  return message.startsWith(unit + ': ') ? message.slice(unit.length + 2) : message;
}

interface ExitInfo {
  code: 'exited' | 'killed' | 'dumped';
  status: number;
  name?: string;
}

const EXIT_LINE = /(?:Main|Control) process exited, code=(exited|killed|dumped), status=(\d+)(?:\/(\w+))?/;

function exitInfo(facts: StartFacts): ExitInfo | undefined {
  const code = Number(facts.properties.ExecMainCode);
  const status = Number(facts.properties.ExecMainStatus);
  // A failing ExecStartPre= leaves ExecMain* at 0: the journal's last "process exited" line tells.
  for (let i = facts.journal.length - 1; i >= 0; i--) {
    const m = EXIT_LINE.exec(facts.journal[i]!.message);
    if (m && !(m[1] === 'exited' && m[2] === '0')) return { code: m[1] as ExitInfo['code'], status: Number(m[2]), ...(m[3] ? { name: m[3] } : {}) };
  }
  if (code === 1 && Number.isInteger(status)) return { code: 'exited', status };
  if ((code === 2 || code === 3) && Number.isInteger(status)) return { code: code === 2 ? 'killed' : 'dumped', status };
  return undefined;
}

function find(facts: StartFacts, pattern: RegExp): RegExpExecArray | undefined {
  for (const line of facts.journal) {
    const m = pattern.exec(bare(line.message, facts.unit));
    if (m) return m;
  }
  return undefined;
}

function addFix(fixes: Fix[], fix: Fix): void {
  const same = fixes.find((f) => f.path === fix.path && !f.remove && !fix.remove);
  if (!same) {
    fixes.push(fix);
    return;
  }
  // Writable wins over read-only for the same path.
  if (same.directive === 'BindReadOnlyPaths' && fix.directive === 'BindPaths') Object.assign(same, fix);
}

const ROLE_WORDS: Record<string, string> = {
  binary: 'the program itself',
  'script-interpreter': "the script's interpreter",
  'elf-interpreter': 'its ELF interpreter (the dynamic loader the kernel maps in execve)',
  library: 'a shared library',
};

function diagnoseExec(facts: StartFacts): Diagnosis {
  const locate = find(facts, /^Failed to locate executable (.+): (.+)$/);
  const execute = find(facts, /^Failed to execute (.+): (.+)$/);
  const step = find(facts, /^Failed at step EXEC spawning (.+): (.+)$/);
  const program = locate?.[1] ?? execute?.[1] ?? step?.[1] ?? facts.execPath ?? facts.closure?.path;
  const errorText = (locate ?? execute ?? step)?.[2];
  const details: string[] = [];
  const fixes: Fix[] = [];
  const visible = facts.visible;
  if (errorText) details.push(`systemd reported: ${errorText}${locate ? ' (while looking for the program)' : execute ? ' (from execve)' : ''}`);
  else details.push("systemd's own explanation was lost: the forked child logs from inside the sandbox, where journald's socket is not visible");
  if (/No such file or directory/.test(errorText ?? 'No such file or directory') && !locate) {
    details.push(
      '"No such file or directory" from execve does not mean the program is missing: the kernel reports the same ' +
        "error when the ELF interpreter (or a script's #! interpreter) is not visible",
    );
  }
  if (/Permission denied/.test(errorText ?? '')) {
    details.push('Permission denied: the file is visible but not executable there (noexec mount, NoExecPaths=, or missing x bit)');
  }

  const missing: { path: string; role: string; neededBy?: string }[] = [];
  const closure = facts.closure;
  if (closure && visible) {
    for (const item of closure.items) {
      if (item.role === 'ld-cache') continue;
      if (!visible(item.path)) missing.push({ path: item.path, role: item.role, ...(item.neededBy ? { neededBy: item.neededBy } : {}) });
    }
  } else if (program && visible && !visible(program)) {
    missing.push({ path: program, role: 'binary' });
  }
  if (closure) {
    for (const u of closure.unresolved) {
      details.push(`${u.name} (${ROLE_WORDS[u.role] ?? u.role}, needed by ${u.neededBy}) cannot be found even on the host: ${u.reason}`);
    }
    for (const note of closure.notes) details.push(`note: ${note}`);
  }

  const blocking = missing.filter((m) => m.role !== 'library');
  const libraries = missing.filter((m) => m.role === 'library');
  for (const m of missing) {
    addFix(fixes, { directive: 'BindReadOnlyPaths', path: m.path, reason: `${ROLE_WORDS[m.role] ?? m.role}${m.neededBy ? ` of ${m.neededBy}` : ''}` });
    const neededBy = m.neededBy && m.role !== 'binary' ? `, needed by ${m.neededBy}` : '';
    details.push(`not visible in the sandbox: ${m.path} (${ROLE_WORDS[m.role] ?? m.role}${neededBy})`);
  }

  let summary: string;
  const name = program ?? 'the program';
  if (locate || blocking.some((m) => m.role === 'binary')) {
    summary = `${name} cannot be started: the program itself is not visible in the sandbox.`;
  } else if (blocking.length > 0) {
    const first = blocking[0]!;
    summary =
      `${name} is visible but cannot be executed: ${ROLE_WORDS[first.role]} ${first.path} is not visible in the ` +
      'sandbox, which execve reports as "No such file or directory".';
  } else if (libraries.length > 0) {
    const are = libraries.length === 1 ? 'y is' : 'ies are';
    summary =
      `${name} cannot run: ${libraries.length} shared librar${are} not visible in the sandbox ` +
      `(${libraries.map((l) => l.path).join(', ')}).`;
  } else if (!closure || !visible) {
    summary =
      `${name} could not be executed in the sandbox (203/EXEC): the program, its ELF interpreter or a script ` +
      'interpreter is not visible; "No such file or directory" here does not mean the program is missing.';
  } else {
    summary = `${name} could not be executed (203/EXEC), although the program, its interpreter and its libraries all look visible in the sandbox.`;
  }
  if (blocking.length > 0 && libraries.length > 0) {
    details.push(`once that is fixed, ld.so will need ${libraries.length} more librar${libraries.length === 1 ? 'y' : 'ies'} listed above`);
  }
  return { kind: 'exec', step: 'EXEC', exitStatus: 203, summary, details, fixes };
}

/** The profile entry whose destination is `path` (systemd reports destinations). */
function entryFor(profile: Profile | undefined, path: string) {
  return profile?.entries.find((e) => (e.directive === 'BindReadOnlyPaths' || e.directive === 'BindPaths') && normalizePath(e.value) === path);
}

function diagnoseNamespace(facts: StartFacts): Diagnosis {
  const m = find(facts, /^Failed to set up mount namespacing: (.+): ([^:]+)$/);
  const details: string[] = [];
  const fixes: Fix[] = [];
  if (!m) {
    return {
      kind: 'namespace',
      step: 'NAMESPACE',
      exitStatus: 226,
      summary: 'systemd could not build the sandbox (226/NAMESPACE); its message naming the path was not found in the journal.',
      details: ['look for "Failed to set up mount namespacing" in the journal of this start'],
      fixes,
    };
  }
  const raw = m[1]!;
  const error = m[2]!;
  const path = isUnder(raw, UNIT_ROOT) ? normalizePath(raw.slice(UNIT_ROOT.length) || '/') : raw;
  details.push(`systemd reported: ${raw}: ${error}`);
  const entry = entryFor(facts.profile, path);
  const directive = entry?.directive ?? 'BindReadOnlyPaths';
  if (/No such file or directory/.test(error) && !facts.exists(path)) {
    const reason = `${path} does not exist on the host: prefix it with "-" so a missing source is skipped, or remove it`;
    fixes.push({ directive, path, optional: true, reason });
    fixes.push({ directive, path, remove: true, reason: `${path} does not exist on the host` });
    return {
      kind: 'namespace',
      step: 'NAMESPACE',
      exitStatus: 226,
      summary:
        `The sandbox could not be built: the bind mount source ${path} does not exist on the host ` +
        `(write it as -${path} to make it optional, or remove it).`,
      details,
      fixes,
    };
  }
  details.push(
    `${path} exists on the host, so the mount itself failed: look at its destination (a file bound where a ` +
      'directory is expected or the reverse, a symlink along the destination, or a read-only parent where systemd ' +
      'must create the mount point)',
  );
  return {
    kind: 'namespace',
    step: 'NAMESPACE',
    exitStatus: 226,
    summary: `The sandbox could not be built: mounting ${path} failed (${error}), although it exists on the host.`,
    details,
    fixes,
  };
}

function diagnoseChdir(facts: StartFacts): Diagnosis {
  const m = find(facts, /^Changing to the requested working directory failed: (.+)$/);
  const dir = facts.workingDirectory;
  const details = m ? [`systemd reported: ${m[1]}`] : [];
  const fixes: Fix[] = [];
  let summary: string;
  if (dir === undefined) {
    summary = 'The service could not change to its WorkingDirectory= (200/CHDIR).';
  } else if (!facts.exists(dir)) {
    summary = `WorkingDirectory=${dir} does not exist on the host either (200/CHDIR): create it, or write WorkingDirectory=-${dir}.`;
    fixes.push({ directive: 'WorkingDirectory', path: dir, optional: true, reason: 'missing on the host: "-" makes systemd ignore it' });
  } else if (facts.visible && !facts.visible(dir)) {
    summary = `WorkingDirectory=${dir} is not visible in the sandbox (200/CHDIR).`;
    fixes.push({ directive: 'BindReadOnlyPaths', path: dir, reason: 'the working directory' });
  } else {
    summary = `The service could not change to WorkingDirectory=${dir} (200/CHDIR): check its permissions for the service's user.`;
  }
  return { kind: 'chdir', step: 'CHDIR', exitStatus: 200, summary, details, fixes };
}

function diagnoseUser(facts: StartFacts, status: number): Diagnosis {
  const m = find(facts, /^Failed to determine (?:user|group) credentials: (.+)$/) ?? find(facts, /^Failed to determine supplementary groups: (.+)$/);
  const what = status === 216 ? 'Group=/SupplementaryGroups=' : 'User=';
  const details = m ? [`systemd reported: ${m[1]}${/No such process/.test(m[1]!) ? ' (systemd words "no such user or group" this way)' : ''}`] : [];
  details.push('systemd resolves the user before it builds the sandbox, in its own view of the filesystem: the profile does not cause this');
  const fixes: Fix[] = [];
  if (facts.visible) {
    for (const path of USER_DB) {
      if (facts.exists(path) && !facts.visible(path)) {
        fixes.push({ directive: 'BindReadOnlyPaths', path, reason: "the service's own user and group lookups (getpwnam) read it inside the sandbox" });
      }
    }
    if (fixes.length > 0) {
      const hidden = fixes.map((f) => f.path).join(', ');
      details.push(`the service itself will look users up inside the sandbox, where ${hidden} are not visible`);
    }
  }
  return {
    kind: 'user',
    step: status === 216 ? 'GROUP' : 'USER',
    exitStatus: status,
    summary:
      `systemd could not resolve the unit's ${what} on the host (${status}/${status === 216 ? 'GROUP' : 'USER'}): ` +
      'the user or group does not exist there.',
    details,
    fixes,
  };
}

const PATH_ERRORS = ['ENOENT', 'EACCES', 'EROFS', 'EPERM', 'ENOTDIR'];
const WRITE_OPS = ['write', 'create', 'delete'];

/** Paths the service failed on inside the sandbox although the host has them: the likely causes. */
function accessFixes(facts: StartFacts, details: string[], fixes: Fix[]): void {
  for (const access of facts.accesses ?? []) {
    if (access.ok && !access.errors.has('EROFS')) continue;
    const errors = [...access.errors].filter((e) => PATH_ERRORS.includes(e));
    if (errors.length === 0) continue;
    const readOnlyFs = access.errors.has('EROFS');
    const writes = readOnlyFs || [...access.ops].some((op) => WRITE_OPS.includes(op));
    // ENOENT for a file the host does not have either is the service probing, not the sandbox; unless
    // the service was creating it, where the directory it creates it in is what must be there.
    const target = facts.exists(access.path) ? access.path : writes && facts.exists(parentOf(access.path)) ? parentOf(access.path) : undefined;
    if (target === undefined) continue;
    if (!readOnlyFs && !errors.includes('EACCES') && facts.visible && facts.visible(target)) continue;
    const directive = writes ? 'BindPaths' : 'BindReadOnlyPaths';
    const ops = [...access.ops].join('/');
    details.push(`${access.path}: ${ops} failed inside with ${errors.join(', ')}${readOnlyFs ? ' (read-only in the sandbox)' : ''} but exists on the host`);
    addFix(fixes, { directive, path: target, reason: `${ops} failed with ${errors.join(', ')}${target !== access.path ? ` (creates ${access.path})` : ''}` });
  }
}

const LDSO_MISSING = /error while loading shared libraries: ([^:]+): cannot open shared object file/;
/** Absolute paths in the service's own error messages ("open() "/etc/nginx/nginx.conf" failed (2: No such file…"). */
const PATH_IN_TEXT = /(?:^|[\s"'`(=:])(\/[^\s"'`(),;:]+)/g;
const ERROR_WORDS = /No such file or directory|Permission denied|Read-only file system|Not a directory|cannot open|failed|not found/i;
/** A shell or exec wrapper saying a program it ran is missing: `/bin/sh: 1: /usr/share/x/helper.pl: not found`. */
const NOT_FOUND = /not found|No such file or directory/;

/**
 * Paths the service's own output says are "not found": when such a path is visible in the sandbox,
 * what is missing is what the kernel loads to run it (its `#!` interpreter, its ELF interpreter), which
 * the caller reads from the file (StartFacts.closuresOfNamed).
 */
export function notFoundPaths(journal: JournalLine[], unit: string): string[] {
  const out = new Set<string>();
  for (const line of journal) {
    const text = bare(line.message, unit);
    const said = NOT_FOUND.exec(text);
    if (line.pid === 1 || line.identifier === 'systemd' || said === null) continue;
    // The path the message is about comes last before the words (`/bin/sh: 1: /x/helper.pl: not found`).
    const before = [...text.slice(0, said.index).matchAll(PATH_IN_TEXT)].at(-1);
    const path = before === undefined ? undefined : normalizePath(before[1]!);
    if (path !== undefined && path !== '/') out.add(path);
  }
  return [...out].sort();
}

/**
 * A shell that ran a command by bare name and found it nowhere on its PATH: dash's
 * `/etc/init.d/x: 154: ln: not found`, bash's `x: line 3: ln: command not found`. The trace of the run
 * that took another branch never executed it, so only the message names it.
 */
const COMMAND_NOT_FOUND = /(?:^|: )([A-Za-z0-9_][A-Za-z0-9_.+-]*): (?:command )?not found\s*$/;

/** Commands the service's shells say are "not found" by bare name (no slash), in the order first said. */
export function notFoundCommands(journal: JournalLine[], unit: string): string[] {
  const out = new Set<string>();
  for (const line of journal) {
    if (line.pid === 1 || line.identifier === 'systemd') continue;
    const m = COMMAND_NOT_FOUND.exec(bare(line.message, unit));
    if (m) out.add(m[1]!);
  }
  return [...out];
}

/**
 * systemd's PATH for services (DEFAULT_PATH, with the split-/usr directories that init scripts put
 * first): where the shell of a unit without its own PATH= looks for a bare command.
 */
export const SERVICE_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

function commandFixes(facts: StartFacts, details: string[], fixes: Fix[]): void {
  for (const [name, path] of Object.entries(facts.commandsOnPath ?? {})) {
    if (facts.visible?.(path) === true) {
      interpreterFixes(facts, path, `${name}: not found`, details, fixes);
      continue;
    }
    details.push(`the service's output says the command ${name} is not found; on the host, PATH finds it at ${path}, which the sandbox hides`);
    addFix(fixes, { directive: 'BindReadOnlyPaths', path, reason: `the command ${name}, which the service ran by name and its output says is not found` });
    for (const item of hiddenLoadedItems(facts, path)) {
      addFix(fixes, { directive: 'BindReadOnlyPaths', path: item.path, reason: `${ROLE_WORDS[item.role] ?? item.role} of ${item.neededBy ?? path}, which the service runs by name` });
    }
  }
}

/** What the kernel loads to run `path` (its #! and ELF interpreters, libraries) that the sandbox hides. */
function hiddenLoadedItems(facts: StartFacts, path: ByteString): ExecClosure['items'] {
  return (facts.closuresOfNamed?.[path]?.items ?? []).filter((item) => item.role !== 'binary' && !(facts.visible?.(item.path) ?? false));
}

function outputFixes(facts: StartFacts, details: string[], fixes: Fix[]): void {
  commandFixes(facts, details, fixes);
  for (const line of facts.journal) {
    const text = bare(line.message, facts.unit);
    const lib = LDSO_MISSING.exec(text);
    if (lib) {
      const name = lib[1]!;
      const item = facts.closure?.items.find((i) => i.role === 'library' && i.name === name);
      details.push(`ld.so could not load ${name}${item ? ` (${item.path} on the host)` : ''}: it is not visible in the sandbox`);
      if (item) addFix(fixes, { directive: 'BindReadOnlyPaths', path: item.path, reason: `shared library ${name} of ${item.neededBy ?? 'the program'}` });
      continue;
    }
    if (line.pid === 1 || line.identifier === 'systemd' || !ERROR_WORDS.test(text)) continue;
    for (const m of text.matchAll(PATH_IN_TEXT)) {
      const path = normalizePath(m[1]!);
      if (path === '/' || !facts.exists(path)) continue;
      if (facts.visible && facts.visible(path)) {
        if (NOT_FOUND.test(text)) interpreterFixes(facts, path, text, details, fixes);
        continue;
      }
      if (fixes.some((f) => f.path === path)) continue;
      const writes = /Read-only file system/.test(text);
      details.push(`the service's output names ${path}, which exists on the host: "${text.length > 200 ? text.slice(0, 200) + '…' : text}"`);
      addFix(fixes, { directive: writes ? 'BindPaths' : 'BindReadOnlyPaths', path, reason: "named in the service's error output" });
    }
  }
}

/** A program named "not found" that the sandbox shows: the interpreters it needs are what is hidden. */
function interpreterFixes(facts: StartFacts, path: ByteString, text: string, details: string[], fixes: Fix[]): void {
  const hidden = hiddenLoadedItems(facts, path);
  const quoted = `"${text.length > 200 ? text.slice(0, 200) + '…' : text}"`;
  if (hidden.length === 0) {
    details.push(`the service's output says ${path} is not found, but it is visible in the sandbox: what the kernel loads to run it (its #! interpreter or ELF interpreter) is missing: ${quoted}`);
    return;
  }
  details.push(`the service's output says ${path} is not found; it is visible, but ${hidden.map((i) => `${i.path} (${ROLE_WORDS[i.role] ?? i.role})`).join(', ')} is not: ${quoted}`);
  for (const item of hidden) addFix(fixes, { directive: 'BindReadOnlyPaths', path: item.path, reason: `${ROLE_WORDS[item.role] ?? item.role} of ${item.neededBy ?? path}, which the service's output says is not found` });
}

function lastServiceLines(facts: StartFacts, count: number): string[] {
  return facts.journal
    .filter((l) => l.pid !== 1 && l.identifier !== 'systemd')
    .slice(-count)
    .map((l) => `output: ${l.message}`);
}

/** Why a start failed, with the service's own last lines whatever the cause. */
export function diagnoseStart(facts: StartFacts): Diagnosis {
  const diagnosis = diagnoseCause(facts);
  if (diagnosis.kind === 'ok') return diagnosis;
  const own = facts.journal.filter((l) => l.pid !== 1 && l.identifier !== 'systemd').slice(-LAST_OUTPUT_LINES);
  return own.length > 0 ? { ...diagnosis, lastOutput: own.map((l) => l.message) } : diagnosis;
}

const LAST_OUTPUT_LINES = 5;

function diagnoseCause(facts: StartFacts): Diagnosis {
  const p = facts.properties;
  const result = p.Result ?? '';
  const active = p.ActiveState ?? '';
  if ((active === 'active' || active === 'reloading') && (result === 'success' || result === '')) {
    return { kind: 'ok', summary: `${facts.unit} started and is ${active} (${p.SubState ?? '?'}).`, details: [], fixes: [] };
  }
  const exit = exitInfo(facts);
  if (result === 'timeout' || find(facts, /^(?:start|start-pre|start-post) operation timed out/)) {
    const details: string[] = [];
    const fixes: Fix[] = [];
    accessFixes(facts, details, fixes);
    outputFixes(facts, details, fixes);
    details.push(
      'a service that waits for a file another process writes (PIDFile= in a private /run, a socket) never signals ' +
        "readiness: systemd reads PIDFile= from the host's view",
      ...lastServiceLines(facts, 5),
    );
    return { kind: 'timeout', summary: `${facts.unit} did not finish starting within its start timeout.`, details, fixes };
  }
  if (exit && exit.code === 'exited' && EXIT_STEPS[exit.status]) {
    const stepName = EXIT_STEPS[exit.status]!;
    switch (exit.status) {
      case 203:
        return diagnoseExec(facts);
      case 226:
        return diagnoseNamespace(facts);
      case 200:
        return diagnoseChdir(facts);
      case 216:
      case 217:
        return diagnoseUser(facts, exit.status);
      default: {
        const m = find(facts, new RegExp(`^Failed at step ${stepName} spawning (.+): (.+)$`));
        return {
          kind: 'unknown',
          step: stepName,
          exitStatus: exit.status,
          summary: `systemd failed while setting up the process, at step ${stepName} (${exit.status}/${stepName}), before the program ran.`,
          details: m ? [`systemd reported: ${m[2]}`] : [],
          fixes: [],
        };
      }
    }
  }
  if (exit && (exit.code === 'killed' || exit.code === 'dumped') || result === 'signal' || result === 'core-dump') {
    const name = exit?.name ?? (exit ? String(exit.status) : 'a signal');
    const details: string[] = [];
    const fixes: Fix[] = [];
    accessFixes(facts, details, fixes);
    outputFixes(facts, details, fixes);
    if (fixes.length > 0) details.unshift('the paths below failed inside the sandbox before the crash; programs often crash on an unexpected missing file');
    details.push(...lastServiceLines(facts, 5));
    return {
      kind: 'signal',
      signal: name,
      ...(exit ? { exitStatus: exit.status } : {}),
      summary: `${facts.unit}'s process was killed by signal ${name}${exit?.code === 'dumped' ? ' (core dumped)' : ''}.`,
      details,
      fixes,
    };
  }
  if (exit && exit.code === 'exited' && exit.status !== 0 || result === 'exit-code' || result === 'protocol' || active === 'failed') {
    const details: string[] = [];
    const fixes: Fix[] = [];
    accessFixes(facts, details, fixes);
    outputFixes(facts, details, fixes);
    const status = exit ? ` with status ${exit.status}` : '';
    // A start with the unit's own configuration has no sandbox to blame: the paths are only what failed.
    const sandboxed = facts.profile !== undefined || facts.visible !== undefined;
    const summary =
      fixes.length > 0 && !sandboxed
        ? `${facts.unit} started but exited${status}; it failed on ${fixes.map((f) => f.path).join(', ')}.`
        : fixes.length > 0
        ? `${facts.unit} started but exited${status}: ${fixes.length} path${fixes.length === 1 ? '' : 's'} it needs ` +
          `${fixes.length === 1 ? 'is' : 'are'} hidden by the sandbox (${fixes.map((f) => f.path).join(', ')}).`
        : facts.profile === undefined
          ? `${facts.unit} started but exited${status}.`
          : details.length > 0
            ? `${facts.unit} started but exited${status}; its output names a program that does not run in the sandbox (see below).`
            : `${facts.unit} started but exited${status}; nothing in the trace or its output points at a hidden path.`;
    details.push(...lastServiceLines(facts, 5));
    return { kind: 'service-error', ...(exit ? { exitStatus: exit.status } : {}), summary, details, fixes };
  }
  return {
    kind: 'unknown',
    summary: `${facts.unit} is ${active || 'in an unknown state'} (${p.SubState ?? '?'}, result ${result || '?'}), and nothing says why.`,
    details: lastServiceLines(facts, 5),
    fixes: [],
  };
}
