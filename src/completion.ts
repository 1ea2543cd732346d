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
const POSITIONAL_KINDS: Record<string, 'files' | 'units' | 'units-or-files' | 'none'> = {
  analyze: 'files',
  lint: 'units-or-files',
  profile: 'units-or-files',
  discover: 'units',
  view: 'units',
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
    return byPrefix([...commands.keys(), 'completion']);
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
