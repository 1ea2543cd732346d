/**
 * cleanup's part of the private /run: links in the host's /run that no unit uses any more go, those of
 * an installed profile or of a discover still running stay.
 */
import { describe, expect, test } from '@jest/globals';
import { fakeRunner, ok } from '../testing/fake-runner.js';
import { cleanupLeftovers } from './cleanup.js';

const RUNTIME_DIRECTORIES: Record<string, string> = {
  'nginx.service': '',
  'cron.service': 'cron-private-run',
  'unbound.service': '',
};

function bed(links: Record<string, string>, locks: Record<string, string> = {}) {
  return fakeRunner({
    links,
    files: { '/run/utmp': '', ...locks },
    answer: (file, args) => {
      if (file !== 'systemctl' || args[0] !== 'show') return undefined;
      const unit = args.at(-1)!;
      return args.includes('RuntimeDirectory') ? ok(`${RUNTIME_DIRECTORIES[unit] ?? ''}\n`) : ok('ActiveState=inactive\n');
    },
  });
}

describe('cleanup of the host links of a private /run', () => {
  test("a link whose unit no longer has the private /run goes; an installed profile's stays; others are not touched", async () => {
    const fake = bed({
      '/run/nginx.pid': 'nginx-private-run/nginx.pid',
      '/run/crond.pid': 'cron-private-run/crond.pid',
      '/run/shm': '/dev/shm',
      '/run/odd': 'nginx-private-run',
    });
    const report = await cleanupLeftovers(fake.runner, () => false);
    expect(report.removed).toEqual(['/run/nginx.pid']);
    expect(await fake.runner.readlink('/run/crond.pid')).toBe('cron-private-run/crond.pid');
    expect(await fake.runner.readlink('/run/shm')).toBe('/dev/shm');
    expect(await fake.runner.readlink('/run/odd')).toBe('nginx-private-run');
  });

  test('the links of a unit that a running discover holds are left to it', async () => {
    const fake = bed({ '/run/unbound.ctl': 'unbound-private-run/unbound.ctl' }, { '/run/bindscout/unbound.service.lock': '4242' });
    const report = await cleanupLeftovers(fake.runner, (pid) => pid === 4242);
    expect(report.removed).toEqual([]);
    expect(report.inUse).toEqual(['/run/bindscout/unbound.service.lock']);
    expect(await fake.runner.readlink('/run/unbound.ctl')).toBe('unbound-private-run/unbound.ctl');
  });
});
