/**
 * Events → accesses: turns every file-naming syscall into absolute paths with the operations done on
 * them, merged per path. Relative and dirfd-relative paths are resolved from strace's `-y` decorations
 * when present, otherwise from per-process state (cwd, root, fd table) rebuilt from the trace itself.
 * What cannot be resolved is reported, never guessed.
 *
 * It sees every event of logs that can be gigabytes long: names it does not care about are dropped by
 * one Map lookup before any argument is split, and memory grows with distinct paths (plus live
 * processes), not with the number of events.
 */
import type { ByteString, StraceEvent, SyscallEvent } from '../../parsers/events.js';
import { decodeQuoted, findClosingQuote, parseFdArg, splitArgs } from '../../parsers/strings.js';
import { normalizePath } from '../core/fsview.js';
import { NO_MEMBERS, withMember, withMembers, type Access, type Operation, type UnresolvedAccess } from '../core/model.js';
import {
  F_DUPFD,
  LOOKUP_ONLY_ERRNOS,
  LOOKUP_ONLY_OPS,
  F_DUPFD_CLOEXEC,
  OPEN_FLAGS,
  SYSCALLS,
  parseFlags,
  parseInteger,
  slotAllowsEmptyPath,
  slotOps,
  type PathSlot,
  type SyscallSpec,
} from './syscalls.js';
import {
  O_CLOEXEC, type Task, type Target, NONE, type ResolvedCall, REASONS, SLASH, SPLIT_CACHE_LIMIT, QUOTE, newAccess,
  setFd, fcntlCommand, isDecorated, fileDecoration, stripArgNames, findOutsideStrings, joinRoot, setCwd
} from './collector-state.js';
import { RepeatCache } from './repeat-cache.js';
import { runSteps, sortInSteps, type Steps } from '../core/steps.js';

export { REASONS } from './collector-state.js';

/** An open whose fd can be handed to fchdir. */
const DIRECTORY_OPEN = /\bO_(?:DIRECTORY|PATH)\b/;

export interface CollectedAccesses {
  /** Sorted by path (byte order). */
  accesses: Access[];
  unresolved: UnresolvedAccess[];
}

export class AccessCollector {
  private readonly accessByPath = new Map<ByteString, Access>();
  private readonly unresolvedByKey = new Map<string, UnresolvedAccess>();
  private readonly tasks = new Map<number | undefined, Task>();
  /**
   * Services repeat the same calls with the same arguments over and over (the same config file, the
   * same library): splitting each distinct argument text once is most of the speed on long traces.
   * Split arguments are shared and must never be modified.
   */
  private readonly splitCache = new RepeatCache<readonly string[]>(SPLIT_CACHE_LIMIT);
  /** Per syscall name, per argument text: targets that did not depend on any process's state. */
  private readonly resolvedCalls = new Map<string, RepeatCache<ResolvedCall>>();
  /**
   * True once the trace shows fchdir or close (both in strace's %desc class, neither in %file): a cwd
   * changed through a directory fd would then be seen.
   */
  private fchdirTraced = false;
  /** Set while resolving when a target depended on a process's cwd or fd table. */
  private consultedState = false;
  /** The cwd an `AT_FDCWD</dir>` decoration revealed while resolving, replayed with the targets. */
  private learnedCwd: ByteString | undefined;
  /** Who started whom and what each process executed first: which Exec*= line a pid belongs to. */
  private readonly parents = new Map<number, number>();
  private readonly programs = new Map<number, ByteString>();
  /**
   * Processes whose Exec*= line is left out (set by discover: `+` lines run outside the namespace, so
   * what they touch needs no bind). Decided by the program the pid's oldest known ancestor executed.
   */
  ignoreOrigin: ((program: ByteString) => boolean) | undefined;

  /** The program the oldest known ancestor of `pid` executed first: its Exec*= line's program. */
  originProgram(pid: number | undefined): ByteString | undefined {
    let program: ByteString | undefined;
    const seen = new Set<number>();
    for (let at = pid; at !== undefined && !seen.has(at); at = this.parents.get(at)) {
      seen.add(at);
      program = this.programs.get(at) ?? program;
    }
    return program;
  }

  private argsOf(argsText: string): readonly string[] {
    let args = this.splitCache.get(argsText);
    if (args === undefined) {
      const split = splitArgs(argsText);
      stripArgNames(split);
      args = split;
      this.splitCache.set(argsText, args);
    }
    return args;
  }

  add(event: StraceEvent): void {
    switch (event.type) {
      case 'syscall': {
        const spec = SYSCALLS.get(event.name);
        if (spec !== undefined) this.syscall(event, spec);
        return;
      }
      case 'superseded': {
        // The exec'ing thread now carries the leader's pid. Threads normally share cwd and fds with the
        // leader anyway; the thread's view wins unless it knows less than the leader's.
        const thread = this.tasks.get(event.by);
        if (thread !== undefined) {
          const leader = this.tasks.get(event.pid);
          if (leader === undefined || thread.fs.cwd !== undefined || leader.fs.cwd === undefined) {
            this.tasks.set(event.pid, thread);
          }
          this.tasks.delete(event.by);
        }
        return;
      }
      case 'exit':
        // A pid can be reused: never let a new process inherit a dead one's cwd or fds.
        this.tasks.delete(event.pid);
        return;
      default:
        return;
    }
  }

  result(): CollectedAccesses {
    return runSteps(this.resultInSteps());
  }

  /** result() in steps: sorting a million paths at once takes seconds (src/core/steps.ts). */
  *resultInSteps(): Steps<CollectedAccesses> {
    const accesses = yield* sortInSteps([...this.accessByPath.values()], (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const unresolved = [...this.unresolvedByKey.values()];
    return { accesses, unresolved };
  }

  // -------------------------------------------------------------------------------------------------

  private task(pid: number | undefined): Task {
    let task = this.tasks.get(pid);
    if (task === undefined) {
      // Unknown parentage (plain %file traces carry no clone): nothing about it can be assumed, except
      // that it is not chrooted, which is what a service's strace sees unless it chroots itself.
      task = { fs: { cwd: undefined, root: '' }, fds: new Map() };
      this.tasks.set(pid, task);
    }
    return task;
  }

  private syscall(event: SyscallEvent, spec: SyscallSpec): void {
    const ok = event.result.kind === 'ok';
    switch (spec.kind) {
      case 'paths':
        this.pathCall(event, spec);
        return;
      case 'unixAddress':
        this.unixAddress(event, spec.op);
        return;
      case 'getcwd': {
        if (!ok) return;
        const decoded = decodeQuoted(splitArgs(event.argsText)[0] ?? '');
        // Linux prefixes "(unreachable)" when the cwd is outside the root; that is no usable path.
        if (decoded === undefined || decoded.truncated || decoded.bytes.charCodeAt(0) !== SLASH) return;
        const fs = this.task(event.pid).fs;
        if (fs.root !== undefined) setCwd(fs, joinRoot(fs.root, decoded.bytes));
        return;
      }
      case 'spawn': {
        if (event.result.kind !== 'ok') return;
        const child = parseInteger(event.result.value);
        if (child === undefined || child <= 0) return;
        this.spawn(event.pid, child, spec.sharing(splitArgs(event.argsText)));
        return;
      }
      default:
        // Either one in the trace, even failed, shows that fchdir would be seen too.
        if (spec.kind === 'close' || spec.kind === 'fchdir') this.fchdirTraced = true;
        if (ok) this.fdStateCall(event, spec);
    }
  }

  /** close, dup, dup2/dup3, fcntl and fchdir: only traced when asked for, but then they keep the fd table honest. */
  private fdStateCall(event: SyscallEvent, spec: SyscallSpec): void {
    if (event.result.kind !== 'ok') return;
    const args = splitArgs(event.argsText);
    const task = this.task(event.pid);
    const first = parseFdArg(args[0] ?? '');
    if (typeof first.fd !== 'number') return;
    const source = first.path !== undefined ? { path: first.path, cloexec: false } : task.fds.get(first.fd);
    switch (spec.kind) {
      case 'close':
        task.fds.delete(first.fd);
        return;
      case 'fchdir':
        setCwd(task.fs, source?.path);
        return;
      case 'dup':
        setFd(task, parseInteger(event.result.value), source?.path, false);
        return;
      case 'dup2': {
        const target = parseFdArg(args[1] ?? '').fd;
        const cloexec = (parseFlags(args[2], OPEN_FLAGS) & O_CLOEXEC) !== 0;
        if (typeof target === 'number') setFd(task, target, source?.path, cloexec);
        return;
      }
      case 'fcntl': {
        const command = fcntlCommand(args[1]);
        if (command === F_DUPFD || command === F_DUPFD_CLOEXEC) {
          setFd(task, parseInteger(event.result.value), source?.path, command === F_DUPFD_CLOEXEC);
        }
        return;
      }
      default:
        return;
    }
  }

  private spawn(parentPid: number | undefined, childPid: number, sharing: { fs: boolean; files: boolean }): void {
    if (parentPid !== undefined) {
      this.parents.set(childPid, parentPid);
      this.programs.delete(childPid);
    }
    const parent = this.task(parentPid);
    const fs = sharing.fs ? parent.fs : { ...parent.fs };
    const fds = sharing.files ? parent.fds : new Map(parent.fds);
    const existing = this.tasks.get(childPid);
    if (existing === undefined) {
      this.tasks.set(childPid, { fs, fds });
      return;
    }
    // The child's first calls can be printed before the parent's clone returns: keep what the child
    // already established, fill in the rest from the parent.
    if (existing.fs.cwd === undefined) existing.fs = fs;
    if (existing.fds.size === 0) existing.fds = fds;
    else for (const [fd, file] of parent.fds) if (!existing.fds.has(fd)) existing.fds.set(fd, file);
  }

  private pathCall(event: SyscallEvent, spec: Extract<SyscallSpec, { kind: 'paths' }>): void {
    const task = this.task(event.pid);
    const call = this.resolveCall(event, spec, task);
    const result = event.result;
    const ok = result.kind === 'ok';
    const kernelPath = ok && spec.effect === 'opensFd' && !call.unnamed ? fileDecoration(result.fdPath) : undefined;
    let firstPath: ByteString | undefined;

    for (let i = 0; i < call.targets.length; i++) {
      const target = call.targets[i];
      if (target === undefined) continue;
      if (target.kind === 'path') {
        if (i === 0) firstPath = target.path;
        if (ok && spec.effect === 'execve' && i === 0 && event.pid !== undefined && !this.programs.has(event.pid)) this.programs.set(event.pid, target.path);
        const access = this.record(target.path, call.ops[i]!, event);
        if (ok && spec.effect === 'execve') access.executed = true;
        if (kernelPath !== undefined && kernelPath.path !== target.path && !kernelPath.deleted) {
          access.resolvedTo = kernelPath.path;
        }
      } else if (target.kind === 'unresolved') {
        // An open whose fd the kernel decorated is fully known even when the name asked for is not.
        if (kernelPath === undefined) this.unresolved(event, target.raw, target.reason);
      }
    }

    if (kernelPath !== undefined && !kernelPath.deleted && kernelPath.path !== firstPath) {
      const resolved = this.record(kernelPath.path, call.firstSlotOps, event);
      if (firstPath !== undefined) resolved.resolvedFrom ??= firstPath;
    }

    if (!ok || result.kind !== 'ok') return;
    switch (spec.effect) {
      case 'opensFd': {
        const fdPath = kernelPath !== undefined ? kernelPath.path : result.fdPath === undefined ? firstPath : undefined;
        setFd(task, parseInteger(result.value), fdPath, call.cloexec);
        if (DIRECTORY_OPEN.test(event.argsText)) task.fs.openedDir = true;
        return;
      }
      case 'chdir':
        // A successful chdir to a path we could not resolve leaves the cwd unknown, not unchanged.
        setCwd(task.fs, firstPath);
        return;
      case 'chroot':
        task.fs.root = firstPath === undefined ? undefined : firstPath === '/' ? '' : firstPath;
        return;
      case 'execve':
        for (const [fd, file] of task.fds) if (file.cloexec) task.fds.delete(fd);
        return;
      default:
        return;
    }
  }

  /**
   * The targets of every path slot of one call. Most calls name their files absolutely or through a
   * `-y` decorated dirfd: then the targets follow from the argument text alone and are computed once
   * per distinct text (replayed only while the process has no chroot, as when they were computed).
   */
  private resolveCall(event: SyscallEvent, spec: Extract<SyscallSpec, { kind: 'paths' }>, task: Task): ResolvedCall {
    const byText = task.fs.root === '' ? this.resolvedCalls.get(event.name) : undefined;
    const known = byText?.get(event.argsText);
    if (known !== undefined) {
      if (known.cwd !== undefined) setCwd(task.fs, known.cwd);
      return known;
    }
    const args = this.argsOf(event.argsText);
    this.consultedState = false;
    this.learnedCwd = undefined;
    const rootBefore = task.fs.root;
    const targets: (Target | undefined)[] = [];
    const ops: (readonly Operation[] | undefined)[] = [];
    let cacheable = rootBefore === '';
    for (const slot of spec.slots) {
      if (slot.when !== undefined && !slot.when(args)) {
        targets.push(undefined);
        ops.push(undefined);
        continue;
      }
      const target = this.resolveSlot(task, slot, args, spec.effect === 'execve');
      if (target.kind === 'unresolved') cacheable = false;
      targets.push(target);
      ops.push(slotOps(slot, args));
    }
    const call: ResolvedCall = {
      targets,
      ops,
      cwd: this.learnedCwd,
      unnamed: spec.unnamed?.(args) ?? false,
      cloexec: spec.cloexec?.(args) ?? false,
      firstSlotOps: slotOps(spec.slots[0], args),
    };
    if (cacheable && !this.consultedState) {
      let table = this.resolvedCalls.get(event.name);
      if (table === undefined) this.resolvedCalls.set(event.name, (table = new RepeatCache(SPLIT_CACHE_LIMIT)));
      table.set(event.argsText, call);
    }
    return call;
  }

  private resolveSlot(task: Task, slot: PathSlot, args: readonly string[], isExec: boolean): Target {
    const raw = args[slot.path];
    if (raw === undefined) return NONE;
    if (raw === 'NULL') {
      // Linux ≥ 6.11 also accepts NULL for "" under AT_EMPTY_PATH. Otherwise a NULL pointer names no
      // file at all (the call fails with EFAULT; Rust probes statx that way), so there is nothing to report.
      const meansDirfd = slot.nullMeansDirfd === true || slotAllowsEmptyPath(slot, args);
      if (meansDirfd && slot.dirfd !== undefined) return this.fdItself(task, args[slot.dirfd], isExec);
      return NONE;
    }
    const decoded = decodeQuoted(raw);
    if (decoded === undefined) {
      if (slot.optional) return NONE;
      if (/^0x[0-9a-f]+$/i.test(raw)) return { kind: 'unresolved', raw, reason: REASONS.address };
      return { kind: 'unresolved', raw, reason: REASONS.notString };
    }
    const bytes = decoded.bytes;
    if (decoded.truncated) return { kind: 'unresolved', raw: bytes, reason: REASONS.truncated };
    if (bytes === '') {
      if (slot.dirfd !== undefined && slotAllowsEmptyPath(slot, args)) return this.fdItself(task, args[slot.dirfd], isExec);
      return slot.optional ? NONE : { kind: 'unresolved', raw: bytes, reason: REASONS.empty };
    }
    if (bytes.charCodeAt(0) === SLASH) {
      // `AT_FDCWD</etc>` states the cwd even beside an absolute path: a later relative path needs it.
      if (slot.dirfd !== undefined) this.learnCwd(task, args[slot.dirfd]);
      if (slot.absoluteOnly === undefined && slot.inRootFlag !== undefined && slot.dirfd !== undefined && slot.inRootFlag(args)) {
        return this.relativeTo(task, args[slot.dirfd], bytes.slice(1) || '.');
      }
      const root = task.fs.root;
      if (root === undefined) return { kind: 'unresolved', raw: bytes, reason: REASONS.rootUnknown };
      return { kind: 'path', path: joinRoot(root, bytes) };
    }
    if (slot.absoluteOnly) return NONE;
    if (slot.dirfd === undefined) {
      this.consultedState = true;
      const unknown = this.cwdUnknown(task);
      if (unknown !== undefined) return { kind: 'unresolved', raw: bytes, reason: unknown };
      return { kind: 'path', path: normalizePath(task.fs.cwd + '/' + bytes) };
    }
    return this.relativeTo(task, args[slot.dirfd], bytes);
  }

  /**
   * Why the task's cwd cannot be used, or undefined when it can. Without fchdir in the trace, a process
   * that opened a directory may have moved into it unseen (`mkdir -p` does, through gnulib's savewd):
   * its cwd is then unknown until a chdir, a getcwd or an `AT_FDCWD</dir>` decoration says it again.
   */
  private cwdUnknown(task: Task): string | undefined {
    if (task.fs.cwd === undefined) return REASONS.cwdUnknown;
    if (task.fs.openedDir === true && !this.fchdirTraced) return REASONS.cwdUntraced;
    return undefined;
  }

  /** Takes the cwd from an `AT_FDCWD</dir>` argument; any other argument says nothing about it. */
  private learnCwd(task: Task, dirfdArg: string | undefined): void {
    if (dirfdArg === undefined || !dirfdArg.startsWith('AT_FDCWD<')) return;
    const dirfd = parseFdArg(dirfdArg);
    if (dirfd.fd === 'AT_FDCWD' && dirfd.path !== undefined) setCwd(task.fs, (this.learnedCwd = dirfd.path));
  }

  /** `relative` looked up from a dirfd argument (`AT_FDCWD`, `3`, `3</dir>`, `AT_FDCWD</cwd>`). */
  private relativeTo(task: Task, dirfdArg: string | undefined, relative: ByteString): Target {
    const dirfd = parseFdArg(dirfdArg ?? '');
    if (dirfd.fd === undefined) return { kind: 'unresolved', raw: relative, reason: REASONS.dirfdNotDecoded };
    let base: ByteString | undefined;
    if (dirfd.fd === 'AT_FDCWD') {
      // The decoration is /proc/PID/cwd read at syscall entry: authoritative, and it heals gaps such
      // as an untraced fchdir.
      if (dirfd.path !== undefined) setCwd(task.fs, (this.learnedCwd = dirfd.path));
      else this.consultedState = true;
      const unknown = this.cwdUnknown(task);
      if (unknown !== undefined) return { kind: 'unresolved', raw: relative, reason: unknown };
      base = task.fs.cwd;
    } else if (dirfd.path !== undefined) {
      base = dirfd.path;
    } else if (isDecorated(dirfdArg)) {
      return { kind: 'unresolved', raw: relative, reason: REASONS.dirfdNotFile };
    } else {
      this.consultedState = true;
      base = task.fds.get(dirfd.fd)?.path;
      if (base === undefined) return { kind: 'unresolved', raw: relative, reason: REASONS.dirfdUnknown };
    }
    return { kind: 'path', path: normalizePath(base + '/' + relative) };
  }

  /**
   * The object an fd refers to (AT_EMPTY_PATH, NULL path). An unknown fd here was opened by something
   * this trace shows as its own access (or by no path at all: sockets, pipes, inherited descriptors),
   * so it is only worth reporting when it is executed.
   */
  private fdItself(task: Task, fdArg: string | undefined, isExec: boolean): Target {
    const parsed = parseFdArg(fdArg ?? '');
    if (parsed.path !== undefined) return parsed.deleted ? NONE : { kind: 'path', path: parsed.path };
    if (isDecorated(fdArg)) return NONE;
    this.consultedState = true;
    let path: ByteString | undefined;
    if (parsed.fd === 'AT_FDCWD') path = task.fs.cwd;
    else if (parsed.fd !== undefined) path = task.fds.get(parsed.fd)?.path;
    if (path !== undefined) return { kind: 'path', path };
    return isExec ? { kind: 'unresolved', raw: fdArg ?? '', reason: REASONS.fdUnknown } : NONE;
  }

  /** connect/bind/sendto/sendmsg with `sun_path="…"`: a Unix socket file. Abstract `@…` names are not files. */
  private unixAddress(event: SyscallEvent, op: Operation): void {
    const text = event.argsText;
    // Cheap rejection first: most of these calls are network sockets or carry no address.
    if (text.indexOf('sun_path=') < 0) return;
    const at = findOutsideStrings(text, 'sun_path=');
    if (at < 0) return;
    const start = at + 'sun_path='.length;
    if (text.charCodeAt(start) !== QUOTE) return;
    const close = findClosingQuote(text, start);
    if (close < 0) return;
    const decoded = decodeQuoted(text.slice(start, text.startsWith('...', close + 1) ? close + 4 : close + 1));
    if (decoded === undefined || decoded.bytes === '') return;
    const task = this.task(event.pid);
    let target: Target;
    if (decoded.truncated) target = { kind: 'unresolved', raw: decoded.bytes, reason: REASONS.truncated };
    else if (decoded.bytes.charCodeAt(0) === SLASH) {
      target =
        task.fs.root === undefined
          ? { kind: 'unresolved', raw: decoded.bytes, reason: REASONS.rootUnknown }
          : { kind: 'path', path: joinRoot(task.fs.root, decoded.bytes) };
    } else if (task.fs.cwd === undefined) target = { kind: 'unresolved', raw: decoded.bytes, reason: REASONS.cwdUnknown };
    else target = { kind: 'path', path: normalizePath(task.fs.cwd + '/' + decoded.bytes) };
    if (target.kind === 'path') this.record(target.path, [op], event);
    else if (target.kind === 'unresolved') this.unresolved(event, target.raw, target.reason);
  }

  /**
   * An access known without a trace: the ELF interpreter and libraries the kernel and ld.so load
   * before (or without) any traced open. Recorded as a successful access from line 0 of `source`.
   */
  addKnown(path: ByteString, ops: readonly Operation[], source: string): void {
    const access = this.record(normalizePath(path), ops, {
      type: 'syscall',
      line: 0,
      pid: undefined,
      name: 'known',
      argsText: '',
      result: { kind: 'ok', value: '0' },
      source,
    });
    if (ops.includes('exec')) access.executed = true;
  }

  private record(path: ByteString, ops: readonly Operation[], event: SyscallEvent): Access {
    if (this.ignoreOrigin !== undefined) {
      const program = this.originProgram(event.pid);
      if (program !== undefined && this.ignoreOrigin(program)) return newAccess(path, event, withMembers(NO_MEMBERS, ops), 1);
    }
    let access = this.accessByPath.get(path);
    if (access === undefined) {
      access = newAccess(path, event, NO_MEMBERS, 0);
      this.accessByPath.set(path, access);
    }
    const result = event.result;
    const done = result.kind === 'error' && LOOKUP_ONLY_ERRNOS.has(result.errno) ? LOOKUP_ONLY_OPS : ops;
    for (let i = 0; i < done.length; i++) access.ops = withMember(access.ops, done[i]);
    if (access.writerPid === undefined && done.some((op) => op === 'write' || op === 'create' || op === 'delete')) access.writerPid = event.pid;
    access.count++;
    if (result.kind === 'ok') access.ok = true;
    else if (result.kind === 'error') access.errors = withMember(access.errors, result.errno);
    return access;
  }

  private unresolved(event: SyscallEvent, raw: ByteString, reason: string): void {
    // Addresses differ on every call and say nothing about the file: one report per syscall is enough.
    const key = event.name + '\0' + reason + '\0' + (reason === REASONS.address ? '' : raw);
    const known = this.unresolvedByKey.get(key);
    if (known !== undefined) {
      known.count = (known.count ?? 1) + 1;
      return;
    }
    this.unresolvedByKey.set(key, {
      syscall: event.name,
      raw,
      reason,
      pid: event.pid,
      line: event.line,
      source: event.source,
      count: 1,
    });
  }
}
