import { describe, expect, test } from '@jest/globals';
import yargs from 'yargs';
import { declarationsOf } from '../man-page.js';
import { fakeIO } from '../testing/fake-io.js';
import { defineCommand, defineJudgingCommand } from './define.js';
import { jsonOption } from './shared.js';

describe('defineJudgingCommand', () => {
  const judged = (clean: boolean) =>
    defineJudgingCommand<{ json: boolean }>({
      command: 'judge',
      describe: 'says whether it is right',
      examples: [],
      judge: async () => ({ found: { clean }, asText: () => (clean ? 'right\n' : 'wrong\n'), clean }),
    });

  test('text for a person, exit code 0 when clean and 1 when not', async () => {
    for (const clean of [true, false]) {
      const { io, stdout } = fakeIO();
      expect(await judged(clean).run({ json: false }, io)).toBe(clean ? 0 : 1);
      expect(stdout()).toBe(clean ? 'right\n' : 'wrong\n');
    }
  });

  test('--json prints what was found as JSON, with the same exit code', async () => {
    const { io, stdout } = fakeIO();
    expect(await judged(false).run({ json: true }, io)).toBe(1);
    expect(JSON.parse(stdout())).toEqual({ clean: false });
  });
});

describe('defineCommand', () => {
  const command = defineCommand<{ units: string[]; json: boolean }>({
    command: 'demo <units..>',
    describe: 'a demo',
    positionals: { units: { describe: 'units', type: 'string', array: true, demandOption: true } },
    options: { json: jsonOption('print it as JSON'), name: { type: 'string', describe: 'a name' } },
    examples: [
      ['$0 demo nginx', 'the first'],
      ['$0 demo --json nginx', 'the second'],
    ],
    epilogue: 'after the options',
    run: async () => 0,
  });

  test('declares positionals, options, examples and the epilogue in the order given', () => {
    const page = declarationsOf(command);
    expect(page.positionals.map((p) => p.name)).toEqual(['units']);
    expect(page.options.map((o) => o.name)).toEqual(['json', 'name']);
    expect(page.examples).toEqual([
      ['$0 demo nginx', 'the first'],
      ['$0 demo --json nginx', 'the second'],
    ]);
    expect(page.epilogue).toEqual(['after the options']);
  });

  test('the options parse as declared: --json a boolean that defaults to false', async () => {
    const parsed = await command.builder(yargs(['--name', 'x'])).parseAsync();
    expect(parsed).toMatchObject({ json: false, name: 'x' });
  });
});
