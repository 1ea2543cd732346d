/**
 * What the commands share at their edge: the options several of them take, the runner `--pid1`
 * chooses, and the one mapping from the errors of the layers below to an exit code and a hint.
 */
import type { Options, PositionalOptions } from 'yargs';
import { canMatchAbsolutePaths } from '../core/glob.js';
import { parseUnitName, UnitNameError, type UnitName, type UnitOrFile } from '../unit-file/unit-name.js';
import { ArgumentError, CannotProceed, InputError, InterruptedError, MissingPrerequisite, PermissionDenied } from '../errors.js';
import { CliError, ExitCode } from '../exit-codes.js';
import { ReportError } from '../checks/merge.js';
import { ViewError } from '../flows/view.js';
import { MemoryError } from '../systemd/memory.js';
import { createHostRunner, createNamespaceRunner, type Runner } from '../systemd/runner.js';
import { UnitError } from '../systemd/unit.js';
import type { CommandIO } from './types.js';

/** `--json` and `--pid1`, taken by every command that asks a systemd and reports what it found. */
export interface JsonAndPid1Args {
  json: boolean;
  pid1?: number;
}

/** `--json`: `describe` says what is printed as JSON. */
export function jsonOption(describe: string): Options {
  return { type: 'boolean', default: false, describe };
}

/** A required positional argument: one word, or with `list` one or more. */
export function requiredPositional(describe: string, { list = false } = {}): PositionalOptions {
  return { describe, type: 'string', ...(list ? { array: true } : {}), demandOption: true };
}

/** What a command found: as JSON with --json, else as text for a person. */
export function printFound(io: Pick<CommandIO, 'out'>, json: boolean, found: unknown, asText: () => string): void {
  io.out(json ? JSON.stringify(found, null, 2) + '\n' : asText());
}

/** `--pid1 PID`: `what` says what the command does on that systemd ("clean up on", "look at a unit of"). */
export function pid1Option(what: string): Options {
  return {
    type: 'number',
    describe: `${what} the systemd that runs as PID 1 of a container, given that PID as seen here`,
  };
}

/** `--baseline`: the usual libraries, ld.so, zoneinfo… (`extra` names what else a command includes). */
export function baselineOption(extra = ''): Options {
  return {
    type: 'boolean',
    default: true,
    describe: `include the usual libraries, ld.so, zoneinfo, locale, certificates${extra} (--no-baseline to leave them out)`,
  };
}

/**
 * An option given once per value (`--exclude A --exclude B`). yargs' `array: true` would also take
 * every word after it (`--exclude '/run/**' trace.log` made the trace a glob and left no input), so
 * each occurrence takes exactly one value and the occurrences are collected.
 */
export function repeatableOption(describe: string): Options {
  return {
    type: 'string',
    requiresArg: true,
    default: [] as string[],
    coerce: (value: string | string[] | undefined): string[] => (value === undefined ? [] : [value].flat()),
    describe,
  };
}

/**
 * A repeatable glob of paths. Globs are matched against whole absolute paths, so one that cannot match
 * any (`--exclude hostname`) is a usage error, not an option that silently does nothing.
 */
function globOption(name: string, describe: string): Options {
  const base = repeatableOption(describe);
  return {
    ...base,
    coerce: (value: string | string[] | undefined): string[] => {
      const globs = value === undefined ? [] : [value].flat();
      for (const glob of globs) {
        if (!canMatchAbsolutePaths(glob)) {
          const name_ = glob.replace(/^\.?\/+/, '');
          throw new Error(`--${name} ${glob} can never match: globs match absolute paths; write /PATH/${name_} or **/${name_}`);
        }
      }
      return globs;
    },
  };
}

/** `--include GLOB`: consent to grant sensitive paths. */
export function includeOption(describe = 'glob of sensitive paths to grant (explicit consent); repeatable'): Options {
  return globOption('include', describe);
}

/** `--exclude GLOB`: paths never granted. */
export const EXCLUDE_OPTION: Options = globOption('exclude', 'glob of absolute paths never to grant; repeatable');

/** A number option checked for range: a usage error that names the option, never NaN passed on. */
export function checkedNumber(name: string, value: number, { integer = false, min = 0 } = {}): number {
  if (!Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'a whole number' : 'a number';
    throw new CliError(`--${name} must be ${kind} ≥ ${min}, not ${String(value)}`, ExitCode.usage);
  }
  return value;
}

const UNIT_NAME_HINT = 'give a unit name as systemctl shows it, e.g. nginx or postgresql@15-main';

/**
 * A unit named on the command line, as the UnitName everything below takes (`nginx` →
 * `nginx.service`). `hint` when the command knows better what to suggest for a name that is not one.
 */
export function unitArgument(text: string, hint = UNIT_NAME_HINT): UnitName {
  try {
    return parseUnitName(text);
  } catch (err) {
    if (err instanceof UnitNameError) throw new CliError(err.message, ExitCode.usage, hint);
    throw err;
  }
}

/** A unit file when the word names one (has a "/": ./app.service); otherwise a unit, by its name. */
export function unitOrFileArgument(text: string, hint?: string): UnitOrFile {
  return text.includes('/') ? { file: text } : { unit: unitArgument(text, hint) };
}

/** The machine's own systemd, or the one that runs as PID 1 of a container (`--pid1`). */
export function runnerFor(pid1: number | undefined): Runner {
  if (pid1 === undefined) return createHostRunner();
  return createNamespaceRunner(checkedNumber('pid1', pid1, { integer: true, min: 2 }));
}

const EXIT_CODES = [
  [ArgumentError, ExitCode.usage],
  [InputError, ExitCode.badInput],
  [PermissionDenied, ExitCode.permission],
  [MissingPrerequisite, ExitCode.missingPrerequisite],
  [CannotProceed, ExitCode.failed],
  [InterruptedError, ExitCode.interrupted],
] as const;

/**
 * The errors of the layers below as the admin sees them: one exit code and one hint for each kind,
 * whichever command met it. Anything else is left to the caller (a bug, shown as one).
 */
export function asCliError(error: unknown): CliError | undefined {
  if (error instanceof CliError) return error;
  for (const [kind, exitCode] of EXIT_CODES) {
    if (error instanceof kind) return new CliError(error.message, exitCode, error.hint);
  }
  if (error instanceof UnitNameError) {
    return new CliError(error.message, ExitCode.usage, UNIT_NAME_HINT);
  }
  if (error instanceof UnitError) {
    const missing = error.reason === 'not-found' || /No files found|not found/i.test(error.message);
    const hint = missing && error.unit !== '' ? `is it installed? systemctl status ${error.unit}` : undefined;
    return new CliError(error.message, ExitCode.missingPrerequisite, hint);
  }
  if (error instanceof MemoryError || error instanceof ReportError) return new CliError(error.message, ExitCode.badInput);
  if (error instanceof ViewError) {
    const hint = error.reason === 'not-running' ? `systemctl start ${error.unit}` : undefined;
    return new CliError(error.message, ExitCode.missingPrerequisite, hint);
  }
  return undefined;
}

/** `-` (stdin) as it reaches a command's positionals (see runProgram). */
export const STDIN_WORD = '\u0000-';
