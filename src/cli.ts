/** The only place that touches the process: argv, the console, signals and the exit code. */
import { hideBin } from 'yargs/helpers';
import pc from 'picocolors';
import { runProgram } from './program.js';
import { ExitCode } from './exit-codes.js';
import type { CommandIO, Paint } from './commands/types.js';

function makePaint(enabled: boolean): Paint {
  const colors = pc.createColors(enabled);
  return { red: colors.red, yellow: colors.yellow, bold: colors.bold, dim: colors.dim };
}

// picocolors turns colour on whenever CI is set; an admin's NO_COLOR and a non-terminal win here.
const colour = !('NO_COLOR' in process.env) && process.stderr.isTTY === true && process.env.TERM !== 'dumb';

const io: CommandIO = {
  out: (text) => void process.stdout.write(text),
  err: (text) => void process.stderr.write(text),
  paint: makePaint(colour),
  stderrIsTTY: process.stderr.isTTY === true,
  stdin: process.stdin,
  env: process.env,
};

// A closed pipe (`bindscout analyze … | head`) is not an error worth a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

try {
  process.exitCode = await runProgram(hideBin(process.argv), io);
} catch (error) {
  process.stderr.write(`${io.paint.red('internal error:')} ${(error as Error).stack ?? String(error)}\n`);
  process.stderr.write('this is a bug in bindscout; please report it with the command line that caused it\n');
  process.exitCode = ExitCode.internal;
}
