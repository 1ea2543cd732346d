/**
 * bindscout(1) and --help are made from the same definitions; these tests hold them to it by reading
 * both as an admin would: the commands, each command's arguments and options, and the exit codes.
 */
import { describe, expect, test } from '@jest/globals';
import { manPage } from './man-page.js';
import { runProgram } from './program.js';
import { EXIT_CODE_MEANINGS } from './exit-codes.js';
import { fakeIO } from './testing/fake-io.js';

const page = manPage({ version: '9.9.9', nodeEngine: '>=20.19' });

async function help(...command: string[]): Promise<string> {
  const { io, stdout } = fakeIO({ columns: 100 });
  expect(await runProgram([...command, '--help'], io)).toBe(0);
  return stdout();
}

/** The indented lines of one --help section ("Options:"), up to the next unindented line. */
function helpSection(text: string, title: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start < 0) return [];
  const end = lines.findIndex((line, i) => i > start && line !== '' && !line.startsWith(' '));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

function helpOptions(text: string): string[] {
  return helpSection(text, 'Options')
    .map((line) => /^\s+(?:-\w, )?--([\w-]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

function helpPositionals(text: string): string[] {
  return helpSection(text, 'Positionals')
    .map((line) => /^ {2}([\w-]+) /.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/** The roff between `.SS bindscout NAME` (or `.SH NAME`) and the next heading. */
function manSection(heading: RegExp): string[] {
  const lines = page.split('\n');
  const start = lines.findIndex((line) => heading.test(line));
  expect(start).toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && /^\.S[SH] /.test(line));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const unescape = (roff: string) => roff.replace(/\\-/g, '-');

/** The names a section's `.TP` entries start with: `--format` for options, `inputs` for arguments. */
function manEntries(section: string[], kind: 'options' | 'arguments'): string[] {
  const names: string[] = [];
  section.forEach((line, i) => {
    if (line !== '.TP') return;
    const tag = section[i + 1];
    if (kind === 'arguments') {
      const m = /^\\fI([^\\]+)\\fR$/.exec(tag);
      if (m) names.push(m[1]);
      return;
    }
    const long = [...tag.matchAll(/\\fB((?:\\-|[^\\])+)\\fR/g)]
      .map((m) => unescape(m[1]))
      .filter((n) => n.startsWith('--'));
    // `--no-baseline` beside `--baseline` is the same option.
    for (const name of long)
      if (!(name.startsWith('--no-') && long.includes(`--${name.slice(5)}`))) names.push(name.slice(2));
  });
  return names.sort();
}

function commandsOfHelp(text: string): string[] {
  return helpSection(text, 'Commands')
    .map((line) => /^ {2}bindscout ([\w-]+)/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

const topHelp = help();

describe('the man page and --help', () => {
  test('list the same commands', async () => {
    const commands = commandsOfHelp(await topHelp);
    expect(commands.length).toBeGreaterThan(5);
    const inMan = page
      .split('\n')
      .map((line) => /^\.SS \\fBbindscout ([\w\\-]+)\\fR/.exec(line)?.[1])
      .filter((name): name is string => name !== undefined)
      .map(unescape);
    expect(inMan.sort()).toEqual([...commands].sort());
  });

  test('list the same global options', async () => {
    expect(manEntries(manSection(/^\.SH OPTIONS$/), 'options')).toEqual(helpOptions(await topHelp));
  });

  test('list the same arguments and options for each command', async () => {
    for (const command of commandsOfHelp(await topHelp)) {
      const text = await help(command);
      const section = manSection(new RegExp(`^\\.SS \\\\fBbindscout ${command.replace(/-/g, '\\\\\\\\-')}\\\\fR`));
      const options = helpOptions(text).filter((name) => name !== 'help' && name !== 'version');
      expect({ command, options: manEntries(section, 'options') }).toEqual({ command, options });
      expect({ command, arguments: manEntries(section, 'arguments') }).toEqual({
        command,
        arguments: helpPositionals(text),
      });
      // Every example --help gives is in the man page too.
      for (const line of helpSection(text, 'Examples')) {
        const first = /^ {2}(bindscout \S+)/.exec(line)?.[1];
        if (first !== undefined) expect(section.join('\n')).toContain(`\\fB${first.replace(/-/g, '\\-')}`);
      }
    }
  });

  test('give the same exit codes', async () => {
    const inHelp = helpSection(await topHelp, 'Exit codes')
      .map((line) => /^ {2}(\d+) /.exec(line)?.[1])
      .filter((code): code is string => code !== undefined);
    const status = manSection(/^\.SH EXIT STATUS$/);
    const inMan = status.filter((line, i) => status[i - 1] === '.TP').map((tag) => /^\\fB(\d+)\\fR$/.exec(tag)?.[1]);
    expect(inMan).toEqual(inHelp);
    expect(inHelp).toEqual(EXIT_CODE_MEANINGS.map(([code]) => String(code)));
  });
});

describe('the man page', () => {
  test('names the files bindscout writes and how to undo a lockdown', () => {
    const files = manSection(/^\.SH FILES$/).join('\n');
    for (const path of [
      '/etc/systemd/system/UNIT.d/bindscout.conf',
      '/etc/tmpfiles.d/bindscout-UNIT.conf',
      '/var/lib/bindscout/UNIT/',
      '/run/bindscout/UNIT.lock',
    ]) {
      expect(files).toContain(path.replace(/-/g, '\\-'));
    }
    const undo = manSection(/^\.SH UNDOING A LOCKDOWN$/).join('\n');
    expect(undo).toContain('systemctl daemon\\-reload');
  });

  test('carries the version and the Node.js minimum it is given', () => {
    expect(page).toMatch(/^\.TH BINDSCOUT 1 "" "bindscout 9\.9\.9"/m);
    expect(manSection(/^\.SH ENVIRONMENT$/).join('\n')).toContain('20.19 or newer');
  });

  test('has no line a roff reader would take for a request by accident', () => {
    const requests = new Set(['TH', 'SH', 'SS', 'PP', 'TP', 'TQ', 'RS', 'RE', 'nf', 'fi', 'br', 'nh', 'ad', '\\"']);
    for (const line of page.split('\n')) {
      if (!/^[.']/.test(line)) continue;
      expect(requests.has(line.slice(1).split(' ')[0])).toBe(true);
    }
  });
});
