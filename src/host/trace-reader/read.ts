/**
 * One trace input, start to end: the form is sniffed and the lines parsed into events. A large strace
 * file is read with worker threads (./parallel.ts); stdin, small files and journal exports line by
 * line. Both give the same events.
 */
import { open } from 'node:fs/promises';
import type { CallRun, ParseStats, StraceEvent } from '../../../parsers/events.js';
import { createTraceParser, sniffLine } from '../../../parsers/index.js';
import { LineSplitter } from '../../../parsers/lines.js';
import { defaultWorkerCount, parseStraceFileInParallel } from './parallel.js';

export interface TraceInput {
  /** File name or `-`, copied into every event. */
  name: string;
  /** pid of a `-ff` per-task file. */
  pid?: number;
  size?: number;
  /** Set when the input is a regular file that can be read at any offset. */
  file?: string;
  /** latin1 chunks of the input. */
  open(): AsyncIterable<string>;
}

export interface ReadOptions {
  /** Takes complete calls in bulk where the reader can hand them so (see CallRun); the rest still come as events. */
  onCalls?: (run: CallRun) => void;
  /** Below this size one thread is faster than starting others. */
  parallelMinBytes?: number;
  workers?: number;
  chunkBytes?: number;
  tableLimit?: number;
}

const PARALLEL_MIN_BYTES = 16 << 20;
/** As in createTraceParser: lines looked at to tell the form before strace text is assumed. */
const SNIFF_MAX_LINES = 64;
const SNIFF_BYTES = 1 << 20;

/**
 * True when createTraceParser would take the file for strace text: the first decisive line says so,
 * or none of the first lines decides. Undecided on fewer lines (they are long) means: do not guess.
 */
async function sniffsAsStrace(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  let text: string;
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    text = buffer.toString('latin1', 0, bytesRead);
  } finally {
    await handle.close();
  }
  let start = 0;
  for (let seen = 0; seen < SNIFF_MAX_LINES; seen++) {
    const end = text.indexOf('\n', start);
    if (end < 0) return false;
    const form = sniffLine(text.slice(start, end));
    if (form !== undefined) return form === 'strace';
    start = end + 1;
  }
  return true;
}

export async function parseTraceInput(
  input: TraceInput,
  onEvent: (event: StraceEvent) => void,
  onBytes?: (bytes: number) => void,
  options: ReadOptions = {},
): Promise<ParseStats> {
  const workers = options.workers ?? defaultWorkerCount();
  const { file, size } = input;
  if (file !== undefined && size !== undefined && workers > 0 && size >= (options.parallelMinBytes ?? PARALLEL_MIN_BYTES) && (await sniffsAsStrace(file))) {
    return parseStraceFileInParallel({ file, size, source: input.name, pid: input.pid, onEvent, onCalls: options.onCalls, onBytes, workers, chunkBytes: options.chunkBytes, tableLimit: options.tableLimit });
  }
  const parser = createTraceParser({ source: input.name, pid: input.pid, onEvent });
  const splitter = new LineSplitter();
  const onLine = (line: string): void => parser.line(line);
  for await (const chunk of input.open()) {
    splitter.push(chunk, onLine);
    onBytes?.(chunk.length);
  }
  splitter.end(onLine);
  parser.end();
  return parser.stats;
}
