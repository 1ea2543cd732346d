/**
 * The command-line program as a function: argv and an IO object in, exit code out. src/cli.ts gives it
 * the real process; tests give it their own IO.
 */
import yargs from 'yargs';
import { EXIT_CODE_HELP, ExitCode } from './exit-codes.js';
import { analyzeCommand } from './commands/analyze.js';
import { discoverCommand } from './commands/discover.js';
import { lintCommand } from './commands/lint.js';
import { viewCommand } from './commands/view.js';
import { profileCommand } from './commands/profile.js';
import { cleanupCommand } from './commands/cleanup.js';
import { checkCommand } from './commands/check.js';
import { asCliError } from './commands/shared.js';
import type { BindscoutCommand, CommandIO } from './commands/types.js';
import { VERSION } from './version.js';

// yargs types each command's arguments differently; the list only needs the common shape.
const COMMANDS: BindscoutCommand<any>[] = [
  discoverCommand,
  analyzeCommand,
  profileCommand,
  lintCommand,
  viewCommand,
  checkCommand,
  cleanupCommand,
];

export async function runProgram(argv: string[], io: CommandIO): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let usageError: string | undefined;
  let handled = false;

  const parser = yargs(argv)
    .scriptName('bindscout')
    .usage(
      '$0 <command> [options]\n\nFind the files and directories a systemd service really needs, ' +
        'and lock it down to them with TemporaryFileSystem=/:ro.',
    )
    .version(VERSION)
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .completion('completion', 'Print a bash/zsh completion script (source it from your shell profile)')
    .example('$0 analyze /tmp/nginx.strace', 'suggest a drop-in from a saved strace log')
    .example('$0 analyze --help', 'all options of analyze')
    .epilogue(EXIT_CODE_HELP + '\n\nColour is off when NO_COLOR is set or stderr is not a terminal.')
    .wrap(Math.min(110, io.columns || 100))
    .exitProcess(false)
    .fail((message, error) => {
      // Errors thrown by our own handlers arrive here too; keep them for the caller.
      if (error) throw error;
      usageError = message;
    });

  for (const cmd of COMMANDS) {
    parser.command(
      cmd.command,
      cmd.describe,
      (y) => cmd.builder(y).epilogue(EXIT_CODE_HELP),
      async (args) => {
        handled = true;
        exitCode = await cmd.run(args, io);
      },
    );
  }

  try {
    // yargs prints --help/--version itself through console; route it to our IO.
    const output = await new Promise<string>((resolve, reject) => {
      parser.parseAsync(argv, {}, (err, _argv, out) => {
        if (err && !usageError) reject(err);
        else resolve(out);
      }).catch(reject);
    });
    if (usageError) {
      io.err(`${io.paint.red('error:')} ${usageError}\n`);
      io.err(`run 'bindscout --help' for usage\n`);
      return ExitCode.usage;
    }
    if (output) io.out(output.endsWith('\n') ? output : output + '\n');
    return handled ? exitCode : ExitCode.ok;
  } catch (error) {
    const cliError = asCliError(error);
    if (cliError === undefined) throw error;
    io.err(`${io.paint.red('error:')} ${cliError.message}\n`);
    if (cliError.hint) io.err(`${cliError.hint}\n`);
    return cliError.exitCode;
  }
}
