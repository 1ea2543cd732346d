import type { Argv, Options, PositionalOptions } from 'yargs';
import { ExitCode } from '../exit-codes.js';
import { printFound } from './shared.js';
import type { BindscoutCommand, CommandIO } from './types.js';

/** What a judging command found: printed as JSON (`found`) or as text, exit code 1 unless `clean`. */
export interface Verdict {
  found: unknown;
  asText(): string;
  clean: boolean;
}

/**
 * A command as data: what --help, the man page and completion show, and what it does. The one yargs
 * builder below turns the data into declarations, in the order --help lists them.
 */
interface SpecBase {
  command: string;
  describe: string;
  positionals?: Record<string, PositionalOptions>;
  options?: Record<string, Options>;
  examples: [command: string, what: string][];
  epilogue?: string;
  /** A rule across options (yargs' check): an Error thrown is a usage error with its message. */
  check?(argv: Record<string, unknown>): true;
}

export type CommandSpec<Args> = SpecBase & { run(args: Args, io: CommandIO): Promise<number> };

export function defineCommand<Args>(spec: CommandSpec<Args>): BindscoutCommand<Args> {
  const { command, describe, run } = spec;
  return {
    command,
    describe,
    builder(yargs: Argv): Argv<Args> {
      let built = yargs;
      for (const [name, positional] of Object.entries(spec.positionals ?? {})) built = built.positional(name, positional);
      for (const [name, option] of Object.entries(spec.options ?? {})) built = built.option(name, option);
      for (const [example, what] of spec.examples) built = built.example(example, what);
      if (spec.epilogue !== undefined) built = built.epilogue(spec.epilogue);
      if (spec.check !== undefined) built = built.check(spec.check);
      return built as unknown as Argv<Args>;
    },
    run,
  };
}

/**
 * A command that looks at what it is given and says whether it is right (check, lint, view): what it
 * found is printed the same way (`--json` or text) and exit code 1 means "not right", for each.
 */
export function defineJudgingCommand<Args extends { json: boolean }>(
  spec: SpecBase & { judge(args: Args, io: CommandIO): Promise<Verdict> },
): BindscoutCommand<Args> {
  return defineCommand<Args>({
    ...spec,
    async run(args, io) {
      const verdict = await spec.judge(args, io);
      printFound(io, args.json, verdict.found, verdict.asText);
      return verdict.clean ? ExitCode.ok : ExitCode.failed;
    },
  });
}
