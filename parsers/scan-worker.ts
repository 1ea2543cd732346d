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
   * Four numbers per line: leader code (see LEADER_*, -1 for a line the main thread must see whole),
   * pid, id of the text after the leader, and where the line's part of `others` ends (it starts where
   * the previous line's ended): the whole line, or the leader text for LEADER_TEXT*.
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
/** Any other leader the worker understood: its text is in `others`, before where the line's record ends. */
export const LEADER_TEXT_PID = 3;
export const LEADER_TEXT = 4;

export function scanWorkerMain(
  port: MessagePort,
  data: ScanWorkerData,
  fs: { openSync(path: string, flags: string): number; readSync(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number },
): void {
  // The exported LEADER_* values, repeated: this function may not refer to anything outside it.
  const LEADER_NONE_CODE = 0;
  const LEADER_PID_CODE = 1;
  const LEADER_BRACKET_CODE = 2;
  const LEADER_TEXT_PID_CODE = 3;
  const LEADER_TEXT_CODE = 4;
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
    let records = new Int32Array(4096 * 4);
    let lines = 0;
    if (text === undefined) return { chunk: task.chunk, records: records.subarray(0, 0), lines, others: '', bodies, reset };
    let escape = text.indexOf('\x1b');
    let lineStart = 0;
    const textEnd = text.length;
    while (lineStart <= textEnd) {
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = textEnd;
      if (lines * 4 + 4 > records.length) {
        const grown = new Int32Array(records.length * 2);
        grown.set(records);
        records = grown;
      }
      const at = lines * 4;
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
        // The leader as parseLeader (./strace.ts) reads it, for the forms strace writes by default:
        // spaces, a pid (`1234 `, `[pid 1234] `), timestamps (`10:00:00.123456 `, `1700000000.123 `).
        // Anything else (comm, syscall numbers, addresses) is left to the main thread.
        let i = lineStart;
        let c = text.charCodeAt(i);
        while (c === 32) c = text.charCodeAt(++i);
        const indented = i > lineStart;
        let ok = true;
        let hasPid = false;
        let simple = !indented;
        let pad1 = 0;
        let pad2 = 0;
        let bracket = false;
        if (isDigit(c)) {
          const digitsStart = i;
          let value = 0;
          while (isDigit((c = text.charCodeAt(i)))) (value = value * 10 + (c - 48)), i++;
          if (c === 32) {
            let next = i;
            while (text.charCodeAt(next) === 32) next++;
            const after = text.charCodeAt(next);
            // A lone huge number straight before the body is a seconds-precision timestamp, not a pid.
            if (value <= PID_MAX || isDigit(after) || after === 40) {
              hasPid = true;
              pid = value;
              if (value > 0x7fffffff) ok = false;
              if (i - digitsStart > 7 || text.charCodeAt(digitsStart) === 48) simple = false;
              pad1 = next - i;
              i = next;
            } else {
              i = digitsStart;
            }
          } else if (c === 60) {
            ok = false;
          } else {
            i = digitsStart;
          }
        } else if (c === 91 && text.startsWith('[pid ', i)) {
          bracket = true;
          i += 5;
          const padStart = i;
          while (text.charCodeAt(i) === 32) i++;
          pad1 = i - padStart;
          const digitsStart = i;
          let value = 0;
          while (isDigit((c = text.charCodeAt(i)))) (value = value * 10 + (c - 48)), i++;
          if (i === digitsStart || value > 0x7fffffff || c !== 93 || text.charCodeAt(i + 1) !== 32) ok = false;
          if (text.charCodeAt(digitsStart) === 48 || i - digitsStart > 9) simple = false;
          hasPid = true;
          pid = value;
          i += 2;
          const pad2Start = i;
          while (text.charCodeAt(i) === 32) i++;
          pad2 = i - pad2Start;
        }
        // Timestamps: digits, `:` and `.`, each followed by a space.
        while (ok && isDigit(text.charCodeAt(i))) {
          let j = i;
          while (j < lineEnd) {
            const d = text.charCodeAt(j);
            if (isDigit(d) || d === 58 || d === 46) j++;
            else break;
          }
          if (j >= lineEnd || text.charCodeAt(j) !== 32) ok = false;
          i = j + 1;
          while (text.charCodeAt(i) === 32) i++;
          simple = false;
        }
        if (ok && i < lineEnd && startsName(text.charCodeAt(i))) {
          bodyStart = i;
          if (!hasPid && i === lineStart) code = LEADER_NONE_CODE;
          else if (simple && !bracket && hasPid && pad1 > 0 && pad1 < 4096) code = LEADER_PID_CODE | (pad1 << 4);
          else if (simple && bracket && pad1 < 2048 && pad2 < 2048) code = LEADER_BRACKET_CODE | (pad1 << 4) | (pad2 << 16);
          else {
            code = hasPid ? LEADER_TEXT_PID_CODE : LEADER_TEXT_CODE;
            others.push(text.slice(lineStart, bodyStart));
            othersLength += bodyStart - lineStart;
          }
        }
      }
      if (code < 0) {
        records[at] = -1;
        others.push(text.slice(lineStart, lineEnd));
        othersLength += lineEnd - lineStart;
        records[at + 3] = othersLength;
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
        records[at + 3] = othersLength;
      }
      lineStart = lineEnd + 1;
    }
    return { chunk: task.chunk, records: records.subarray(0, lines * 4), lines, others: others.join(''), bodies, reset };
  }

  port.on('message', (task: ScanTask) => {
    const result = scan(task);
    port.postMessage(result, [result.records.buffer as ArrayBuffer]);
  });
}
