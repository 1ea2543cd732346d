/**
 * No strace line is lost between the unit and the parser: a unit that makes 50,000 traced calls in
 * a few seconds, read while it runs (journalctl -f) and again at once afterwards.
 */
import { expect, test } from '@jest/globals';
import { AccessCollector } from '../trace/accesses.js';
import { followUnitJournal, journalCursor, readUnitJournal, UnitJournalSplitter } from '../systemd/journal.js';
import { installTracing, removeTracing } from '../systemd/tracing.js';
import { loadUnit, systemctl } from '../systemd/unit.js';
import { describeWithBed } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const UNIT = 'bindscout-e2e-flood.service';
const FRAGMENT = `/run/systemd/system/${UNIT}`;
const COUNT = 50_000;

const unitText = `[Unit]
Description=bindscout e2e: many traced calls in a short time

[Service]
Type=simple
# dash's test is a builtin: one stat per iteration, no fork.
ExecStart=/bin/sh -c 'for i in $$(seq ${COUNT}); do test -e /nonexistent-$$i; done; echo flood-done; sleep 3'
`;

const NONEXISTENT = /^\/nonexistent-(\d+)$/;

function countProbes(collector: AccessCollector): Set<number> {
  const seen = new Set<number>();
  for (const a of collector.result().accesses) {
    const m = NONEXISTENT.exec(a.path);
    if (m) seen.add(Number(m[1]));
  }
  return seen;
}

describeWithBed('journal: every strace line reaches the parser', (bed) => {
  // With LogRateLimitIntervalSec=0 systemd 252 removes the unit's limit and journald applies its
  // global one: it kept 37,437 of these 50,000 lines ("Suppressed 12565 messages"). The tracing
  // drop-in sets a limit no trace reaches instead.
  test(`${COUNT} calls, followed while running and read at once afterwards`, async () => {
    const { runner } = bed();
    await runner.writeFileAtomic(FRAGMENT, unitText);
    try {
      await systemctl(runner, ['daemon-reload']);
      const installed = await installTracing(runner, await loadUnit(runner, parseUnitName(UNIT)));
      expect(installed.text).toContain('LogRateLimitBurst=100000000');

      const cursor = await journalCursor(runner);
      const followed = new AccessCollector();
      const splitter = new UnitJournalSplitter(UNIT, (e) => followed.add(e), cursor);
      const follower = followUnitJournal(runner, parseUnitName(UNIT), cursor, splitter);
      const t0 = Date.now();
      const started = await systemctl(runner, ['start', '--', UNIT], 300_000);
      expect(started.exitCode).toBe(0);
      for (let state = 'active'; state === 'active' || state === 'activating'; ) {
        if (Date.now() - t0 > 240_000) throw new Error('the flood unit did not finish');
        await new Promise((r) => setTimeout(r, 200));
        state = (await loadUnit(runner, parseUnitName(UNIT))).ActiveState;
      }
      const seconds = (Date.now() - t0) / 1000;
      await follower.finish();
      splitter.end();

      const got = countProbes(followed);
      expect(got.size).toBe(COUNT);
      expect(Math.min(...got)).toBe(1);
      expect(Math.max(...got)).toBe(COUNT);
      // Each probe is one ENOENT stat, counted once.
      expect(followed.result().accesses.filter((a) => NONEXISTENT.test(a.path)).every((a) => a.count === 1 && a.errors.has('ENOENT'))).toBe(true);
      // The service's own output is kept apart from the trace.
      expect(splitter.output.map((m) => m.text)).toContain('flood-done');
      expect(splitter.messages.some((m) => m.kind === 'manager' && /Finished|Deactivated/.test(m.text))).toBe(true);
      console.info(`flood: ${splitter.stats.straceEntries} strace entries in ${seconds.toFixed(1)} s`);

      // The same entries read in one go after the fact.
      const again = new AccessCollector();
      const once = new UnitJournalSplitter(UNIT, (e) => again.add(e), cursor);
      await readUnitJournal(runner, parseUnitName(UNIT), cursor, once);
      once.end();
      expect(countProbes(again).size).toBe(COUNT);
      expect(once.stats).toEqual(splitter.stats);
    } finally {
      await removeTracing(runner, parseUnitName(UNIT));
      await runner.removeFile(FRAGMENT);
      await systemctl(runner, ['daemon-reload']);
      await systemctl(runner, ['reset-failed', '--', UNIT]);
    }
  }, 300_000);
});
