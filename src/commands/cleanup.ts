import { CliError, ExitCode } from '../exit-codes.js';
import { cleanupLeftovers } from '../flows/cleanup.js';
import { defineCommand } from './define.js';
import { jsonOption, pid1Option, printFound, runnerFor, type JsonAndPid1Args } from './shared.js';

export type CleanupArgs = JsonAndPid1Args;

export const cleanupCommand = defineCommand<CleanupArgs>({
  command: 'cleanup',
  describe: 'Remove what a killed bindscout left behind (drop-ins under /run, locks), and say what',
  options: { json: jsonOption('print what was removed as JSON'), pid1: pid1Option('clean up on') },
  examples: [['$0 cleanup', 'after bindscout was killed (kill -9, a lost SSH session): put the units back']],
  epilogue:
    'Units that still run under a removed drop-in are restarted with their own configuration. ' +
    'Leftovers of a bindscout that is still running are not touched.',

  async run(args, io) {
    if (io.isRoot !== true) {
      const message = 'cleanup must run as root: it removes drop-ins and restarts units';
      throw new CliError(message, ExitCode.permission, 'run: sudo bindscout cleanup');
    }
    // Without a way to tell, every lock counts as held: a running bindscout is never disturbed.
    const report = await cleanupLeftovers(runnerFor(args.pid1), io.alive ?? (() => true));
    printFound(io, args.json, report, () => [
      ...(report.removed.length === 0 ? ['nothing of bindscout was left behind\n'] : []),
      ...report.removed.map((path) => `removed ${path}\n`),
      ...report.restarted.map((unit) => `restarted ${unit} (it was running under a removed drop-in)\n`),
      ...report.inUse.map((path) => `kept ${path} (a bindscout that is still running uses it)\n`),
    ].join(''));
    return ExitCode.ok;
  },
});
