/**
 * lint reads what analyze writes: one escaping module serves both directions
 * (src/unit-file/escape.ts), so every drop-in analyze writes lints clean on the machine that
 * judged it. Fixtures, the shared corpus of real traces when it is present, and a real trace of paths
 * with every character that needs escaping.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeInputs } from './flows/analyze.js';
import { lintUnit } from './checks/lint.js';
import { parseUnitText, UnitSettings } from './unit-file/unit-settings.js';
import { createHostFsView } from './host/fs.js';
import { resolveTraceSources } from './host/inputs.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The shared corpus of real traces, found beside some ancestor of the repository when it is there. */
function corpusDir(): string | undefined {
  for (let dir = repo; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'shared', 'corpus', 'strace');
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function traceFiles(): string[] {
  const fixtures = path.join(repo, 'fixtures', 'traces');
  const files = readdirSync(fixtures)
    .map((name) => path.join(fixtures, name, 'strace.log'))
    .filter((f) => existsSync(f));
  const corpus = corpusDir();
  if (corpus !== undefined) {
    for (const name of readdirSync(corpus).sort()) {
      const file = path.join(corpus, name);
      if (!name.endsWith('.md') && statSync(file).isFile()) files.push(file);
    }
  }
  return files;
}

async function dropinFor(file: string): Promise<string | undefined> {
  const inputs = [{ kind: 'trace' as const, name: file, sources: await resolveTraceSources(file), observedAt: null }];
  try {
    return (await analyzeInputs(inputs, { baseline: true, include: [], exclude: [], host: null }, createHostFsView())).dropin;
  } catch {
    // Not a trace analyze accepts (a summary table, another tool's output): nothing written, nothing to lint.
    return undefined;
  }
}

function lintText(text: string): string[] {
  // A host view is a snapshot (src/host/fs.ts): a fresh one sees a file removed since the last.
  return lintUnit(new UnitSettings(parseUnitText(text, 'dropin.conf')), { fs: createHostFsView() }).map((f) => `${f.line}: ${f.check}: ${f.message}`);
}

describe('every drop-in analyze writes lints clean', () => {
  test.each(traceFiles().map((f) => [path.basename(path.dirname(f)) + '/' + path.basename(f), f]))('%s', async (_name, file) => {
    const dropin = await dropinFor(file);
    if (dropin !== undefined) expect(lintText(dropin)).toEqual([]);
  });
});

const haveStrace = spawnSync('strace', ['-V']).status === 0;
const withStrace = haveStrace ? test : test.skip;

describe('paths that need escaping', () => {
  let dir: string;
  beforeAll(() => {
    // Not below /tmp: PrivateTmp= would cover the paths and no bind would be written for them. A clone
    // may itself sit below /tmp; /mnt is then a place no fold rule binds whole (as it does /srv, /opt).
    const base = /^\/(var\/)?tmp(\/|$)/.test(repo) ? '/mnt' : repo;
    dir = mkdtempSync(path.join(base, '.escape-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const NAMES = ['col:on', 'pct%n', 'ütf8-ñ', 'sp ace', `quo'te"dq`, 'back\\slash', 'x0a\\x0aliteral'];

  withStrace('a real trace of them: analyze binds each, lint finds nothing and reads the same paths back', async () => {
    // One directory per file, so that each is bound on its own line rather than folded into the parent.
    const files = NAMES.map((name, i) => {
      mkdirSync(path.join(dir, `d${i}`));
      const file = path.join(dir, `d${i}`, name);
      writeFileSync(file, 'x\n');
      return file;
    });
    const log = path.join(dir, 'odd.log');
    execFileSync('strace', ['-f', '-y', '-e', 'trace=%file', '-o', log, 'cat', ...files], { stdio: 'ignore' });
    const dropin = (await dropinFor(log))!;
    for (const file of files) expect(dropin).not.toContain(`# cannot be written as BindReadOnlyPaths=: ${file}`);
    expect(lintText(dropin)).toEqual([]);
    // And a bind lint must catch: the same paths with one missing.
    rmSync(files[0]);
    const findings = lintText(dropin);
    expect(findings).toEqual([expect.stringContaining(`missing-bind-source: ${files[0]} does not exist`)]);
  });

  test('a specifier where a literal % was meant is reported, not passed', () => {
    expect(lintText('[Service]\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=/srv/x/pct%n\n')).toEqual([expect.stringContaining('percent-not-doubled')]);
    expect(lintText('[Service]\nTemporaryFileSystem=/:ro\nBindReadOnlyPaths=-/srv/x/pct%%n\n')).toEqual([]);
  });

  test("lint's suggested fix is escaped the way systemd reads it", () => {
    const lint = lintUnit(new UnitSettings(parseUnitText('[Service]\nBindReadOnlyPaths=/nonexistent/col\\:on\n', 'u')), { fs: createHostFsView() });
    expect(lint.map((f) => f.fix)).toEqual([expect.stringContaining('BindReadOnlyPaths=-/nonexistent/col\\:on ')]);
  });
});
