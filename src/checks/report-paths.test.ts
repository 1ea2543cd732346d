/**
 * Paths survive the round trip through a report: `analyze --json`, then analyze (or discover's memory)
 * reading it back, must name the same bytes. And an installed drop-in is read back as systemd reads it.
 */
import { describe, expect, test } from '@jest/globals';
import { accessToJson } from '../profile/report.js';
import { ObservationMerger } from './merge.js';
import { earlierAccesses, earlierGrants } from './earlier.js';
import { accessesOf } from '../testing/trace-lines.js';

// Real output of `strace -f -y -e trace=%file cat "/srv/nl/nl<newline>line" '/srv/nl/nl\x0aline'`, trimmed.
const TRACE = [
  '27197 openat(AT_FDCWD</tmp/i19>, "/srv/nl/nl\\nline", O_RDONLY) = 3</srv/nl/nl\\nline>',
  '27197 openat(AT_FDCWD</tmp/i19>, "/srv/nl/nl\\\\x0aline", O_RDONLY) = 3</srv/nl/nl\\\\x0aline>',
  // A name that is not UTF-8 (byte 0xff).
  '27197 openat(AT_FDCWD</tmp/i19>, "/srv/nl/\\377raw", O_RDONLY) = 3</srv/nl/\\377raw>',
];
const EXPECTED = ['/srv/nl/nl\nline', '/srv/nl/nl\\x0aline', '/srv/nl/\xffraw'].sort();

describe('report paths round-trip', () => {
  const accesses = accessesOf(TRACE);
  const report = JSON.parse(JSON.stringify({ schemaVersion: 1, accesses: accesses.map(accessToJson) }));

  test('the trace names three distinct paths', () => {
    expect(accesses.map((a) => a.path).sort()).toEqual(EXPECTED);
  });

  test('analyze of a report: a newline and a literal \\x0a stay two different paths, raw bytes stay raw', () => {
    const merger = new ObservationMerger();
    merger.addReport('r.json', report);
    expect(merger.result().accesses.map((a) => a.path).sort()).toEqual(EXPECTED);
  });

  test("discover's memory reads the same paths back", () => {
    expect(earlierAccesses(JSON.stringify(report)).map((a) => a.path).sort()).toEqual(EXPECTED);
  });
});

describe('an installed drop-in read back', () => {
  test('escaped colons, doubled percent signs and quoted spaces are part of the path; templates and binds elsewhere are left alone', () => {
    const text = '[Service]\nBindReadOnlyPaths=/srv/a\\:b -/srv/p%%n "/srv/sp ace"\nBindPaths=/srv/%n /srv/x:/srv/y\n';
    expect(earlierGrants(text, 'then').map((g) => [g.directive, g.value, g.optional === true])).toEqual([
      ['BindReadOnlyPaths', '/srv/a:b', false],
      ['BindReadOnlyPaths', '/srv/p%n', true],
      ['BindReadOnlyPaths', '/srv/sp ace', false],
    ]);
  });
});
