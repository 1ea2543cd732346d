/**
 * The text of the tracing drop-in: every Exec*= list of the unit reset and re-emitted behind strace,
 * with the unit's prefixes kept in front, plus only the relaxations of the unit's hardening that
 * tracing cannot work without. Pure: the unit comes in as UnitInfo, the text goes out.
 */
import { escapeExecWord, escapePathValue, splitFirstWord, type ExecKind, type UnitInfo } from './unitfile.js';

/** Sorts after every drop-in a package or an admin is likely to write, so its Exec*= resets win. */
export const TRACING_DROPIN_NAME = 'zz-bindscout-trace.conf';
export const TRACING_DROPIN_GLOB = /^zz-bindscout-.*\.conf$/;
export const STRACE_PATH = '/usr/bin/strace';
/**
 * A limit no trace reaches: journald multiplies the burst by a factor of its free disk space (up to
 * about 10), so it must stay well below 2^32 / 10.
 */
export const LOG_RATE_INTERVAL = '1s';
export const LOG_RATE_BURST = 100_000_000;

/**
 * -D: strace runs as a detached grandchild, so the traced program keeps the PID systemd forked and
 *     stays MainPID (Type=forking/notify would otherwise never finish starting).
 * -f: follow forks. -y: decode fds to paths (dirfd-relative opens are unresolvable without it).
 * -q: no attach/detach chatter; exit lines (`+++ exited +++`) stay, they end a pid's fd table.
 * --seccomp-bpf: stop only on traced syscalls; much lower overhead under -f.
 * No -s: paths and sun_path are printed whole whatever -s says; only data buffers (sendto/sendmsg
 * payloads) are cut, and those are not wanted.
 * connect/bind/sendto/sendmsg are not in %file but name the Unix sockets a service talks to.
 * clone/clone3/fork/vfork tell which process forked which: a daemon's forked children (nginx's master
 * and workers) inherit its working directory and, for the review, its name.
 */
export const STRACE_ARGS = ['-D', '-f', '-y', '-q', '--seccomp-bpf', '-e', 'trace=%file,fchdir,connect,bind,sendto,sendmsg,clone,clone3,fork,vfork'];

export interface TracingDropInOptions {
  /** A candidate sandbox drop-in (its text, `[Service]` included) to try under tracing. */
  sandbox?: string;
  strace?: string;
  /** Extra strace options, e.g. `-o FILE`, placed before `--`. */
  straceArgs?: string[];
  /** Written into the header so that removal knows whether to remove the drop-in directory too. */
  createdDir?: boolean;
}

export interface TracingDropIn {
  text: string;
  /** What was changed beyond wrapping, and what could not be kept, for the person reading the report. */
  notes: string[];
}

export const CREATED_DIR_MARKER = '# bindscout: created-dir';

/** Whether the unit runs as root (strace then needs CAP_SYS_PTRACE once the daemon drops privileges itself). */
function runsAsRoot(unit: UnitInfo): boolean {
  return !unit.DynamicUser && (unit.User === '' || unit.User === 'root' || unit.User === '0');
}

export function wrapExecCommand(
  line: { prefixes: string[]; command: string },
  strace: string,
  straceArgs: string[],
): { value: string; note?: string } {
  let command = line.command;
  let note: string | undefined;
  const prefixes = line.prefixes.filter((p) => p !== '@');
  if (prefixes.length !== line.prefixes.length) {
    // `@` sets argv[0] of the program; strace 6.1 has no way to pass that on, so the word is dropped.
    const { word, rest } = splitFirstWord(command);
    const argv0 = splitFirstWord(rest);
    command = rest === '' ? word : `${word} ${argv0.rest}`.trimEnd();
    note = `"@" dropped from ${JSON.stringify(line.command)}: under strace the program sees its path as argv[0], not ${argv0.word}`;
  }
  const words = [strace, ...straceArgs].map(escapeExecWord).join(' ');
  return { value: `${prefixes.join('')}${words} -- ${command}`, ...(note ? { note } : {}) };
}

/**
 * strace writes to the unit's stderr, and the trace is read from the journal: whatever the unit does
 * with its output (StandardOutput=null that StandardError= inherits, file:, socket, tty), stderr goes
 * to the journal while tracing, and a LogLevelMax= below info would drop every line of it.
 */
export function traceOutputSettings(unit: UnitInfo): string[] {
  const out = ["# strace writes to stderr; the trace is read from the journal whatever the unit's output settings.", 'StandardError=journal'];
  const levelMax = unit.properties.get('LogLevelMax')?.join(' ').trim() ?? '';
  if (levelMax !== '' && levelMax !== '-1' && levelMax !== '7' && levelMax !== 'debug') {
    out.push("# The unit's LogLevelMax= would drop strace's lines (logged at info).", 'LogLevelMax=debug');
  }
  return out;
}

export function buildTracingDropIn(unit: UnitInfo, options: TracingDropInOptions = {}): TracingDropIn {
  const strace = options.strace ?? STRACE_PATH;
  const straceArgs = [...STRACE_ARGS, ...(options.straceArgs ?? [])];
  const notes: string[] = [];
  if (unit.exec.length === 0) throw new Error(`${unit.Id} has no Exec*= lines to trace`);

  const out: string[] = [
    `# Tracing drop-in of bindscout for ${unit.Id}; remove it with its trace command or delete this file.`,
  ];
  if (options.createdDir) out.push(CREATED_DIR_MARKER);
  if (options.sandbox !== undefined) {
    // The candidate comes first so that the relaxations and Exec*= resets below win over it.
    out.push('', '# Candidate sandbox under test:', options.sandbox.trimEnd(), '');
  }
  out.push(
    '[Service]',
    '# journald would drop most of the trace (10000 lines per 30 s) without this. Not IntervalSec=0:',
    '# systemd 252 then falls back to journald\'s global limit instead of lifting it.',
    `LogRateLimitIntervalSec=${LOG_RATE_INTERVAL}`,
    `LogRateLimitBurst=${LOG_RATE_BURST}`,
  );
  out.push(...traceOutputSettings(unit));

  const filter = unit.sandbox.SystemCallFilter.replace(/^~\s*$/, '');
  if (filter !== '' || (options.sandbox !== undefined && /^\s*SystemCallFilter=\S/m.test(options.sandbox))) {
    out.push("# ptrace() and strace's own syscalls are outside the unit's filter (status=31/SYS).", 'SystemCallFilter=');
    notes.push('SystemCallFilter= reset while tracing');
  }
  if (unit.sandbox.NoExecPaths.length > 0 || (options.sandbox !== undefined && /^\s*NoExecPaths=\S/m.test(options.sandbox))) {
    out.push('# NoExecPaths= would refuse to execute strace (203/EXEC).', `ExecPaths=${escapePathValue(strace)}`);
    notes.push(`${strace} added to ExecPaths= while tracing`);
  }
  if (runsAsRoot(unit) && !unit.sandbox.CapabilityBoundingSet.includes('cap_sys_ptrace')) {
    // Positive CapabilityBoundingSet= assignments are merged: this adds the one capability.
    out.push(
      '# The daemon drops privileges itself; a tracer without CAP_SYS_PTRACE then cannot read its memory.',
      'CapabilityBoundingSet=CAP_SYS_PTRACE',
    );
    notes.push('CAP_SYS_PTRACE added to CapabilityBoundingSet= while tracing');
  }
  const hidesRoot = (list: string[]) => list.some((e) => e === '/' || e.startsWith('/:'));
  if (hidesRoot(unit.sandbox.TemporaryFileSystem) || (options.sandbox !== undefined && /^\s*TemporaryFileSystem=\/(:|\s|$)/m.test(options.sandbox))) {
    out.push('# An emptied root hides strace itself; its libraries must be bound by the sandbox.', `BindReadOnlyPaths=-${escapePathValue(strace)}`);
    notes.push(`${strace} bound read-only into the emptied root`);
  }

  const seen = new Set<ExecKind>();
  for (const line of unit.exec) {
    if (!seen.has(line.kind)) {
      out.push(`${line.kind}=`);
      seen.add(line.kind);
    }
    const wrapped = wrapExecCommand(line, strace, straceArgs);
    if (wrapped.note) notes.push(wrapped.note);
    out.push(`${line.kind}=${wrapped.value}`);
  }
  return { text: out.join('\n') + '\n', notes };
}
