/**
 * The collector's working state and its small pure pieces: per-task cwd, root and fd table, what one
 * path argument resolves to, and helpers on decorated arguments.
 */
import { type ByteString, type SyscallEvent } from '../../parsers/events.js';
import { findClosingQuote } from '../../parsers/strings.js';
import { normalizePath } from '../core/fsview.js';
import { NO_MEMBERS, type Access, type Operation } from '../core/model.js';
import { FCNTL_COMMANDS, OPEN_FLAGS, parseInteger } from './syscalls.js';

export const O_CLOEXEC = OPEN_FLAGS.get('O_CLOEXEC')!;

/** cwd and root: shared by CLONE_FS threads, copied on fork. */
export interface FsState {
  /** Absolute, in strace's (the host's) view; undefined while unknown. */
  cwd: ByteString | undefined;
  /** Prefix for the tracee's absolute paths after chroot: '' = the host root, undefined = unknown. */
  root: ByteString | undefined;
  /** A directory was opened since the cwd was last known: an fchdir the trace does not show may have moved it. */
  openedDir?: boolean;
}

/** A cwd the trace states (chdir, fchdir, getcwd, an `AT_FDCWD</dir>` decoration); undefined = unknown. */
export function setCwd(fs: FsState, cwd: ByteString | undefined): void {
  fs.cwd = cwd;
  fs.openedDir = false;
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
  cwdUntraced: 'working directory unknown: the process opened a directory and may have entered it with fchdir, which the trace does not show',
  rootUnknown: 'root directory unknown after a chroot that could not be resolved',
  dirfdUnknown: 'directory fd unknown (no -y decoration, not opened in the trace)',
  dirfdNotDecoded: 'directory fd argument not decoded',
  dirfdNotFile: 'directory fd does not name a file system path',
  fdUnknown: 'fd unknown (no -y decoration, not opened in the trace)',
} as const;

export interface KernelPath {
  path: ByteString;
  deleted: boolean;
}


export const SLASH = 47;
/** Enough distinct argument texts for a busy service; cleared when full, so memory stays bounded. */
export const SPLIT_CACHE_LIMIT = 20000;
export const QUOTE = 34;
export const DELETED_SUFFIX = ' (deleted)';

/** Every Access with all its fields from the start, the optional ones undefined: one object shape. */
export function newAccess(path: ByteString, event: SyscallEvent, ops: ReadonlySet<Operation>, count: number): Access {
  return {
    path,
    ops,
    ok: false,
    errors: NO_MEMBERS,
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
