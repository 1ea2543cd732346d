import { describe, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeUtf8Bytes, escapeBindPath, escapeUnitWord, parseBindPaths } from './escape.js';

/** Byte strings, as the fold produces them. */
const awkward: Record<string, string> = {
  space: '/srv/my site/index.html',
  'two spaces and a tab': '/srv/a  b\tc',
  'trailing space': '/srv/ends with ',
  percent: '/srv/100%/x%i',
  dollar: '/srv/$HOME/${x}',
  'double quote': '/srv/say "hi"',
  'single quote': "/srv/it's",
  'both quotes': `/srv/"it's"`,
  backslash: '/srv/back\\slash\\',
  colon: '/srv/a:b:norbind',
  'utf-8 é': encodeUtf8Bytes('/srv/café'),
  'control character': '/srv/bell\x07',
  'leading dash in a component': '/srv/-x',
  root: '/',
};

describe('escapeBindPath', () => {
  test.each(Object.entries(awkward))('%s reads back identically', (_name, path) => {
    const escaped = escapeBindPath(path);
    if (typeof escaped !== 'string') throw new Error(escaped.error);
    expect(parseBindPaths(escaped)).toEqual([{ optional: false, source: path, destination: path, recursive: true }]);
    expect(parseBindPaths('-' + escaped)).toEqual([{ optional: true, source: path, destination: path, recursive: true }]);
  });

  test('the escapes chosen read the same in newer systemd (no backslash before a quote)', () => {
    expect(escapeBindPath(awkward['both quotes'])).toBe(`/srv/'"'it"'"s'"'`);
    expect(escapeBindPath(awkward.space)).toBe('/srv/my" "site/index.html');
    expect(escapeBindPath(awkward.colon)).toBe('/srv/a\\:b\\:norbind');
    expect(escapeBindPath(awkward.percent)).toBe('/srv/100%%/x%%i');
    expect(escapeBindPath(awkward.dollar)).toBe('/srv/$HOME/${x}');
    expect(escapeBindPath(awkward['utf-8 é'])).toBe('/srv/café');
  });

  test.each([
    ['a newline', '/srv/a\nb', /line break/],
    ['a carriage return', '/srv/a\rb', /line break/],
    ['a byte that is not UTF-8', '/srv/\xff', /not valid UTF-8/],
    ['a relative path', 'srv/x', /absolute/],
    ['..', '/srv/../etc', /\.\./],
    ['an empty component', '/srv//x', /normalised/],
    ['a trailing slash', '/srv/', /normalised/],
    ['an overlong component', '/' + 'a'.repeat(256), /255/],
  ])('refuses %s', (_name, path, why) => {
    const result = escapeBindPath(path);
    expect(typeof result).toBe('object');
    expect((result as { error: string }).error).toMatch(why);
  });
});

describe('parseBindPaths', () => {
  test('source:destination:options and several words', () => {
    expect(parseBindPaths('-/a\\:b:/c:norbind /d')).toEqual([
      { optional: true, source: '/a:b', destination: '/c', recursive: false },
      { optional: false, source: '/d', destination: '/d', recursive: true },
    ]);
  });

  test('errors systemd would report', () => {
    expect(parseBindPaths('"/a')).toEqual({ error: 'unbalanced quoting' });
    expect(parseBindPaths('/a%b')).toEqual({ error: expect.stringContaining('specifier %b') });
    expect(parseBindPaths('relative')).toEqual({ error: expect.stringContaining('absolute') });
  });
});

const analyzer = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const haveAnalyzer = analyzer.status === 0;
const testWithAnalyzer = haveAnalyzer ? test : test.skip;
if (!haveAnalyzer) console.warn('systemd-analyze not found: skipping the check against the real unit file parser');

describe('against the real systemd parser', () => {
  // systemd prints the unquoted, specifier-expanded word when a path is relative; making each path
  // relative shows exactly what it read back.
  testWithAnalyzer('systemd-analyze verify reads every escaped word back as written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bindscout-escape-'));
    try {
      const words = Object.values(awkward)
        .filter((p) => p !== '/')
        .map((p) => p.slice(1));
      writeFileSync(join(dir, 'probe.service'), '[Service]\nExecStart=/bin/true\n');
      mkdirSync(join(dir, 'probe.service.d'));
      const lines = words.map((w) => `BindReadOnlyPaths=${escapeUnitWord(Buffer.from(w, 'latin1').toString('utf8'))}`);
      writeFileSync(join(dir, 'probe.service.d', 'probe.conf'), '[Service]\n' + lines.join('\n') + '\n');
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', 'probe.service'], {
        cwd: dir,
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:`, SYSTEMD_LOG_COLOR: '0' },
        encoding: 'utf8',
      });
      const readBack = [...result.stderr.matchAll(/path is not absolute, ignoring: (.*)$/gm)].map((m) => m[1]);
      expect(readBack).toEqual(words.map((w) => Buffer.from(w, 'latin1').toString('utf8')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  testWithAnalyzer('and drops a line that is not UTF-8, which is why such paths are refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bindscout-escape-'));
    try {
      writeFileSync(join(dir, 'probe.service'), '[Service]\nExecStart=/bin/true\n');
      mkdirSync(join(dir, 'probe.service.d'));
      writeFileSync(join(dir, 'probe.service.d', 'probe.conf'), Buffer.from('[Service]\nBindReadOnlyPaths=/srv/\xff\n', 'latin1'));
      const result = spawnSync('systemd-analyze', ['verify', '--man=no', 'probe.service'], {
        cwd: dir,
        env: { ...process.env, SYSTEMD_UNIT_PATH: `${dir}:` },
        encoding: 'utf8',
      });
      expect(result.stderr).toMatch(/not UTF-8 clean, ignoring assignment: BindReadOnlyPaths=/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
