/**
 * The whole tracing path on real Debian services in the bed: tracing drop-in → start → probe → stop
 * → journal → parser → accesses, then the unit exactly as before.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { AccessCollector } from '../trace/accesses.js';
import type { Access } from '../core/model.js';
import { TRACING_DROPIN_NAME } from '../unit-file/tracing-dropin.js';
import { followUnitJournal, journalCursor, UnitJournalSplitter } from '../systemd/journal.js';
import { dropInDir, installTracing, removeTracing, tracingDropInPath } from '../systemd/tracing.js';
import { catUnit, loadUnit, systemctl } from '../systemd/unit.js';
import { describeWithBed, retry, startUnits, type Bed } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const LD_CACHE = '/etc/ld.so.cache';

interface Case {
  unit: string;
  probe: (bed: Bed) => Promise<unknown>;
  /** Paths the service is known to use, with an operation each must show. */
  expect: Array<[string, string]>;
}

const CASES: Case[] = [
  {
    unit: 'nginx.service',
    probe: (bed) => bed.exec('curl', ['-fsS', '-o', '/dev/null', 'http://127.0.0.1/'], 10_000),
    expect: [['/etc/nginx/nginx.conf', 'read'], [LD_CACHE, 'read'], [LIBC, 'read'], ['/usr/sbin/nginx', 'exec'], ['/var/log/nginx/access.log', 'write']],
  },
  {
    unit: 'redis-server.service',
    probe: async (bed) => expect(await bed.exec('redis-cli', ['ping'], 10_000)).toBe('PONG\n'),
    expect: [['/etc/redis/redis.conf', 'read'], [LIBC, 'read'], ['/run/systemd/notify', 'connect'], ['/usr/bin/redis-server', 'exec']],
  },
  {
    unit: 'memcached.service',
    probe: async (bed) =>
      expect(
        await bed.exec('bash', ['-c', 'exec 3<>/dev/tcp/127.0.0.1/11211; printf "stats\\r\\nquit\\r\\n" >&3; timeout 5 cat <&3'], 10_000),
      ).toMatch(/STAT pid \d+/),
    expect: [['/etc/memcached.conf', 'read'], [LIBC, 'read'], ['/usr/bin/memcached', 'exec']],
  },
  {
    unit: 'postgresql@15-main.service',
    probe: async (bed) =>
      expect(await bed.exec('runuser', ['-u', 'postgres', '--', 'psql', '-XAtc', 'SELECT 1'], 15_000)).toBe('1\n'),
    expect: [['/etc/postgresql/15/main/postgresql.conf', 'read'], [LIBC, 'read'], ['/usr/lib/postgresql/15/bin/postgres', 'exec']],
  },
];

function has(accesses: Map<string, Access>, path: string, op: string): boolean {
  const a = accesses.get(path);
  return a !== undefined && a.ok && (a.ops as Set<string>).has(op);
}

describeWithBed('tracing real services in the bed', (bed) => {
  // Each case is checked to leave its unit as found; found running, as a packaged service normally is.
  beforeAll(() => startUnits(bed(), CASES.map((c) => c.unit)), 300_000);

  for (const c of CASES) {
    test(`${c.unit}: traced through the journal, then restored`, async () => {
      const { runner } = bed();
      // A drop-in left by a killed run would be read as part of the unit.
      await removeTracing(runner, parseUnitName(c.unit));
      const before = await catUnit(runner, parseUnitName(c.unit));
      const original = await loadUnit(runner, parseUnitName(c.unit));
      const wasActive = original.ActiveState === 'active';
      const collector = new AccessCollector();
      const warnings: string[] = [];
      let splitter: UnitJournalSplitter | undefined;
      let follower: ReturnType<typeof followUnitJournal> | undefined;
      try {
        await systemctl(runner, ['stop', '--', c.unit]);
        await systemctl(runner, ['reset-failed', '--', c.unit]);
        const installed = await installTracing(runner, original);
        expect(installed.unit.exec.every((e) => e.command.startsWith('/usr/bin/strace '))).toBe(true);

        const cursor = await journalCursor(runner);
        splitter = new UnitJournalSplitter(c.unit, (event) => {
          if (event.type === 'warning') warnings.push(`${event.reason}: ${event.text}`);
          else collector.add(event);
        }, cursor);
        follower = followUnitJournal(runner, parseUnitName(c.unit), cursor, splitter);
        const started = await systemctl(runner, ['start', '--', c.unit]);
        if (started.exitCode !== 0) {
          await follower.finish();
          throw new Error(`start failed: ${started.stderr}\n${splitter.messages.map((m) => m.text).join('\n')}`);
        }
        await retry(() => c.probe(bed()));
        const stopped = await systemctl(runner, ['stop', '--', c.unit]);
        expect(stopped.exitCode).toBe(0);
        await follower.finish();
        splitter.end();
      } finally {
        follower?.abort();
        await removeTracing(runner, parseUnitName(c.unit));
        await systemctl(runner, ['reset-failed', '--', c.unit]);
        if (wasActive) await systemctl(runner, ['start', '--', c.unit]);
      }

      // The unit is as it was.
      expect(await catUnit(runner, parseUnitName(c.unit))).toBe(before);
      const left = (await runner.readdir(dropInDir(parseUnitName(c.unit)))) ?? [];
      expect(left.filter((f) => f.includes('bindscout'))).toEqual([]);
      expect(await runner.readFile(tracingDropInPath(parseUnitName(c.unit)))).toBeUndefined();
      expect(left).not.toContain(TRACING_DROPIN_NAME);
      expect((await loadUnit(runner, parseUnitName(c.unit))).ActiveState).toBe(original.ActiveState);

      // The trace is there, and says what the service is known to do.
      expect(splitter!.stats.straceEntries).toBeGreaterThan(100);
      expect(splitter!.stats.managerEntries).toBeGreaterThan(0);
      const accesses = new Map(collector.result().accesses.map((a) => [a.path, a]));
      const missing = c.expect.filter(([path, op]) => !has(accesses, path, op));
      expect(missing).toEqual([]);
      // Strace could read the tracee's memory throughout: no path printed as a bare address.
      expect(collector.result().unresolved.filter((u) => u.reason.startsWith('path not decoded'))).toEqual([]);
      expect(warnings.slice(0, 5)).toEqual([]);
    }, 180_000);
  }
});
