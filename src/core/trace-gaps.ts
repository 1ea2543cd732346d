/**
 * What a trace cannot show, said to the admin instead of left for them to discover under the sandbox:
 * a profile from a trace with gaps looks just as complete as one without.
 */
import type { Access } from './model.js';

export interface TraceGap {
  /** Stable identifier for --json and scripts. */
  kind: 'no-execve';
  message: string;
}

export function findTraceGaps(accesses: readonly Access[]): TraceGap[] {
  const gaps: TraceGap[] = [];
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
