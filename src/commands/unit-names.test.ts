/**
 * A unit name is checked once, where it comes in: every command that takes one refuses a name systemd
 * would not accept with a usage error, before it looks at systemd or the filesystem.
 */
import { describe, expect, test } from '@jest/globals';
import { runProgram } from '../program.js';
import { fakeIO } from '../testing/fake-io.js';

const GENERAL = 'give a unit name as systemctl shows it, e.g. nginx or postgresql@15-main';

describe('a malformed unit name is refused at the command line', () => {
  test.each([
    [['discover', '--yes', 'app;rm'], GENERAL],
    [['discover', '--forget', 'app;rm'], GENERAL],
    [['view', 'app;rm'], GENERAL],
    [['profile', 'app;rm'], GENERAL],
    [['check', 'app;rm'], 'give a unit name as systemctl shows it, e.g. nginx'],
    [['lint', 'nginx', 'app;rm'], 'give a unit name, or a path with a "/" for a unit file (./app.service)'],
  ])('%j: exit 2 with the hint', async (argv, hint) => {
    const { io, stdout, stderr } = fakeIO({ isRoot: true });
    expect(await runProgram(argv, io)).toBe(2);
    expect(stderr()).toBe(`error: invalid unit name "app;rm": only letters, digits and ":_.\\@-" are allowed\n${hint}\n`);
    expect(stdout()).toBe('');
  });
});
