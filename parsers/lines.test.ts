import { describe, expect, test } from '@jest/globals';
import { LineSplitter } from './lines.js';

function split(chunks: string[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter();
  for (const chunk of chunks) splitter.push(chunk, (line) => lines.push(line));
  splitter.end((line) => lines.push(line));
  return lines;
}

describe('LineSplitter', () => {
  test('lines within one chunk', () => {
    expect(split(['a\nbb\n\nccc\n'])).toEqual(['a', 'bb', '', 'ccc']);
  });

  test('a line spanning several chunks is delivered once, whole', () => {
    expect(split(['ab', 'cd', 'e\nf', 'g\n'])).toEqual(['abcde', 'fg']);
  });

  test('the last line without a newline is kept', () => {
    expect(split(['x\npoll([{fd=6, events=POLLIN}], 1, 3600000'])).toEqual(['x', 'poll([{fd=6, events=POLLIN}], 1, 3600000']);
  });

  test('every split point of a text gives the same lines', () => {
    const text = 'openat(AT_FDCWD, "/a", O_RDONLY) = 3\n\nwrite(1, "x\\n", 2) = 2\ntail';
    const expected = split([text]);
    for (let cut = 0; cut <= text.length; cut++) {
      expect(split([text.slice(0, cut), text.slice(cut)])).toEqual(expected);
    }
  });

  test('empty chunks and empty input', () => {
    expect(split([])).toEqual([]);
    expect(split(['', 'a', '', '\n'])).toEqual(['a']);
  });
});
