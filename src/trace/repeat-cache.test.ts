import { describe, expect, test } from '@jest/globals';
import { RepeatCache } from './repeat-cache.js';

describe('RepeatCache', () => {
  test('keeps what is asked for again', () => {
    const cache = new RepeatCache<number>(4);
    for (let round = 0; round < 10; round++) {
      for (const key of ['a', 'b', 'c']) {
        if (cache.get(key) === undefined) cache.set(key, round);
      }
    }
    expect(cache.get('a')).toBe(0);
  });

  test('rests on texts that never come back, then keeps again', () => {
    const cache = new RepeatCache<number>(4, 0.3, 2);
    // A full table of misses: it rests for 8 lookups (limit × rest factor).
    for (let i = 0; i < 5; i++) if (cache.get(`once${i}`) === undefined) cache.set(`once${i}`, i);
    cache.set('kept?', 1);
    expect(cache.get('kept?')).toBeUndefined();
    for (let i = 0; i < 8; i++) cache.get('x');
    cache.set('kept', 2);
    expect(cache.get('kept')).toBe(2);
  });
});
