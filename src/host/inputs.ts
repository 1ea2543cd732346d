/**
 * Turns the paths given on the command line into trace sources: files, `-ff` directories, stdin.
 * Text is read as latin1 so that every byte survives as one character (see parsers/events.ts).
 */
import { constants as fsConstants, createReadStream, openSync, promises as fsp } from 'node:fs';
import { Socket } from 'node:net';
import path from 'node:path';
import { InputError, PermissionDenied } from '../errors.js';

export interface TraceSource {
  /** Shown in warnings: the file path, or `-` for stdin. */
  name: string;
  /** Known pid of every line, from a `strace -ff -o NAME` file suffix (`NAME.1234`). */
  pid?: number;
  /** Size in bytes when known, for progress. */
  size?: number;
  open(): AsyncIterable<string>;
}

const READ_CHUNK = 1 << 20;
const FF_SUFFIX = /\.(\d+)$/;

/**
 * Buffers converted one by one: a stream with `encoding: 'latin1'` goes through a StringDecoder,
 * which measured three times slower than `toString('latin1')` on whole chunks.
 */
async function* latin1Chunks(stream: AsyncIterable<Buffer | string>): AsyncGenerator<string> {
  for await (const chunk of stream) yield typeof chunk === 'string' ? chunk : chunk.toString('latin1');
}

function fileSource(file: string, size: number, pid?: number): TraceSource {
  return {
    name: file,
    pid,
    size,
    open: () => readErrorsExplained(file, latin1Chunks(createReadStream(file, { highWaterMark: READ_CHUNK }))),
  };
}

/**
 * A file that stat() accepted can still refuse to be opened or read (mode 0600 of another user, EIO):
 * that is the admin's input, not a bug, so it gets the same errors as a file that is not there.
 */
async function* readErrorsExplained(file: string, chunks: AsyncIterable<string>): AsyncGenerator<string> {
  try {
    yield* chunks;
  } catch (err) {
    if (typeof (err as NodeJS.ErrnoException).code === 'string') throw inputError(file, err as NodeJS.ErrnoException);
    throw err;
  }
}

/**
 * A FIFO is read through the event loop, never by a blocking open(): with no writer yet, open() would
 * hold a thread-pool thread that not even process.exit() can take back, and a signal could not end the
 * wait. Opened non-blocking, the read end waits in epoll for the first writer and ends when the last
 * one closes, as a blocking read would.
 */
function fifoSource(file: string, pid?: number): TraceSource {
  return {
    name: file,
    pid,
    open: () => {
      let fd: number;
      try {
        fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
      } catch (err) {
        throw inputError(file, err as NodeJS.ErrnoException);
      }
      return readErrorsExplained(file, latin1Chunks(new Socket({ fd, readable: true, writable: false })));
    },
  };
}

/** Opened once before reading: a file this user may not read is refused here, as bad input, before any is read. */
async function checkReadable(file: string): Promise<void> {
  try {
    await (await fsp.open(file, 'r')).close();
  } catch (err) {
    throw inputError(file, err as NodeJS.ErrnoException);
  }
}

export function inputError(file: string, err: NodeJS.ErrnoException): InputError | PermissionDenied {
  if (err.code === 'EACCES' || err.code === 'EPERM') {
    return new PermissionDenied(`cannot read ${file}: permission denied`, 'run as a user who can read it, e.g. with sudo');
  }
  if (err.code === 'ENOENT') {
    return new InputError(`${file}: no such file or directory`);
  }
  return new InputError(`cannot read ${file}: ${err.message}`);
}

/**
 * The trace sources one command-line path (never `-`, which the caller reads itself) stands for. A
 * directory is taken as the output of `strace -ff -o DIR/NAME`: every regular file in it, with the pid
 * from a numeric suffix when there is one. A lone file named `NAME.1234` gets pid 1234 too, since `-ff`
 * files carry no pid prefix on their lines.
 */
export async function resolveTraceSources(arg: string): Promise<TraceSource[]> {
  let stat;
  try {
    stat = await fsp.stat(arg);
  } catch (err) {
    throw inputError(arg, err as NodeJS.ErrnoException);
  }
  if (stat.isFIFO()) return [fifoSource(arg, pidFromName(path.basename(arg)))];
  if (!stat.isDirectory()) {
    await checkReadable(arg);
    return [fileSource(arg, stat.size, pidFromName(path.basename(arg)))];
  }
  let names: string[];
  try {
    names = (await fsp.readdir(arg)).sort(compareNatural);
  } catch (err) {
    throw inputError(arg, err as NodeJS.ErrnoException);
  }
  const sources: TraceSource[] = [];
  for (const name of names) {
    const file = path.join(arg, name);
    const fileStat = await fsp.stat(file).catch(() => undefined);
    if (!fileStat?.isFile()) continue;
    await checkReadable(file);
    sources.push(fileSource(file, fileStat.size, pidFromName(name)));
  }
  if (sources.length === 0) throw new InputError(`${arg}: directory holds no files`);
  return sources;
}

function pidFromName(name: string): number | undefined {
  const match = FF_SUFFIX.exec(name);
  if (!match) return undefined;
  const pid = Number(match[1]);
  return pid > 0 && pid <= 0x3fffffff ? pid : undefined;
}

/** `trace.99` before `trace.100`, so per-pid files are read in pid order. */
function compareNatural(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** A unit file or drop-in named on the command line (lint, profile), as text. */
export async function readUnitFile(file: string): Promise<string> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    const message = `cannot read ${file}: ${(err as Error).message}`;
    throw (err as NodeJS.ErrnoException).code === 'EACCES' ? new PermissionDenied(message) : new InputError(message);
  }
}
