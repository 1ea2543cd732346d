/**
 * Whether what analyze read was a strace log at all, judged from the parser's counts after the fact
 * (never inside its loop). Random bytes contain a few lines that happen to look like syscalls; a real
 * log, even one with a program's own output spliced in, is mostly strace lines.
 */
import type { ParseStats } from '../../parsers/events.js';

/** Below this share of lines that parse, the input is refused rather than profiled… */
export const MIN_PARSED_SHARE = 0.1;

/**
 * …unless it holds at least this many system calls: any program makes more than that just to start
 * (ld.so and libc open, map and stat their files), while the lines that happen to parse in random bytes
 * are a handful. A chatty program writing to strace's stream leaves a real trace among its own lines.
 */
export const MIN_SYSCALLS_AMONG_OTHER_LINES = 50;

export interface InputVerdict {
  message: string;
  hint: string;
  /** Analyzed anyway, with `message` as a warning: strace lines among many others. */
  accepted?: boolean;
}

const HOW_TO_TRACE = 'bindscout reads `strace -f -y -o FILE` logs, `strace -ff` directories and `journalctl -o json|short` exports';

/** undefined when the input is a trace worth profiling; otherwise why not, and what to do. */
export function judgeTraceInput(names: string, stats: ParseStats, summaryTables = 0): InputVerdict | undefined {
  const parsed = Math.max(0, stats.lines - stats.unparsed);
  if (stats.syscalls > 0 && parsed >= stats.lines * MIN_PARSED_SHARE) return undefined;
  if (stats.syscalls === 0 && summaryTables > 0) {
    return {
      message: `${names} holds an \`strace -c\` summary: a -c summary counts calls and has no paths`,
      hint: 'run strace without -c (or with -C, which prints the calls too): strace -f -y -o FILE -- PROGRAM',
    };
  }
  if (stats.syscalls === 0 && stats.lines > 0 && stats.unparsed === 0) {
    return {
      message: `${names} holds no system calls, only process exits, signals or strace's own messages (${stats.lines} lines)`,
      hint: 'trace the file calls: strace -f -y -e trace=%file,fchdir,clone,clone3,fork,vfork,connect,bind,sendto,sendmsg -o FILE -- PROGRAM',
    };
  }
  if (stats.syscalls === 0) {
    return { message: `no strace output found in ${names} (${stats.lines} lines read)`, hint: HOW_TO_TRACE };
  }
  const share = (100 * parsed) / stats.lines;
  const shown = share < 1 ? share.toFixed(2) : share.toFixed(0);
  if (stats.syscalls >= MIN_SYSCALLS_AMONG_OTHER_LINES) {
    return {
      accepted: true,
      message: `only ${parsed} of ${stats.lines} lines of ${names} (${shown}%) are strace output; the ${stats.unparsed} others were skipped`,
      hint: 'a program writing to the same stream as strace? strace -o FILE keeps them apart',
    };
  }
  return {
    message:
      `${names} does not look like strace output: only ${parsed} of ${stats.lines} lines (${shown}%) parse, ` +
      `fewer than the ${MIN_PARSED_SHARE * 100}% bindscout asks of a trace, and only ${stats.syscalls} system calls`,
    hint: HOW_TO_TRACE,
  };
}
