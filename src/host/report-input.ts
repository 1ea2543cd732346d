/**
 * One command-line input of analyze, told apart: an earlier `analyze --json` report (read whole, as
 * UTF-8 JSON text) or strace/journal text (trace sources, as resolveTraceSources makes them). Only the
 * first bytes are looked at; stdin is replayed from what was looked at.
 */
import { promises as fsp } from 'node:fs';
import { looksLikeReport } from '../checks/merge.js';
import { ArgumentError } from '../errors.js';
import { inputError, resolveTraceSources, type TraceSource } from './inputs.js';

export type Input =
  /** Read when its turn comes: a fleet's reports are not all held in memory at once. */
  | { kind: 'report'; name: string; read(): Promise<string> }
  | { kind: 'trace'; name: string; sources: TraceSource[]; observedAt: string | null };

const PEEK_BYTES = 4096;

export async function classifyInput(arg: string, stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<Input> {
  if (arg === '-') return classifyStdin(stdin);
  const sources = await resolveTraceSources(arg);
  const stat = await fsp.stat(arg);
  const observedAt = stat.mtime.toISOString();
  // A FIFO is not peeked at: that would wait for its writer outside the reader that a signal can end.
  if (!stat.isFile()) return { kind: 'trace', name: arg, sources, observedAt };
  let head: string;
  try {
    head = await peek(arg);
  } catch (err) {
    throw inputError(arg, err as NodeJS.ErrnoException);
  }
  if (looksLikeReport(head)) return { kind: 'report', name: arg, read: () => fsp.readFile(arg, 'utf8') };
  return { kind: 'trace', name: arg, sources, observedAt };
}

async function peek(file: string): Promise<string> {
  const handle = await fsp.open(file, 'r');
  try {
    const buf = Buffer.alloc(PEEK_BYTES);
    const { bytesRead } = await handle.read(buf, 0, PEEK_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}

async function classifyStdin(stdin: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<Input> {
  if (stdin.isTTY) {
    throw new ArgumentError('no input on stdin: pipe a strace log or a report into it', 'example: journalctl -u app -o json -a | bindscout analyze -');
  }
  const iterator = (stdin as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await iterator.next();
  const firstChunk = first.done ? Buffer.alloc(0) : typeof first.value === 'string' ? Buffer.from(first.value, 'latin1') : first.value;
  if (looksLikeReport(firstChunk.subarray(0, PEEK_BYTES).toString('utf8'))) {
    const chunks: Buffer[] = [firstChunk];
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      chunks.push(typeof next.value === 'string' ? Buffer.from(next.value, 'latin1') : next.value);
    }
    const text = Buffer.concat(chunks).toString('utf8');
    return { kind: 'report', name: '-', read: async () => text };
  }
  async function* replay(): AsyncGenerator<string> {
    if (firstChunk.length > 0) yield firstChunk.toString('latin1');
    if (first.done) return;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      yield typeof next.value === 'string' ? next.value : next.value.toString('latin1');
    }
  }
  return { kind: 'trace', name: '-', sources: [{ name: '-', open: replay }], observedAt: null };
}
