/** Exit codes, documented in `--help` and the README. Scripts rely on them: never renumber. */
export const ExitCode = {
  ok: 0,
  /** The command ran but the answer is "no": lint found problems, discover could not make the unit work. */
  failed: 1,
  usage: 2,
  /** An input could not be read or held no strace output. */
  badInput: 3,
  /** Something the command needs is missing: strace, systemd, a unit. */
  missingPrerequisite: 4,
  /** Not root, or a file could not be read for lack of permission. */
  permission: 5,
  /** A bug: an unexpected exception (EX_SOFTWARE). */
  internal: 70,
  /** Stopped by SIGINT/SIGTERM after cleaning up. */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** What each exit code means; the type makes a new code without a meaning a compile error. */
const MEANINGS: Record<keyof typeof ExitCode, string> = {
  ok: 'success',
  failed:
    'the answer is no (lint found problems, discover found no working profile or one failing the audit, view found a violation, check found a profile that no longer fits)',
  usage: 'usage error',
  badInput: 'bad input (unreadable file, no strace output in it)',
  missingPrerequisite: 'missing prerequisite (strace, systemd, unit, a recent enough Node.js)',
  permission: 'permission denied (not root, unreadable file)',
  internal: 'internal error (a bug: please report it)',
  interrupted: 'interrupted (after cleaning up)',
};

/** Each exit code with what it means, in ExitCode's order: --help's "Exit codes" and the man page's EXIT STATUS. */
export const EXIT_CODE_MEANINGS: readonly (readonly [ExitCode, string])[] = (Object.keys(ExitCode) as (keyof typeof ExitCode)[]).map(
  (name) => [ExitCode[name], MEANINGS[name]] as const,
);

export const EXIT_CODE_HELP = [
  'Exit codes:',
  ...EXIT_CODE_MEANINGS.map(([code, meaning]) => `  ${String(code).padEnd(5)}${meaning}`),
].join('\n');

/** An error meant for the admin: a message, what to do about it, and the exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly hint?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
