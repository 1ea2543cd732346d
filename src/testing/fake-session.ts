/**
 * A DiscoverSession that plays a script: every traced run, candidate start, install and audit of
 * discover's loop, without a systemd. It records what the loop asked of it, so each step of the loop
 * (src/flows/discover-steps.ts) and the loop as a whole can be checked.
 */
import { createTraceParser } from '../../parsers/index.js';
import type { StraceEvent } from '../../parsers/events.js';
import type { AuditReport, Violation } from '../checks/audit.js';
import type { Diagnosis } from '../checks/diagnose.js';
import { memoryFsView } from './fs-views.js';
import { parseUnitName } from '../unit-file/unit-name.js';
import type { Profile } from '../core/model.js';
import { unitInfoFromText, type UnitInfo } from '../unit-file/unitfile.js';
import type { CandidateOutcome, DiscoverOptions, DiscoverSession, LoopContext, Reviewer } from '../flows/discover-loop.js';

export const FAKE_UNIT = unitInfoFromText(
  'Id=app.service\nLoadState=loaded\nType=simple\n',
  '# /lib/systemd/system/app.service\n[Service]\nExecStart=/usr/sbin/app\n',
);

/** Strace lines that open each path, as the journal would hold them. */
export const traceOf = (...paths: string[]): string[] =>
  paths.map((p, i) => `100 openat(AT_FDCWD</>, "${p}", O_RDONLY|O_CLOEXEC) = ${i + 3}<${p}>`);

export const FAKE_FS = memoryFsView({
  '/usr/sbin/app': 'file',
  '/etc/app/app.conf': 'file',
  '/etc/ssl/private/app.key': 'file',
  '/usr/share/app/data.bin': 'file',
});

export const FAKE_OPTIONS: DiscoverOptions = {
  unit: parseUnitName('app'),
  exercise: 0,
  maxStarts: 10,
  dryRun: false,
  baseline: false,
  include: [],
  exclude: [],
  settleMs: 0,
  startTimeoutMs: 1000,
  dropInName: 'bindscout.conf',
};

/** A 203/EXEC whose diagnosis names the one path to bind. */
export const execFailure = (path: string): Diagnosis => ({
  kind: 'exec',
  summary: `203/EXEC: ${path} is not visible in the sandbox`,
  details: [],
  fixes: [{ directive: 'BindReadOnlyPaths', path, reason: 'needed to start' }],
});

export interface Script {
  /** Strace lines of each traced run, in order; a run with `ok: false` failed. */
  traced: { ok: boolean; lines: string[]; diagnosis?: Diagnosis; probeFailure?: string; asFound?: AuditReport }[];
  /** The outcome of each candidate start, in order. */
  candidates: CandidateOutcome[];
  /** Whether the installed drop-in verifies. */
  installVerifies?: boolean;
  /** Abort the run while this candidate (0-based) starts. */
  interruptAtCandidate?: number;
  /** What the audit of the working candidate finds (none: clean). */
  violations?: Violation[];
  /** The audit throws this instead (no process to look into). */
  auditError?: Error;
  unit?: UnitInfo;
}

export function auditReport(violations: Violation[]): AuditReport {
  const clean = violations.length === 0;
  return { unit: 'app.service', pid: 9, uid: 0, clean, visible: 50, outside: 10, outsideByDirectory: [], own: [], violations };
}

export interface SessionLog {
  candidates: string[];
  tracedUnder: (string | undefined)[];
  stops: number;
  removedCandidates: number;
  installed: { target: string; text: string }[];
  interrupted: boolean;
}

/** A session that plays a script, and records what the loop asked of it. */
export function scriptedSession(script: Script): { session: DiscoverSession; log: SessionLog } {
  const log: SessionLog = { candidates: [], tracedUnder: [], stops: 0, removedCandidates: 0, installed: [], interrupted: false };
  let starts = 0;
  let candidate = 0;
  const session: DiscoverSession = {
    unit: script.unit ?? FAKE_UNIT,
    get starts() {
      return starts;
    },
    async tracedRun(sandbox, onEvent: (event: StraceEvent) => void) {
      starts++;
      log.tracedUnder.push(sandbox?.dropin);
      const step = script.traced.shift();
      if (step === undefined) throw new Error('an unscripted traced run');
      const parser = createTraceParser({ source: 'fake journal', onEvent });
      for (const line of step.lines) parser.line(line);
      parser.end();
      return {
        ok: step.ok,
        syscalls: step.lines.length,
        ...(step.diagnosis ? { diagnosis: step.diagnosis } : {}),
        ...(step.probeFailure ? { probeFailure: step.probeFailure } : {}),
        ...(step.asFound ? { asFound: step.asFound } : {}),
      };
    },
    async execClosures() {
      return [];
    },
    async tryCandidate(dropin: string, _profile: Profile) {
      starts++;
      log.candidates.push(dropin);
      if (script.interruptAtCandidate === candidate++) log.interrupted = true;
      const outcome = script.candidates.shift();
      if (outcome === undefined) throw new Error('an unscripted candidate start');
      return outcome;
    },
    async stopFailed() {
      log.stops++;
    },
    async removeCandidate() {
      log.removedCandidates++;
    },
    async install(target: string, text: string) {
      log.installed.push({ target, text });
      return script.installVerifies ?? true;
    },
    async audit() {
      if (script.auditError) throw script.auditError;
      return auditReport(script.violations ?? []);
    },
    async identity() {
      return { names: ['app'], declared: [] };
    },
  };
  return { session, log };
}

export const acceptDefaults: Reviewer = {
  review: async (items) => new Map(items.map((item) => [item.path, item.defaultAnswer])),
  confirmInstall: async () => true,
};

/** A loop context that records what the loop said; its checkpoint throws once the session was interrupted. */
export function fakeContext(log: { interrupted: boolean }, overrides: Partial<LoopContext> = {}): LoopContext & { said: string[] } {
  const said: string[] = [];
  return {
    options: FAKE_OPTIONS,
    fs: FAKE_FS,
    reviewer: acceptDefaults,
    log: (message) => void said.push(message),
    checkpoint: () => {
      if (log.interrupted) throw new Error('interrupted');
    },
    writeOutput: async () => undefined,
    notes: [],
    said,
    ...overrides,
  };
}
