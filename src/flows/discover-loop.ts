/**
 * discover's loop, from a unit that works to a verified TemporaryFileSystem=/:ro profile:
 *
 *   observe   one traced start with the unit's own configuration (+ probe, exercise, reload, stop)
 *   propose   fold the accesses into a candidate; the admin reviews every exposed path
 *   attempt   start untraced under the candidate, which must stay up, pass the probe and reload
 *   diagnose  after a failure: bind what the diagnosis names, or trace under the sandbox and refold
 *   install   audit the running candidate (one that fails is installed only on a yes), then
 *             /etc/systemd/system/UNIT.d/bindscout.conf (or --output / --dry-run)
 *
 * The steps live in discover-steps.ts, each over the explicit LoopState; this driver only decides
 * which comes next.
 *
 * It touches systemd only through a DiscoverSession (src/systemd/discover-session.ts on a real systemd, a
 * fake in tests), so every path through it can be tested without one.
 */
import type { StraceEvent } from '../../parsers/events.js';
import type { Diagnosis } from '../checks/diagnose.js';
import type { ExecClosure } from '../profile/elf.js';
import { failureAccount } from '../checks/failure-account.js';
import type { FsView } from '../core/fsview.js';
import type { Access, ByteString, Profile } from '../core/model.js';
import type { Answer, ReviewItem } from '../profile/review.js';
import type { UnitInfo } from '../unit-file/unitfile.js';
import type { UnitName } from '../unit-file/unit-name.js';
import { exposureOf, type AuditReport, type Exposure } from '../checks/audit.js';
import type { AuditAsker } from './audit-gate.js';
import type { ServiceIdentity } from '../profile/ownership.js';
import type { EarlierObservation } from '../checks/earlier.js';
import type { LogrotateRule } from '../profile/shared-log.js';
import { UNWRITTEN_OWN } from '../profile/ownership.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import {
  attempt,
  diagnose,
  initialState,
  install,
  observe,
  propose,
  refusedPaths,
  repeated,
  writesRefused,
  type Candidate,
  type InstallResult,
  type LoopEnd,
  type Stuck,
} from './discover-steps.js';

export { INSTALL_DIR, type Stuck } from './discover-steps.js';

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

export interface LoopOutcome {
  working: boolean;
  installed: string | null;
  dropin: string;
  profile?: Profile;
  attempts: Attempt[];
  accesses: Access[];
  /** Sensitive paths left out (needing consent) and paths the admin denied. */
  refused: string[];
  /** What is still failing, or why a working candidate was refused by the audit. */
  failure?: string;
  /** The loop stopped early: the same failure again and nothing new to grant. */
  stuck?: Stuck;
  /** The audit of the service running under the working candidate; null when there was none. */
  audit: AuditReport | null;
  /** The same audit's numbers on the unit as found and under the candidate: what the lockdown took away. */
  exposure: { before: Exposure | null; after: Exposure | null };
  /** The candidate works, but failed the audit and was not installed. */
  refusedByAudit: boolean;
  /** Writes to places that are not the service's own, not granted, with the Exec*= line that makes them. */
  writesRefused: { path: string; reason: string }[];
}

export async function findAndInstallProfile(session: DiscoverSession, ctx: LoopContext): Promise<LoopOutcome> {
  const { options } = ctx;
  const state = initialState(session);
  await observe(session, ctx, state);

  let candidate: Candidate | undefined;
  let end: LoopEnd | undefined;
  let working = false;
  while (session.starts < options.maxStarts) {
    ctx.checkpoint();
    candidate = await propose(ctx, state);
    if (state.tried.has(candidate.dropin)) {
      end = repeated(ctx, state, candidate);
      break;
    }
    const tried = await attempt(session, ctx, state, candidate);
    if (tried.kind === 'working') {
      working = true;
      break;
    }
    if (tried.kind === 'end') {
      end = tried;
      break;
    }
    const next = await diagnose(session, ctx, state, candidate, tried.diagnosis);
    if (next.kind === 'end') {
      end = next;
      break;
    }
  }
  if (!working && end === undefined) {
    const refused = { refused: refusedPaths(state, candidate?.profile), refusedWrites: writesRefused(state, candidate?.profile).map((w) => w.path) };
    const last = failureAccount(state.attempts.at(-1)?.diagnosis, refused, 'see above');
    end = { kind: 'end', failure: `still failing after ${session.starts} starts (--max-starts ${options.maxStarts}): ${last}` };
  }

  // A profile must survive the traffic the probe did not send: say where it grants on the rules alone.
  const unexercised = (candidate?.profile.entries ?? [])
    .filter((e) => e.directive === 'BindPaths' && e.reason.includes(UNWRITTEN_OWN))
    .map((e) => bytesToDisplay(e.value));
  if (working && unexercised.length > 0) {
    ctx.notes.push(
      `not exercised by the observed run or the probe: writes into ${unexercised.join(', ')} (granted as the service's own); ` +
        'what else the probe did not send (large requests, other protocols, rare code paths) may still meet the read-only root: probe it with --probe or --exercise',
    );
  }

  const installed: InstallResult =
    working && candidate !== undefined
      ? await install(session, ctx, state, candidate)
      : { installed: null, working: false, audit: null, refusedByAudit: false };
  const failure = end?.failure ?? installed.failure;
  return {
    working: installed.working,
    installed: installed.installed,
    dropin: candidate?.dropin ?? '',
    ...(candidate ? { profile: candidate.profile } : {}),
    attempts: state.attempts,
    accesses: state.collector.result().accesses,
    refused: refusedPaths(state, candidate?.profile),
    ...(failure !== undefined ? { failure } : {}),
    ...(end?.stuck ? { stuck: end.stuck } : {}),
    audit: installed.audit,
    exposure: {
      before: state.asFound ? exposureOf(state.asFound) : null,
      after: installed.audit ? exposureOf(installed.audit) : null,
    },
    refusedByAudit: installed.refusedByAudit,
    writesRefused: writesRefused(state, candidate?.profile),
  };
}
