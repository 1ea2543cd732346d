import { describe, expect, test } from '@jest/globals';
import { interpreterTrees } from './interpreters.js';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import type { ExecClosure } from '../profile/elf.js';

const closure = (items: { path: string; role: ExecClosure['items'][number]['role'] }[]): ExecClosure =>
  ({ items: items.map((i) => ({ ...i, realPath: i.path, links: [] })), unresolved: [], problems: [] }) as unknown as ExecClosure;
const python = fakeRunner({ answer: (file) => (file === '/usr/bin/python3' ? ok('\n/usr/lib/python311.zip\n/usr/lib/python3.11\n/usr/lib/python3/dist-packages\n') : undefined) });

describe("a script interpreter's module trees", () => {
  test('after a #!', async () => {
    const trees = await interpreterTrees(python.runner, [closure([{ path: '/opt/app/app.py', role: 'binary' }, { path: '/usr/bin/python3', role: 'script-interpreter' }])]);
    expect(trees).toEqual(['/usr/lib/python3.11', '/usr/lib/python3/dist-packages', '/usr/lib/python311.zip']);
  });

  test('as the Exec program itself (ExecStart=/usr/bin/python3 app.py)', async () => {
    const trees = await interpreterTrees(python.runner, [closure([{ path: '/usr/bin/python3', role: 'binary' }])]);
    expect(trees).toEqual(['/usr/lib/python3.11', '/usr/lib/python3/dist-packages', '/usr/lib/python311.zip']);
  });

  test('another program is not asked', async () => {
    const runner = fakeRunner();
    expect(await interpreterTrees(runner.runner, [closure([{ path: '/usr/sbin/nginx', role: 'binary' }])])).toEqual([]);
    expect(runner.calls).toEqual([]);
  });
});
