import { bytesToDisplay } from '../../parsers/strings.js';
import { profileToJson } from '../profile/report.js';
import { ExitCode } from '../exit-codes.js';
import { profileTarget } from '../flows/profile.js';
import { readUnitFile } from '../host/inputs.js';
import { defineCommand } from './define.js';
import { baselineOption, EXCLUDE_OPTION, includeOption, jsonOption, pid1Option, runnerFor, unitOrFileArgument, type JsonAndPid1Args } from './shared.js';

export interface ProfileArgs extends JsonAndPid1Args {
  target?: string;
  exec?: string;
  baseline: boolean;
  include: string[];
  exclude: string[];
  trace?: number;
}

export const profileCommand = defineCommand<ProfileArgs>({
  command: 'profile [target]',
  describe: 'A starter lockdown for a unit, a unit file or a command line, without running anything',
  positionals: { target: { describe: 'a unit name (nginx) or a unit file (anything with a "/": ./app.service)', type: 'string' } },
  options: {
    exec: { type: 'string', requiresArg: true, describe: 'a command line with no unit yet: prints a complete .service file' },
    json: jsonOption('print the profile and the reasons as JSON'),
    baseline: baselineOption(', used or not: on by default because nothing is run to verify'),
    include: includeOption(),
    exclude: EXCLUDE_OPTION,
    trace: {
      type: 'number',
      describe:
        'with --exec, as root: run the command for SECONDS as a runtime unit under strace with the starter profile, ' +
        'and fold in what it did',
    },
    pid1: pid1Option('read units and files of'),
  },
  examples: [
    ['$0 profile memcached', 'a starter drop-in for an installed unit'],
    ['$0 profile ./app.service > app.service.d/lockdown.conf', 'for a unit file not installed yet'],
    ['$0 profile --exec "/usr/local/bin/app --config /etc/app/app.yml"', 'a complete .service file for a program with no unit'],
    ['$0 profile --exec "/usr/local/bin/app" --trace 20', 'the same, completed by 20 s of the program running under strace in the sandbox'],
  ],
  check(argv) {
    if ((argv.target === undefined) === (argv.exec === undefined)) {
      throw new Error('give either a unit or unit file, or --exec "COMMAND"');
    }
    if (argv.trace !== undefined && argv.exec === undefined) {
      throw new Error('--trace goes with --exec; a unit that exists is traced by: bindscout discover UNIT');
    }
    if (argv.trace !== undefined && !(typeof argv.trace === 'number' && Number.isFinite(argv.trace) && argv.trace > 0)) {
      throw new Error('--trace takes a number of seconds > 0');
    }
    return true;
  },

  async run(args, io) {
    const runner = runnerFor(args.pid1);
    const result = await profileTarget(
      {
        ...(args.target !== undefined ? { target: unitOrFileArgument(args.target) } : {}),
        ...(args.exec !== undefined ? { exec: args.exec } : {}),
        baseline: args.baseline,
        include: args.include,
        exclude: args.exclude,
        ...(args.trace !== undefined ? { trace: args.trace } : {}),
      },
      {
        runner,
        readUnitFile,
        log: (message) => io.err(`${io.paint.dim('bindscout:')} ${message}\n`),
        warn: (message) => io.err(`${io.paint.yellow('warning:')} ${message}\n`),
        isRoot: io.isRoot === true,
        ...(io.signal ? { signal: io.signal } : {}),
      },
    );
    const { starter, stem } = result;
    if (args.json) {
      io.out(
        JSON.stringify(
          {
            unit: result.unit,
            profile: profileToJson(starter.profile),
            needsConsent: starter.profile.needsConsent.map((n) => ({ path: bytesToDisplay(n.path), reason: n.reason })),
            reasons: starter.reasons,
            notFound: result.notFound,
            text: result.text,
          },
          null,
          2,
        ) + '\n',
      );
    } else {
      io.out(result.text);
      for (const program of result.notFound) {
        io.err(`${io.paint.yellow('warning:')} ${program}: not found on this machine; its libraries are not in the profile\n`);
      }
      io.err(`${io.paint.dim('bindscout:')} a starter profile is a start: run \`bindscout discover ${stem}\` to complete it\n`);
    }
    return ExitCode.ok;
  },
});
