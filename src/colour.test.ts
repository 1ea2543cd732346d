import { expect, test } from '@jest/globals';
import { colourFor } from './colour.js';

test('colour on a terminal only, per stream', () => {
  expect(colourFor({ isTTY: true }, {})).toBe(true);
  expect(colourFor({ isTTY: false }, {})).toBe(false);
  expect(colourFor({}, {})).toBe(false);
  expect(colourFor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
});

test('NO_COLOR disables colour only when set to a non-empty value (no-color.org)', () => {
  expect(colourFor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
  expect(colourFor({ isTTY: true }, { NO_COLOR: '0' })).toBe(false);
  expect(colourFor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
});
