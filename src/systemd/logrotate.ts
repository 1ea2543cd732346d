/**
 * The logrotate rules of the systemd worked on (/etc/logrotate.conf and /etc/logrotate.d/*), read
 * through the runner: they decide whether a log file written directly in /var/log can be bound alone
 * (src/profile/shared-log.ts).
 */
import { parseLogrotate, type LogrotateRule } from '../profile/shared-log.js';
import type { Runner } from './runner.js';

export async function readLogrotateRules(runner: Runner): Promise<LogrotateRule[]> {
  const files = ['/etc/logrotate.conf'];
  // logrotate skips backup and package-manager leftovers the same way (its default tabooext).
  for (const name of ((await runner.readdir('/etc/logrotate.d').catch(() => undefined)) ?? []).sort()) {
    if (!/(?:\.dpkg-[a-z]+|\.ucf-[a-z]+|~|\.bak|\.orig|\.rpm[a-z]+|\.disabled)$/.test(name) && !name.startsWith('.')) files.push(`/etc/logrotate.d/${name}`);
  }
  const rules: LogrotateRule[] = [];
  for (const file of files) {
    const text = (await runner.readFile(file).catch(() => undefined))?.toString('utf8');
    if (text !== undefined) rules.push(...parseLogrotate(text, file));
  }
  return rules;
}
