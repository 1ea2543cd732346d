/** A CommandIO for in-process runs of the program: captured output, no colour, a scripted stdin. */
import { Readable } from 'node:stream';
import type { CommandIO } from '../commands/types.js';

const identity = (s: string) => s;

export interface FakeIO {
  io: CommandIO;
  stdout(): string;
  stderr(): string;
}

/** Without `stdinText`, stdin is an empty terminal; with it, a pipe holding that text. */
export function fakeIO(stdinText?: string, overrides: Partial<CommandIO> = {}): FakeIO {
  const out: string[] = [];
  const err: string[] = [];
  const stdin = Readable.from(stdinText === undefined ? [] : [Buffer.from(stdinText, 'latin1')]) as Readable & { isTTY?: boolean };
  stdin.isTTY = stdinText === undefined;
  const io: CommandIO = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    paint: { red: identity, yellow: identity, bold: identity, dim: identity },
    stderrIsTTY: false,
    stdin,
    env: {},
    ...overrides,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}
