// Bundles the CLI into one file that runs with no node_modules beside it.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

await build({
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/bindscout.mjs',
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
});

// `bin` entries are run directly: the bundle must be executable.
const { chmodSync } = await import('node:fs');
chmodSync('dist/bindscout.mjs', 0o755);
