/**
 * Long pure work in steps: a generator that yields now and then (`yield` alone, no value) runs to its
 * end at once (runSteps), or pausing for the event loop between slices of a few tens of milliseconds
 * (runStepsPausing), so that a signal handler gets to run during a fold of a million paths and the
 * work stops where it is. The same code serves both: only the driver differs.
 */

export type Steps<T> = Generator<void, T, void>;

/** Items handled between two checks of the clock. */
export const STEP_ITEMS = 2048;

/** Runs `steps` to the end without pausing. */
export function runSteps<T>(steps: Steps<T>): T {
  let next = steps.next();
  while (!next.done) next = steps.next();
  return next.value;
}

/** Time given to the work before the event loop gets a turn. */
const SLICE_MS = 50;

/**
 * Runs `steps`, letting the event loop run at least every SLICE_MS (as far as the steps yield), and
 * stops with the signal's reason once it is aborted.
 */
export async function runStepsPausing<T>(steps: Steps<T>, signal?: AbortSignal): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    if (performance.now() - sliceStart < SLICE_MS) continue;
    await new Promise((resolve) => setImmediate(resolve));
    signal?.throwIfAborted();
    sliceStart = performance.now();
  }
}

/** Yields every STEP_ITEMS items of `items`, after handing each to `each`. */
export function* eachInSteps<T>(items: readonly T[], each: (item: T, index: number) => void): Steps<void> {
  for (let i = 0; i < items.length; i++) {
    each(items[i], i);
    if (i % STEP_ITEMS === STEP_ITEMS - 1) yield;
  }
}

/** Runs of this many items are sorted whole (tens of milliseconds), then merged. */
const SORT_RUN = 65536;

/**
 * `items` sorted as a stable Array.prototype.sort would (a new array), in steps: runs sorted whole and
 * merged pairwise, left first on ties. Sorting a million paths at once takes seconds.
 */
export function* sortInSteps<T>(items: readonly T[], compare: (a: T, b: T) => number): Steps<T[]> {
  if (items.length <= SORT_RUN) return [...items].sort(compare);
  let runs: T[][] = [];
  for (let from = 0; from < items.length; from += SORT_RUN) {
    runs.push(items.slice(from, from + SORT_RUN).sort(compare));
    yield;
  }
  while (runs.length > 1) {
    const merged: T[][] = [];
    for (let r = 0; r + 1 < runs.length; r += 2) merged.push(yield* mergeRuns(runs[r], runs[r + 1], compare));
    if (runs.length % 2 === 1) merged.push(runs[runs.length - 1]);
    runs = merged;
  }
  return runs[0];
}

function* mergeRuns<T>(left: T[], right: T[], compare: (a: T, b: T) => number): Steps<T[]> {
  // Runs already in order (a trace's accesses mostly are, by line): no item to compare.
  if (compare(left[left.length - 1], right[0]) <= 0) return left.concat(right);
  // Pushed, not preallocated: `new Array(n)` of a large n makes a slow dictionary-mode array.
  const out: T[] = [];
  const length = left.length + right.length;
  let l = 0;
  let r = 0;
  for (let o = 0; o < length; o++) {
    out.push(r >= right.length || (l < left.length && compare(left[l], right[r]) <= 0) ? left[l++] : right[r++]);
    if (o % STEP_ITEMS === STEP_ITEMS - 1) yield;
  }
  return out;
}
