/** The only place that touches the process: argv, the console, signals and the exit code. */
import { setFlagsFromString } from 'node:v8';
import { hideBin } from 'yargs/helpers';
import pc from 'picocolors';
import { runProgram } from './program.js';
import { ExitCode } from './exit-codes.js';
import { colourFor } from './colour.js';
import type { CommandIO, Paint } from './commands/types.js';

// V8 lets a heap that grows fast reach about four times what was live at its last full collection
// before collecting again: analyze of the /usr tree walk (90 MB live) peaked at 390 MB of RSS, a
// million paths at 1.1 GB. One and a half times keeps the peaks near 265 MB and 700 MB, for about the
// same CPU on the tree walk and a seventh more on a million paths. Read by V8 at every full collection,
// so setting it here, before any work, is enough.
setFlagsFromString('--heap-growing-percent=50');

function makePaint(enabled: boolean): Paint {
  const colors = pc.createColors(enabled);
  return { red: colors.red, yellow: colors.yellow, bold: colors.bold, dim: colors.dim };
}

// picocolors turns colour on whenever CI is set; an admin's NO_COLOR and a non-terminal win here.
const colour = colourFor(process.stderr, process.env);

// The first SIGINT/SIGTERM asks the running command to clean up and stop; a second one while it does
// is ignored, so the cleanup (removing drop-ins, restoring the unit) is never cut short.
const interruption = new AbortController();
let interrupts = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    interrupts++;
    if (interrupts === 1) {
      process.stderr.write(`\n${signal}: cleaning up, please wait…\n`);
      interruption.abort(signal);
    }
  });
}

const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;

const io: CommandIO = {
  out: (text) => void process.stdout.write(text),
  drained: () => (process.stdout.writableNeedDrain ? new Promise((resolve) => process.stdout.once('drain', resolve)) : Promise.resolve()),
  err: (text) => void process.stderr.write(text),
  paint: makePaint(colour),
  outPaint: makePaint(colourFor(process.stdout, process.env)),
  stderrIsTTY: process.stderr.isTTY === true,
  stdin: process.stdin,
  env: process.env,
  interactive,
  ask: interactive ? askOnTerminal : undefined,
  signal: interruption.signal,
  isRoot: process.getuid?.() === 0,
  pid: process.pid,
  alive: processExists,
  columns: process.stdout.columns,
};

/** Signal 0 checks without sending anything; EPERM means it exists but belongs to someone else. */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * node:readline/promises' question() never settles when input ends, so it is aborted when the
 * interface closes (Ctrl-D) or bindscout is interrupted.
 */
async function askOnTerminal(question: string): Promise<string | undefined> {
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const closed = new AbortController();
  rl.once('close', () => closed.abort());
  const onInterrupt = () => closed.abort();
  interruption.signal.addEventListener('abort', onInterrupt, { once: true });
  try {
    return await rl.question(question, { signal: closed.signal });
  } catch {
    return undefined;
  } finally {
    interruption.signal.removeEventListener('abort', onInterrupt);
    rl.close();
  }
}

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
// An interrupted command has cleaned up and returned, but what it waited on may still hold the event
// loop (an open() of a FIFO no one writes to never returns): end here rather than wait for it.
if (interruption.signal.aborted) process.exit();
