import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';
import { cleanupLeftovers } from '../flows/cleanup.js';
import { pid1Option, runnerFor } from './shared.js';
import type { BindscoutCommand } from './types.js';

export interface CleanupArgs {
  json: boolean;
  pid1?: number;
}

export const cleanupCommand: BindscoutCommand<CleanupArgs> = {
  command: 'cleanup',
  describe: 'Remove what a killed bindscout left behind (drop-ins under /run, locks), and say what',
  builder: (yargs: Argv) =>
    yargs
      .option('json', { type: 'boolean', default: false, describe: 'print what was removed as JSON' })
      .option('pid1', pid1Option('clean up on'))
      .example('$0 cleanup', 'after bindscout was killed (kill -9, a lost SSH session): put the units back')
      .epilogue(
        'Units that still run under a removed drop-in are restarted with their own configuration. ' +
          'Leftovers of a bindscout that is still running are not touched.',
      ) as unknown as Argv<CleanupArgs>,

  async run(args, io) {
    if (io.isRoot !== true) {
      const message = 'cleanup must run as root: it removes drop-ins and restarts units';
      throw new CliError(message, ExitCode.permission, 'run: sudo bindscout cleanup');
    }
    // Without a way to tell, every lock counts as held: a running bindscout is never disturbed.
    const report = await cleanupLeftovers(runnerFor(args.pid1), io.alive ?? (() => true));
    if (args.json) {
      io.out(JSON.stringify(report, null, 2) + '\n');
      return ExitCode.ok;
    }
    if (report.removed.length === 0) io.out('nothing of bindscout was left behind\n');
    for (const path of report.removed) io.out(`removed ${path}\n`);
    for (const unit of report.restarted) io.out(`restarted ${unit} (it was running under a removed drop-in)\n`);
    for (const path of report.inUse) io.out(`kept ${path} (a bindscout that is still running uses it)\n`);
    return ExitCode.ok;
  },
};
