/**
 * The package as npm ships it: `npm pack` on a checkout with no dist/ builds the bundle (prepack), and
 * the tarball installed globally into a scratch prefix gives a `bindscout` that runs from anywhere.
 * The checkout is copied first, so this test never races another one building dist/ in the tree.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'bindscout-pack-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function npm(args: string[], cwd: string) {
  // npm run from `npm test` passes its own settings down through npm_config_*; this npm gets none.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], { cwd, env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

test('npm pack ships a runnable bundle; installed from the tarball, bindscout runs outside the repository', () => {
  const checkout = path.join(scratch, 'checkout');
  mkdirSync(checkout);
  for (const entry of ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'scripts', 'src', 'parsers']) {
    cpSync(path.join(repo, entry), path.join(checkout, entry), { recursive: true });
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(checkout, 'node_modules'));
  expect(existsSync(path.join(checkout, 'dist'))).toBe(false);

  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], checkout)) as { filename: string; files: { path: string }[] }[];
  expect(packed.files.map((f) => f.path).sort()).toEqual(['README.md', 'dist/bindscout.mjs', 'package.json']);

  // No dependency to fetch: the bundle carries everything, so the install works without the registry.
  const prefix = path.join(scratch, 'prefix');
  npm(['install', '--global', '--offline', '--prefix', prefix, path.join(scratch, packed.filename)], scratch);
  const bindscout = path.join(prefix, 'bin', 'bindscout');

  const elsewhere = path.join(scratch, 'elsewhere');
  mkdirSync(elsewhere);
  copyFileSync(path.join(repo, 'fixtures', 'traces', 'nginx', 'strace.log'), path.join(elsewhere, 'nginx.strace'));
  const env = { PATH: process.env.PATH, NO_COLOR: '1' };
  const version = spawnSync(bindscout, ['--version'], { cwd: elsewhere, env, encoding: 'utf8' });
  expect(version.status).toBe(0);
  expect(version.stdout.trim()).toBe(JSON.parse(npm(['pkg', 'get', 'version'], checkout)));
  const analyzed = spawnSync(bindscout, ['analyze', 'nginx.strace'], { cwd: elsewhere, env, encoding: 'utf8' });
  expect(analyzed.stderr).toBe('');
  expect(analyzed.status).toBe(0);
  expect(analyzed.stdout).toContain('TemporaryFileSystem=/:ro');
  expect(analyzed.stdout).toContain('BindReadOnlyPaths=/etc/nginx');
}, 60000);
