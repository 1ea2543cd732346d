import { COMPLETION_SHELLS, completionPlaces, completionScript, type CompletionShell } from '../completion.js';
import { ExitCode } from '../exit-codes.js';
import { defineCommand } from './define.js';

export interface CompletionArgs {
  shell?: CompletionShell;
}

/** The shell a script is for when none is named: the admin's login shell, as $SHELL says. */
export function defaultShell(env: NodeJS.ProcessEnv): CompletionShell {
  return /(^|\/)zsh$/.test(env.SHELL ?? '') ? 'zsh' : 'bash';
}

export const completionCommand = defineCommand<CompletionArgs>({
  command: 'completion [shell]',
  describe: 'Print a bash or zsh completion script, with where to install it in its first lines',
  positionals: {
    shell: { type: 'string', choices: COMPLETION_SHELLS, describe: 'the shell to complete in (default: zsh when $SHELL is zsh, else bash)' },
  },
  examples: [['$0 completion bash', 'the script for bash; its first lines say where it goes']],
  epilogue: [...completionPlaces('bash'), '', ...completionPlaces('zsh'), ''].join('\n'),

  async run(args, io) {
    io.out(completionScript(args.shell ?? defaultShell(io.env)));
    return ExitCode.ok;
  },
});
