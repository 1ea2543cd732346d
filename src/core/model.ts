/**
 * The data model shared by every command: what a service touched (accesses) and what it should be
 * given (a profile). Paths are byte strings (see parsers/events.ts): one byte per UTF-16 code unit.
 */
import type { ByteString } from '../../parsers/events.js';

export type { ByteString };

export const OPERATIONS = ['read', 'write', 'create', 'delete', 'exec', 'stat', 'list', 'connect'] as const;
export type Operation = (typeof OPERATIONS)[number];

/**
 * An access's ops and errors are shared sets, one per combination (in the order the members came),
 * and never modified: a new member means another shared set. A trace of a million distinct paths
 * holds a handful of sets instead of two million.
 */
const sharedSets = new Map<string, ReadonlySet<string>>();
const keyOfShared = new WeakMap<ReadonlySet<string>, string>();

export const NO_MEMBERS = shared('', []) as ReadonlySet<never>;

function shared(key: string, members: readonly string[]): ReadonlySet<string> {
  let set = sharedSets.get(key);
  if (set === undefined) {
    set = new Set(members);
    sharedSets.set(key, set);
    keyOfShared.set(set, key);
  }
  return set;
}

/** `set` with `member` added: the same set when it has it already, else the shared set of both. */
export function withMember<T extends string>(set: ReadonlySet<T>, member: T): ReadonlySet<T> {
  if (set.has(member)) return set;
  // A set made elsewhere (a test's `new Set([...])`) has no key yet: its members in order make it.
  const key = (keyOfShared.get(set) ?? [...set].map((m) => '\0' + m).join('')) + '\0' + member;
  return shared(key, [...set, member]) as ReadonlySet<T>;
}

/** `set` with every one of `members` added (see withMember). */
export function withMembers<T extends string>(set: ReadonlySet<T>, members: Iterable<T>): ReadonlySet<T> {
  let out = set;
  for (const member of members) out = withMember(out, member);
  return out;
}

/** Every access to one absolute path, merged. */
export interface Access {
  path: ByteString;
  ops: ReadonlySet<Operation>;
  /** True if at least one access to this path succeeded. */
  ok: boolean;
  /** errno symbols seen on failed accesses (ENOENT, EACCES, EROFS, …). */
  errors: ReadonlySet<string>;
  count: number;
  firstPid: number | undefined;
  /** The first pid that wrote, created or removed it (which Exec*= line a refused write comes from). */
  writerPid?: number;
  firstLine: number;
  source: string;
  /** A successful execve/execveat ran this path (a failed one, as in a PATH search, only adds 'exec'). */
  executed?: boolean;
  /**
   * The kernel's canonical path for this requested path, from a `-y` decorated fd (`openat(…,
   * "/lib/x/libc.so.6", …) = 3</usr/lib/x/libc.so.6>`): it differs when a symlink lies along the way.
   */
  resolvedTo?: ByteString;
  /** Set on the kernel's canonical path: the first requested path that led to it. */
  resolvedFrom?: ByteString;
}

/** A path argument that could not be made absolute; reported, never guessed. */
export interface UnresolvedAccess {
  syscall: string;
  /** The path as printed (may be relative), or the raw argument text when it was not a string. */
  raw: ByteString;
  reason: string;
  /** Pid, line and source of the first occurrence. */
  pid: number | undefined;
  line: number;
  source: string;
  /** How many calls had this same syscall, raw text and reason. */
  count?: number;
}

/** The systemd settings a profile can set. Order here is the order of rendering. */
export const DIRECTIVES = [
  'TemporaryFileSystem',
  'ProtectSystem',
  'PrivateTmp',
  'PrivateDevices',
  'MountAPIVFS',
  'ProtectProc',
  'ProcSubset',
  'RuntimeDirectory',
  /** Only with the private /run of src/profile/shared-run.ts: its backing directory survives restarts. */
  'RuntimeDirectoryPreserve',
  'StateDirectory',
  'CacheDirectory',
  'LogsDirectory',
  'ConfigurationDirectory',
  'BindReadOnlyPaths',
  'BindPaths',
  /** Secrets inside a directory that is bound whole, masked. */
  'InaccessiblePaths',
  /** Only to point systemd at a pid file that moved with a private /run (src/profile/shared-run.ts). */
  'PIDFile',
  /** Only to carry a unit's own NoExecPaths=/ over to the bound paths (see discover). */
  'NoExecPaths',
  /** Only to re-emit a unit's own ExecPaths= as "ignore if missing" (see discover). */
  'ExecPaths',
  /** Only to reset a unit's own ReadOnlyPaths=/ReadWritePaths= that mount `/` or a shared tree (see unit-sandbox). */
  'ReadOnlyPaths',
  'ReadWritePaths',
] as const;
export type Directive = (typeof DIRECTIVES)[number];

export interface ProfileEntry {
  directive: Directive;
  /**
   * The value as systemd should read it back, unescaped: a path (byte string) for Bind*Paths,
   * a name for *Directory=, a word for the others. Escaping happens only in the renderer.
   */
  value: ByteString;
  /** Bind source may be missing at start: rendered with systemd's `-` prefix. */
  optional?: boolean;
  /** For binds: where the source appears in the namespace when that is not `value` itself. */
  destination?: ByteString;
  /** Why the entry is there, for the comment and for the admin's review. */
  reason: string;
}

/** A path the profile deliberately does not grant, and why. */
export interface ProfileNote {
  path: ByteString;
  reason: string;
  /** For paths that need consent: the directive that would grant them (read-only or writable). */
  directive?: Directive;
  /** A write to a place that is not the service's own: shown as dangerous, not as a secret. */
  systemWrite?: boolean;
  /** A log written directly in a shared log directory whose logrotate rule renames it (src/profile/shared-log.ts). */
  renamedByRotation?: boolean;
}

/**
 * A symlink in the host's /run to a file the service makes in its private /run (src/profile/shared-run.ts),
 * so that the host's own tools find it where they always did. Not a unit setting: a tmpfiles.d line.
 */
export interface HostLink {
  /** The link, directly in /run. */
  path: ByteString;
  /** What it points to, relative to /run: `NAME-private-run/FILE`. */
  target: ByteString;
  reason: string;
}

export interface Profile {
  entries: ProfileEntry[];
  /** Links the host keeps into the private /run; none when there is no private /run. */
  hostLinks?: HostLink[];
  /** Sensitive paths the service touched: never bound without explicit consent. */
  needsConsent: ProfileNote[];
  /** Paths left out on purpose: noise (ENOENT on the host too), user excludes, covered elsewhere. */
  omitted: ProfileNote[];
  /** Secrets bound because --include granted them (a link's target counts as granted by the link's glob). */
  granted?: { path: ByteString; glob: string }[];
}
