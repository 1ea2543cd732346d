/**
 * The contract between discover's loop and the world: the options it runs with, the session that
 * touches the unit's systemd (src/systemd/discover-session.ts, or a fake in tests), the reviewer who
 * answers its questions, and what one start tells it. Both the driver (discover-loop.ts) and its steps
 * (discover-steps.ts) speak these types, so they live apart from both.
 */
import type { StraceEvent } from '../../parsers/events.js';
import type { Diagnosis } from '../checks/diagnose.js';
import type { ExecClosure } from '../profile/elf.js';
import type { FsView } from '../core/fsview.js';
import type { Access, ByteString, Profile } from '../core/model.js';
import type { Answer, ReviewItem } from '../profile/review.js';
import type { UnitInfo } from '../unit-file/unitfile.js';
import type { UnitName } from '../unit-file/unit-name.js';
import type { AuditReport } from '../checks/audit.js';
import type { AuditAsker } from './audit-gate.js';
import type { ServiceIdentity } from '../profile/ownership.js';
import type { EarlierObservation } from '../checks/earlier.js';
import type { LogrotateRule } from '../profile/shared-log.js';

export interface DiscoverOptions {
  unit: UnitName;
  /** Shell command that must succeed while the service runs (run with /bin/sh -c in systemd's view). */
  probe?: string;
  /** Seconds to keep tracing after the start, while the admin uses the service. */
  exercise: number;
  maxStarts: number;
  dryRun: boolean;
  /** Write the drop-in here instead of installing it. */
  output?: string;
  baseline: boolean;
  include: string[];
  exclude: string[];
  /** How long a started service must stay up to count as working. */
  settleMs: number;
  startTimeoutMs: number;
  /** How long the probe is tried again after a start before it counts as failed (default 10 s). */
  probeTimeoutMs?: number;
  /** Name of the installed drop-in under /etc/systemd/system/UNIT.d/. */
  dropInName: string;
  /** Install even when the audit of the running candidate finds violations. */
  acceptAudit?: boolean;
}

export interface Reviewer extends AuditAsker {
  /** Answers for the items (all of them; the default where the admin just pressed Enter). */
  review(items: ReviewItem[]): Promise<Map<ByteString, Answer>>;
  /** Final go-ahead before anything is written to /etc. */
  confirmInstall(path: string, dropin: string): Promise<boolean>;
}

export interface Attempt {
  start: number;
  traced: boolean;
  sandboxed: boolean;
  ok: boolean;
  diagnosis?: Diagnosis;
  /** How long the probe took to pass (or was tried) after this start. */
  probe?: ProbeTiming;
}

/** The probe after a start: tried again until it passed or the probe timeout ended. */
export interface ProbeTiming {
  passed: boolean;
  seconds: number;
  tries: number;
}

export interface TracedOutcome {
  ok: boolean;
  /** Syscall lines read back from the journal: 0 means strace's output never reached it. */
  syscalls: number;
  diagnosis?: Diagnosis;
  probeFailure?: string;
  /** The audit of the service as it was found, taken while the unsandboxed run was up. */
  asFound?: AuditReport;
}

export interface CandidateOutcome {
  /** It started, stayed up and passed the probe. */
  started: boolean;
  /** …and reloaded as well: the candidate is the answer. */
  working: boolean;
  /** Why it did not work, when it did not. */
  diagnosis?: Diagnosis;
  probeFailure?: string;
  /** It started and answered, but `systemctl reload` under it failed (it reloads as found). */
  reloadFailure?: string;
  /** It started, but not on the empty root: a setting of the unit defeats the lockdown. */
  lockdown?: string;
  probe?: ProbeTiming;
}

/** Everything the loop does to the unit and its systemd. Each start it makes is counted in `starts`. */
export interface DiscoverSession {
  readonly unit: UnitInfo;
  readonly starts: number;
  /** One run under strace, with the unit's own configuration or under a candidate sandbox. */
  tracedRun(
    sandbox: { dropin: string; profile: Profile } | undefined,
    onEvent: (event: StraceEvent) => void,
  ): Promise<TracedOutcome>;
  /**
   * The files programs need to start, read from the binaries (the kernel loads a `#!` interpreter and
   * an ELF's PT_INTERP without a traced open): of every Exec*= program, and of every program in
   * `executed` (paths the trace saw executed successfully, by any process).
   */
  execClosures(executed: string[]): Promise<{ program: string; closure: ExecClosure }[]>;
  /** One untraced start under the candidate, diagnosed when it fails (against `accesses` seen so far). */
  tryCandidate(dropin: string, profile: Profile, accesses: Access[]): Promise<CandidateOutcome>;
  /** After a failed candidate: stopped, and its failed state reset. */
  stopFailed(): Promise<void>;
  removeCandidate(): Promise<void>;
  /** Installs the drop-in, then verifies the running service uses it; rolled back when it does not. */
  install(target: string, text: string): Promise<boolean>;
  /**
   * What the service, running now under the working candidate, can see and change; `granted`: secrets
   * the admin granted (--include), listed as granted rather than as violations.
   */
  audit(granted?: { path: string; by: string }[]): Promise<AuditReport>;
  /**
   * Its names, declared writable places, User='s uid and the accounts its processes ran as, to tell its
   * own places from the host's. Asked after the observed start, which shows those accounts.
   */
  identity(): Promise<ServiceIdentity>;
}

export interface LoopContext {
  options: DiscoverOptions;
  /** The host filesystem as systemd sees it, for the fold. */
  fs: FsView;
  reviewer: Reviewer;
  log(message: string): void;
  /** Throws when the run was interrupted. */
  checkpoint(): void;
  /** Writes --output on the machine bindscout runs on. */
  writeOutput(path: string, text: string): Promise<void>;
  /** Notes for the report; the session adds its own. */
  notes: string[];
  /** What an earlier discover of the unit observed and installed: folded in, its grants kept. */
  earlier?: EarlierObservation;
  /** The host's logrotate rules: a log written directly in /var/log is bound alone when rotation survives it. */
  logRules?: LogrotateRule[];
}
