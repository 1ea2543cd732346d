/**
 * Who touched a path, in words an admin knows: the program (`nginx`, `pg_ctlcluster`: the name it was
 * exec'd under, inherited by the processes it forks when the trace shows the fork) and the syscall,
 * rather than a line number of a journal the admin never sees. Fed the same events as the collector;
 * keeps one record per distinct path, as the collector does.
 */
import type { StraceEvent } from '../../parsers/events.js';
import { decodeQuoted, parseFdArg, splitArgs } from '../../parsers/strings.js';
import { isUnder } from '../core/fsview.js';
import type { ByteString } from '../core/model.js';

export interface Witness {
  pid: number | undefined;
  /** The program the process runs, when the trace shows its execve (or its parent's, across a fork). */
  program?: string;
  syscall: string;
  /** The path as the syscall named it (maybe below the reviewed directory). */
  path: ByteString;
}

const SPAWN = new Set(['clone', 'clone3', 'fork', 'vfork']);
const EXEC = new Set(['execve', 'execveat']);

function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1) || path;
}

/**
 * strace -f prints no `[pid N]` prefix while it traces a single process (the service's first one, and
 * again when the others have gone): those lines have no pid, and that process is this key.
 */
const UNPREFIXED = -1;

export class TraceWitness {
  private readonly programs = new Map<number, string>();
  /** Pids the trace shows being forked: never the unprefixed first process. */
  private readonly forked = new Set<number>();
  private readonly first = new Map<ByteString, { pid: number | undefined; syscall: string; order: number }>();
  private order = 0;

  add(event: StraceEvent): void {
    if (event.type !== 'syscall') return;
    const { pid, name, result } = event;
    if (SPAWN.has(name) && result.kind === 'ok') {
      const child = Number(result.value);
      if (!Number.isInteger(child) || child <= 0) return;
      this.forked.add(child);
      const program = this.programOf(pid);
      if (program !== undefined && !this.programs.has(child)) this.programs.set(child, program);
      return;
    }
    const args = splitArgs(event.argsText);
    if (EXEC.has(name) && result.kind === 'ok') {
      const argv0 = decodeQuoted(/^\[\s*("(?:[^"\\]|\\.)*")/.exec(args[name === 'execveat' ? 2 : 1] ?? '')?.[1] ?? '')?.bytes;
      const file = decodeQuoted(args[name === 'execveat' ? 1 : 0] ?? '')?.bytes;
      const program = argv0 ?? file;
      if (program) this.programs.set(pid ?? UNPREFIXED, basename(program));
    }
    for (let i = 0; i < args.length; i++) {
      const quoted = decodeQuoted(args[i]!)?.bytes;
      if (quoted === undefined || quoted === '') continue;
      let path: string | undefined = quoted.startsWith('/') ? quoted : undefined;
      if (path === undefined && i > 0) {
        const dir = parseFdArg(args[i - 1]!).path;
        if (dir !== undefined) path = `${dir.replace(/\/$/, '')}/${quoted}`;
      }
      if (path !== undefined) this.note(path, pid, name);
    }
    if (result.kind === 'ok' && result.fdPath?.startsWith('/')) this.note(result.fdPath, pid, name);
  }

  /** A pid first met with a prefix that no fork explains is the process that was printed without one. */
  private programOf(pid: number | undefined): string | undefined {
    if (pid === undefined) return this.programs.get(UNPREFIXED);
    return this.programs.get(pid) ?? (this.forked.has(pid) ? undefined : this.programs.get(UNPREFIXED));
  }

  private note(path: ByteString, pid: number | undefined, syscall: string): void {
    if (!this.first.has(path)) this.first.set(path, { pid, syscall, order: this.order++ });
  }

  /** The first process and syscall that touched `path`, or anything below it when it is a directory. */
  witness(path: ByteString): Witness | undefined {
    let best: { path: ByteString; pid: number | undefined; syscall: string; order: number } | undefined;
    const exact = this.first.get(path);
    if (exact !== undefined) best = { path, ...exact };
    else {
      for (const [seen, record] of this.first) {
        if (isUnder(seen, path) && (best === undefined || record.order < best.order)) best = { path: seen, ...record };
      }
    }
    if (best === undefined) return undefined;
    const program = this.programOf(best.pid);
    return { pid: best.pid, syscall: best.syscall, path: best.path, ...(program !== undefined ? { program } : {}) };
  }
}

/** `nginx (pid 812), openat /var/log/nginx/error.log` */
export function describeWitness(w: Witness, display: (path: ByteString) => string): string {
  const who = w.program !== undefined ? `${w.program}${w.pid !== undefined ? ` (pid ${w.pid})` : ''}` : w.pid !== undefined ? `pid ${w.pid}` : 'the service';
  return `${who}, ${w.syscall} ${display(w.path)}`;
}
