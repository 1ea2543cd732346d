/**
 * The command-line program as a function: argv and an IO object in, exit code out. src/cli.ts gives it
 * the real process; tests give it their own IO.
 */
import yargs from 'yargs';
import { CliError, EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { analyzeCommand } from './commands/analyze.js';
import { discoverCommand } from './commands/discover.js';
import { lintCommand } from './commands/lint.js';
import { viewCommand } from './commands/view.js';
import { profileCommand } from './commands/profile.js';
import { cleanupCommand } from './commands/cleanup.js';
import { checkCommand } from './commands/check.js';
import { statusCommand } from './commands/status.js';
import { completionCommand } from './commands/completion.js';
import { asCliError, runnerFor, STDIN_WORD } from './commands/shared.js';
import type { BindscoutCommand, CommandIO } from './commands/types.js';
import { VERSION } from './version.js';
import { complete, optionsOf } from './completion.js';
import { explainUsageError } from './suggest.js';
import { listServiceNames } from './systemd/list-units.js';

const COMPLETION_REQUEST = '--get-yargs-completions';

/** What bindscout does, in one sentence: the top of --help and the man page's NAME and DESCRIPTION. */
export const PROGRAM_DESCRIPTION =
  'Find the files and directories a systemd service really needs, and lock it down to them with TemporaryFileSystem=/:ro.';
/** The global epilogue's note on colour, also the man page's ENVIRONMENT entry for NO_COLOR. */
export const COLOUR_NOTE =
  'Colour is used on a terminal only, decided for stdout and stderr each, and never when NO_COLOR is set to a non-empty value.';

// yargs types each command's arguments differently; the list only needs the common shape.
export const COMMANDS: BindscoutCommand<any>[] = [
  completionCommand,
  discoverCommand,
  analyzeCommand,
  profileCommand,
  lintCommand,
  viewCommand,
  checkCommand,
  statusCommand,
  cleanupCommand,
];

/**
 * yargs renders a command's whole help text each time the command runs, and keeps it in case the handler
 * fails later (it then shows help with the error). Measured: a seventh of a short run's time. Failures here
 * print their own message and never that help, so the rendering is skipped. Through yargs's internal
 * methods, looked up defensively: if they are ever gone, help is rendered as before, only slower.
 */
export function skipHelpCacheOnRun(parser: object): void {
  type Usage = { cacheHelpMessage?: () => void };
  const internal = (parser as { getInternalMethods?: () => { getUsageInstance?: () => Usage | undefined } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage !== undefined && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => {};
}

/** A command line yargs refused: reported as a usage error, never as a bug. */
class UsageError extends Error {}

/**
 * `cmd -- WORD…`: yargs keeps the words after `--` apart; they belong to the command's list argument
 * (`analyze [inputs..]`), and a command without one has no use for them.
 */
function withWordsAfterDashes(cmd: BindscoutCommand<any>, args: Record<string, unknown>): Record<string, unknown> {
  const after = Array.isArray(args['--']) ? args['--'].map(String) : [];
  if (after.length === 0) return args;
  const list = /[<[]([A-Za-z]+)\.\.[>\]]/.exec(cmd.command)?.[1];
  if (list === undefined) throw new UsageError(`unexpected argument after --: ${after.join(' ')}`);
  const given = Array.isArray(args[list]) ? (args[list] as unknown[]).map(String) : [];
  return { ...args, [list]: [...given, ...after] };
}

export async function runProgram(argv: string[], io: CommandIO): Promise<number> {
  // The shell's question for completion (the script `bindscout completion` prints asks it).
  if (argv[0] === COMPLETION_REQUEST) {
    const sources = {
      commands: COMMANDS,
      listUnits: (pid1: number | undefined) => listServiceNames(io.runner ?? runnerFor(pid1)),
    };
    for (const word of await complete(argv.slice(1), sources)) io.out(`${word}\n`);
    return ExitCode.ok;
  }
  // yargs drops a bare `-` from positionals when other inputs come with it (`analyze FILE -`): stdin
  // goes through it under a name no real argument can have (argv never holds a NUL byte).
  if (argv.find((word) => !word.startsWith('-')) === 'analyze') argv = argv.map((word) => (word === '-' ? STDIN_WORD : word));
  // yargs counts the words after `--` for no required argument (`lint -- ./app.service`): words that
  // cannot be taken for options need no `--`; the others are handed over by withWordsAfterDashes.
  const dashes = argv.indexOf('--');
  if (dashes >= 0 && argv.slice(dashes + 1).every((word) => !word.startsWith('-') || word === STDIN_WORD)) argv = [...argv.slice(0, dashes), ...argv.slice(dashes + 1)];
  let exitCode: number = ExitCode.ok;
  let usageError: string | undefined;
  let handled = false;

  const parser = yargs(argv)
    .scriptName('bindscout')
    .usage(`$0 <command> [options]\n\n${PROGRAM_DESCRIPTION}`)
    .version(VERSION)
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .example('$0 analyze /tmp/nginx.strace', 'suggest a drop-in from a saved strace log')
    .example('$0 analyze --help', 'all options of analyze')
    .epilogue(`${EXIT_CODE_HELP}\n\n${COLOUR_NOTE}`)
    // Words after `--` are arguments even when they look like options (`analyze -- -odd.log`).
    .parserConfiguration({ 'populate--': true })
    .wrap(Math.min(110, io.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      // Errors thrown by our own handlers arrive here too, without a message; keep them for the caller.
      if (error instanceof CliError || (error && !message)) throw error;
      usageError = message || String(error);
      const commandNames = COMMANDS.map((c) => c.command.split(' ')[0]);
      const command = COMMANDS.find((c) => c.command.split(' ')[0] === argv.find((word) => !word.startsWith('-')));
      const optionNames = command === undefined ? ['help', 'version'] : optionsOf(command);
      usageError = explainUsageError(usageError, argv, commandNames, optionNames);
      // Returning would let yargs go on and run the command's handler with the arguments it refused.
      throw new UsageError(usageError);
    });

  skipHelpCacheOnRun(parser);
  for (const cmd of COMMANDS) {
    parser.command(
      cmd.command,
      cmd.describe,
      (y) => cmd.builder(y).epilogue(EXIT_CODE_HELP),
      async (args) => {
        handled = true;
        exitCode = await cmd.run(withWordsAfterDashes(cmd, args), io);
      },
    );
  }

  try {
    // yargs prints --help/--version itself through console; route it to our IO.
    const output = await new Promise<string>((resolve, reject) => {
      parser
        .parseAsync(argv, {}, (err, _argv, out) => {
          if (err && !usageError) reject(err);
          else resolve(out);
        })
        .catch(reject);
    });
    if (usageError) {
      io.err(`${io.paint.red('error:')} ${usageError}\n`);
      io.err(`run 'bindscout --help' for usage\n`);
      return ExitCode.usage;
    }
    if (output) io.out(output.endsWith('\n') ? output : output + '\n');
    return handled ? exitCode : ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError || usageError !== undefined) {
      io.err(`${io.paint.red('error:')} ${usageError ?? (error as Error).message}\n`);
      io.err(`run 'bindscout --help' for usage\n`);
      return ExitCode.usage;
    }
    const cliError = asCliError(error);
    if (cliError === undefined) throw error;
    io.err(`${io.paint.red('error:')} ${cliError.message}\n`);
    if (cliError.hint) io.err(`${cliError.hint}\n`);
    return cliError.exitCode;
  }
}
