// `npm run build:wasm`: compiles src/host/trace-reader/scan-worker.wat into scan-worker-wasm.ts beside it, the bytes the
// reader threads instantiate. Run it after any change to the .wat; a test fails while the two differ.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'src', 'host', 'trace-reader', 'scan-worker.wat');
const target = path.join(root, 'src', 'host', 'trace-reader', 'scan-worker-wasm.ts');

/** The module's bytes, as wabt builds them from the text (no names section: it is not needed to run). */
export async function compileScanWorkerWat() {
  const wabt = await initWabt();
  const module = wabt.parseWat(source, readFileSync(source, 'utf8'));
  try {
    module.validate();
    return Buffer.from(module.toBinary({ write_debug_names: false }).buffer);
  } finally {
    module.destroy();
  }
}

export function renderScanWorkerWasm(bytes) {
  const base64 = bytes.toString('base64');
  const lines = base64.match(/.{1,100}/g) ?? [];
  return [
    '// Generated from ./scan-worker.wat by `npm run build:wasm`; edit the .wat, not this file.',
    '',
    '/** The reader thread\'s WebAssembly module (see ./scan-worker.wat), base64. */',
    'export const SCAN_WORKER_WASM_BASE64 =',
    lines.map((line) => `  '${line}'`).join(' +\n') + ';',
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(target, renderScanWorkerWasm(await compileScanWorkerWat()));
  console.error(`wrote ${path.relative(root, target)}`);
}
