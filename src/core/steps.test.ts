import { describe, expect, test } from '@jest/globals';
import { runSteps, runStepsPausing, sortInSteps, type Steps } from './steps.js';
import { seededRandom } from '../testing/seeded-random.js';

describe('sortInSteps', () => {
  test('the order of a stable Array.prototype.sort, ties kept in input order, on sizes around the run length', () => {
    const rand = seededRandom(7);
    for (const size of [0, 1, 5, 65535, 65536, 65537, 200_001]) {
      // Few distinct keys: many ties, whose input order must survive.
      const items = Array.from({ length: size }, (_, index) => ({ key: Math.floor(rand() * 1000), index }));
      const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;
      expect(runSteps(sortInSteps(items, byKey))).toEqual([...items].sort(byKey));
    }
  });

  test('runs already in order are joined without being compared item by item', () => {
    const items = Array.from({ length: 300_000 }, (_, i) => i);
    let comparisons = 0;
    runSteps(sortInSteps(items, (a, b) => (comparisons++, a - b)));
    // Each run's own sort compares about once per item; merging in-order runs adds one comparison per pair.
    expect(comparisons).toBeLessThan(items.length * 1.1);
  });
});

describe('runStepsPausing', () => {
  function* busy(ms: number): Steps<string> {
    const end = performance.now() + ms;
    while (performance.now() < end) yield;
    return 'done';
  }

  test('lets the event loop run while the steps go on, and ends with their value', async () => {
    let ranBetween = false;
    setImmediate(() => (ranBetween = true));
    expect(await runStepsPausing(busy(300))).toBe('done');
    expect(ranBetween).toBe(true);
  });

  test('stops with the reason once the signal is aborted', async () => {
    const controller = new AbortController();
    setImmediate(() => controller.abort(new Error('stop')));
    await expect(runStepsPausing(busy(10_000), controller.signal)).rejects.toThrow('stop');
  });
});
