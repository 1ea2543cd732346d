/**
 * A large strace log read on every core: worker threads cut byte ranges of the file into lines and
 * number the distinct call texts (./scan-worker.ts); this thread parses each distinct text once and
 * replays the lines in file order through the one StraceParser, which keeps everything that depends
 * on order (pending unfinished calls, cut lines, per-task state downstream). The events are exactly
 * those of reading the file line by line; with onCalls, the complete calls among them that follow each
 * other with nothing between come in bulk instead (see CallRun), which is what makes the rest cheap.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CallRun, ParseStats, StraceEvent } from '../../../parsers/events.js';
import { LEADER_BRACKET, LEADER_PID, LEADER_TEXT, LEADER_TEXT_PID, scanWorkerMain, type ScanResult, type ScanTask, type ScanWorkerData } from './scan-worker.js';
import { SCAN_WORKER_WASM_BASE64 } from './scan-worker-wasm.js';
import { StraceParser, type CompleteCall, type ResumedCall, type UnfinishedCall } from '../../../parsers/strace.js';

export interface ParallelOptions {
  file: string;
  size: number;
  source: string;
  /** pid of a `-ff` per-task file. */
  pid?: number;
  onEvent: (event: StraceEvent) => void;
  /**
   * Takes complete calls in bulk instead of as events (see CallRun): consecutive calls whose events
   * would follow each other with nothing between come as one run, everything else as events, in order.
   */
  onCalls?: (run: CallRun) => void;
  /** Called with the bytes of each chunk as it is done, in file order. */
  onBytes?: (bytes: number) => void;
  /** Worker threads; default: one per core beyond this one, at most 3. */
  workers?: number;
  chunkBytes?: number;
  tableLimit?: number;
}

/**
 * Under 1 MB so that a chunk's text is an ordinary V8 string: Node makes larger latin1 texts external
 * strings, which the garbage collector frees so lazily that they added 80 MB to the peak RSS.
 */
const DEFAULT_CHUNK_BYTES = 512 << 10;
/**
 * Chunks handed out ahead of the one being replayed: enough that a pause of either thread (a garbage
 * collection, another process taking the core) seldom leaves the other waiting, as three did; few
 * enough to bound memory.
 */
const CHUNKS_AHEAD_PER_WORKER = 32;
/**
 * The first chunks are smaller, doubling up to the full size: until the first one is back this thread
 * only waits, and a worker is slowest on its first chunk (its code not yet optimised, every text new).
 */
const FIRST_CHUNK_FRACTION = 16;

/** Where each chunk starts, and the file's size last. */
export function chunkBounds(size: number, chunkBytes: number): number[] {
  const bounds = [0];
  let length = Math.max(1, Math.floor(chunkBytes / FIRST_CHUNK_FRACTION));
  for (let at = 0; at < size; ) {
    at = Math.min(size, at + length);
    bounds.push(at);
    length = Math.min(chunkBytes, length * 2);
  }
  if (bounds.length === 1) bounds.push(size);
  return bounds;
}
const DEFAULT_TABLE_LIMIT = 1 << 16;

export function defaultWorkerCount(): number {
  return Math.min(3, availableParallelism() - 1);
}

/**
 * The worker's code as a script: its own function's text, handed the modules it needs. Kept as text so
 * that it runs the same from the bundle, from source and under jest, none of which has a worker file.
 */
function workerScript(): string {
  return `(${scanWorkerMain.toString()})(require('node:worker_threads').parentPort, require('node:worker_threads').workerData, require('node:fs'));`;
}

/**
 * What a worker's call text states: a complete call, either half of a split one, or something the line's
 * whole text must go through lineAt for (the marker keeps the text to rebuild the line).
 */
type Entry = CompleteCall | UnfinishedCall | ResumedCall | { notComplete: string };

/**
 * Which of those an entry is, kept beside the entries: the lines are sorted by a number, not by
 * `in` checks on objects of four shapes.
 */
const COMPLETE = 0;
const UNFINISHED = 1;
const RESUMED = 2;
const NOT_COMPLETE = 3;

/** A worker's distinct call texts, by id, as the replay reads them. */
interface Known {
  entries: Entry[];
  kinds: number[];
}

function knownEntry(parser: StraceParser, body: string, known: Known): void {
  const complete = parser.completeCall(body);
  if (complete !== undefined) {
    known.entries.push(complete);
    known.kinds.push(COMPLETE);
    return;
  }
  const unfinished = parser.unfinishedCall(body);
  if (unfinished !== undefined) {
    known.entries.push(unfinished);
    known.kinds.push(UNFINISHED);
    return;
  }
  const resumed = parser.resumedCall(body);
  known.entries.push(resumed ?? { notComplete: body });
  known.kinds.push(resumed !== undefined ? RESUMED : NOT_COMPLETE);
}

/** A line's leader again: rebuilt from its record, or its text in `others` [from, to). */
function leaderOf(code: number, pid: number, others: string, from: number, to: number): string {
  const form = code & 15;
  if (form === LEADER_PID) return String(pid) + ' '.repeat(code >>> 4);
  if (form === LEADER_BRACKET) return '[pid ' + ' '.repeat((code >>> 4) & 0xfff) + String(pid) + '] ' + ' '.repeat(code >>> 16);
  if (form === LEADER_TEXT_PID || form === LEADER_TEXT) return others.slice(from, to);
  return '';
}

/** Reads `file` as strace text with worker threads; resolves with the same stats the line-by-line path gives. */
export async function parseStraceFileInParallel(opts: ParallelOptions): Promise<ParseStats> {
  const chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
  const workerCount = Math.max(1, opts.workers ?? defaultWorkerCount());
  const bounds = chunkBounds(opts.size, chunkBytes);
  const chunkCount = bounds.length - 1;
  const parser = new StraceParser({ source: opts.source, pid: opts.pid, onEvent: opts.onEvent });
  const data: ScanWorkerData = { file: opts.file, tableLimit: opts.tableLimit ?? DEFAULT_TABLE_LIMIT, wasm: new Uint8Array(Buffer.from(SCAN_WORKER_WASM_BASE64, 'base64')) };
  const workers = Array.from({ length: Math.min(workerCount, chunkCount) }, () => new Worker(workerScript(), { eval: true, workerData: data }));
  const knowns: Known[] = workers.map(() => ({ entries: [], kinds: [] }));
  const done = new Map<number, ScanResult>();
  let lineNo = 0;
  let next = 0;
  let replayed = 0;

  const post = (): void => {
    while (next < chunkCount && next < replayed + CHUNKS_AHEAD_PER_WORKER * workers.length) {
      const start = bounds[next];
      const end = bounds[next + 1];
      const task: ScanTask = { chunk: next, start, end };
      workers[next % workers.length].postMessage(task);
      next++;
    }
  };

  const onCalls = opts.onCalls;
  // Lent to onCalls: `calls` is the replayed chunk's table, whose ids of complete calls are the only ones a run holds.
  const joinedCalls: CompleteCall[] = [];
  const run: CallRun = { source: opts.source, count: 0, lines: new Int32Array(0), pids: new Int32Array(0), ids: new Int32Array(0), calls: [], joined: joinedCalls };
  const flushRun = (): void => {
    if (run.count === 0) return;
    parser.takeCalls(run.count);
    onCalls!(run);
    run.count = 0;
    joinedCalls.length = 0;
  };
  /** Call `id` of the run's tables (see CallRun) on line `line`, of the task with leader pid `pid`. */
  const addToRun = (line: number, pid: number | undefined, id: number): void => {
    const taskPid = pid ?? opts.pid;
    run.lines[run.count] = line;
    run.pids[run.count] = taskPid === undefined ? -1 : taskPid;
    run.ids[run.count] = id;
    run.count++;
  };

  const replay = (result: ScanResult, known: Known): void => {
    if (result.reset) {
      known.entries.length = 0;
      known.kinds.length = 0;
    }
    for (const body of result.bodies) knownEntry(parser, body, known);
    const { records, others } = result;
    const { entries, kinds } = known;
    if (onCalls !== undefined) {
      run.calls = entries as CompleteCall[];
      if (run.lines.length < records.length >> 2) {
        const size = records.length >> 2;
        run.lines = new Int32Array(size);
        run.pids = new Int32Array(size);
        run.ids = new Int32Array(size);
      }
    }
    let from = 0;
    for (let i = 0; i < records.length; i += 4) {
      lineNo++;
      const code = records[i];
      const to = records[i + 3];
      if (code < 0) {
        if (onCalls !== undefined) flushRun();
        parser.lineAt(others.slice(from, to), lineNo);
        from = to;
        continue;
      }
      const id = records[i + 2];
      const kind = kinds[id];
      const form = code & 15;
      const pid = form === LEADER_PID || form === LEADER_BRACKET || form === LEADER_TEXT_PID ? records[i + 1] : undefined;
      if (kind === NOT_COMPLETE) {
        if (onCalls !== undefined) flushRun();
        parser.lineAt(leaderOf(code, records[i + 1], others, from, to) + (entries[id] as { notComplete: string }).notComplete, lineNo);
      } else if (kind === UNFINISHED) {
        if (onCalls !== undefined) flushRun();
        parser.unfinishedLine(lineNo, pid, entries[id] as UnfinishedCall);
      } else if (kind === RESUMED) {
        const entry = entries[id] as ResumedCall;
        const joined = onCalls !== undefined ? parser.takeResumedCall(pid, entry) : undefined;
        if (joined !== undefined) {
          // The call it completes goes in the run, by a negative id (see CallRun).
          addToRun(lineNo, pid, -1 - joinedCalls.length);
          joinedCalls.push(joined);
          from = to;
          continue;
        }
        if (onCalls !== undefined) flushRun();
        const [leaderFrom, leaderTo, leaderPid] = [from, to, records[i + 1]];
        const line = (): string => leaderOf(code, leaderPid, others, leaderFrom, leaderTo) + entry.text;
        parser.resumedLine(lineNo, pid, entry, line);
      } else if (onCalls !== undefined && parser.quietFor(pid)) {
        addToRun(lineNo, pid, id);
      } else {
        if (onCalls !== undefined) flushRun();
        parser.callLine(lineNo, pid, entries[id] as CompleteCall);
      }
      from = to;
    }
    if (onCalls !== undefined) flushRun();
  };

  try {
    await new Promise<void>((resolve, reject) => {
      const onResult = (result: ScanResult): void => {
        try {
          done.set(result.chunk, result);
          let ready: ScanResult | undefined;
          while ((ready = done.get(replayed)) !== undefined) {
            done.delete(replayed);
            replay(ready, knowns[replayed % workers.length]);
            opts.onBytes?.(bounds[replayed + 1] - bounds[replayed]);
            replayed++;
          }
          if (replayed === chunkCount) resolve();
          else post();
        } catch (err) {
          reject(err);
        }
      };
      for (const worker of workers) {
        worker.on('message', onResult);
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (replayed < chunkCount) reject(new Error(`trace reader thread exited with code ${code}`));
        });
      }
      post();
    });
  } finally {
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
  parser.end();
  return { lines: lineNo, syscalls: parser.stats.syscalls, unparsed: parser.stats.unparsed };
}
