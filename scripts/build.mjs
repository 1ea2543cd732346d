// Bundles the CLI into one file that runs with no node_modules beside it, and makes the man page from
// the same command definitions.
import { build } from 'esbuild';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  sourcemap: false,
  legalComments: 'none',
  define: { BINDSCOUT_VERSION: JSON.stringify(pkg.version) },
  // Some bundled CommonJS dependencies call require(); ESM output has none.
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __bindscoutCreateRequire } from 'node:module';\nconst require = __bindscoutCreateRequire(import.meta.url);",
  },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/cli.ts'], outfile: 'dist/bindscout.mjs' });

// `bin` entries are run directly: the bundle must be executable.
chmodSync('dist/bindscout.mjs', 0o755);

// The man page: src/man-page.ts bundled on its own and run once, outside dist/ so it is never shipped.
const scratch = mkdtempSync(path.join(tmpdir(), 'bindscout-build-'));
try {
  const entry = path.join(scratch, 'man-page.mjs');
  await build({ ...common, entryPoints: ['src/man-page.ts'], outfile: entry });
  const { manPage } = await import(pathToFileURL(entry).href);
  writeFileSync('dist/bindscout.1', manPage({ version: pkg.version, nodeEngine: pkg.engines.node }));
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
