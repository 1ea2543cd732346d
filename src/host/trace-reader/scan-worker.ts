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
  /** The module built from ./scan-worker.wat (./scan-worker-wasm.ts). */
  wasm: Uint8Array<ArrayBuffer>;
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
  const ESCAPE = 0x1b;
  /** Bytes of distinct call texts a worker keeps before it starts over, however few they are. */
  const ARENA_LIMIT = 32 << 20;
  /** Longer texts are not kept (their lines go to the main thread whole): they seldom repeat. */
  const MAX_KEPT_TEXT = 32768;
  /** Texts with one hash compared before a line is given up on (see idOf). */
  const MAX_SAME_HASH = 8;
  const fd = fs.openSync(data.file, 'r');
  let nextId = 0;

  /**
   * The module of ./scan-worker.wat: `eq(a, b, length)` (1 when the `length` bytes at a and b are the
   * same), and `scan`, which takes the common line from its first byte to its record, so that JS is
   * called back only for the others. Crossing from JS into WebAssembly costs about as much as comparing
   * a line, and confirming that a line's text is one already numbered was most of the worker's time.
   */
  const PAGE = 65536;
  /** The fixed part of the memory: a state word, the per-task tables and the records `scan` writes. */
  const STATE = 0;
  const TASKS = 16;
  const TASK_SLOTS = 4096;
  const RECORDS_OUT = TASKS + TASK_SLOTS * 8;
  const RECORDS_OUT_LINES = 4096;
  /** Where `scan` copies the leaders it hands on as text (LEADER_TEXT*), one after the other. */
  const TEXT_OUT = RECORDS_OUT + RECORDS_OUT_LINES * 16;
  const TEXT_OUT_BYTES = 64 << 10;
  /** Where the read buffer starts; after it come the tables of kept texts by id, then their bytes. */
  const READ = Math.ceil((TEXT_OUT + TEXT_OUT_BYTES) / PAGE) * PAGE;
  const memory = new WebAssembly.Memory({ initial: READ / PAGE });
  const exports = new WebAssembly.Instance(new WebAssembly.Module(data.wasm), { m: { mem: memory } }).exports;
  const eq = exports.eq as (a: number, b: number, length: number) => number;
  const scanFast = exports.scan as (
    at: number,
    stop: number,
    records: number,
    recordsEnd: number,
    starts: number,
    lengths: number,
    successors: number,
    alternates: number,
    arena: number,
    tasks: number,
    others: number,
    slots: number,
    slotHashes: number,
    slotMask: number,
    text: number,
    textEnd: number,
  ) => number;
  /**
   * The memory holds the read buffer at READ (`readSize` bytes, kept from chunk to chunk), the four
   * tables of `idRoom` ids each, the two of the hash table (`slotRoom` slots each, `slotCount` of them in
   * use) and the kept texts (the arena, `arenaRoom` bytes). It only grows between chunks: growing it
   * detaches every view of it (see takeViews).
   */
  let readSize = 0;
  let idRoom = 0;
  let slotRoom = 0;
  let slotCount = 0;
  let arenaRoom = 0;
  let arenaUsed = 0;
  let startsAt = READ;
  let slotsAt = READ;
  let arenaAt = READ;
  let state = new Int32Array(0);
  let recordsOut = new Int32Array(0);
  /**
   * Per id, where its text is in the arena and its length, the id of the text that followed it last time
   * in the same task, and in `alternates` the different one that followed it the time before (a loop's
   * two branches). Per task, not per line: the tasks of a service interleave their lines, while each one
   * repeats its own calls in order. `lastIds` holds each task's last id (-1: none), in a slot picked by
   * its pid, owned by `lastPids`.
   */
  let starts = new Int32Array(0);
  let lengths = new Int32Array(0);
  let successors = new Int32Array(0);
  let alternates = new Int32Array(0);
  let lastPids = new Int32Array(0);
  let lastIds = new Int32Array(0);
  /**
   * The distinct call texts, by their bytes: an open-addressing table of ids (+1, 0 for none) keyed by a
   * hash, each id's bytes kept in the arena to confirm a match. Bytes, not strings: making a string of
   * every line and hashing it in a Map cost more than all the rest of the scan.
   */
  let slots = new Int32Array(0);
  let slotHashes = new Int32Array(0);
  let arena = Buffer.alloc(0);

  /** Views of the memory as it is now. */
  function takeViews(): void {
    const buffer = memory.buffer;
    state = new Int32Array(buffer, STATE, 4);
    lastPids = new Int32Array(buffer, TASKS, TASK_SLOTS);
    lastIds = new Int32Array(buffer, TASKS + TASK_SLOTS * 4, TASK_SLOTS);
    recordsOut = new Int32Array(buffer, RECORDS_OUT, RECORDS_OUT_LINES * 4);
    startsAt = READ + readSize;
    starts = new Int32Array(buffer, startsAt, idRoom);
    lengths = new Int32Array(buffer, startsAt + 4 * idRoom, idRoom);
    successors = new Int32Array(buffer, startsAt + 8 * idRoom, idRoom);
    alternates = new Int32Array(buffer, startsAt + 12 * idRoom, idRoom);
    slotsAt = startsAt + 16 * idRoom;
    slots = new Int32Array(buffer, slotsAt, slotCount);
    slotHashes = new Int32Array(buffer, slotsAt + 4 * slotRoom, slotCount);
    arenaAt = slotsAt + 8 * slotRoom;
    arena = Buffer.from(buffer, arenaAt, arenaRoom);
  }

  /**
   * Room for a read buffer of `read` bytes, `ids` ids (and the hash table they need: it doubles once
   * more than half full, see keep) and an arena of `kept` bytes.
   */
  function makeRoom(read: number, ids: number, kept: number): void {
    const newRead = read <= readSize ? readSize : Math.ceil(read / PAGE) * PAGE;
    const newIdRoom = ids <= idRoom ? idRoom : Math.max(ids, idRoom * 2);
    let newSlotRoom = Math.max(slotRoom, 1024);
    while (newSlotRoom < 2 * newIdRoom) newSlotRoom *= 2;
    const newArenaRoom = kept <= arenaRoom ? arenaRoom : Math.max(kept, arenaRoom * 2);
    if (newRead === readSize && newIdRoom === idRoom && newSlotRoom === slotRoom && newArenaRoom === arenaRoom) return;
    const newStartsAt = READ + newRead;
    const newSlotsAt = newStartsAt + 16 * newIdRoom;
    const newArenaAt = newSlotsAt + 8 * newSlotRoom;
    const pages = Math.ceil((newArenaAt + newArenaRoom) / PAGE) - memory.buffer.byteLength / PAGE;
    if (pages > 0) memory.grow(pages);
    const bytes = new Uint8Array(memory.buffer);
    // Every region only moves up: the last one first, so that none is overwritten before it has moved.
    bytes.copyWithin(newArenaAt, arenaAt, arenaAt + arenaUsed);
    for (let table = 1; table >= 0; table--) {
      const from = slotsAt + table * 4 * slotRoom;
      bytes.copyWithin(newSlotsAt + table * 4 * newSlotRoom, from, from + 4 * slotCount);
    }
    for (let table = 3; table >= 0; table--) {
      const from = startsAt + table * 4 * idRoom;
      bytes.copyWithin(newStartsAt + table * 4 * newIdRoom, from, from + 4 * nextId);
    }
    readSize = newRead;
    idRoom = newIdRoom;
    slotRoom = newSlotRoom;
    arenaRoom = newArenaRoom;
    takeViews();
  }
  makeRoom(0, 0, 0);
  slotCount = 1024;
  takeViews();
  lastIds.fill(-1);

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
   * The bytes of the lines that start in [start, end): `begin` to `stop`, where `stop` is the `\n` that
   * ends the last one (or the end of the file, where a `\n` is then written into the spare room, so that
   * every line ends in one). Undefined when no line starts there (the range lies inside a longer line).
   * `inMemory`: the buffer is the read buffer in `memory` (not one made for a line longer than its room).
   */
  function chunkBytes(start: number, end: number): Chunk | undefined {
    const from = start > 0 ? start - 1 : 0;
    makeRoom(end - from + 65536, 0, 0);
    let buffer = Buffer.from(memory.buffer, READ, readSize);
    // The chunk and a little more for the end of its last line; the rest of the buffer only if needed.
    const wanted = Math.min(buffer.length - 1, end - from + 4096);
    let length = readAt(buffer, 0, wanted, from);
    let atEnd = length < wanted;
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
    let inMemory = true;
    for (;;) {
      stop = length > searchFrom ? buffer.indexOf(NEWLINE, searchFrom) : -1;
      if (stop >= 0 && stop < length) break;
      stop = -1;
      if (atEnd) break; // end of file: the last line has no `\n`
      searchFrom = length;
      if (length === buffer.length - 1) {
        const bigger = Buffer.allocUnsafe(buffer.length * 2);
        buffer.copy(bigger, 0, 0, length);
        buffer = bigger;
        inMemory = false;
      }
      const more = buffer.length - 1 - length;
      const read = readAt(buffer, length, more, from + length);
      length += read;
      atEnd = read < more;
    }
    if (stop < 0) {
      stop = length;
      buffer[stop] = NEWLINE;
    }
    return { buffer, begin, stop, inMemory };
  }

  function isDigit(code: number): boolean {
    return code >= 48 && code <= 57;
  }

  /** A call's name, or a resumed half's `<... `. */
  function startsBody(buffer: Buffer, at: number): boolean {
    const code = buffer[at];
    if ((code >= 97 && code <= 122) || code === 95) return true;
    return code === 60 && buffer[at + 1] === 46 && buffer[at + 2] === 46 && buffer[at + 3] === 46 && buffer[at + 4] === 32;
  }

  let recordsSize = 4096 * 4;

  function clearTable(): void {
    slots.fill(0);
    crowded.clear();
    nextId = 0;
    arenaUsed = 0;
    lastIds.fill(-1);
  }

  /** Twice the slots, within the room made for them before the chunk (see makeRoom). */
  function growSlots(): void {
    const oldSlots = slots.slice();
    const oldHashes = slotHashes.slice();
    slotCount *= 2;
    takeViews();
    slots.fill(0);
    const mask = slotCount - 1;
    for (let s = 0; s < oldSlots.length; s++) {
      if (oldSlots[s] === 0) continue;
      let at = oldHashes[s] & mask;
      while (slots[at] !== 0) at = (at + 1) & mask;
      slots[at] = oldSlots[s];
      slotHashes[at] = oldHashes[s];
    }
  }

  interface Chunk {
    buffer: Buffer;
    begin: number;
    stop: number;
    inMemory: boolean;
  }

  /** Whether the bytes [from, to) of the chunk equal the text kept as `id`. */
  function sameText(chunk: Chunk, from: number, to: number, id: number): boolean {
    const kept = starts[id];
    if (chunk.inMemory) return eq(READ + from, arenaAt + kept, to - from) === 1;
    const buffer = chunk.buffer;
    for (let k = 0; k < to - from; k++) if (arena[kept + k] !== buffer[from + k]) return false;
    return true;
  }

  /** Sampled hashes shared by too many texts: their lines are looked up by a hash of every byte. */
  const crowded = new Set<number>();

  /** The id kept for the bytes [from, to) under `hash`, or -1 (`sameHash` then counts the other texts met). */
  let sameHash = 0;
  function lookUp(chunk: Chunk, from: number, to: number, hash: number): number {
    const length = to - from;
    const mask = slots.length - 1;
    sameHash = 0;
    for (let at = hash & mask; ; at = (at + 1) & mask) {
      const slot = slots[at];
      if (slot === 0) return -1;
      if (slotHashes[at] === hash && lengths[slot - 1] === length) {
        if (sameText(chunk, from, to, slot - 1)) return slot - 1;
        sameHash++;
      }
    }
  }

  /**
   * The id of the bytes [from, to) of `buffer`, a new one when they are new. The hash reads a sample of
   * the bytes; texts that differ only between the samples (socket inodes, pids in /proc paths) crowd one
   * hash, and from then on are looked up by a hash of every byte. -1 when even that is crowded, or the
   * text is very long: the line then goes to the main thread whole, so that texts built to collide cost
   * a longer path, never a wrong one.
   */
  function idOf(chunk: Chunk, from: number, to: number, bodies: string[]): number {
    const buffer = chunk.buffer;
    const length = to - from;
    if (length > MAX_KEPT_TEXT) return -1;
    let hash = Math.imul(length, -1640531535);
    const step = length > 32 ? length >> 4 : 1;
    for (let k = from; k < to; k += step) hash = Math.imul(hash ^ buffer[k], 16777619);
    for (let k = Math.max(from, to - 4); k < to; k++) hash = Math.imul(hash ^ buffer[k], 16777619);
    const found = lookUp(chunk, from, to, hash);
    if (found >= 0) return found;
    if (sameHash > MAX_SAME_HASH || crowded.has(hash)) {
      crowded.add(hash);
      hash = -2128831035;
      for (let k = from; k < to; k++) hash = Math.imul(hash ^ buffer[k], 16777619);
      const again = lookUp(chunk, from, to, hash);
      if (again >= 0) return again;
      if (sameHash > MAX_SAME_HASH) return -1;
    }
    return keep(buffer, from, to, hash, bodies);
  }

  /** A new id for the bytes [from, to) of `buffer`, under `hash`. */
  function keep(buffer: Buffer, from: number, to: number, hash: number, bodies: string[]): number {
    const length = to - from;
    const mask = slots.length - 1;
    let at = hash & mask;
    while (slots[at] !== 0) at = (at + 1) & mask;
    const id = nextId++;
    // Room for every id a chunk may add was made before it (see scan).
    if (id >= idRoom) throw new Error(`text table full at ${id} ids`);
    successors[id] = -1;
    alternates[id] = -1;
    // The arena has room for every text of the chunk (see scan): it never grows inside one.
    buffer.copy(arena, arenaUsed, from, to);
    starts[id] = arenaUsed;
    lengths[id] = length;
    arenaUsed += length;
    slots[at] = id + 1;
    slotHashes[at] = hash;
    if (nextId * 2 > slots.length) growSlots();
    bodies.push(buffer.toString('latin1', from, to));
    return id;
  }

  function scan(task: ScanTask): ScanResult {
    let chunk = chunkBytes(task.start, task.end);
    const reset = nextId >= data.tableLimit || arenaUsed >= ARENA_LIMIT;
    if (reset) clearTable();
    const others: string[] = [];
    let othersLength = 0;
    const bodies: string[] = [];
    // Sized from the chunk before, so that it seldom grows (the array is handed over with each result).
    let records = new Int32Array(recordsSize);
    let lines = 0;
    /** Room for `ints` more numbers of records after the lines so far. */
    const roomForRecords = (ints: number): void => {
      while (lines * 4 + ints > records.length) {
        const grown = new Int32Array(records.length * 2);
        grown.set(records);
        records = grown;
      }
    };
    if (chunk === undefined) return { chunk: task.chunk, records: records.subarray(0, 0), lines, others: '', bodies, reset };
    // Room for every text of the chunk it may keep, made before the views of the memory are taken: in
    // the arena, all but a line too long for the read buffer, which is never kept (see idOf); in the
    // tables, an id for every two bytes (a kept text's line has at least its first byte and its `\n`).
    const room = Math.min(chunk.stop - chunk.begin, readSize);
    makeRoom(0, nextId + (room >> 1) + 2, arenaUsed + room);
    if (chunk.inMemory) chunk = { ...chunk, buffer: Buffer.from(memory.buffer, READ, readSize) };
    const { buffer, begin, stop } = chunk;
    let escape = buffer.indexOf(ESCAPE, begin);
    if (escape > stop) escape = -1;
    let lineStart = begin;
    const inMemory = chunk.inMemory;
    while (lineStart <= stop) {
      if (inMemory) {
        // The common lines, in WebAssembly; it stops at the first line it does not take, which the rest
        // of this loop then takes from its start.
        lineStart =
          scanFast(READ + lineStart, READ + stop, RECORDS_OUT, RECORDS_OUT + RECORDS_OUT_LINES * 16, startsAt, startsAt + 4 * idRoom, startsAt + 8 * idRoom, startsAt + 12 * idRoom, arenaAt, TASKS, othersLength, slotsAt, slotsAt + 4 * slotRoom, slotCount - 1, TEXT_OUT, TEXT_OUT + TEXT_OUT_BYTES) -
          READ;
        const taken = (state[0] - RECORDS_OUT) >> 2;
        const leaders = state[1] - TEXT_OUT;
        if (leaders > 0) {
          others.push(Buffer.from(memory.buffer, TEXT_OUT, leaders).toString('latin1'));
          othersLength += leaders;
        }
        if (taken > 0) {
          roomForRecords(taken);
          records.set(recordsOut.subarray(0, taken), lines * 4);
          lines += taken >> 2;
        }
        if (lineStart > stop) break;
        if (taken === RECORDS_OUT_LINES * 4) continue;
      }
      roomForRecords(4);
      const at = lines * 4;
      lines++;
      let code: number;
      let pid = 0;
      // The leader as parseLeader (parsers/strace.ts) reads it, for the forms strace writes by default:
      // spaces, a pid (`1234 `, `[pid 1234] `), timestamps (`10:00:00.123456 `, `1700000000.123 `).
      // Anything else (comm, syscall numbers, addresses) is left to the main thread. Every line ends in
      // a `\n`, which no part of a leader is, so the leader is read before the line's end is known.
      let i = lineStart;
      let c = buffer[i];
      while (c === 32) c = buffer[++i];
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
        while (isDigit((c = buffer[i]))) (value = value * 10 + (c - 48)), i++;
        if (c === 32) {
          let next = i;
          while (buffer[next] === 32) next++;
          const after = buffer[next];
          // A lone huge number straight before the body is a seconds-precision timestamp, not a pid.
          if (value <= PID_MAX || isDigit(after) || after === 40) {
            hasPid = true;
            pid = value;
            if (value > 0x7fffffff) ok = false;
            if (i - digitsStart > 7 || buffer[digitsStart] === 48) simple = false;
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
      } else if (c === 91 && buffer[i + 1] === 112 && buffer[i + 2] === 105 && buffer[i + 3] === 100 && buffer[i + 4] === 32) {
        // `[pid `
        bracket = true;
        i += 5;
        const padStart = i;
        while (buffer[i] === 32) i++;
        pad1 = i - padStart;
        const digitsStart = i;
        let value = 0;
        while (isDigit((c = buffer[i]))) (value = value * 10 + (c - 48)), i++;
        if (i === digitsStart || value > 0x7fffffff || c !== 93 || buffer[i + 1] !== 32) ok = false;
        if (buffer[digitsStart] === 48 || i - digitsStart > 9) simple = false;
        hasPid = true;
        pid = value;
        if (ok) {
          i += 2;
          const pad2Start = i;
          while (buffer[i] === 32) i++;
          pad2 = i - pad2Start;
        }
      }
      // Timestamps: digits, `:` and `.`, each followed by a space.
      while (ok && isDigit(buffer[i])) {
        let j = i;
        for (;;) {
          const d = buffer[j];
          if (isDigit(d) || d === 58 || d === 46) j++;
          else break;
        }
        if (buffer[j] !== 32) {
          // Stays on the line: the body's hash below starts at i.
          ok = false;
          i = j;
          break;
        }
        i = j + 1;
        while (buffer[i] === 32) i++;
        simple = false;
      }
      const bodyStart = i;
      // The guesses by task that ./scan-worker.wat tries are not tried again here: a line it left is
      // mostly a new text, or has a leader it does not read.
      const taskSlot = pid & (TASK_SLOTS - 1);
      const previous = lastPids[taskSlot] === pid ? lastIds[taskSlot] : -1;
      const lineEnd = buffer.indexOf(NEWLINE, bodyStart);
      if (escape >= 0 && escape < lineStart) {
        escape = buffer.indexOf(ESCAPE, lineStart);
        if (escape > stop) escape = -1;
      }
      // Lines with colour codes take the main thread's full path.
      const plain = lineEnd > lineStart && (escape < 0 || escape >= lineEnd);
      let id = -1;
      if (plain && ok && bodyStart < lineEnd && startsBody(buffer, bodyStart)) id = idOf(chunk, bodyStart, lineEnd, bodies);
      if (previous >= 0 && id >= 0 && successors[previous] !== id) {
        alternates[previous] = successors[previous];
        successors[previous] = id;
      }
      lastPids[taskSlot] = pid;
      lastIds[taskSlot] = id;
      if (id >= 0) {
        if (!hasPid && bodyStart === lineStart) code = LEADER_NONE_CODE;
        else if (simple && !bracket && hasPid && pad1 > 0 && pad1 < 4096) code = LEADER_PID_CODE | (pad1 << 4);
        else if (simple && bracket && pad1 < 2048 && pad2 < 2048) code = LEADER_BRACKET_CODE | (pad1 << 4) | (pad2 << 16);
        else {
          code = hasPid ? LEADER_TEXT_PID_CODE : LEADER_TEXT_CODE;
          others.push(buffer.toString('latin1', lineStart, bodyStart));
          othersLength += bodyStart - lineStart;
        }
        records[at] = code;
        records[at + 1] = pid;
        records[at + 2] = id;
      } else {
        records[at] = -1;
        if (lineEnd > lineStart) others.push(buffer.toString('latin1', lineStart, lineEnd));
        othersLength += lineEnd - lineStart;
      }
      records[at + 3] = othersLength;
      lineStart = lineEnd + 1;
    }
    recordsSize = Math.max(recordsSize, (lines + (lines >> 3) + 64) * 4);
    return { chunk: task.chunk, records: records.subarray(0, lines * 4), lines, others: others.join(''), bodies, reset };
  }

  port.on('message', (task: ScanTask) => {
    const result = scan(task);
    port.postMessage(result, [result.records.buffer as ArrayBuffer]);
  });
}
