import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import initWabt from 'wabt';
import { SCAN_WORKER_WASM_BASE64 } from './scan-worker-wasm.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const bytes = (): Uint8Array<ArrayBuffer> => new Uint8Array(Buffer.from(SCAN_WORKER_WASM_BASE64, 'base64'));

describe('the reader thread\'s WebAssembly module', () => {
  test('is what ./scan-worker.wat compiles to (run `npm run build:wasm` after editing the .wat)', async () => {
    const wabt = await initWabt();
    const file = path.join(here, 'scan-worker.wat');
    const module = wabt.parseWat(file, readFileSync(file, 'utf8'));
    try {
      module.validate();
      expect(Buffer.from(module.toBinary({ write_debug_names: false }).buffer).toString('base64')).toBe(SCAN_WORKER_WASM_BASE64);
    } finally {
      module.destroy();
    }
  });

  test('eq tells equal byte ranges from ranges that differ in any one byte, at every length and alignment', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const { eq } = new WebAssembly.Instance(new WebAssembly.Module(bytes()), { m: { mem: memory } }).exports as { eq: (a: number, b: number, n: number) => number };
    const view = new Uint8Array(memory.buffer);
    for (let length = 0; length <= 40; length++) {
      for (const [a, b] of [[0, 100], [3, 205], [17, 301]]) {
        for (let k = 0; k < length; k++) view[a + k] = view[b + k] = (k * 37 + length) & 255;
        expect(eq(a, b, length)).toBe(1);
        for (let k = 0; k < length; k++) {
          view[b + k] ^= 1;
          expect(eq(a, b, length)).toBe(0);
          view[b + k] ^= 1;
        }
        // Bytes just outside the ranges do not count.
        view[a + length] = 1;
        view[b + length] = 2;
        expect(eq(a, b, length)).toBe(1);
      }
    }
  });
});
