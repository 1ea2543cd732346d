/**
 * The part of reading a strace log that does not depend on order, done in worker threads: reading a
 * byte range of the file, cutting it into lines, skipping the common leaders (`1234  `, `[pid 1234] `)
 * and numbering the distinct call texts that follow them. The main thread then parses each distinct
 * text once and replays the per-task, order-dependent part line by line (see ./parallel.ts).
 *
 * `scanWorkerMain` must stay self-contained: its source text is what the worker runs, in the bundle,
 * from source and under jest alike, so it may use only its own locals and what it is handed.
 */
import type { MessagePort } from 'node:worker_threads';

export interface ScanTask {
  chunk: number;
  /** Byte range [start, end) of the file: the chunk owns the lines that start in it. */
  start: number;
  end: number;
}

export interface ScanResult {
  chunk: number;
  /**
   * Three numbers per line. A line that the main thread must see whole: `-1`, then where it starts and
   * ends in `others`. A call line: leader code (see LEADER_*), pid, id of the text after the leader.
   */
  records: Int32Array;
  lines: number;
  /** The lines the main thread must see whole, one after the other: one string is far cheaper to post than many. */
  others: string;
  /** Call texts first seen in this chunk: they get the ids following those already known. */
  bodies: string[];
  /** The worker started its numbering over before this chunk (its table was full). */
  reset: boolean;
}

export interface ScanWorkerData {
  file: string;
  /** Distinct call texts a worker keeps before it starts over, bounding memory. */
  tableLimit: number;
}

/** Leader forms; the paddings are packed above them so that the main thread can rebuild the line. */
export const LEADER_NONE = 0;
export const LEADER_PID = 1;
export const LEADER_BRACKET = 2;

export function scanWorkerMain(
  port: MessagePort,
  data: ScanWorkerData,
  fs: { openSync(path: string, flags: string): number; readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number },
): void {
  // The exported LEADER_* values, repeated: this function may not refer to anything outside it.
  const LEADER_NONE_CODE = 0;
  const LEADER_PID_CODE = 1;
  const LEADER_BRACKET_CODE = 2;
  const PID_MAX = 4194304;
  const NEWLINE = 10;
  const fd = fs.openSync(data.file, 'r');
  const table = new Map<string, number>();
  let nextId = 0;
  /** The read buffer, kept from chunk to chunk. */
  let spare = Buffer.allocUnsafe(0);

  /** Reads [position, position + length) as far as the file goes; returns the bytes read. */
  function readAt(buffer: Buffer, offset: number, length: number, position: number): number {
    let done = 0;
    while (done < length) {
      const n = fs.readSync(fd, buffer, offset + done, length - done, position + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  /**
   * The text of the lines that start in [start, end), without the `\n` that ends the last one;
   * undefined when no line starts there (the range lies inside a longer line).
   */
  function chunkText(start: number, end: number): string | undefined {
    const from = start > 0 ? start - 1 : 0;
    if (spare.length < end - from + 65536) spare = Buffer.allocUnsafe(end - from + 65536);
    let buffer = spare;
    let length = readAt(buffer, 0, buffer.length, from);
    let begin = 0;
    if (start > 0) {
      const newline = buffer.indexOf(NEWLINE);
      if (newline < 0 || newline >= length || from + newline + 1 >= end) return undefined;
      begin = newline + 1;
    }
    if (begin >= length) return undefined;
    // The last line that starts before `end` runs to the first `\n` at or after end - 1.
    let searchFrom = Math.max(begin, end - 1 - from);
    let stop = -1;
    for (;;) {
      stop = length > searchFrom ? buffer.indexOf(NEWLINE, searchFrom) : -1;
      if (stop >= 0 && stop < length) break;
      stop = -1;
      if (length < buffer.length) break; // end of file: the last line has no `\n`
      const bigger = Buffer.allocUnsafe(buffer.length * 2);
      buffer.copy(bigger, 0, 0, length);
      searchFrom = length;
      length += readAt(bigger, length, bigger.length - length, from + length);
      buffer = bigger;
    }
    return buffer.toString('latin1', begin, stop < 0 ? length : stop);
  }

  function isDigit(code: number): boolean {
    return code >= 48 && code <= 57;
  }

  function startsName(code: number): boolean {
    return (code >= 97 && code <= 122) || code === 95;
  }

  function scan(task: ScanTask): ScanResult {
    const text = chunkText(task.start, task.end);
    const reset = table.size >= data.tableLimit;
    if (reset) {
      table.clear();
      nextId = 0;
    }
    const others: string[] = [];
    let othersLength = 0;
    const bodies: string[] = [];
    let records = new Int32Array(4096 * 3);
    let lines = 0;
    if (text === undefined) return { chunk: task.chunk, records: records.subarray(0, 0), lines, others: '', bodies, reset };
    let escape = text.indexOf('\x1b');
    let lineStart = 0;
    const textEnd = text.length;
    while (lineStart <= textEnd) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = textEnd;
      if (lines * 3 + 3 > records.length) {
        const grown = new Int32Array(records.length * 2);
        grown.set(records);
        records = grown;
      }
      const at = lines * 3;
      lines++;
      let code = -1;
      let pid = 0;
      let bodyStart = lineStart;
      if (escape >= 0 && escape < lineStart) escape = text.indexOf('\x1b', lineStart);
      // Lines with colour codes, and calls left unfinished (`...>`), take the main thread's full path.
      const plain =
        lineEnd > lineStart &&
        (escape < 0 || escape >= lineEnd) &&
        !(text.charCodeAt(lineEnd - 1) === 62 && text.charCodeAt(lineEnd - 2) === 46);
      if (plain) {
        let i = lineStart;
        let c = text.charCodeAt(i);
        if (startsName(c)) {
          code = LEADER_NONE_CODE;
        } else if (c >= 49 && c <= 57) {
          // `1234  name(`: a pid without leading zeros, so that the main thread can print it back.
          let value = 0;
          while (isDigit((c = text.charCodeAt(i)))) (value = value * 10 + (c - 48)), i++;
          const digits = i - lineStart;
          const spaces = i;
          while (text.charCodeAt(i) === 32) i++;
          const pad = i - spaces;
          if (digits <= 7 && value <= PID_MAX && pad > 0 && pad < 4096 && startsName(text.charCodeAt(i))) {
            code = LEADER_PID_CODE | (pad << 4);
            pid = value;
          }
        } else if (c === 91 && text.startsWith('[pid ', i)) {
          // `[pid  1234] name(`
          i += 5;
          const padStart = i;
          while (text.charCodeAt(i) === 32) i++;
          const pad1 = i - padStart;
          const digitsStart = i;
          let value = 0;
          if (text.charCodeAt(i) !== 48) while (isDigit((c = text.charCodeAt(i)))) (value = value * 10 + (c - 48)), i++;
          const digits = i - digitsStart;
          if (digits > 0 && digits <= 9 && text.charCodeAt(i) === 93 && text.charCodeAt(i + 1) === 32) {
            i += 2;
            const pad2Start = i;
            while (text.charCodeAt(i) === 32) i++;
            const pad2 = i - pad2Start;
            if (pad1 < 2048 && pad2 < 2048 && startsName(text.charCodeAt(i))) {
              code = LEADER_BRACKET_CODE | (pad1 << 4) | (pad2 << 16);
              pid = value;
            }
          }
        }
        bodyStart = i;
      }
      if (code < 0) {
        records[at] = -1;
        records[at + 1] = othersLength;
        othersLength += lineEnd - lineStart;
        records[at + 2] = othersLength;
        others.push(text.slice(lineStart, lineEnd));
      } else {
        const body = text.slice(bodyStart, lineEnd);
        let id = table.get(body);
        if (id === undefined) {
          id = nextId++;
          // A copy of its own: a slice would keep the whole chunk's text alive as long as the table.
          const kept = body.length < 13 ? body : (body + '\0').slice(0, -1);
          table.set(kept, id);
          bodies.push(kept);
        }
        records[at] = code;
        records[at + 1] = pid;
        records[at + 2] = id;
      }
      lineStart = lineEnd + 1;
    }
    return { chunk: task.chunk, records: records.subarray(0, lines * 3), lines, others: others.join(''), bodies, reset };
  }

  port.on('message', (task: ScanTask) => {
    const result = scan(task);
    port.postMessage(result, [result.records.buffer as ArrayBuffer]);
  });
}
