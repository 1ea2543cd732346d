import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';
import { UnitNameError } from '../core/unitfile.js';
import { createHostRunner, createNamespaceRunner } from '../systemd/runner.js';
import { UnitError } from '../systemd/unit.js';
import { viewService, ViewError, type ServiceView } from '../systemd/view.js';
import { PLAIN, type BindscoutCommand, type CommandIO } from './types.js';

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
      .option('pid1', { type: 'number', describe: "look at a unit of the systemd that runs as PID 1 of a container, given that PID as seen here" })
      .example('$0 view nginx', 'per top-level directory: what nginx sees, what it can write, compared with the host')
      .example('$0 view --json redis-server', 'the same as JSON')
      .epilogue(
        "Walks /proc/MAINPID/root (needs root). /proc and /sys are listed, not walked. Writable means: on a read-write mount and " +
          "allowed by the file's mode for the service's user (or the service has CAP_DAC_OVERRIDE). Exit code 1 when a sensitive file is visible.",
      ) as unknown as Argv<ViewArgs>,

  async run(args, io) {
    if (io.isRoot === false) throw new CliError('view reads /proc/PID/root of another user\'s process: run it as root', ExitCode.permission);
    const runner = args.pid1 === undefined ? createHostRunner() : createNamespaceRunner(args.pid1);
    let view: ServiceView;
    try {
      view = await viewService(runner, args.unit);
    } catch (err) {
      if (err instanceof UnitNameError) throw new CliError(err.message, ExitCode.usage);
      if (err instanceof UnitError) throw new CliError(err.message, ExitCode.missingPrerequisite);
      if (err instanceof ViewError) throw new CliError(err.message, ExitCode.missingPrerequisite, err.reason === 'not-running' ? `systemctl start ${args.unit}` : undefined);
      throw err;
    }
    if (args.json) io.out(JSON.stringify(view, null, 2) + '\n');
    else io.out(formatView(view, { paint: io.outPaint ?? PLAIN }));
    return view.sensitive.length > 0 ? ExitCode.failed : ExitCode.ok;
  },
};

function pad(text: string | number, width: number): string {
  const s = String(text);
  return s.length >= width ? s : ' '.repeat(width - s.length) + s;
}

export function formatView(view: ServiceView, io: Pick<CommandIO, 'paint'>): string {
  const c = view.credentials;
  const lines = [
    io.paint.bold(`${view.unit} (pid ${view.pid}, uid ${c.uid}, gid ${c.gid}${c.dacOverride ? ', CAP_DAC_OVERRIDE' : ''}) sees ${view.total} of the host's ${view.hostTotal} entries`),
    '',
    `${'directory'.padEnd(20)} ${pad('files', 7)} ${pad('dirs', 6)} ${pad('links', 6)} ${pad('sockets', 7)} ${pad('other', 6)} ${pad('writable', 8)} ${pad('host', 8)}  note`,
  ];
  for (const d of view.directories) {
    const note = !d.visible ? 'hidden' : view.notWalked.includes(d.dir) ? 'kernel API (not walked)' : d.notOnHost > 0 ? `${d.notOnHost} not on the host` : '';
    const row = `${d.dir.padEnd(20)} ${pad(d.files, 7)} ${pad(d.dirs, 6)} ${pad(d.symlinks, 6)} ${pad(d.sockets, 7)} ${pad(d.other, 6)} ${pad(d.writable, 8)} ${pad(d.hostEntries, 8)}  ${note}`;
    lines.push(d.visible ? row : io.paint.dim(row));
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
