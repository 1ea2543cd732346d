/**
 * A CommandIO for tests: output kept as text, no colour, no terminal unless asked for, and answers to
 * questions taken from a script.
 */
import { Readable } from 'node:stream';
import { PLAIN, type CommandIO, type Paint } from '../commands/types.js';

export const NO_PAINT: Paint = PLAIN;

export interface FakeIO {
  io: CommandIO;
  stdout(): string;
  stderr(): string;
  /** Every question asked, in order. */
  questions: string[];
}

export interface FakeIOOptions extends Partial<Omit<CommandIO, 'out' | 'err' | 'ask'>> {
  /** What stdin holds (as bytes, latin1); without it stdin is an empty terminal. A `stdin` stream given
   * instead (a pipe that stalls, say) is used as it is. */
  stdinText?: string;
  /** Replies to the questions, in order; undefined stands for end of input. */
  replies?: (string | undefined)[];
}

export function fakeIO(options: FakeIOOptions = {}): FakeIO {
  const { stdinText, replies, ...rest } = options;
  const out: string[] = [];
  const err: string[] = [];
  const questions: string[] = [];
  const stdin = Readable.from(stdinText === undefined ? [] : [Buffer.from(stdinText, 'latin1')]) as Readable & {
    isTTY?: boolean;
  };
  stdin.isTTY = stdinText === undefined;
  const io: CommandIO = {
    out: (text) => void out.push(text),
    err: (text) => void err.push(text),
    paint: NO_PAINT,
    stderrIsTTY: false,
    stdin,
    env: {},
    ...(replies
      ? {
          ask: async (question: string) => {
            questions.push(question);
            if (replies.length === 0) throw new Error(`unexpected question: ${question}`);
            return replies.shift();
          },
        }
      : {}),
    ...rest,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join(''), questions };
}
