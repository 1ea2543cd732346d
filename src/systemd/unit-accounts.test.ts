import { describe, expect, test } from '@jest/globals';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import { packageOf, runningAccounts } from './unit-accounts.js';

const status = (uid: number, gid: number) => `Name:\tftpd\nUid:\t${uid}\t${uid}\t${uid}\t${uid}\nGid:\t${gid}\t${gid}\t${gid}\t${gid}\nGroups:\t${gid} 4\nCapEff:\t0000000000000000\n`;

describe('who a running unit is', () => {
  test('the effective accounts of its cgroup processes, root left out, on a hybrid cgroup v1 host', async () => {
    const { runner } = fakeRunner({
      answer: (file, args) => {
        if (file === 'systemctl' && args.includes('MainPID')) return ok('40\n');
        if (file === 'systemctl' && args.includes('ControlGroup')) return ok('/system.slice/ftpd.service\n');
        // Read by a program in systemd's namespaces (cat), never through the host's view of the files.
        if (file === 'cat' && args.at(-1) === '/sys/fs/cgroup/systemd/system.slice/ftpd.service/cgroup.procs') return ok('40\n41\n42\n');
        if (file === 'cat') return { exitCode: 1, stdout: '', stderr: 'No such file or directory' };
        return undefined;
      },
      files: {
        // What the host's view holds is another PID namespace's numbering: never read.
        '/sys/fs/cgroup/systemd/system.slice/ftpd.service/cgroup.procs': '9040\n9041\n',
        '/proc/40/status': status(0, 0),
        '/proc/41/status': status(121, 131),
        '/proc/42/status': status(121, 131),
      },
    });
    expect(await runningAccounts(runner, parseUnitName('ftpd'))).toEqual({ uids: [121], gids: [131] });
  });

  test('the package of the unit file, from dpkg -S; none for a local unit', async () => {
    const { runner } = fakeRunner({
      answer: (file, args) =>
        file === 'dpkg' && args.at(-1) === '/lib/systemd/system/ftpd.service'
          ? ok('ftpd-server: /lib/systemd/system/ftpd.service\n')
          : file === 'dpkg'
            ? { exitCode: 1, stdout: '', stderr: 'dpkg-query: no path found matching pattern' }
            : undefined,
    });
    expect(await packageOf(runner, '/lib/systemd/system/ftpd.service')).toBe('ftpd-server');
    expect(await packageOf(runner, '/etc/systemd/system/local.service')).toBeUndefined();
  });
});
