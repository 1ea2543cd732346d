/**
 * Which syscalls name files, where their path arguments are, what each path is relative to, and what
 * the call does to it. Pure data plus flag decoding; resolution against per-process state lives in
 * ./accesses.ts.
 *
 * Argument indexes are 0-based positions in strace's print order (which can differ from the C
 * prototype: faccessat prints 3 arguments, fchmodat prints no flags).
 */
import type { Operation } from '../core/model.js';

/** Where a path argument sits and how to read it. */
export interface PathSlot {
  /** Index of the path argument. */
  path: number;
  /** Index of the directory fd the path is relative to; absent = relative to the cwd. */
  dirfd?: number;
  ops: OpRule;
  /**
   * Whether this call says "an empty path means the dirfd itself" (AT_EMPTY_PATH and its per-syscall
   * cousins).
   */
  emptyPath?: (args: readonly string[]) => boolean;
  /** A NULL path means the dirfd itself (utimensat, fanotify_mark). */
  nullMeansDirfd?: boolean;
  /** A NULL (or, with `absoluteOnly`, a non-absolute) value is legitimate and names no file. */
  optional?: boolean;
  /** Only an absolute string is a path (mount source: `"none"`, `"tmpfs"`, `"proc"` are not). */
  absoluteOnly?: boolean;
  /** Resolved with RESOLVE_IN_ROOT-like semantics: absolute paths are relative to the dirfd. */
  inRootFlag?: (args: readonly string[]) => boolean;
  /** The argument is a path only for some calls (fsconfig commands, mount sources). */
  when?: (args: readonly string[]) => boolean;
}

export type OpRule = readonly Operation[] | ((args: readonly string[]) => readonly Operation[]);

/** What a call does beyond touching its paths. */
export type Effect =
  /** Success returns an fd naming the first path slot's object. */
  | 'opensFd'
  | 'chdir'
  | 'chroot'
  | 'execve';

export type SyscallSpec =
  | {
      kind: 'paths';
      slots: readonly PathSlot[];
      effect?: Effect;
      /** For 'opensFd': whether the new fd is close-on-exec. */
      cloexec?: (args: readonly string[]) => boolean;
      /**
       * For 'opensFd': the new fd is an unnamed file (O_TMPFILE), so its decoration (`/tmp/#1234
       * (deleted)`) names nothing that exists, whether or not the parser kept the marker.
       */
      unnamed?: (args: readonly string[]) => boolean;
    }
  /** `getcwd("/abs", size)`: the output is the authoritative cwd. */
  | { kind: 'getcwd' }
  /** connect/bind/sendto/sendmsg: a `sun_path="…"` anywhere in the arguments is a socket file. */
  | { kind: 'unixAddress'; op: Operation }
  /** Not file syscalls, but they change the state that resolves relative paths when traced. */
  | { kind: 'fchdir' }
  | { kind: 'close' }
  /** dup(old) = new */
  | { kind: 'dup' }
  /** dup2/dup3(old, new) */
  | { kind: 'dup2' }
  /** fcntl(old, F_DUPFD…) = new */
  | { kind: 'fcntl' }
  /** clone/clone3/fork/vfork: the result is the child's pid. */
  | { kind: 'spawn'; sharing: (args: readonly string[]) => { fs: boolean; files: boolean } };

// ---------------------------------------------------------------------------------------------------
// Flag decoding. strace prints flags three ways: symbolic `O_RDONLY|O_CLOEXEC|0x40000000` (default),
// numeric `0x80000` (-X raw) and `0x80000 /* O_RDONLY|O_CLOEXEC */` (-X verbose). In the verbose form
// the number is complete, so the comment is ignored.

export type FlagSymbols = ReadonlyMap<string, number>;

/**
 * Flag words repeat endlessly in a trace (`O_RDONLY|O_CLOEXEC`), so decoded words are remembered per
 * symbol table; the bound keeps a log full of distinct raw numbers from growing memory.
 */
const flagMemo = new Map<FlagSymbols, Map<string, number>>();
const FLAG_MEMO_LIMIT = 4096;

/** OR of all recognised parts of a flag word; unknown symbols contribute nothing. */
export function parseFlags(text: string | undefined, symbols: FlagSymbols): number {
  if (text === undefined) return 0;
  let memo = flagMemo.get(symbols);
  if (memo === undefined) flagMemo.set(symbols, (memo = new Map()));
  const known = memo.get(text);
  if (known !== undefined) return known;
  const value = decodeFlags(text, symbols);
  if (memo.size < FLAG_MEMO_LIMIT) memo.set(text, value);
  return value;
}

function decodeFlags(text: string, symbols: FlagSymbols): number {
  let word = text;
  const comment = word.indexOf('/*');
  if (comment >= 0) word = word.slice(0, comment);
  word = word.trim();
  if (word === '' || word === 'NULL') return 0;
  let value = 0;
  for (const part of word.split('|')) {
    const token = part.trim();
    const known = symbols.get(token);
    if (known !== undefined) {
      value |= known;
      continue;
    }
    const numeric = parseInteger(token);
    if (numeric !== undefined) value |= numeric;
  }
  return value;
}

/** `0x1f`, `0755` (octal, as strace prints modes and raw octal flags), `42`, `-100`. */
export function parseInteger(token: string): number | undefined {
  // Most tokens are small decimal results (`3`, `0`, `4711`): read them without the patterns below.
  const length = token.length;
  const first = token.charCodeAt(0);
  if (length > 0 && length < 10 && first >= 48 && first <= 57 && (first !== 48 || length === 1)) {
    let value = 0;
    let i = 0;
    for (; i < length; i++) {
      const code = token.charCodeAt(i);
      if (code < 48 || code > 57) break;
      value = value * 10 + (code - 48);
    }
    if (i === length) return value;
  }
  if (/^-?0x[0-9a-f]+$/i.test(token)) {
    const negative = token.startsWith('-');
    const magnitude = parseInt(token.slice(negative ? 3 : 2), 16);
    return negative ? -magnitude : magnitude;
  }
  if (/^0[0-7]+$/.test(token)) return parseInt(token, 8);
  if (/^-?\d+$/.test(token)) return parseInt(token, 10);
  return undefined;
}

/** A table of flag names and values as strace prints them: the object names values in code, the map decodes. */
function flagSymbols(values: Readonly<Record<string, number>>): FlagSymbols {
  return new Map(Object.entries(values));
}

// x86_64 values (asm-generic/fcntl.h as used by x86).
const OPEN = {
  O_RDONLY: 0, O_WRONLY: 0o1, O_RDWR: 0o2, O_ACCMODE: 0o3,
  O_CREAT: 0o100, O_EXCL: 0o200, O_NOCTTY: 0o400, O_TRUNC: 0o1000, O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000, O_NDELAY: 0o4000, O_DSYNC: 0o10000, FASYNC: 0o20000, O_ASYNC: 0o20000, O_DIRECT: 0o40000,
  O_LARGEFILE: 0o100000, O_DIRECTORY: 0o200000, O_NOFOLLOW: 0o400000, O_NOATIME: 0o1000000, O_CLOEXEC: 0o2000000,
  __O_SYNC: 0o4000000, O_SYNC: 0o4010000, O_FSYNC: 0o4010000, O_RSYNC: 0o4010000,
  // O_TMPFILE is __O_TMPFILE | O_DIRECTORY.
  O_PATH: 0o10000000, __O_TMPFILE: 0o20000000, O_TMPFILE: 0o20200000,
} as const;
export const OPEN_FLAGS = flagSymbols(OPEN);
const { O_ACCMODE, O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_DIRECTORY, O_PATH, __O_TMPFILE: O_TMPFILE_BIT } = OPEN;

const AT = {
  AT_SYMLINK_NOFOLLOW: 0x100, AT_REMOVEDIR: 0x200, AT_EACCESS: 0x200, AT_SYMLINK_FOLLOW: 0x400, AT_NO_AUTOMOUNT: 0x800,
  AT_EMPTY_PATH: 0x1000, AT_STATX_SYNC_AS_STAT: 0, AT_STATX_FORCE_SYNC: 0x2000, AT_STATX_DONT_SYNC: 0x4000, AT_RECURSIVE: 0x8000,
} as const;
export const AT_FLAGS = flagSymbols(AT);
export const { AT_SYMLINK_NOFOLLOW, AT_REMOVEDIR, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH } = AT;

const MOVE_MOUNT = {
  MOVE_MOUNT_F_SYMLINKS: 0x1, MOVE_MOUNT_F_AUTOMOUNTS: 0x2, MOVE_MOUNT_F_EMPTY_PATH: 0x4,
  MOVE_MOUNT_T_SYMLINKS: 0x10, MOVE_MOUNT_T_AUTOMOUNTS: 0x20, MOVE_MOUNT_T_EMPTY_PATH: 0x40,
} as const;
const MOVE_MOUNT_FLAGS = flagSymbols(MOVE_MOUNT);
const { MOVE_MOUNT_F_EMPTY_PATH, MOVE_MOUNT_T_EMPTY_PATH } = MOVE_MOUNT;

const FSPICK = { FSPICK_CLOEXEC: 0x1, FSPICK_SYMLINK_NOFOLLOW: 0x2, FSPICK_NO_AUTOMOUNT: 0x4, FSPICK_EMPTY_PATH: 0x8 } as const;
const FSPICK_FLAGS = flagSymbols(FSPICK);

const RENAME = { RENAME_NOREPLACE: 0x1, RENAME_EXCHANGE: 0x2, RENAME_WHITEOUT: 0x4 } as const;
const RENAME_FLAGS = flagSymbols(RENAME);

const MOUNT = { MS_BIND: 0x1000, MS_MOVE: 0x2000, MS_REC: 0x4000, MS_REMOUNT: 0x20 } as const;
const MOUNT_FLAGS = flagSymbols(MOUNT);

const RESOLVE = {
  RESOLVE_NO_XDEV: 0x1, RESOLVE_NO_MAGICLINKS: 0x2, RESOLVE_NO_SYMLINKS: 0x4, RESOLVE_BENEATH: 0x8, RESOLVE_IN_ROOT: 0x10, RESOLVE_CACHED: 0x20,
} as const;
const RESOLVE_FLAGS = flagSymbols(RESOLVE);

const CLONE = { CLONE_VM: 0x100, CLONE_FS: 0x200, CLONE_FILES: 0x400, CLONE_SIGHAND: 0x800, CLONE_VFORK: 0x4000, CLONE_THREAD: 0x10000 } as const;
const CLONE_FLAGS = flagSymbols(CLONE);

const FSCONFIG = {
  FSCONFIG_SET_FLAG: 0, FSCONFIG_SET_STRING: 1, FSCONFIG_SET_BINARY: 2, FSCONFIG_SET_PATH: 3, FSCONFIG_SET_PATH_EMPTY: 4, FSCONFIG_SET_FD: 5,
} as const;
const FSCONFIG_COMMANDS = flagSymbols(FSCONFIG);

const FCNTL = { F_DUPFD: 0, F_DUPFD_CLOEXEC: 1030 } as const;
export const FCNTL_COMMANDS = flagSymbols(FCNTL);
export const { F_DUPFD, F_DUPFD_CLOEXEC } = FCNTL;

/**
 * Operations implied by open(2) flags.
 * O_PATH opens a location without reading it: only existence matters. O_TMPFILE names a directory
 * that receives an unnamed file, so the directory itself must be writable. O_DIRECTORY (without
 * O_TMPFILE) is how directories are opened for getdents, which is not a %file call.
 */
export function openFlagsToOps(flags: number): Operation[] {
  if (flags & O_PATH) return ['stat'];
  if (flags & O_TMPFILE_BIT) return ['write'];
  const ops: Operation[] = [];
  const mode = flags & O_ACCMODE;
  if (flags & O_DIRECTORY) ops.push('list');
  else if (mode === O_RDWR) ops.push('read', 'write');
  else if (mode === O_WRONLY) ops.push('write');
  else ops.push('read');
  if (flags & O_CREAT) ops.push('create');
  if (flags & O_TRUNC && !ops.includes('write')) ops.push('write');
  return ops;
}

/** openat2's `{flags=…, mode=…, resolve=…}`: the value of one member, comment included. */
export function structMember(structText: string | undefined, member: string): string | undefined {
  if (structText === undefined || !structText.startsWith('{')) return undefined;
  const key = member + '=';
  let at = structText.indexOf(key);
  while (at > 0 && structText[at - 1] !== '{' && structText[at - 1] !== ' ') at = structText.indexOf(key, at + 1);
  if (at < 0) return undefined;
  const start = at + key.length;
  let end = start;
  while (end < structText.length && structText[end] !== ',' && structText[end] !== '}') end++;
  return structText.slice(start, end);
}

const openFlagsAt =
  (index: number) =>
  (args: readonly string[]): number =>
    parseFlags(args[index], OPEN_FLAGS);
const openat2Flags = (args: readonly string[]): number => parseFlags(structMember(args[2], 'flags'), OPEN_FLAGS);

const hasFlag =
  (index: number, symbols: FlagSymbols, bit: number) =>
  (args: readonly string[]): boolean =>
    (parseFlags(args[index], symbols) & bit) !== 0;

// ---------------------------------------------------------------------------------------------------

const READ: readonly Operation[] = ['read'];
const WRITE: readonly Operation[] = ['write'];
const CREATE: readonly Operation[] = ['create'];
const DELETE: readonly Operation[] = ['delete'];
const STAT: readonly Operation[] = ['stat'];
const EXEC: readonly Operation[] = ['exec'];
const LIST: readonly Operation[] = ['list'];
const DELETE_AND_CREATE: readonly Operation[] = ['delete', 'create'];

const emptyAt = (arg: number) => hasFlag(arg, AT_FLAGS, AT_EMPTY_PATH);

/** Shorthand for the common shapes. */
const cwdPath = (ops: OpRule, extra: Partial<PathSlot> = {}): PathSlot => ({ path: 0, ops, ...extra });
const atPath = (ops: OpRule, extra: Partial<PathSlot> = {}): PathSlot => ({ path: 1, dirfd: 0, ops, ...extra });
const paths = (...slots: PathSlot[]): SyscallSpec => ({ kind: 'paths', slots });

/** A rename moves the name: the source disappears, the destination appears; EXCHANGE does both to both. */
const renameOps =
  (flagsIndex: number | undefined) =>
  (args: readonly string[]): readonly Operation[] =>
    flagsIndex !== undefined && hasFlag(flagsIndex, RENAME_FLAGS, RENAME.RENAME_EXCHANGE)(args) ? DELETE_AND_CREATE : DELETE;
const renameDestOps =
  (flagsIndex: number | undefined) =>
  (args: readonly string[]): readonly Operation[] =>
    flagsIndex !== undefined && hasFlag(flagsIndex, RENAME_FLAGS, RENAME.RENAME_EXCHANGE)(args) ? DELETE_AND_CREATE : CREATE;

const mountSourceIsPath = (args: readonly string[]): boolean =>
  (parseFlags(args[3], MOUNT_FLAGS) & (MOUNT.MS_BIND | MOUNT.MS_MOVE)) !== 0;

const fsconfigTakesPath = (args: readonly string[]): boolean => {
  const command = parseFlags(args[1], FSCONFIG_COMMANDS);
  return command === FSCONFIG.FSCONFIG_SET_PATH || command === FSCONFIG.FSCONFIG_SET_PATH_EMPTY;
};

const statCalls = ['stat', 'lstat', 'oldstat', 'oldlstat', 'stat64', 'lstat64', 'statfs', 'statfs64'];
const writeCalls = [
  'truncate',
  'truncate64',
  'chmod',
  'chown',
  'lchown',
  'chown32',
  'lchown32',
  'utime',
  'utimes',
  'setxattr',
  'lsetxattr',
  'removexattr',
  'lremovexattr',
  'swapon',
  'swapoff',
  'umount',
  'umount2',
];
/** Extended attributes and metadata reads: like stat, they need the object, not its content. */
const metadataReadCalls = ['getxattr', 'lgetxattr', 'listxattr', 'llistxattr'];

const table = new Map<string, SyscallSpec>();
for (const name of statCalls) table.set(name, paths(cwdPath(STAT)));
for (const name of writeCalls) table.set(name, paths(cwdPath(WRITE)));
for (const name of metadataReadCalls) table.set(name, paths(cwdPath(STAT)));

const openSpec = (slot: PathSlot, flags: (args: readonly string[]) => number): SyscallSpec => ({
  kind: 'paths',
  slots: [slot],
  effect: 'opensFd',
  cloexec: (args) => (flags(args) & OPEN.O_CLOEXEC) !== 0,
  unnamed: (args) => (flags(args) & O_TMPFILE_BIT) !== 0,
});
table.set('open', openSpec(cwdPath((args) => openFlagsToOps(openFlagsAt(1)(args))), openFlagsAt(1)));
table.set('creat', openSpec(cwdPath(['write', 'create']), () => O_WRONLY | O_CREAT | O_TRUNC));
table.set('openat', openSpec(atPath((args) => openFlagsToOps(openFlagsAt(2)(args))), openFlagsAt(2)));
table.set(
  'openat2',
  openSpec(
    atPath((args) => openFlagsToOps(openat2Flags(args)), {
      inRootFlag: (args) => (parseFlags(structMember(args[2], 'resolve'), RESOLVE_FLAGS) & RESOLVE.RESOLVE_IN_ROOT) !== 0,
    }),
    openat2Flags,
  ),
);

// Access checks (even W_OK) are modelled as stat: the program only asks, and commonly falls back to
// something else when the answer is no; whatever it then really does shows up as its own access.
table.set('access', paths(cwdPath(STAT)));
table.set('faccessat', paths(atPath(STAT)));
table.set('faccessat2', paths(atPath(STAT, { emptyPath: emptyAt(3) })));
table.set('newfstatat', paths(atPath(STAT, { emptyPath: emptyAt(3) })));
table.set('fstatat64', paths(atPath(STAT, { emptyPath: emptyAt(3) })));
table.set('statx', paths(atPath(STAT, { emptyPath: emptyAt(2) })));

table.set('execve', { kind: 'paths', slots: [cwdPath(EXEC)], effect: 'execve' });
table.set('execveat', { kind: 'paths', slots: [atPath(EXEC, { emptyPath: emptyAt(4) })], effect: 'execve' });

table.set('getcwd', { kind: 'getcwd' });
table.set('chdir', { kind: 'paths', slots: [cwdPath(STAT)], effect: 'chdir' });
table.set('chroot', { kind: 'paths', slots: [cwdPath(STAT)], effect: 'chroot' });

table.set('rename', paths({ path: 0, ops: DELETE }, { path: 1, ops: CREATE }));
table.set('renameat', paths({ path: 1, dirfd: 0, ops: DELETE }, { path: 3, dirfd: 2, ops: CREATE }));
table.set(
  'renameat2',
  paths({ path: 1, dirfd: 0, ops: renameOps(4) }, { path: 3, dirfd: 2, ops: renameDestOps(4) }),
);

table.set('mkdir', paths(cwdPath(CREATE)));
table.set('mkdirat', paths(atPath(CREATE)));
table.set('mknod', paths(cwdPath(CREATE)));
table.set('mknodat', paths(atPath(CREATE)));
table.set('rmdir', paths(cwdPath(DELETE)));
table.set('unlink', paths(cwdPath(DELETE)));
// AT_REMOVEDIR makes it rmdir; both remove a name.
table.set('unlinkat', paths(atPath(DELETE)));

// The existing file of a hard link only has to be reachable; the new name is created.
table.set('link', paths({ path: 0, ops: STAT }, { path: 1, ops: CREATE }));
table.set(
  'linkat',
  paths({ path: 1, dirfd: 0, ops: STAT, emptyPath: emptyAt(4) }, { path: 3, dirfd: 2, ops: CREATE }),
);
// The first argument of symlink is the link's content, which is never resolved at creation.
table.set('symlink', paths({ path: 1, ops: CREATE }));
table.set('symlinkat', paths({ path: 2, dirfd: 1, ops: CREATE }));
// readlink needs only the link itself to be reachable, like a stat: realpath() calls it on every
// component (`readlink("/run") = -1 EINVAL`), which must not make a whole directory look read.
table.set('readlink', paths(cwdPath(STAT)));
// Since Linux 2.6.39 an empty path reads the link the dirfd (O_PATH|O_NOFOLLOW) refers to.
table.set('readlinkat', paths(atPath(STAT, { emptyPath: () => true })));

table.set('fchmodat', paths(atPath(WRITE)));
table.set('fchmodat2', paths(atPath(WRITE, { emptyPath: emptyAt(3) })));
table.set('fchownat', paths(atPath(WRITE, { emptyPath: emptyAt(4) })));
table.set('futimesat', paths(atPath(WRITE, { nullMeansDirfd: true })));
table.set('utimensat', paths(atPath(WRITE, { nullMeansDirfd: true, emptyPath: emptyAt(3) })));
table.set('utimensat_time64', paths(atPath(WRITE, { nullMeansDirfd: true, emptyPath: emptyAt(3) })));

table.set('setxattrat', paths(atPath(WRITE, { emptyPath: emptyAt(2) })));
table.set('removexattrat', paths(atPath(WRITE, { emptyPath: emptyAt(2) })));
table.set('getxattrat', paths(atPath(STAT, { emptyPath: emptyAt(2) })));
table.set('listxattrat', paths(atPath(STAT, { emptyPath: emptyAt(2) })));
table.set('file_getattr', paths(atPath(STAT, { emptyPath: emptyAt(4) })));
table.set('file_setattr', paths(atPath(WRITE, { emptyPath: emptyAt(4) })));

// The first argument is a notification fd, not a dirfd.
table.set('inotify_add_watch', paths({ path: 1, ops: LIST }));
table.set('fanotify_mark', paths({ path: 4, dirfd: 3, ops: LIST, nullMeansDirfd: true }));
table.set('name_to_handle_at', paths(atPath(STAT, { emptyPath: emptyAt(4) })));

table.set(
  'mount',
  paths(
    { path: 0, ops: READ, optional: true, absoluteOnly: true, when: mountSourceIsPath },
    { path: 1, ops: WRITE },
  ),
);
table.set('pivot_root', paths({ path: 0, ops: WRITE }, { path: 1, ops: WRITE }));
table.set('acct', paths(cwdPath(WRITE, { optional: true })));
table.set('quotactl', paths({ path: 1, ops: STAT, optional: true }));
table.set('uselib', paths(cwdPath(READ)));
table.set('open_tree', { kind: 'paths', slots: [atPath(STAT, { emptyPath: emptyAt(2) })], effect: 'opensFd' });
table.set('open_tree_attr', { kind: 'paths', slots: [atPath(STAT, { emptyPath: emptyAt(2) })], effect: 'opensFd' });
table.set(
  'fspick',
  { kind: 'paths', slots: [atPath(STAT, { emptyPath: hasFlag(2, FSPICK_FLAGS, FSPICK.FSPICK_EMPTY_PATH) })], effect: 'opensFd' },
);
table.set(
  'move_mount',
  paths(
    { path: 1, dirfd: 0, ops: STAT, emptyPath: hasFlag(4, MOVE_MOUNT_FLAGS, MOVE_MOUNT_F_EMPTY_PATH) },
    { path: 3, dirfd: 2, ops: WRITE, emptyPath: hasFlag(4, MOVE_MOUNT_FLAGS, MOVE_MOUNT_T_EMPTY_PATH) },
  ),
);
table.set(
  'fsconfig',
  paths({
    path: 3,
    dirfd: 4,
    ops: READ,
    when: fsconfigTakesPath,
    emptyPath: (args) => parseFlags(args[1], FSCONFIG_COMMANDS) === FSCONFIG.FSCONFIG_SET_PATH_EMPTY,
  }),
);
table.set('mount_setattr', paths(atPath(WRITE, { emptyPath: emptyAt(2) })));

// fchmodat2 as strace 6.1 prints it (unknown to that version): all arguments are raw numbers, so the
// path is an address and ends up reported as undecodable rather than silently missed.
table.set('syscall_0x1c4', paths(atPath(WRITE)));

table.set('connect', { kind: 'unixAddress', op: 'connect' });
table.set('sendto', { kind: 'unixAddress', op: 'connect' });
table.set('sendmsg', { kind: 'unixAddress', op: 'connect' });
// bind creates the socket file.
table.set('bind', { kind: 'unixAddress', op: 'create' });

table.set('fchdir', { kind: 'fchdir' });
table.set('close', { kind: 'close' });
table.set('dup', { kind: 'dup' });
table.set('dup2', { kind: 'dup2' });
table.set('dup3', { kind: 'dup2' });
table.set('fcntl', { kind: 'fcntl' });
table.set('fcntl64', { kind: 'fcntl' });

const cloneSharing = (args: readonly string[]): { fs: boolean; files: boolean } => {
  // clone prints `flags=…` as a named argument; clone3 inside its struct.
  let flagsText: string | undefined;
  for (const arg of args) {
    if (arg.startsWith('flags=')) flagsText = arg.slice(6);
    else if (arg.startsWith('{')) flagsText = structMember(arg, 'flags');
    if (flagsText !== undefined) break;
  }
  // `-e raw=clone` prints the kernel's argument order, where flags come first.
  if (flagsText === undefined) flagsText = args[0];
  const flags = parseFlags(flagsText, CLONE_FLAGS);
  return { fs: (flags & CLONE.CLONE_FS) !== 0, files: (flags & CLONE.CLONE_FILES) !== 0 };
};
const copyAll = () => ({ fs: false, files: false });
table.set('clone', { kind: 'spawn', sharing: cloneSharing });
table.set('clone3', { kind: 'spawn', sharing: cloneSharing });
table.set('fork', { kind: 'spawn', sharing: copyAll });
table.set('vfork', { kind: 'spawn', sharing: copyAll });

/**
 * Failures that say the object is not what the call needed (it already exists, is a directory, is not
 * empty, is a symlink under O_NOFOLLOW): the call did not happen and would not happen under any
 * sandbox, so it is no evidence that the service needs its operation, only that it looked the path up.
 * A sandbox that hides a path makes calls fail with ENOENT, EACCES, EPERM, EROFS or EXDEV instead;
 * those, and failures of resources (ENOSPC, EINTR), keep the call's operations.
 */
export const LOOKUP_ONLY_ERRNOS: ReadonlySet<string> = new Set(['EEXIST', 'ENOTEMPTY', 'EISDIR', 'ENOTDIR', 'ELOOP']);

/** What a call that failed with one of LOOKUP_ONLY_ERRNOS did to its path. */
export const LOOKUP_ONLY_OPS: readonly Operation[] = STAT;

/** Every syscall this project interprets, keyed by the name strace prints. */
export const SYSCALLS: ReadonlyMap<string, SyscallSpec> = table;

/** The call's operations on one slot. */
export function slotOps(slot: PathSlot, args: readonly string[]): readonly Operation[] {
  return typeof slot.ops === 'function' ? slot.ops(args) : slot.ops;
}

/** Whether this call lets an empty path stand for the dirfd itself. */
export function slotAllowsEmptyPath(slot: PathSlot, args: readonly string[]): boolean {
  return slot.emptyPath !== undefined && slot.emptyPath(args);
}
