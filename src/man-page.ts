/**
 * bindscout(1), made at build time from the same definitions --help is made from: each command's
 * yargs builder is run against a recorder that keeps what it declares (positionals, options,
 * examples, epilogue), so a new option shows up in both without further work. Exit codes come from
 * src/exit-codes.ts, the paths in FILES from the modules that write them.
 */
import yargs, { type Argv, type Options } from 'yargs';
import { COMMANDS, COLOUR_NOTE, PROGRAM_DESCRIPTION } from './program.js';
import { EXIT_CODE_MEANINGS, ExitCode } from './exit-codes.js';
import { COMPLETION_PLACES } from './completion.js';
import { INSTALL_DIR } from './flows/discover-loop.js';
import { DEFAULT_DROPIN_NAME } from './flows/check.js';
import { tmpfilesPath } from './profile/shared-run.js';
import { memoryDir, MEMORY_FILES } from './systemd/memory.js';
import { CANDIDATE_DROPIN_NAME, lockPath } from './systemd/control.js';
import { dropInDir, RUNTIME_UNIT_DIR, tracingDropInPath } from './systemd/tracing.js';
import { RUNTIME_UNIT_PREFIX } from './systemd/trace-run.js';
import { parseUnitName, type UnitName } from './unit-file/unit-name.js';

interface Declared {
  name: string;
  /** An option's or a positional's settings: the fields read here are common to both. */
  options: Options;
}

/** What one command's builder declares, in the order --help shows it. */
export interface CommandPage {
  /** `discover <unit>` */
  command: string;
  describe: string;
  positionals: Declared[];
  options: Declared[];
  examples: [string, string][];
  epilogue: string[];
}

/** yargs' own options, shown by every --help. */
const GLOBAL_OPTIONS: Declared[] = [
  { name: 'help', options: { type: 'boolean', describe: 'Show help' } },
  { name: 'version', options: { type: 'boolean', describe: 'Show version number' } },
];

/** Runs `builder` on a yargs that records the declarations it is given and otherwise behaves as one. */
export function declarationsOf(command: { command: string; describe: string; builder(y: Argv): unknown }): CommandPage {
  const page: CommandPage = {
    command: command.command,
    describe: command.describe,
    positionals: [],
    options: [],
    examples: [],
    epilogue: [],
  };
  const real = yargs([]);
  const recorder: Argv = new Proxy(real, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        record(page, String(property), args);
        const result = value.apply(target, args);
        // Chained calls must come back here, not to the yargs behind the recorder.
        return result === target ? recorder : result;
      };
    },
  });
  command.builder(recorder);
  return page;
}

function record(page: CommandPage, method: string, args: unknown[]): void {
  if (method === 'positional') page.positionals.push({ name: args[0] as string, options: args[1] as Options });
  else if ((method === 'option' || method === 'options') && typeof args[0] === 'string')
    page.options.push({ name: args[0], options: (args[1] ?? {}) as Options });
  else if (method === 'option' || method === 'options') {
    for (const [name, options] of Object.entries(args[0] as Record<string, Options>))
      page.options.push({ name, options });
  } else if (method === 'example' && typeof args[0] === 'string') page.examples.push([args[0], String(args[1] ?? '')]);
  else if (method === 'example')
    for (const [cmd, what] of args[0] as [string, string][]) page.examples.push([cmd, what ?? '']);
  else if (method === 'epilogue' || method === 'epilog') page.epilogue.push(String(args[0]));
}

/** Text for a roff line: backslashes, dashes and quotes that must come out as typed. */
function roff(text: string): string {
  const escaped = text.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/'/g, '\\(aq').replace(/`/g, '\\(ga');
  // A line starting with a dot or a quote would be read as a request.
  return escaped.replace(/^(?=[.'])/gm, '\\&');
}

const bold = (text: string) => `\\fB${roff(text)}\\fR`;
const italic = (text: string) => `\\fI${roff(text)}\\fR`;

/** `discover <unit>` as `\fBbindscout discover\fR \fIunit\fR`, with [ ] and ... as --help writes them. */
function synopsis(command: string): string {
  const [name, ...args] = command.split(' ');
  const shown = args.map((arg) => {
    const m = /^([<[])([\w-]+)(\.\.)?[>\]]$/.exec(arg);
    if (m === null) return roff(arg);
    const word = italic(m[2]) + (m[3] ? '...' : '');
    return m[1] === '[' ? `[${word}]` : word;
  });
  return [bold(`bindscout ${name}`), ...shown, `[${italic('options')}]`].join(' ');
}

function typeOf(options: Options): string | undefined {
  if (options.type !== undefined) return options.type;
  if (options.boolean) return 'boolean';
  if (options.number) return 'number';
  if (options.string) return 'string';
  return undefined;
}

function shownDefault(options: Options): string | undefined {
  if (options.defaultDescription !== undefined) return options.defaultDescription;
  const value: unknown = options.default;
  if (value === undefined || value === false || (Array.isArray(value) && value.length === 0)) return undefined;
  if (value === true) return 'on';
  return Array.isArray(value) ? value.join(', ') : String(value);
}

function optionEntry({ name, options }: Declared): string[] {
  const aliases = [options.alias ?? []].flat().filter((a) => a.length === 1);
  const names = [...aliases.map((a) => bold(`-${a}`)), bold(`--${name}`)];
  const type = typeOf(options);
  if (type === 'boolean' && options.default === true) names.push(bold(`--no-${name}`));
  let header = names.join(', ');
  if (options.choices !== undefined)
    header +=
      ' ' +
      [options.choices]
        .flat()
        .map((c) => italic(String(c)))
        .join('|');
  else if (type !== undefined && type !== 'boolean') header += ' ' + italic(type);
  const notes: string[] = [];
  const def = shownDefault(options);
  if (def !== undefined) notes.push(`default: ${def}`);
  if (options.demandOption) notes.push('required');
  const text = (options.describe ?? options.description ?? options.desc ?? '') as string;
  return ['.TP', header, roff(text + (notes.length > 0 ? ` [${notes.join('; ')}]` : ''))];
}

function positionalEntry({ name, options }: Declared): string[] {
  const choices = options.choices !== undefined ? `; one of: ${[options.choices].flat().join(', ')}` : '';
  return ['.TP', italic(name), roff(String(options.describe ?? options.description ?? options.desc ?? '') + choices)];
}

/** An epilogue as --help shows it: a paragraph, or its own lines when it has several. */
function paragraph(text: string): string[] {
  if (!text.includes('\n')) return ['.PP', roff(text)];
  return ['.PP', '.nf', roff(text.replace(/\n+$/, '')), '.fi'];
}

function commandSection(page: CommandPage): string[] {
  const out = [
    '.SS ' + synopsis(page.command),
    roff(page.describe.replace(/^./, (c) => c.toUpperCase())) + (page.describe.endsWith('.') ? '' : '.'),
  ];
  if (page.positionals.length > 0)
    out.push('.PP', 'Arguments:', '.RS 4', ...page.positionals.flatMap(positionalEntry), '.RE');
  const options = page.options.filter((o) => !o.options.hidden);
  if (options.length > 0) out.push('.PP', 'Options:', '.RS 4', ...options.flatMap(optionEntry), '.RE');
  if (page.examples.length > 0) {
    out.push('.PP', 'Examples:', '.RS 4');
    // Commands as typed: no filling, which would stretch the spaces of a quoted argument.
    for (const [cmd, what] of page.examples)
      out.push('.PP', '.nf', bold(cmd.replace(/\$0/g, 'bindscout')), '.fi', '.RS 4', roff(what), '.RE');
    out.push('.RE');
  }
  for (const text of page.epilogue) out.push(...paragraph(text));
  return out;
}

export interface ManPageInput {
  version: string;
  /** package.json's engines.node, e.g. ">=20.19". */
  nodeEngine: string;
}

/** A path the code makes for one unit, with the unit written as UNIT. */
function forUnit(pathOf: (unit: UnitName) => string): string {
  const sample = parseUnitName('sample-unit.service');
  return pathOf(sample).split(sample).join('UNIT');
}

export function manPage({ version, nodeEngine }: ManPageInput): string {
  const pages = COMMANDS.map(declarationsOf);
  const node = nodeEngine.replace(/^>=\s*/, '');
  const unitDropIn = `${INSTALL_DIR}/UNIT.d/${DEFAULT_DROPIN_NAME}`;
  const tmpfiles = forUnit(tmpfilesPath);
  const lines: string[] = [
    '.\\" Made by scripts/build.mjs from the command definitions (src/man-page.ts); edit those, not this file.',
    `.TH BINDSCOUT 1 "" "bindscout ${roff(version)}" "User Commands"`,
    // Paths and option names are never hyphenated, and spaces are never stretched.
    '.nh',
    '.ad l',
    '.SH NAME',
    `bindscout \\- ${roff(PROGRAM_DESCRIPTION.replace(/^./, (c) => c.toLowerCase()).replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    ...pages.flatMap((page, i) => (i === 0 ? [synopsis(page.command)] : ['.br', synopsis(page.command)])),
    '.br',
    `${bold('bindscout')} ${bold('--help')} | ${bold('--version')}`,
    '.SH DESCRIPTION',
    roff(PROGRAM_DESCRIPTION),
    '.PP',
    roff(
      "It reads what the service does (strace's file syscalls), folds the paths into a minimal set, and writes the systemd drop-in that " +
        'runs the service under TemporaryFileSystem=/:ro with only what it needs brought back by BindReadOnlyPaths=, BindPaths= and the ' +
        "unit's own directories. discover, view, status and cleanup need root.",
    ),
    '.PP',
    roff('bindscout COMMAND --help prints what this page says of COMMAND.'),
    '.SH COMMANDS',
    ...pages.flatMap(commandSection),
    '.SH OPTIONS',
    'Every command takes:',
    '.RS 4',
    ...GLOBAL_OPTIONS.flatMap(optionEntry),
    '.RE',
    '.SH EXIT STATUS',
    ...EXIT_CODE_MEANINGS.flatMap(([code, meaning]) => ['.TP', bold(String(code)), roff(meaning)]),
    '.PP',
    roff(
      `The installed bindscout also exits with ${ExitCode.missingPrerequisite} when it finds no Node.js, or only one older than ${node}, ` +
        'and says which one it found.',
    ),
    '.SH ENVIRONMENT',
    '.TP',
    bold('NO_COLOR'),
    roff(COLOUR_NOTE),
    '.TP',
    bold('BINDSCOUT_NODE'),
    roff(
      `The Node.js (${node} or newer) to run bindscout with. Without it, the installed bindscout uses the node of the prefix it was ` +
        'installed into (PREFIX/bin/node, also when a link in /usr/local/bin leads to it, so sudo finds it with its own PATH), ' +
        'then node on PATH.',
    ),
    '.TP',
    bold('SHELL'),
    roff(
      'Which completion script bindscout completion prints when no shell is named: zsh when it names zsh, bash otherwise.',
    ),
    '.SH FILES',
    roff('UNIT stands for the full unit name, e.g. nginx.service.'),
    '.TP',
    bold(unitDropIn),
    roff(
      `The drop-in discover installs (another name with --name). A file it replaces is kept as ${DEFAULT_DROPIN_NAME}.bindscout-backup beside it.`,
    ),
    '.TP',
    bold(tmpfiles),
    roff(
      'Installed with a profile that gives the service a private /run: tmpfiles.d(5) lines that make, at every boot, the links in the ' +
        "host's /run (L+ lines) to the files the service now keeps in its private /run, so that the host's own tools find them where they always did.",
    ),
    '.TP',
    bold(`${forUnit(memoryDir)}/`),
    roff(
      `What discover remembers of an install (${MEMORY_FILES.join(', ')}): check compares against it, and the next discover of the unit starts from it. ` +
        'bindscout discover --forget UNIT removes it.',
    ),
    '.TP',
    bold(forUnit(lockPath)),
    roff(
      'One bindscout at a time per unit: the lock names the pid holding it. A lock whose process is gone is removed by bindscout cleanup.',
    ),
    '.TP',
    bold(forUnit(tracingDropInPath)),
    '.TQ',
    bold(`${forUnit(dropInDir)}/${CANDIDATE_DROPIN_NAME}`),
    roff(
      'The tracing and candidate drop-ins discover uses while it runs; removed when it ends, also on Ctrl-C, and gone at reboot. ' +
        'bindscout cleanup removes those of a bindscout that was killed.',
    ),
    '.TP',
    bold(`${RUNTIME_UNIT_DIR}/${RUNTIME_UNIT_PREFIX}NAME.service`),
    roff('The runtime unit profile --trace runs a command line under; removed when it ends, and by bindscout cleanup.'),
    '.SH UNDOING A LOCKDOWN',
    roff('The header of every installed drop-in says the same. As root:'),
    '.PP',
    '.nf',
    '.RS 4',
    roff(`rm ${unitDropIn}`),
    roff(`# when it exists: the links its L+ lines name in /run, then the file`),
    roff(`rm ${tmpfiles}`),
    roff('systemctl daemon-reload'),
    roff('systemctl restart UNIT'),
    roff('bindscout discover --forget UNIT     # optional: what discover remembered'),
    '.RE',
    '.fi',
    '.PP',
    roff(
      `A ${DEFAULT_DROPIN_NAME}.bindscout-backup left beside the drop-in is the file discover replaced: rename it back to restore it. ` +
        'After a bindscout that was killed, bindscout cleanup removes what it left under /run and restarts units still running under it. ' +
        'Uninstalling bindscout undoes none of this: installed lockdowns stay until removed as above.',
    ),
    '.SH SHELL COMPLETION',
    roff(
      `bindscout completion bash prints the script for bash, to save as ${COMPLETION_PLACES.bash.user} (for you) or ${COMPLETION_PLACES.bash.everyone} ` +
        `(for everyone); bindscout completion zsh the one for zsh, to save as ${COMPLETION_PLACES.zsh.everyone} or in another directory of $fpath. ` +
        'The first lines of each script say the same.',
    ),
    '.SH SEE ALSO',
    `${bold('systemd.exec')}(5), ${bold('systemd.service')}(5), ${bold('systemd.unit')}(5), ${bold('tmpfiles.d')}(5), ${bold('systemctl')}(1), ${bold('strace')}(1)`,
    '',
  ];
  return lines.join('\n');
}
