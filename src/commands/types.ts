import type { Argv } from 'yargs';
import type { Runner } from '../systemd/runner.js';

/** Colours for diagnostics; all identity functions when colour is off. */
export interface Paint {
  red(text: string): string;
  yellow(text: string): string;
  bold(text: string): string;
  dim(text: string): string;
}

/** Everything a command may touch of the outside world, so tests can hand in their own. */
export interface CommandIO {
  /** Data: the drop-in, the table, the JSON. */
  out(text: string): void;
  /**
   * Resolves once what `out` was given has gone on (a pipe read slowly holds it in memory meanwhile):
   * a large output waits for it between pieces. Absent: nothing is held back.
   */
  drained?(): Promise<void>;
  /** Diagnostics: warnings, progress, errors. */
  err(text: string): void;
  /** Colours for diagnostics on stderr. */
  paint: Paint;
  /** Colours for what goes to stdout, which may be a file while stderr is a terminal; none when absent. */
  outPaint?: Paint;
  /** Whether stderr is a terminal (progress lines are drawn only then). */
  stderrIsTTY: boolean;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Whether a person can answer questions (stdin and stderr are terminals). */
  interactive?: boolean;
  /** Asks on the terminal; undefined when input ended (Ctrl-D) or the run was interrupted. */
  ask?(question: string): Promise<string | undefined>;
  /** Aborted on SIGINT/SIGTERM: long-running commands clean up and stop. */
  signal?: AbortSignal;
  isRoot?: boolean;
  /** The systemd runner when no --pid1 chooses one (tests hand in a fake); the host's when absent. */
  runner?: Runner;
  pid?: number;
  /** Whether a process exists (a lock's holder); a process of another user counts. */
  alive?(pid: number): boolean;
  /** The terminal's width, when stdout is one: --help wraps to it. */
  columns?: number;
}

/** A yargs command whose handler is a plain async function returning an exit code. */
export interface BindscoutCommand<Args> {
  command: string;
  describe: string;
  builder(yargs: Argv): Argv<Args>;
  run(args: Args, io: CommandIO): Promise<number>;
}

const plain = (text: string) => text;
/** No colour at all. */
export const PLAIN: Paint = { red: plain, yellow: plain, bold: plain, dim: plain };
