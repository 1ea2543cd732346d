/**
 * One error style: the layers below the commands throw the errors of src/errors.ts (or their own
 * typed ones); only src/commands/ and the program that runs them speak in exit codes.
 */
import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { asCliError } from './commands/shared.js';
import { ArgumentError, CannotProceed, InputError, InterruptedError, MissingPrerequisite, PermissionDenied } from './errors.js';
import { ExitCode } from './exit-codes.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The layers below the commands. */
const BELOW = ['parsers', 'src/core', 'src/host', 'src/systemd', 'src/flows'];

function sources(dir: string): string[] {
  return readdirSync(path.join(repo, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return sources(rel);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [rel] : [];
  });
}

describe('errors below the commands', () => {
  test('no module below src/commands knows CliError or ExitCode', () => {
    const offenders = BELOW.flatMap(sources).filter((file) => /\b(CliError|ExitCode)\b/.test(readFileSync(path.join(repo, file), 'utf8')));
    expect(offenders).toEqual([]);
  });

  test.each([
    [new ArgumentError('a', 'h'), ExitCode.usage],
    [new InputError('a', 'h'), ExitCode.badInput],
    [new PermissionDenied('a', 'h'), ExitCode.permission],
    [new MissingPrerequisite('a', 'h'), ExitCode.missingPrerequisite],
    [new CannotProceed('a', 'h'), ExitCode.failed],
    [new InterruptedError('a', 'h'), ExitCode.interrupted],
  ])('%p: exit code %i, message and hint kept', (error, exitCode) => {
    expect(asCliError(error)).toMatchObject({ exitCode, message: 'a', hint: 'h' });
  });
});
