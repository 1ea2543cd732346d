import { describe, expect, it } from '@jest/globals';
import type { Streamed } from './runner.js';
import { readUnitJournal, UnitJournalSplitter } from './journal.js';
import { fakeRunner } from '../testing/fake-runner.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const UNIT = parseUnitName('loop.service');

/** One journal entry of strace output, as `journalctl -o json` prints it. */
function straceEntry(i: number): string {
  return JSON.stringify({
    __CURSOR: `s=abc;i=${i.toString(16)}`,
    _PID: '42',
    _TRANSPORT: 'stdout',
    SYSLOG_IDENTIFIER: 'rsyslogd',
    MESSAGE: `openat(AT_FDCWD</>, "/var/log/syslog", O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC, 0640) = -1 EROFS (Read-only file system)`,
  });
}

/**
 * A journalctl that never runs dry while it is not stopped, as the journal of a syslog daemon that
 * receives strace's lines about itself: stopping it kills it (exit 143, as SIGTERM does).
 */
function endlessJournal(): { streamed: Streamed; produced: () => number } {
  let stopped = false;
  let produced = 0;
  let finish: (code: number) => void = () => undefined;
  const done = new Promise<number>((resolve) => (finish = resolve));
  async function* lines(): AsyncGenerator<string> {
    while (!stopped) {
      produced++;
      yield straceEntry(produced);
      // A real pipe hands over lines in chunks; the reader gets a turn in between.
      if (produced % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    finish(143);
  }
  return {
    streamed: {
      lines: lines(),
      stop: () => void (stopped = true),
      done: done.then((exitCode) => ({ exitCode, stdout: '', stderr: '' })),
    },
    produced: () => produced,
  };
}

describe('readUnitJournal on a journal that keeps growing', () => {
  it('stops at the limit of entries, says so, and keeps what it read', async () => {
    const journal = endlessJournal();
    const { runner } = fakeRunner({ stream: () => journal.streamed });
    const events: unknown[] = [];
    const splitter = new UnitJournalSplitter('journal of loop.service', (e) => events.push(e), 'start');
    await readUnitJournal(runner, UNIT, 'start', splitter, { maxEntries: 5000 });
    splitter.end();
    expect(splitter.stats.cut).toBe(true);
    expect(splitter.stats.entries).toBe(5000);
    expect(splitter.stats.straceEntries).toBe(5000);
    expect(events.length).toBe(5000);
    // journalctl was stopped, not read to an end that never comes.
    expect(journal.produced()).toBeLessThan(5200);
  });

  it('stops at once when aborted (Ctrl-C), without an error for the killed journalctl', async () => {
    const journal = endlessJournal();
    const { runner } = fakeRunner({ stream: () => journal.streamed });
    const splitter = new UnitJournalSplitter('journal of loop.service', () => undefined, 'start');
    const abort = new AbortController();
    setTimeout(() => abort.abort(), 50);
    await readUnitJournal(runner, UNIT, 'start', splitter, { signal: abort.signal });
    expect(abort.signal.aborted).toBe(true);
    expect(splitter.stats.cut).toBeUndefined();
    expect(splitter.stats.entries).toBeGreaterThan(0);
  });

  it('reads to the end of a journal below the limit and reports a journalctl failure', async () => {
    const entries = [straceEntry(1), straceEntry(2)];
    const streamed = (exitCode: number): Streamed => ({
      lines: (async function* () {
        yield* entries;
      })(),
      stop: () => undefined,
      done: Promise.resolve({ exitCode, stdout: '', stderr: exitCode === 0 ? '' : 'No journal files were found.' }),
    });
    const good = new UnitJournalSplitter('j', () => undefined, 'start');
    await readUnitJournal(fakeRunner({ stream: () => streamed(0) }).runner, UNIT, 'start', good, { maxEntries: 5000 });
    expect(good.stats).toMatchObject({ entries: 2, straceEntries: 2 });
    expect(good.stats.cut).toBeUndefined();
    const bad = new UnitJournalSplitter('j', () => undefined, 'start');
    await expect(readUnitJournal(fakeRunner({ stream: () => streamed(1) }).runner, UNIT, 'start', bad)).rejects.toThrow(/No journal files/);
  });
});
