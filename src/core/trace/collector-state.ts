/**
 * The collector's working state and its small pure pieces: per-task cwd, root and fd table, what one
 * path argument resolves to, the per-call-text memo and run plans, and helpers on decorated arguments.
 */
import { callMemoSlot, type ByteString, type CompleteCall, type SyscallEvent } from '../../../parsers/events.js';
import { findClosingQuote } from '../../../parsers/strings.js';
import { normalizePath } from '../fsview.js';
import type { Access, Operation } from '../model.js';
import { FCNTL_COMMANDS, OPEN_FLAGS, SYSCALLS, parseInteger, type SyscallSpec } from './syscalls.js';

export const O_CLOEXEC = OPEN_FLAGS.get('O_CLOEXEC')!;

/** cwd and root: shared by CLONE_FS threads, copied on fork. */
export interface FsState {
  /** Absolute, in strace's (the host's) view; undefined while unknown. */
  cwd: ByteString | undefined;
  /** Prefix for the tracee's absolute paths after chroot: '' = the host root, undefined = unknown. */
  root: ByteString | undefined;
}

export interface OpenFile {
  path: ByteString;
  cloexec: boolean;
}

export interface Task {
  fs: FsState;
  /** Only fds whose path is known; a missing fd is unknown, never assumed. */
  fds: Map<number, OpenFile>;
}

/** Outcome of turning one path argument into a path. */
export type Target =
  | { kind: 'path'; path: ByteString }
  | { kind: 'unresolved'; raw: ByteString; reason: string }
  /** Legitimately no file (acct(NULL), a mount source `"none"`, an fd that is a socket). */
  | { kind: 'none' };

export const NONE: Target = { kind: 'none' };

export interface ResolvedCall {
  /** One per path slot; undefined where the slot does not apply to this call. */
  targets: (Target | undefined)[];
  ops: (readonly Operation[] | undefined)[];
  cwd: ByteString | undefined;
  unnamed: boolean;
  cloexec: boolean;
  firstSlotOps: readonly Operation[];
}

/** Reasons are fixed strings so that repeated failures of the same kind merge into one report. */
export const REASONS = {
  address: 'path not decoded: strace printed only its address (-e raw, or tracee memory unreadable)',
  notString: 'path argument is not a string',
  truncated: 'path truncated by strace',
  empty: 'empty path without AT_EMPTY_PATH',
  cwdUnknown: 'working directory unknown (no -y decoration, no chdir/getcwd seen for this process)',
  rootUnknown: 'root directory unknown after a chroot that could not be resolved',
  dirfdUnknown: 'directory fd unknown (no -y decoration, not opened in the trace)',
  dirfdNotDecoded: 'directory fd argument not decoded',
  dirfdNotFile: 'directory fd does not name a file system path',
  fdUnknown: 'fd unknown (no -y decoration, not opened in the trace)',
} as const;

/**
 * What a repeated call text always gives here, kept in the parser's memo slot of its shared result:
 * the repeats of a call then cost no lookup by text. `resolved` is the call's entry of resolvedCalls
 * (so valid under the same condition: the process is not chrooted); `accesses` are the Access of each
 * of its targets, which never change once made.
 */
export interface CallMemo {
  owner: object;
  name: string;
  argsText: string;
  spec: SyscallSpec | undefined;
  resolved: ResolvedCall | undefined;
  accesses: (Access | undefined)[];
  kernelAccess: Access | undefined;
  /** The kernel's path from the result's decoration; null when there is none. */
  kernelPath: KernelPath | null | undefined;
  /** False once the arguments were seen to hold no `sun_path=`. */
  namesUnixPath: boolean;
  /** The Access of the absolute socket path it names, once recorded in a process that is not chrooted. */
  unixAccess: Access | undefined;
  /** What a successful open puts in the fd table (OpenFile objects are never modified, so shareable). */
  opened: { fd: number | undefined; file: OpenFile | undefined } | undefined;
}

/**
 * How addRun takes the repeats of one call text. IGNORE: add() would do nothing with it. REPLAY: what its
 * every repeat does while the process is not chrooted, read off its CallMemo once that is complete (see
 * planOf). EVENTS: neither (yet); `tries` counts the events made while waiting for a plan.
 */
export const IGNORE = 0;
export const REPLAY = 1;
export const EVENTS = 2;
/** Events made for a call text before addRun stops looking for a plan for it. */
export const PLAN_TRIES = 4;

export interface RunPlan {
  call: CompleteCall;
  kind: typeof IGNORE | typeof REPLAY | typeof EVENTS;
  tries: number;
  /** The Access of every path it names (once per naming), each counted again on every repeat. */
  counted: Access[];
  /** Accesses whose resolvedTo it sets to `resolvedTo`, as pathCall does on every repeat. */
  resolves: Access[];
  resolvedTo: ByteString | undefined;
  /** The cwd an `AT_FDCWD</dir>` decoration reveals. */
  cwd: ByteString | undefined;
  opened: { fd: number | undefined; file: OpenFile | undefined } | undefined;
}

export interface KernelPath {
  path: ByteString;
  deleted: boolean;
}


export const SLASH = 47;
/** Enough distinct argument texts for a busy service; cleared when full, so memory stays bounded. */
export const SPLIT_CACHE_LIMIT = 20000;
export const QUOTE = 34;
export const DELETED_SUFFIX = ' (deleted)';

/**
 * Every Access with all its fields from the start, the optional ones undefined: objects of one shape
 * keep `access.count++` on a run's repeats (see addRun) a plain store, where the shapes that adding
 * fields later makes turned it into the collector's slowest line.
 */
export function newAccess(path: ByteString, event: SyscallEvent, ops: Set<Operation>, count: number): Access {
  return {
    path,
    ops,
    ok: false,
    errors: new Set(),
    count,
    firstPid: event.pid,
    writerPid: undefined,
    firstLine: event.line,
    source: event.source,
    executed: undefined,
    resolvedTo: undefined,
    resolvedFrom: undefined,
  };
}

/** What a plan counts and resolves until planOf gives it its own: nothing (never modified). */
export const NO_ACCESSES: Access[] = [];

export function newPlan(call: CompleteCall): RunPlan {
  // add() passes over names it has no spec for, whatever the call says: no event, no memo.
  const kind = SYSCALLS.has(call.name) ? EVENTS : IGNORE;
  return { call, kind, tries: 0, counted: NO_ACCESSES, resolves: NO_ACCESSES, resolvedTo: undefined, cwd: undefined, opened: undefined };
}

export function setFd(task: Task, fd: number | undefined, path: ByteString | undefined, cloexec: boolean): void {
  putFd(task, fd, path === undefined ? undefined : { path, cloexec });
}

export function putFd(task: Task, fd: number | undefined, file: OpenFile | undefined): void {
  if (fd === undefined || fd < 0) return;
  // A reused number must forget what it named before, even when the new object is unknown.
  if (file === undefined) task.fds.delete(fd);
  else task.fds.set(fd, file);
}

/** fcntl's command as a number; undefined for commands this module does not know (F_GETFL, …). */
export function fcntlCommand(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const comment = text.indexOf('/*');
  const word = (comment >= 0 ? text.slice(0, comment) : text).trim();
  return FCNTL_COMMANDS.get(word) ?? parseInteger(word);
}

/** `3</x>` and `AT_FDCWD</x>` are decorated; `3` and `-100 /* AT_FDCWD *\/` are not. */
export function isDecorated(arg: string | undefined): boolean {
  if (arg === undefined) return false;
  const lt = arg.indexOf('<');
  return lt > 0 && arg.charCodeAt(lt + 1) !== 60;
}

/**
 * The path of a `-y` decorated return value, if it names a file. Sockets, pipes, anonymous inodes and
 * memfds are not files; ` (deleted)` (kept inside the brackets by older strace) marks a vanished file.
 */
export function fileDecoration(fdPath: ByteString | undefined): KernelPath | undefined {
  if (fdPath === undefined || fdPath.charCodeAt(0) !== SLASH || fdPath.startsWith('/memfd:')) return undefined;
  if (fdPath.endsWith(DELETED_SUFFIX)) return { path: fdPath.slice(0, -DELETED_SUFFIX.length), deleted: true };
  return { path: fdPath, deleted: false };
}

/** `-N` (strace ≥ 6.16) prints `dirfd=AT_FDCWD, pathname="…"`; the values are what matter. */
export function stripArgNames(args: string[]): void {
  for (let i = 0; i < args.length; i++) {
    const code = args[i].charCodeAt(0);
    if (code >= 97 && code <= 122) {
      const named = /^[a-z_][a-z0-9_]*=(?!=)/.exec(args[i]);
      if (named !== null) args[i] = args[i].slice(named[0].length);
    }
  }
}

export function findOutsideStrings(text: string, needle: string): number {
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const close = findClosingQuote(text, i);
      if (close < 0) return -1;
      i = close + 1;
      continue;
    }
    if (text.startsWith(needle, i)) return i;
    i++;
  }
  return -1;
}

/** The tracee's absolute path seen from the host, given its root ('' = not chrooted). */
export function joinRoot(root: ByteString, absolute: ByteString): ByteString {
  const path = normalizePath(absolute);
  if (root === '') return path;
  return path === '/' ? root : root + path;
}

/**
 * Makes `plan` IGNORE or REPLAY when the call's CallMemo shows that every repeat does the same: a
 * name add() passes over, a Unix socket call naming no path, or a path call that only counts its
 * accesses again, with its targets resolved from the text alone (valid while the process is not
 * chrooted, as resolveCall's memo is), its accesses and decoration already settled, and an effect
 * that is at most an fd opened. Anything else (exec, chdir, chroot, fd-table calls) keeps its events.
 */
export function planOf(plan: RunPlan, owner: object, filtering: boolean): void {
  if (filtering) return;
  const call = plan.call;
  const memo = callMemoSlot(call.result)?.accesses as CallMemo | undefined;
  if (memo === undefined || memo.owner !== owner || memo.name !== call.name || memo.argsText !== call.argsText) return;
  const spec = memo.spec;
  if (spec === undefined || (spec.kind === 'unixAddress' && !memo.namesUnixPath)) {
    plan.kind = IGNORE;
    return;
  }
  if (spec.kind === 'unixAddress' && memo.unixAccess !== undefined) {
    plan.kind = REPLAY;
    plan.counted = [memo.unixAccess];
    return;
  }
  if (spec.kind !== 'paths' || !(spec.effect === undefined || spec.effect === 'opensFd')) return;
  const resolved = memo.resolved;
  if (resolved === undefined || memo.kernelPath === undefined) return;
  const kernelPath = memo.kernelPath ?? undefined;
  const counted: Access[] = [];
  const resolves: Access[] = [];
  let firstPath: ByteString | undefined;
  for (let i = 0; i < resolved.targets.length; i++) {
    const target = resolved.targets[i];
    if (target === undefined || target.kind === 'none') continue;
    const access = memo.accesses[i];
    if (target.kind !== 'path' || access === undefined) return;
    if (i === 0) firstPath = target.path;
    counted.push(access);
    if (kernelPath !== undefined && kernelPath.path !== target.path && !kernelPath.deleted) resolves.push(access);
  }
  if (kernelPath !== undefined && !kernelPath.deleted && kernelPath.path !== firstPath) {
    const access = memo.kernelAccess;
    // Its resolvedFrom is set once (`??=`): a plan may only stand for repeats that find it set.
    if (access === undefined || (firstPath !== undefined && access.resolvedFrom === undefined)) return;
    counted.push(access);
  }
  let opened: RunPlan['opened'];
  if (call.result.kind === 'ok' && spec.effect === 'opensFd') {
    opened = memo.opened;
    if (opened === undefined) return;
  }
  plan.kind = REPLAY;
  plan.counted = counted;
  plan.resolves = resolves;
  plan.resolvedTo = kernelPath?.path;
  plan.cwd = resolved.cwd;
  plan.opened = opened;
}

/** The memo of a call text in its shared result's slot, made for `owner` when it has none yet. */
export function memoOf(event: SyscallEvent, owner: object): CallMemo | undefined {
  const slot = callMemoSlot(event.result);
  if (slot === undefined) return undefined;
  const memo = slot.accesses as CallMemo | undefined;
  if (memo !== undefined && memo.owner === owner && memo.name === event.name && memo.argsText === event.argsText) return memo;
  const made: CallMemo = {
    owner,
    name: event.name,
    argsText: event.argsText,
    spec: SYSCALLS.get(event.name),
    resolved: undefined,
    accesses: [],
    kernelAccess: undefined,
    kernelPath: undefined,
    opened: undefined,
    namesUnixPath: true,
    unixAccess: undefined,
  };
  slot.accesses = made;
  return made;
}

export function remember(memo: CallMemo, call: ResolvedCall): void {
  memo.resolved = call;
  memo.accesses = [];
  memo.kernelAccess = undefined;
  memo.kernelPath = undefined;
  memo.opened = undefined;
}
