/**
 * What a trace cannot show, said to the admin instead of left for them to discover under the sandbox:
 * a profile from a trace with gaps looks just as complete as one without.
 */
import { REASONS } from './accesses.js';
import type { Access, UnresolvedAccess } from '../core/model.js';

export interface TraceGap {
  /** Stable identifier for --json and scripts. */
  kind: 'no-execve' | 'unresolved';
  message: string;
  /** For 'unresolved': how many distinct path arguments, per reason. */
  counts?: { reason: string; paths: number; calls: number; flag?: string }[];
}

/** The strace option that would have named the file, with the reasons a path stayed unresolved without it. */
const FLAGS_AND_REASONS: readonly (readonly [flag: string, reasons: readonly string[]])[] = [
  ['-f -y -e trace=%file,fchdir,clone,clone3,fork,vfork, from the program\'s start,', [REASONS.cwdUnknown]],
  ['-e trace=%file,fchdir (as in the README)', [REASONS.cwdUntraced]],
  ['-y', [REASONS.dirfdUnknown, REASONS.fdUnknown, REASONS.rootUnknown, REASONS.dirfdNotDecoded]],
  // A unit's CapabilityBoundingSet= without CAP_SYS_PTRACE leaves its strace only the addresses of paths.
  ['without -e raw=…, and with CAP_SYS_PTRACE to read the tracee\'s memory,', [REASONS.address]],
];
const FLAG_FOR_REASON: ReadonlyMap<string, string> = new Map(FLAGS_AND_REASONS.flatMap(([flag, reasons]) => reasons.map((reason) => [reason, flag] as const)));

export function findTraceGaps(accesses: readonly Access[], unresolved: readonly UnresolvedAccess[] = []): TraceGap[] {
  const gaps: TraceGap[] = [];
  if (unresolved.length > 0) {
    const byReason = new Map<string, { reason: string; paths: number; calls: number; flag?: string }>();
    for (const item of unresolved) {
      let entry = byReason.get(item.reason);
      if (entry === undefined) {
        const flag = FLAG_FOR_REASON.get(item.reason);
        byReason.set(item.reason, (entry = { reason: item.reason, paths: 0, calls: 0, ...(flag ? { flag } : {}) }));
      }
      entry.paths++;
      entry.calls += item.count ?? 1;
    }
    const counts = [...byReason.values()].sort((a, b) => b.paths - a.paths);
    const lines = counts.map((c) => `  ${c.paths} × ${c.reason}${c.flag ? `: strace ${c.flag} would have resolved ${c.paths === 1 ? 'it' : 'them'}` : ''}`);
    gaps.push({
      kind: 'unresolved',
      message: `${unresolved.length} path argument${unresolved.length === 1 ? '' : 's'} could not be resolved and ${unresolved.length === 1 ? 'is' : 'are'} in neither the profile nor the table (--json lists them):\n${lines.join('\n')}`,
      counts,
    });
  }
  if (!accesses.some((a) => a.ops.has('exec'))) {
    gaps.push({
      kind: 'no-execve',
      message:
        'no execve in the trace: the program itself, its ELF interpreter and what it loaded before tracing began are not in the profile. ' +
        'A trace of only some calls (-e trace=openat) or of a running process (-p PID) cannot show them: ' +
        'trace the program from its start with -f -e trace=%file (which includes execve), or bind the program by hand.',
    });
  }
  return gaps;
}
