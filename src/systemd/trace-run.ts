/**
 * One run of a unit under strace, for every command that traces: the tracing drop-in (with a
 * candidate sandbox when given) goes in, the caller starts, uses and stops the unit, the drop-in comes
 * out again whatever happened, and what strace wrote to the unit's journal meanwhile is handed on as
 * events.
 */
import type { StraceEvent } from '../../parsers/events.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import { unitJob } from './control.js';
import { journalCursor, journalSync, readUnitJournal, UnitJournalSplitter } from './journal.js';
import type { Runner } from './runner.js';
import { daemonReload, installTracing, removeTracing, RUNTIME_UNIT_DIR } from './tracing.js';
import { loadUnit, type LoadedUnit } from './unit.js';

export interface TracedRun<T> {
  /** What `during` returned. */
  result: T;
  /** Syscall lines read back from the journal: 0 means strace wrote nothing the journal kept. */
  syscalls: number;
  /** Reading stopped at this many journal entries: the run wrote more (see MAX_JOURNAL_ENTRIES). */
  cutAt?: number;
}

/**
 * `unit` must be loaded without any bindscout drop-in. `during` gets the journal cursor from before
 * the run (to read the unit's own messages for a diagnosis); the tracing drop-in is removed before
 * the journal is read, so a failure to read it leaves nothing installed.
 */
export async function traceOneRun<T>(
  runner: Runner,
  unit: LoadedUnit,
  options: { sandbox?: string; onEvent(event: StraceEvent): void; signal?: AbortSignal },
  during: (cursor: string) => Promise<T>,
): Promise<TracedRun<T>> {
  await installTracing(runner, unit, options.sandbox === undefined ? {} : { sandbox: options.sandbox });
  const cursor = await journalCursor(runner);
  const splitter = new UnitJournalSplitter(`journal of ${unit.Id}`, options.onEvent, cursor);
  let result: T;
  try {
    result = await during(cursor);
  } finally {
    await removeTracing(runner, unit.Id);
  }
  await journalSync(runner);
  await readUnitJournal(runner, unit.Id, cursor, splitter, options.signal ? { signal: options.signal } : {});
  const syscalls = splitter.end().syscalls;
  return { result, syscalls, ...(splitter.stats.cut === true ? { cutAt: splitter.stats.entries } : {}) };
}

/** The name of every runtime unit `profile --trace` writes starts with this (cleanup finds them by it). */
export const RUNTIME_UNIT_PREFIX = 'bindscout-profile-';

/**
 * Runs `execLine` (already escaped for an Exec line) as a runtime unit under /run/systemd/system
 * (gone at reboot) with `sandbox` and the tracing drop-in, for `seconds` or until `signal`, and hands
 * on what it did. The unit file is removed afterwards, also when interrupted.
 */
export async function traceCommandUnit(
  runner: Runner,
  stem: string,
  execLine: string,
  options: {
    sandbox: string;
    seconds: number;
    signal?: AbortSignal;
    log(message: string): void;
    warn(message: string): void;
    onEvent(event: StraceEvent): void;
  },
): Promise<{ unit: string; file: string } | { exists: string }> {
  const unit = parseUnitName(`${RUNTIME_UNIT_PREFIX}${stem.replace(/[^A-Za-z0-9_.-]/g, '-')}.service`);
  const file = `${RUNTIME_UNIT_DIR}/${unit}`;
  if ((await runner.readFile(file)) !== undefined) return { exists: file };
  const text = `[Unit]\nDescription=bindscout profile --trace of ${stem}\n\n[Service]\nType=exec\nExecStart=${execLine}\n`;
  await runner.writeFileAtomic(file, text);
  try {
    await daemonReload(runner);
    await traceOneRun(runner, await loadUnit(runner, unit), options, async () => {
      options.log(`running ${unit} under strace for ${options.seconds} s`);
      const started = await unitJob(runner, 'start', unit, 90_000);
      if (started.exitCode !== 0) {
        options.warn(`${unit} did not start under the starter profile: ${started.stderr.trim()}`);
      }
      await waitOrAbort(options.seconds * 1000, options.signal);
      await unitJob(runner, 'stop', unit, 90_000);
    });
  } finally {
    await runner.removeFile(file);
    await daemonReload(runner);
    await runner.run('systemctl', ['reset-failed', '--', unit]);
  }
  return { unit, file };
}

function waitOrAbort(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
