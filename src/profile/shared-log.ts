/**
 * Log files written directly into a shared log directory (`/var/log/NAME.log`, not a directory of the
 * service's own), and whether a writable bind of that one file survives the distro's log rotation.
 * Pure: the logrotate rules come in as text.
 *
 * Measured with a transient unit under `TemporaryFileSystem=/:ro` + `BindPaths=/var/log/X.log`
 * (systemd 252, kernel 6.x), writing a line every 0.2 s both through an fd kept open and by reopening
 * the path for each line:
 * - copytruncate (copy, then truncate in place): the inode stays; new lines land in the log. Survives.
 * - rename + create, reopen by path (what a HUP or a per-connection child does): the bind still shows
 *   the old inode, now the rotated file: the new log stayed empty (0 lines), the rotated one grew.
 *   Breaks, silently, and deleted rotations keep filling the disk.
 * - rename + create + a restart of the unit: the namespace is rebuilt and binds the new file. Survives.
 * A bind mount pins the inode it was made from; a directory bind would follow renames but makes the
 * whole shared directory writable. So the file is bound only when its rule survives; otherwise the
 * write is refused with what would be needed, and --include of the file itself (never the directory)
 * grants the bind knowingly.
 */
import { parentOf } from '../core/fsview.js';
import { compileGlob } from '../core/glob.js';
import type { ByteString } from '../core/model.js';

/** Directories shared by every service's logs: a file directly inside is judged here. */
export const SHARED_LOG_DIRS: readonly ByteString[] = ['/var/log'];

export interface LogrotateRule {
  /** The file the rule is in (`/etc/logrotate.d/vsftpd`). */
  source: string;
  /** The log paths or globs the rule names. */
  patterns: string[];
  copytruncate: boolean;
  /** The postrotate script's text ('' when none). */
  postrotate: string;
}

/** Rules of one logrotate file: `PATTERN… { directives }` blocks; global directives are left out. */
export function parseLogrotate(text: string, source: string): LogrotateRule[] {
  const rules: LogrotateRule[] = [];
  let patterns: string[] = [];
  let current: LogrotateRule | undefined;
  let script: 'postrotate' | 'other' | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/^\s+|\s+$/g, '');
    if (script !== undefined) {
      if (line === 'endscript') script = undefined;
      else if (script === 'postrotate' && current) current.postrotate += line + '\n';
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    if (current === undefined) {
      const open = line.indexOf('{');
      const words = (open >= 0 ? line.slice(0, open) : line).split(/\s+/).filter((w) => w.startsWith('/') || w.startsWith('"/'));
      patterns.push(...words.map((w) => w.replace(/^"|"$/g, '')));
      if (open >= 0) {
        current = { source, patterns, copytruncate: false, postrotate: '' };
        patterns = [];
      }
      continue;
    }
    if (line.startsWith('}')) {
      rules.push(current);
      current = undefined;
      continue;
    }
    const word = line.split(/\s+/)[0];
    if (word === 'copytruncate') current.copytruncate = true;
    else if (word === 'postrotate') script = 'postrotate';
    else if (['prerotate', 'firstaction', 'lastaction', 'preremove'].includes(word)) script = 'other';
  }
  return rules;
}

export interface SharedLog {
  /** A writable bind of the file survives its rotation. */
  bindable: boolean;
  why: string;
}

const RESTART = /\b(?:systemctl\s+(?:--\S+\s+)*(?:try-|reload-or-)?restart|invoke-rc\.d\s+(?:--\S+\s+)*(\S+)\s+restart|service\s+(\S+)\s+restart|\/etc\/init\.d\/(\S+)\s+restart)\b/;

/** How the file `path`, directly in a shared log directory, is rotated, and what that means for a bind. */
export function sharedLogRotation(path: ByteString, rules: LogrotateRule[], names: string[]): SharedLog | undefined {
  if (!SHARED_LOG_DIRS.includes(parentOf(path))) return undefined;
  const rule = rules.find((r) => r.patterns.some((p) => p === path || compileGlob(p)?.(path) === true));
  if (rule === undefined) {
    return { bindable: true, why: `${path} is in a shared log directory and no logrotate rule rotates it: a writable bind of that one file, nothing else there` };
  }
  if (rule.copytruncate) {
    return { bindable: true, why: `${rule.source} rotates ${path} with copytruncate (the file stays the same inode): a writable bind of that one file survives rotation` };
  }
  const restart = RESTART.exec(rule.postrotate);
  if (restart !== null && names.some((name) => rule.postrotate.includes(name))) {
    return { bindable: true, why: `${rule.source} restarts the service after rotating ${path}, which binds the new file: a writable bind of that one file survives rotation` };
  }
  return {
    bindable: false,
    why:
      `${path} is written directly in a shared log directory and ${rule.source} rotates it by renaming it: a bind of the file would keep the ` +
      'service writing into the rotated file (the new log stays empty), and binding the directory would make all of it writable. ' +
      'Ways on: log to a directory of its own (LogsDirectory=) or to syslog, or add copytruncate to the rule; ' +
      `--include '${path}' grants the single-file bind knowing rotation then breaks`,
  };
}
