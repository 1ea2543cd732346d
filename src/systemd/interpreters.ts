/**
 * Module trees of script interpreters (perl's @INC, python's sys.path), asked of the interpreters
 * themselves through the runner: they come along as AppArmor's abstractions bring them.
 */
import path from 'node:path';
import type { ExecClosure } from '../profile/elf.js';
import type { Runner } from './runner.js';

const TREE_QUERIES: { match: RegExp; args: string[] }[] = [
  { match: /^perl[0-9.]*$/, args: ['-e', 'print join("\\n", @INC), "\\n"'] },
  { match: /^python[0-9.]*$/, args: ['-c', 'import sys; print("\\n".join(p for p in sys.path if p))'] },
];

export async function interpreterTrees(runner: Runner, closures: Iterable<ExecClosure>): Promise<string[]> {
  const trees = new Set<string>();
  for (const closure of closures) {
    for (const item of closure.items) {
      // The interpreter as the Exec program itself (ExecStart=/usr/bin/python3 app.py) needs its modules as much as after a #!.
      if (item.role !== 'script-interpreter' && item.role !== 'binary') continue;
      const query = TREE_QUERIES.find((q) => q.match.test(path.basename(item.path)));
      if (query === undefined) continue;
      const result = await runner.run(item.path, query.args, { timeoutMs: 30_000 });
      if (result.exitCode !== 0) continue;
      for (const line of result.stdout.split('\n')) if (line.startsWith('/')) trees.add(line.trim());
    }
  }
  return [...trees].sort();
}
