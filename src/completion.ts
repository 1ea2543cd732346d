/**
 * Shell completion (`bindscout completion` prints the script; the shell then asks `bindscout
 * --get-yargs-completions bindscout WORDS…`): commands, each command's options and their choices,
 * unit names from systemd, and files. It answers from the command definitions themselves, so a new
 * option completes without further work. It never fails: a completion that cannot be answered is empty.
 */
import { readdirSync, statSync } from 'node:fs';
import yargs, { type Argv } from 'yargs';

export interface CompletableCommand {
  command: string;
  builder(yargs: Argv): Argv<any>;
}

export interface CompletionSources {
  commands: readonly CompletableCommand[];
  /** Service unit names (`nginx.service`) of the systemd the command line addresses (`--pid1`). */
  listUnits(pid1: number | undefined): Promise<string[]>;
}

/** What each command's positional arguments are. */
const POSITIONAL_KINDS: Record<string, 'files' | 'units' | 'units-or-files' | 'shells' | 'none'> = {
  completion: 'shells',
  analyze: 'files',
  lint: 'units-or-files',
  profile: 'units-or-files',
  discover: 'units',
  view: 'units',
  status: 'none',
  cleanup: 'none',
};

/** Option values that are paths. */
const FILE_OPTIONS = new Set(['include', 'exclude', 'output', 'exec']);
const DIRECTORY_OPTIONS = new Set(['root']);
const GLOBAL_OPTIONS = ['--help', '--version'];

interface CommandShape {
  name: string;
  options: string[];
  takesValue: Set<string>;
  choices: Record<string, string[]>;
}

function shapeOf(cmd: CompletableCommand): CommandShape {
  const name = cmd.command.split(' ')[0];
  const positionals = new Set([...cmd.command.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]));
  // getOptions() is public in yargs but missing from its type definitions.
  const built = cmd.builder(yargs([])) as unknown as { getOptions(): unknown };
  const opts = built.getOptions() as {
    key: Record<string, boolean>;
    boolean: string[];
    alias: Record<string, string[]>;
    choices: Record<string, string[]>;
    default: Record<string, unknown>;
    hiddenOptions: string[];
  };
  const options: string[] = [];
  const takesValue = new Set<string>();
  for (const key of Object.keys(opts.key)) {
    if (positionals.has(key) || opts.hiddenOptions.includes(key)) continue;
    const isBoolean = opts.boolean.includes(key);
    options.push(`--${key}`);
    if (isBoolean && opts.default[key] === true) options.push(`--no-${key}`);
    const names = [key, ...(opts.alias[key] ?? [])];
    if (!isBoolean) for (const n of names) takesValue.add(n);
  }
  for (const key of GLOBAL_OPTIONS) if (!options.includes(key)) options.push(key);
  return { name, options: options.sort(), takesValue, choices: opts.choices };
}

/** A command's option names, without dashes (for "did you mean"). */
export function optionsOf(cmd: CompletableCommand): string[] {
  return shapeOf(cmd).options.filter((o) => !o.startsWith('--no-')).map((o) => o.slice(2));
}

function optionName(word: string): string {
  return word.replace(/^--?/, '').replace(/=.*$/, '');
}

/** `words` as the shell gives them: the program name first, the word being completed last. */
export async function complete(words: readonly string[], sources: CompletionSources): Promise<string[]> {
  try {
    return await completeWords(words, sources);
  } catch {
    return [];
  }
}

async function completeWords(words: readonly string[], sources: CompletionSources): Promise<string[]> {
  const current = words.length > 1 ? words[words.length - 1] : '';
  const before = words.slice(1, -1);
  const commands = new Map(sources.commands.map((c) => [c.command.split(' ')[0], c]));

  let shape: CommandShape | undefined;
  let commandName: string | undefined;
  let pendingValueOf: string | undefined;
  let pid1: number | undefined;
  for (const word of before) {
    if (pendingValueOf !== undefined) {
      if (pendingValueOf === 'pid1') pid1 = Number(word);
      pendingValueOf = undefined;
      continue;
    }
    if (word.startsWith('-')) {
      const name = optionName(word);
      if (name === 'pid1' && word.includes('=')) pid1 = Number(word.slice(word.indexOf('=') + 1));
      if (shape?.takesValue.has(name) && !word.includes('=')) pendingValueOf = name;
      continue;
    }
    if (commandName === undefined) {
      commandName = word;
      const cmd = commands.get(word);
      if (cmd === undefined) return [];
      shape = shapeOf(cmd);
    }
  }
  const byPrefix = (list: Iterable<string>) => [...list].filter((item) => item.startsWith(current));

  if (commandName === undefined) {
    if (current.startsWith('-')) return byPrefix(GLOBAL_OPTIONS);
    return byPrefix(commands.keys());
  }
  if (shape === undefined) return [];
  if (pendingValueOf !== undefined) {
    const choices = shape.choices[pendingValueOf];
    if (choices !== undefined) return byPrefix(choices);
    if (DIRECTORY_OPTIONS.has(pendingValueOf)) return completeFiles(current, true);
    if (FILE_OPTIONS.has(pendingValueOf)) return completeFiles(current, false);
    return [];
  }
  if (current.startsWith('-')) return byPrefix(shape.options);

  switch (POSITIONAL_KINDS[commandName] ?? 'none') {
    case 'files':
      return completeFiles(current, false);
    case 'units':
      return completeUnits(current, await sources.listUnits(pid1));
    case 'units-or-files':
      // A file target is anything with a slash (./app.service); anything else is a unit name.
      if (current.includes('/') || current.startsWith('.') || current.startsWith('~')) return completeFiles(current, false);
      return completeUnits(current, await sources.listUnits(pid1));
    case 'shells':
      return byPrefix(COMPLETION_SHELLS);
    default:
      return [];
  }
}

/** Units as admins type them: `nginx` for `nginx.service`. */
function completeUnits(current: string, units: readonly string[]): string[] {
  const names = units.map((unit) => unit.replace(/\.service$/, ''));
  return names.filter((name) => name.startsWith(current)).sort();
}

/** Entries of the directory `current` is in, starting with what it has of the last name; directories end in `/`. */
function completeFiles(current: string, directoriesOnly: boolean): string[] {
  const slash = current.lastIndexOf('/');
  const dirPart = slash >= 0 ? current.slice(0, slash + 1) : '';
  const base = current.slice(slash + 1);
  const out: string[] = [];
  for (const entry of readdirSync(dirPart === '' ? '.' : dirPart, { withFileTypes: true })) {
    if (!entry.name.startsWith(base) || (entry.name.startsWith('.') && !base.startsWith('.'))) continue;
    let isDirectory = entry.isDirectory();
    if (entry.isSymbolicLink()) isDirectory = statSync(dirPart + entry.name, { throwIfNoEntry: false })?.isDirectory() ?? false;
    if (isDirectory) out.push(`${dirPart}${entry.name}/`);
    else if (!directoriesOnly) out.push(`${dirPart}${entry.name}`);
  }
  return out.sort();
}

export const COMPLETION_SHELLS = ['bash', 'zsh'] as const;
export type CompletionShell = (typeof COMPLETION_SHELLS)[number];

/** Where each shell loads a completion script from without any change to the admin's own rc files. */
export const COMPLETION_PLACES: Record<CompletionShell, { user: string; everyone: string; lines: string[] }> = {
  bash: {
    user: '~/.local/share/bash-completion/completions/bindscout',
    everyone: '/usr/local/share/bash-completion/completions/bindscout',
    lines: [
      '  ~/.local/share/bash-completion/completions/bindscout (for you), or',
      '  /usr/local/share/bash-completion/completions/bindscout (for everyone);',
      '  the bash-completion package reads it on the first Tab (without it: source the file from ~/.bashrc).',
    ],
  },
  zsh: {
    user: '~/.zfunc/_bindscout',
    everyone: '/usr/local/share/zsh/site-functions/_bindscout',
    lines: [
      '  ~/.zfunc/_bindscout (for you; put fpath=(~/.zfunc $fpath) before compinit in ~/.zshrc), or',
      '  /usr/local/share/zsh/site-functions/_bindscout (for everyone);',
      '  a new shell picks it up.',
    ],
  },
};

/** Where the script for `shell` goes: the script's own first lines, and `completion --help`. */
export function completionPlaces(shell: CompletionShell): string[] {
  return [`Install for ${shell}: save the script as`, ...COMPLETION_PLACES[shell].lines];
}

/**
 * The script `bindscout completion` prints. The shell asks `bindscout --get-yargs-completions bindscout
 * WORDS…` and offers the answer; an empty answer falls back to the shell's own file completion.
 */
export function completionScript(shell: CompletionShell): string {
  const header = ['###-begin-bindscout-completions-###', '#', ...completionPlaces(shell).map((line) => `# ${line}`), '#'];
  if (shell === 'zsh') {
    return [
      // First line of the file: compinit reads it to know which command the function completes.
      '#compdef bindscout',
      ...header,
      '_bindscout_yargs_completions()',
      '{',
      '  local reply',
      '  local si=$IFS',
      '  IFS=$\'\\n\' reply=($(COMP_CWORD="$((CURRENT-1))" COMP_LINE="$BUFFER" COMP_POINT="$CURSOR" bindscout --get-yargs-completions "${words[@]}"))',
      '  IFS=$si',
      '  if [[ ${#reply} -gt 0 ]]; then',
      "    _describe 'values' reply",
      '  else',
      '    _default',
      '  fi',
      '}',
      // Autoloaded from $fpath, the file's body is the function's first call; sourced, it registers it.
      'if [[ "${zsh_eval_context[-1]}" == "loadautofunc" ]]; then',
      '  _bindscout_yargs_completions "$@"',
      'else',
      '  compdef _bindscout_yargs_completions bindscout',
      'fi',
      '###-end-bindscout-completions-###',
      '',
    ].join('\n');
  }
  return [
    ...header,
    '_bindscout_yargs_completions()',
    '{',
    '    local cur_word args type_list',
    '',
    '    cur_word="${COMP_WORDS[COMP_CWORD]}"',
    '    args=("${COMP_WORDS[@]}")',
    '',
    '    mapfile -t type_list < <(bindscout --get-yargs-completions "${args[@]}")',
    // Words with spaces come back quoted, so that compgen does not split them.
    '    mapfile -t COMPREPLY < <(compgen -W "$( printf \'%q \' "${type_list[@]}" )" -- "${cur_word}" |',
    '        awk \'/ / { print "\\""$0"\\"" } /^[^ ]+$/ { print $0 }\')',
    '    return 0',
    '}',
    'complete -o bashdefault -o default -F _bindscout_yargs_completions bindscout',
    '###-end-bindscout-completions-###',
    '',
  ].join('\n');
}
