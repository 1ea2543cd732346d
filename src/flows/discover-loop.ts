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
import { failureAccount } from '../checks/failure-account.js';
import type { Access, Profile } from '../core/model.js';
import { exposureOf, type AuditReport, type Exposure } from '../checks/audit.js';
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

export type { Attempt, CandidateOutcome, DiscoverOptions, DiscoverSession, LoopContext, ProbeTiming, Reviewer, TracedOutcome } from './discover-port.js';
import type { Attempt, DiscoverOptions, DiscoverSession, LoopContext, Reviewer } from './discover-port.js';

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
