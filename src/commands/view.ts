import { CliError, ExitCode } from '../exit-codes.js';
import { describeExposure, describeViolation, type AuditReport } from '../checks/audit.js';
import { viewService, type ViewReport } from '../flows/view.js';
import type { ServiceView } from '../systemd/view.js';
import { defineJudgingCommand } from './define.js';
import { jsonOption, pid1Option, requiredPositional, runnerFor, unitArgument, type JsonAndPid1Args } from './shared.js';
import { PLAIN, type CommandIO } from './types.js';

export interface ViewArgs extends JsonAndPid1Args {
  unit: string;
}

const SHOWN_WRITABLE = 40;

export const viewCommand = defineJudgingCommand<ViewArgs>({
  command: 'view <unit>',
  describe: 'Show what a running service sees of the filesystem, and audit it: writable host paths, sockets, secrets, entries',
  positionals: { unit: requiredPositional('a running unit, e.g. nginx') },
  options: { json: jsonOption('print the view as JSON'), pid1: pid1Option('look at a unit of') },
  examples: [
    ['$0 view nginx', 'per top-level directory: what nginx sees, what it can write, compared with the host'],
    ['$0 view --json redis-server', 'the same as JSON; the audit is under "audit"'],
    ['$0 view nginx >/dev/null || echo "nginx sees more than it should"', 'the audit as a check: exit code 1 on any violation'],
  ],
  epilogue:
    'Walks /proc/MAINPID/root (needs root), once the main process has started its program. /proc and /sys are listed, not walked. ' +
    "Writable means: on a read-write mount and allowed by the file's mode for the service's user (or the service has CAP_DAC_OVERRIDE). " +
    'The audit reports host paths the service can write that are not its own (its *Directory=, ReadWritePaths=, directories named ' +
    'for it, what its User= owns), sockets of systemd or of other services (the journal and notify sockets are expected), secrets it ' +
    'can see, and how many entries it sees outside /usr, /lib*, /bin, /sbin, /proc, /sys, /dev and its own directories. ' +
    'Exit code 1 on any violation.',

  async judge(args, io) {
    if (io.isRoot === false) throw new CliError('view reads /proc/PID/root of another user\'s process: run it as root', ExitCode.permission);
    const view = await viewService(runnerFor(args.pid1), unitArgument(args.unit));
    // stdout may be a file while stderr is a terminal: its colour is its own.
    const out = { paint: io.outPaint ?? PLAIN };
    const asText = () => formatView(view, out) + '\n' + formatAudit(view.audit, out) + '\n' + formatExposure(view.exposure);
    return { found: view, asText, clean: view.audit.clean && view.sensitive.length === 0 };
  },
});

function pad(text: string | number, width: number): string {
  const s = String(text);
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

/** One line of the table: the directory, its counts in columns as wide as their headings, a note. */
const COLUMN_WIDTHS = [7, 6, 6, 7, 6, 8, 8];
function row(dir: string, counts: (string | number)[], note: string): string {
  return `${dir.padEnd(20)} ${counts.map((c, i) => pad(c, COLUMN_WIDTHS[i]!)).join(' ')}  ${note}`;
}

export function formatView(view: ServiceView, io: Pick<CommandIO, 'paint'>): string {
  const c = view.credentials;
  const lines = [
    io.paint.bold(
      `${view.unit} (pid ${view.pid}, uid ${c.uid}, gid ${c.gid}${c.dacOverride ? ', CAP_DAC_OVERRIDE' : ''}) ` +
        `sees ${view.total} of the host's ${view.hostTotal} entries`,
    ),
    '',
    row('directory', ['files', 'dirs', 'links', 'sockets', 'other', 'writable', 'host'], 'note'),
  ];
  for (const d of view.directories) {
    const note = !d.visible ? 'hidden' : view.notWalked.includes(d.dir) ? 'kernel API (not walked)' : d.notOnHost > 0 ? `${d.notOnHost} not on the host` : '';
    const counts = [d.files, d.dirs, d.symlinks, d.sockets, d.other, d.writable, d.hostEntries];
    lines.push(d.visible ? row(d.dir, counts, note) : io.paint.dim(row(d.dir, counts, note)));
  }
  lines.push('');
  if (view.writable.length === 0) lines.push('writable: nothing');
  else {
    lines.push(`writable (${view.writable.length}; a directory's contents are not repeated):`);
    for (const w of view.writable.slice(0, SHOWN_WRITABLE)) lines.push(`  ${w.path}${w.type === 'd' ? '/' : ''}`);
    if (view.writable.length > SHOWN_WRITABLE) lines.push(`  … and ${view.writable.length - SHOWN_WRITABLE} more (all in --json)`);
  }
  lines.push('');
  if (view.sensitive.length === 0) lines.push('sensitive files visible: none');
  else {
    const files = view.sensitive.reduce((n, s) => n + s.files, 0);
    lines.push(io.paint.red(`sensitive files visible: ${files}`));
    for (const s of view.sensitive) {
      const count = s.files > 1 ? `, ${s.files} files` : '';
      lines.push(`  ${s.path} (${s.reason}${count}${s.writable ? ', WRITABLE' : ''})`);
    }
  }
  return lines.join('\n') + '\n';
}

const SHOWN_VIOLATIONS = 40;
const SHOWN_DIRECTORIES = 10;

/** Before (as discover found the unit) → now, by the same audit. */
export function formatExposure(exposure: ViewReport['exposure']): string {
  const when = exposure.beforeMeasured === null ? 'not known: no discover of this unit remembered' : `as discover found it, ${exposure.beforeMeasured}`;
  return [`before (${when}) → now:`, ...describeExposure(exposure.before, exposure.now).map((l) => `  ${l}`)].join('\n') + '\n';
}

export function formatAudit(audit: AuditReport, io: Pick<CommandIO, 'paint'>): string {
  const lines = [
    audit.clean
      ? io.paint.bold(`audit of ${audit.unit}: clean`)
      : io.paint.red(`audit of ${audit.unit}: ${audit.violations.length} violation${audit.violations.length === 1 ? '' : 's'}`),
    `  entries visible outside /usr, /lib*, /bin, /sbin, /proc, /sys, /dev and its own directories: ${audit.outside} (of ${audit.visible})`,
  ];
  for (const d of audit.outsideByDirectory.slice(0, SHOWN_DIRECTORIES)) lines.push(`    ${pad(d.entries, 7)}  ${d.dir}`);
  if (audit.outsideByDirectory.length > SHOWN_DIRECTORIES) {
    lines.push(`    … ${audit.outsideByDirectory.length - SHOWN_DIRECTORIES} more places (all in --json)`);
  }
  lines.push(`  its own: ${audit.own.length === 0 ? 'nothing' : audit.own.map((o) => `${o.path} (${o.why})`).join(', ')}`);
  for (const g of audit.granted ?? []) lines.push(`  granted: ${g.path} (${g.why})`);
  for (const v of audit.violations.slice(0, SHOWN_VIOLATIONS)) lines.push(io.paint.red(`  ${describeViolation(v)}`));
  if (audit.violations.length > SHOWN_VIOLATIONS) lines.push(`  … and ${audit.violations.length - SHOWN_VIOLATIONS} more violations (all in --json)`);
  return lines.join('\n') + '\n';
}
