import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';
import { viewService } from '../flows/view.js';
import type { ServiceView } from '../systemd/view.js';
import { pid1Option, runnerFor } from './shared.js';
import type { BindscoutCommand, CommandIO } from './types.js';

export interface ViewArgs {
  unit: string;
  json: boolean;
  pid1?: number;
}

const SHOWN_WRITABLE = 40;

export const viewCommand: BindscoutCommand<ViewArgs> = {
  command: 'view <unit>',
  describe: "Show what a running service sees of the filesystem, what it can write, and which secrets",
  builder: (yargs: Argv) =>
    yargs
      .positional('unit', { describe: 'a running unit, e.g. nginx', type: 'string', demandOption: true })
      .option('json', { type: 'boolean', default: false, describe: 'print the view as JSON' })
      .option('pid1', pid1Option('look at a unit of'))
      .example('$0 view nginx', 'per top-level directory: what nginx sees, what it can write, compared with the host')
      .example('$0 view --json redis-server', 'the same as JSON')
      .epilogue(
        "Walks /proc/MAINPID/root (needs root). /proc and /sys are listed, not walked. Writable means: on a read-write mount and " +
          "allowed by the file's mode for the service's user (or the service has CAP_DAC_OVERRIDE). Exit code 1 when a sensitive file is visible.",
      ) as unknown as Argv<ViewArgs>,

  async run(args, io) {
    if (io.isRoot === false) throw new CliError('view reads /proc/PID/root of another user\'s process: run it as root', ExitCode.permission);
    const view = await viewService(runnerFor(args.pid1), args.unit);
    if (args.json) io.out(JSON.stringify(view, null, 2) + '\n');
    else io.out(formatView(view, io));
    return view.sensitive.length > 0 ? ExitCode.failed : ExitCode.ok;
  },
};

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
