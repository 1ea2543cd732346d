import type { Argv } from 'yargs';
import { CliError, ExitCode } from '../exit-codes.js';
import { cleanupLeftovers } from '../flows/cleanup.js';
import { createHostRunner, createNamespaceRunner } from '../systemd/runner.js';
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
      .option('pid1', { type: 'number', describe: 'clean up on the systemd that runs as PID 1 of a container, given that PID as seen here' })
      .example('$0 cleanup', 'after bindscout was killed (kill -9, a lost SSH session): put the units back')
      .epilogue('Units that still run under a removed drop-in are restarted with their own configuration. Leftovers of a bindscout that is still running are not touched.') as unknown as Argv<CleanupArgs>,

  async run(args, io) {
    if (io.isRoot !== true) throw new CliError('cleanup must run as root: it removes drop-ins and restarts units', ExitCode.permission, 'run: sudo bindscout cleanup');
    const runner = args.pid1 === undefined ? createHostRunner() : createNamespaceRunner(args.pid1);
    const report = await cleanupLeftovers(runner, (pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    });
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
