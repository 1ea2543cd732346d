/**
 * The package as an admin installs it, following the README: `npm pack` on a fresh checkout (no dist/)
 * builds the bundle and the man page (prepack); the tarball installed globally into a scratch prefix,
 * offline, gives a `bindscout` that runs from anywhere, also with sudo's PATH, a `man bindscout`, and
 * an uninstall that leaves nothing behind. The checkout is copied (what a clone holds, with the edits
 * not yet committed), so this test never races another one building dist/ in the tree.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  chmodSync,
  lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};
/** What sudo's secure_path typically leaves (Debian, Ubuntu), and what the README tests `sudo` with. */
const SUDO_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';

let scratch: string;
let prefix: string;
let bindscout: string;
let packedFiles: string[];

function npm(args: string[], cwd: string) {
  // npm run from `npm test` passes its own settings down through npm_config_*; this npm gets none.
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_')));
  const result = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--no-update-notifier'], {
    cwd,
    env,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

function run(file: string, args: string[], options: { env: NodeJS.ProcessEnv; cwd?: string }) {
  return spawnSync(file, args, { encoding: 'utf8', cwd: options.cwd ?? scratch, env: options.env });
}

/** Every entry under `dir` that is not a directory (files and links), relative to it. */
function nonDirectories(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((entry) => !lstatSync(path.join(dir, entry)).isDirectory())
    .sort();
}

beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'bindscout-pack-'));
  const checkout = path.join(scratch, 'checkout');
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: repo,
    encoding: 'utf8',
  }).split('\0');
  for (const file of files.filter((f) => f !== '' && existsSync(path.join(repo, f)))) {
    mkdirSync(path.dirname(path.join(checkout, file)), { recursive: true });
    copyFileSync(path.join(repo, file), path.join(checkout, file));
  }
  symlinkSync(path.join(repo, 'node_modules'), path.join(checkout, 'node_modules'));
  expect(existsSync(path.join(checkout, 'dist'))).toBe(false);

  const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', scratch], checkout)) as {
    filename: string;
    files: { path: string }[];
  }[];
  packedFiles = packed.files.map((f) => f.path).sort();

  // No dependency to fetch: the install works without the registry.
  prefix = path.join(scratch, 'prefix');
  npm(['install', '--global', '--offline', '--prefix', prefix, path.join(scratch, packed.filename)], scratch);
  bindscout = path.join(prefix, 'bin', 'bindscout');
}, 120000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

test('the tarball holds the launcher, the bundle and the man page, and nothing to install beside them', () => {
  expect(packedFiles).toEqual([
    'README.md',
    'bin/bindscout',
    'bin/bindscout.cjs',
    'dist/bindscout.1',
    'dist/bindscout.mjs',
    'package.json',
  ]);
  const installed = JSON.parse(
    readFileSync(path.join(prefix, 'lib', 'node_modules', 'bindscout', 'package.json'), 'utf8'),
  ) as Record<string, unknown>;
  for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'bundleDependencies'])
    expect(installed[field]).toBeUndefined();
});

test('the installed bindscout runs outside the repository: --version, and analyze on a shipped trace', () => {
  const elsewhere = path.join(scratch, 'elsewhere');
  mkdirSync(elsewhere);
  copyFileSync(path.join(repo, 'fixtures', 'traces', 'nginx', 'strace.log'), path.join(elsewhere, 'nginx.strace'));
  const env = { PATH: process.env.PATH, NO_COLOR: '1' };
  const version = run(bindscout, ['--version'], { cwd: elsewhere, env });
  expect(version.stderr).toBe('');
  expect(version.status).toBe(0);
  expect(version.stdout.trim()).toBe(pkg.version);
  const analyzed = run(bindscout, ['analyze', 'nginx.strace'], { cwd: elsewhere, env });
  expect(analyzed.stderr).toBe('');
  expect(analyzed.status).toBe(0);
  expect(analyzed.stdout).toContain('TemporaryFileSystem=/:ro');
  expect(analyzed.stdout).toContain('BindReadOnlyPaths=/etc/nginx');
});

// man-db is part of a Debian system; .ci/run installs it where the image left it out.
const withMan = spawnSync('sh', ['-c', 'command -v man']).status === 0 || process.env.CI === 'true' ? test : test.skip;
withMan('man finds the installed page, and groff has nothing to warn about in it', () => {
  const env = { PATH: process.env.PATH, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat', LANG: 'C.UTF-8' };
  const shown = run('man', ['--warnings', '-M', path.join(prefix, 'share', 'man'), 'bindscout'], { env });
  expect(shown.stderr).toBe('');
  expect(shown.status).toBe(0);
  expect(shown.stdout).toMatch(/^BINDSCOUT\(1\)/);
  for (const heading of ['SYNOPSIS', 'COMMANDS', 'EXIT STATUS', 'FILES', 'UNDOING A LOCKDOWN'])
    expect(shown.stdout).toMatch(new RegExp(`^${heading}$`, 'm'));
  expect(shown.stdout).toContain('bindscout discover unit [options]');
  expect(shown.stdout).toContain(`bindscout ${pkg.version}`);
});

test("with sudo's PATH and a link from elsewhere, bindscout runs on the node of its own prefix, not on PATH's", () => {
  // An admin's link in /usr/local/bin to a bindscout installed under a node that sudo's PATH lacks.
  const linkDir = path.join(scratch, 'usr-local-bin');
  mkdirSync(linkDir);
  symlinkSync(bindscout, path.join(linkDir, 'bindscout'));
  const wrongNode = path.join(scratch, 'wrong-node-bin');
  mkdirSync(wrongNode);
  writeFileSync(path.join(wrongNode, 'node'), '#!/bin/sh\necho "the node on PATH ran" >&2\nexit 99\n');
  chmodSync(path.join(wrongNode, 'node'), 0o755);
  symlinkSync(process.execPath, path.join(prefix, 'bin', 'node'));
  try {
    const result = run(path.join(linkDir, 'bindscout'), ['--version'], { env: { PATH: `${wrongNode}:${SUDO_PATH}` } });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(pkg.version);
    expect(result.status).toBe(0);
  } finally {
    rmSync(path.join(prefix, 'bin', 'node'));
  }
});

test('with no node to be found, bindscout says what it needs and exits 4', () => {
  // Only the tools the launcher itself uses: no node anywhere on PATH.
  const tools = path.join(scratch, 'tools-without-node');
  mkdirSync(tools);
  for (const tool of ['readlink'])
    symlinkSync(execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim(), path.join(tools, tool));
  const result = run(bindscout, ['--version'], { env: { PATH: tools } });
  expect(result.status).toBe(4);
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain('no Node.js found');
  expect(result.stderr).toContain(`needs Node.js ${pkg.engines.node.replace(/^>=\s*/, '')} or newer`);
  expect(result.stderr).toContain('BINDSCOUT_NODE');
  const named = run(bindscout, ['--version'], {
    env: { PATH: tools, BINDSCOUT_NODE: path.join(scratch, 'no-such-node') },
  });
  expect(named.stderr).toContain('no-such-node is not an executable file');
  expect(named.status).toBe(4);
});

test('on a node older than package.json allows, bindscout names the version found and the one needed, and exits 4', () => {
  const [major, minor] = pkg.engines.node
    .replace(/^>=\s*/, '')
    .split('.')
    .map(Number);
  const old = minor > 0 ? `${major}.${minor - 1}.0` : `${major - 1}.99.0`;
  // A node that reports an older version: nothing older than the minimum can be assumed installed.
  const preload = path.join(scratch, 'old-version.cjs');
  writeFileSync(
    preload,
    `Object.defineProperty(process.versions, 'node', { value: '${old}' });\nObject.defineProperty(process, 'version', { value: 'v${old}' });\n`,
  );
  const oldNode = path.join(scratch, 'old-node');
  writeFileSync(oldNode, `#!/bin/sh\nexec '${process.execPath}' -r '${preload}' "$@"\n`);
  chmodSync(oldNode, 0o755);
  const result = run(bindscout, ['--version'], { env: { PATH: SUDO_PATH, BINDSCOUT_NODE: oldNode } });
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain(`needs Node.js ${pkg.engines.node.replace(/^>=\s*/, '')} or newer`);
  expect(result.stderr).toContain(`is v${old}`);
  expect(result.status).toBe(4);
});

test('npm uninstall leaves nothing of bindscout in the prefix', () => {
  expect(nonDirectories(prefix)).toEqual(expect.arrayContaining(['bin/bindscout', 'share/man/man1/bindscout.1']));
  npm(['uninstall', '--global', '--prefix', prefix, 'bindscout'], scratch);
  expect(nonDirectories(prefix)).toEqual([]);
  expect((readdirSync(prefix, { recursive: true }) as string[]).filter((entry) => entry.includes('bindscout'))).toEqual(
    [],
  );
});
