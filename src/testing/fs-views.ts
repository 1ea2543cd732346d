/**
 * Filesystem views for tests: a fixed tree in memory, and a recording of a real filesystem's answers
 * that a test replays elsewhere (the fixtures' host facts).
 */
import type { ByteString } from '../core/model.js';
import { isStrictlyUnder, splitPath, withParentsResolved, type FileOwner, type FsNodeKind, type FsView } from '../core/fsview.js';

export type MemoryNode = Exclude<FsNodeKind, 'symlink'> | { symlink: ByteString };

/**
 * An FsView over a fixed tree. Every ancestor of a listed path is a directory.
 * Like the kernel's lstat, intermediate symlinks are followed and only the last component is not.
 */
export function memoryFsView(
  nodes: Record<ByteString, MemoryNode>,
  /** `denied`: a directory the judging user may not search or list (mode 0770 of someone else). */
  meta: Record<ByteString, Partial<FileOwner> & { head?: ByteString; denied?: boolean }> = {},
): FsView {
  const table = new Map<ByteString, MemoryNode>([['/', 'dir']]);
  for (const [path, node] of Object.entries(nodes)) {
    const parts = splitPath(path);
    for (let depth = 1; depth < parts.length; depth++) {
      const ancestor = '/' + parts.slice(0, depth).join('/');
      if (!table.has(ancestor)) table.set(ancestor, 'dir');
    }
    table.set('/' + parts.join('/'), node);
  }
  const closed = Object.keys(meta).filter((path) => meta[path].denied === true);
  const behindClosed = (path: ByteString) => closed.some((dir) => isStrictlyUnder(path, dir));
  // Lookups of already resolved (physical) paths: what resolveSymlinks asks for.
  const physical: FsView = {
    denied: (path) => behindClosed(path) || meta[path]?.denied === true,
    lstat: (path) => {
      if (behindClosed(path)) return undefined;
      const node = table.get(path);
      return node === undefined ? undefined : typeof node === 'string' ? node : 'symlink';
    },
    readlink: (path) => {
      const node = table.get(path);
      return node !== undefined && typeof node !== 'string' ? node.symlink : undefined;
    },
    owner: (path) => {
      const node = table.get(path);
      if (node === undefined) return undefined;
      const m = meta[path] ?? {};
      return { uid: m.uid ?? 0, gid: m.gid ?? 0, mode: m.mode ?? (node === 'dir' ? 0o755 : 0o644) };
    },
    head: (path) => (table.get(path) === 'file' ? (meta[path]?.head ?? '') : undefined),
    list: (path) => {
      if (table.get(path) !== 'dir' || behindClosed(path) || meta[path]?.denied === true) return undefined;
      const prefix = path === '/' ? '/' : path + '/';
      const names = [...table.keys()].filter((p) => p !== '/' && p.startsWith(prefix) && !p.slice(prefix.length).includes('/'));
      return names.map((p) => p.slice(prefix.length)).sort();
    },
  };
  return withParentsResolved(physical);
}

/** Answers of a filesystem, by exact path asked: what the fold saw on the machine a trace came from. */
export type FsFacts = Record<ByteString, { kind: FsNodeKind | null; target?: ByteString; uid?: number; gid?: number; mode?: number; head?: ByteString; entries?: ByteString[]; denied?: boolean }>;

/** Passes every question to `inner` and keeps the answers, so a fold can be replayed elsewhere. */
export function recordingFsView(inner: FsView): { view: FsView; facts: FsFacts } {
  const facts: FsFacts = {};
  const entry = (path: ByteString) => (facts[path] ??= { kind: null });
  return {
    facts,
    view: {
      lstat(path) {
        const kind = inner.lstat(path);
        entry(path).kind = kind ?? null;
        return kind;
      },
      readlink(path) {
        const target = inner.readlink(path);
        if (target !== undefined) entry(path).target = target;
        return target;
      },
      owner(path) {
        const owner = inner.owner?.(path);
        if (owner !== undefined) Object.assign(entry(path), { uid: owner.uid, mode: owner.mode, ...(owner.gid !== undefined ? { gid: owner.gid } : {}) });
        return owner;
      },
      head(path) {
        const head = inner.head?.(path);
        if (head !== undefined) entry(path).head = head;
        return head;
      },
      list(path) {
        const entries = inner.list?.(path);
        if (entries !== undefined) entry(path).entries = entries;
        return entries;
      },
      denied(path) {
        const denied = inner.denied?.(path) ?? false;
        if (denied) entry(path).denied = true;
        return denied;
      },
    },
  };
}

/**
 * The filesystem a recording saw. A question it was never asked answers "missing": a fold that asks
 * something new shows up as a changed result, not as a silent read of this machine.
 */
export function replayFsView(facts: FsFacts): FsView {
  return {
    lstat: (path) => facts[path]?.kind ?? undefined,
    readlink: (path) => facts[path]?.target,
    owner: (path) => {
      const fact = facts[path];
      return fact?.uid === undefined || fact.mode === undefined ? undefined : { uid: fact.uid, mode: fact.mode, ...(fact.gid !== undefined ? { gid: fact.gid } : {}) };
    },
    head: (path) => facts[path]?.head,
    list: (path) => facts[path]?.entries,
    denied: (path) => facts[path]?.denied === true,
  };
}
