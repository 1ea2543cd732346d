/** Service names systemd knows, for shell completion: installed unit files and loaded units (instances). */
import type { Runner } from './runner.js';

const LISTINGS = [
  ['list-unit-files', '--type=service', '--no-legend', '--no-pager', '--plain'],
  ['list-units', '--all', '--type=service', '--no-legend', '--no-pager', '--plain'],
];

/** `nginx.service`, `postgresql@15-main.service`…; templates (`getty@.service`) are no unit to name. */
export async function listServiceNames(runner: Runner): Promise<string[]> {
  const names = new Set<string>();
  for (const args of LISTINGS) {
    // A shell waits on completion: an unresponsive systemd must not hang the prompt.
    const result = await runner.run('systemctl', args, { timeoutMs: 3000 });
    if (result.exitCode !== 0) continue;
    for (const line of result.stdout.split('\n')) {
      const name = line.trim().split(/\s+/)[0];
      if (name !== undefined && name.endsWith('.service') && !name.endsWith('@.service')) names.add(name);
    }
  }
  return [...names].sort();
}
