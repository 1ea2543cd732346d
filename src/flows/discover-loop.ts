/**
 * discover's loop, from a unit that works to a verified TemporaryFileSystem=/:ro profile:
 *
 *   observe   one traced start with the unit's own configuration (+ probe, exercise, reload, stop)
 *   propose   fold the accesses into a profile; the admin reviews every exposed path
 *   enforce   start untraced under the candidate; on failure diagnose, trace under the sandbox, refold
 *   verify    the candidate that works starts, stays up, passes the probe, reloads
 *   audit     what the running candidate can see and change; one that fails is installed only on a yes
 *   install   /etc/systemd/system/UNIT.d/bindscout.conf (or --output / --dry-run)
 *
 * It touches systemd only through a DiscoverSession (src/systemd/discover-session.ts on a real systemd, a
 * fake in tests), so every path through it can be tested without one.
 */
import type { StraceEvent } from '../../parsers/events.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import { AccessCollector } from '../core/trace/accesses.js';
import type { Diagnosis } from '../core/checks/diagnose.js';
import type { ExecClosure } from '../core/profile/elf.js';
import { failureAccount } from '../core/checks/failure-account.js';
import { foldProfile } from '../core/profile/fold.js';
import type { FsView } from '../core/fsview.js';
import type { Access, ByteString, Profile, ProfileEntry } from '../core/model.js';
import { renderDropIn } from '../core/profile/render.js';
import {
  applyDecisions,
  deniedPaths,
  forgetIgnored,
  pendingReview,
  type Answer,
  type Decisions,
  type ReviewItem,
} from '../core/profile/review.js';
import { effectiveDefault, withWitnesses } from '../core/profile/review-groups.js';
import { lostTraceError } from '../core/unit-file/trace-output.js';
import { TraceWitness } from '../core/trace/trace-witness.js';
import type { UnitInfo } from '../core/unit-file/unitfile.js';
import type { UnitName } from '../core/unit-file/unit-name.js';
import { keepUnitHardening, providedByUnit, serviceNamesOf } from '../core/profile/unit-sandbox.js';
import { CannotProceed } from '../errors.js';
import type { AuditReport } from '../core/checks/audit.js';
import { auditBeforeInstall, type AuditAsker } from './audit-gate.js';
import { describeWriterLine, outsideNamespacePrograms } from '../core/trace/exec-origin.js';
import { ownerFacts, ownReason, UNWRITTEN_OWN, type ServiceIdentity } from '../core/profile/ownership.js';
import type { LogrotateRule } from '../core/profile/shared-log.js';
import { privateRunName } from '../core/profile/shared-run.js';
import { tmpfilesPath } from '../core/profile/shared-run.js';
import { accessesStillThere, earlierSource, grantsToKeep, type EarlierObservation } from '../core/checks/earlier.js';

export const INSTALL_DIR = '/etc/systemd/system';

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
}

export interface TracedOutcome {
  ok: boolean;
  /** Syscall lines read back from the journal: 0 means strace's output never reached it. */
  syscalls: number;
  diagnosis?: Diagnosis;
  probeFailure?: string;
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
  /** The audit of the service running under the working candidate; null when there was none. */
  audit: AuditReport | null;
  /** The candidate works, but failed the audit and was not installed. */
  refusedByAudit: boolean;
  /** Writes to places that are not the service's own, not granted, with the Exec*= line that makes them. */
  writesRefused: { path: string; reason: string }[];
}

export async function findAndInstallProfile(session: DiscoverSession, ctx: LoopContext): Promise<LoopOutcome> {
  const { options, log, checkpoint } = ctx;
  const unit = session.unit;
  const name = unit.Id;
  const attempts: Attempt[] = [];
  const collector = new AccessCollector();
  // `+` lines run outside the namespace: what they touch needs no bind.
  const outside = outsideNamespacePrograms(unit.exec);
  if (outside.size > 0) collector.ignoreOrigin = (program) => outside.has(program);
  let identity: ServiceIdentity = { names: [], declared: [] };
  // Who touched each path, so that the review names a process and a syscall rather than a journal line.
  const witness = new TraceWitness();
  const decisions: Decisions = new Map();
  const onEvent = (event: StraceEvent) => (collector.add(event), witness.add(event));
  let dropin = '';
  let profile: Profile | undefined;
  let working = false;
  let failure: string | undefined;
  let installed: string | null = null;

  const refusedPaths = (): string[] => {
    const paths = new Set([...(profile?.needsConsent ?? []).map((n) => n.path), ...deniedPaths(decisions)]);
    return [...paths].sort().map(bytesToDisplay);
  };
  const refusedHint = (): string => {
    const refused = refusedPaths();
    if (refused.length === 0) return '';
    const globs = refused.map((p) => `--include '${p.replace(/'/g, "'\\''")}'`).join(' ');
    return `; refused: ${refused.join(', ')}; if the service really needs them, run again with ${globs} or answer "read-only" when asked`;
  };

  // Observe --------------------------------------------------------------------------------------
  checkpoint();
  const reloads = unit.exec.some((e) => e.kind === 'ExecReload');
  log(
    `observing ${name}: one traced start with its own configuration` +
      `${options.probe ? ', the probe' : ''}${reloads ? ', a reload' : ''} and a stop`,
  );
  const observed = await session.tracedRun(undefined, onEvent);
  attempts.push({
    start: session.starts,
    traced: true,
    sandboxed: false,
    ok: observed.ok,
    ...(observed.diagnosis ? { diagnosis: observed.diagnosis } : {}),
  });
  if (!observed.ok) {
    const why = observed.probeFailure ?? failureAccount(observed.diagnosis, { refused: [] }, 'start failed');
    throw new CannotProceed(
      `${name} does not work even without a sandbox: ${why}`,
      observed.probeFailure
        ? 'check the --probe command by hand while the service runs'
        : 'fix the unit first (systemctl status, journalctl -u), then run discover again',
    );
  }
  if (observed.syscalls === 0) {
    // A candidate built from nothing can only fail.
    const lost = lostTraceError(unit);
    throw new CannotProceed(lost.message, lost.hint);
  }
  identity = await session.identity();
  const executed = collector
    .result()
    .accesses.filter((a) => a.ok && a.ops.has('exec'))
    .map((a) => Buffer.from(a.path, 'latin1').toString('utf8'));
  for (const { program, closure } of await session.execClosures(executed)) {
    for (const item of closure.items) {
      const executed = item.role === 'binary' || item.role === 'script-interpreter' || item.role === 'elf-interpreter';
      const path = Buffer.from(item.path, 'utf8').toString('latin1');
      collector.addKnown(path, executed ? ['exec'] : ['read'], `ELF facts of ${program}`);
    }
  }

  // After this run's own accesses, so a path seen again keeps this run as its source.
  if (ctx.earlier) for (const { path, ops } of accessesStillThere(ctx.earlier, ctx.fs)) collector.addKnown(path, ops, earlierSource(ctx.earlier));

  // Propose, enforce, verify ---------------------------------------------------------------------
  const earlierGrants = ctx.earlier ? grantsToKeep(ctx.earlier, ctx.fs, ownsFix) : { keep: [], reconsidered: [] };
  const forced: ProfileEntry[] = earlierGrants.keep;
  for (const grant of earlierGrants.reconsidered) {
    log(`earlier writable grant of ${bytesToDisplay(grant.value)} is not the service's own: not kept, the write goes through the review again`);
    // Seen written, so the fold judges it as a write (refused, or asked about) rather than forgetting it.
    collector.addKnown(grant.value, ['write'], earlierSource(ctx.earlier!));
  }
  const tried = new Set<string>();
  while (session.starts < options.maxStarts) {
    checkpoint();
    profile = await propose(forced);
    dropin = renderDropIn(profile, { header: header(name) });
    if (tried.has(dropin)) {
      // Everything seen so far is folded in and the candidate is one that already failed.
      const last = failureAccount(attempts.at(-1)?.diagnosis, { refused: refusedPaths() }, 'the candidate fails');
      failure = `${last} (nothing new to grant${refusedHint()})`;
      break;
    }
    tried.add(dropin);
    log(`starting ${name} under the candidate sandbox (start ${session.starts + 1} of at most ${options.maxStarts})`);
    const outcome = await session.tryCandidate(dropin, profile, collector.result().accesses);
    const attempt: Attempt = { start: session.starts, traced: false, sandboxed: true, ok: outcome.started };
    attempts.push(attempt);
    if (outcome.working) {
      working = true;
      break;
    }
    const diagnosis = outcome.diagnosis!;
    if (outcome.probeFailure !== undefined && diagnosis.fixes.length === 0) {
      diagnosis.summary = `${name} runs, but ${outcome.probeFailure}`;
    }
    if (outcome.lockdown !== undefined) {
      failure = outcome.lockdown;
      attempt.diagnosis = { ...diagnosis, summary: outcome.lockdown, fixes: [] };
      log(outcome.lockdown);
      break;
    }
    attempt.diagnosis = diagnosis;
    log(`${name} failed under the candidate: ${diagnosis.summary}`);
    for (const line of diagnosis.details) log(`  ${line}`);
    await session.stopFailed();
    const denied = new Set(deniedPaths(decisions));
    const newFixes = diagnosis.fixes.filter(
      (f) =>
        (f.directive === 'BindReadOnlyPaths' || f.directive === 'BindPaths') &&
        !f.remove &&
        !denied.has(f.path) &&
        !forced.some((e) => e.value === f.path && e.directive === f.directive) &&
        (f.directive !== 'BindPaths' || ownsFix(f.path)),
    );
    if (newFixes.length > 0) {
      for (const fix of newFixes) {
        forced.push({
          directive: fix.directive as ProfileEntry['directive'],
          value: fix.path,
          reason: fix.reason,
          ...(fix.optional ? { optional: true } : {}),
        });
      }
      forgetIgnored(
        decisions,
        newFixes.map((f) => f.path),
      );
      continue;
    }
    if (session.starts >= options.maxStarts) break;
    // The diagnosis could not name the missing paths: see them fail under the sandbox itself.
    await session.removeCandidate();
    log(`tracing ${name} under the candidate sandbox to see which paths it misses`);
    const seen = (a: Access) => `${a.path}\0${[...a.errors].join(',')}\0${[...a.ops].join(',')}`;
    const before = new Set(collector.result().accesses.map(seen));
    const traced = await session.tracedRun({ dropin, profile }, onEvent);
    if (traced.syscalls === 0) ctx.notes.push(`a traced start of ${name} produced no strace lines in the journal`);
    attempts.push({ start: session.starts, traced: true, sandboxed: true, ok: traced.ok });
    const changed = collector.result().accesses.some((a) => !before.has(seen(a)));
    forgetIgnored(
      decisions,
      collector
        .result()
        .accesses.filter((a) => a.errors.size > 0)
        .map((a) => a.path),
    );
    if (!changed && !traced.ok) {
      const account = failureAccount(diagnosis, { refused: refusedPaths() });
      failure = `${account} (a traced start under the sandbox showed no new path to grant${refusedHint()})`;
      break;
    }
  }
  if (!working && failure === undefined) {
    const last = failureAccount(attempts.at(-1)?.diagnosis, { refused: refusedPaths() }, 'see above');
    failure = `still failing after ${session.starts} starts (--max-starts ${options.maxStarts}): ${last}`;
  }

  // A profile must survive the traffic the probe did not send: say where it grants on the rules alone.
  const unexercised = (profile?.entries ?? []).filter((e) => e.directive === 'BindPaths' && e.reason.includes(UNWRITTEN_OWN)).map((e) => bytesToDisplay(e.value));
  if (working && unexercised.length > 0) {
    ctx.notes.push(
      `not exercised by the observed run or the probe: writes into ${unexercised.join(', ')} (granted as the service's own); ` +
        'what else the probe did not send (large requests, other protocols, rare code paths) may still meet the read-only root: probe it with --probe or --exercise',
    );
  }

  // Audit, then install --------------------------------------------------------------------------
  let audit: AuditReport | null = null;
  let refusedByAudit = false;
  if (working && profile !== undefined) {
    const installing = !options.dryRun && options.output === undefined;
    const gateOptions = { installing, acceptAudit: options.acceptAudit === true };
    const granted = (profile.granted ?? []).map((g) => ({ path: bytesToDisplay(g.path), by: `--include ${g.glob}` }));
    const gate = await auditBeforeInstall(name, () => session.audit(granted), gateOptions, ctx.reviewer, log);
    audit = gate.audit;
    if (gate.note) ctx.notes.push(gate.note);
    checkpoint();
    if (gate.refusal === undefined) installed = await install(dropin);
    else [failure, refusedByAudit] = [gate.refusal, true];
  }
  return {
    working,
    installed,
    dropin,
    ...(profile ? { profile } : {}),
    attempts,
    accesses: collector.result().accesses,
    refused: refusedPaths(),
    ...(failure !== undefined ? { failure } : {}),
    audit,
    refusedByAudit,
    writesRefused: [
      ...(profile?.needsConsent ?? []).filter((n) => n.systemWrite).map((n) => ({ path: bytesToDisplay(n.path), reason: n.reason })),
      ...earlierGrants.reconsidered
        .filter((g) => !(profile?.entries ?? []).some((e) => e.directive === 'BindPaths' && e.value === g.value))
        .filter((g) => !(profile?.needsConsent ?? []).some((n) => n.systemWrite && n.path === g.value))
        .map((g) => ({ path: bytesToDisplay(g.value), reason: `${g.reason}, not the service's own: no longer writable` })),
    ],
  };

  async function propose(forcedEntries: ProfileEntry[]): Promise<Profile> {
    const folded = foldProfile(
      collector.result().accesses,
      {
        baseline: options.baseline,
        include: options.include,
        exclude: [...options.exclude, ...deniedPaths(decisions).map(globLiteral)],
        serviceNames: serviceNamesOf(unit),
        provided: providedByUnit(unit),
        directoriesAsBinds: true,
        identity,
        ...(ctx.logRules !== undefined ? { logRules: ctx.logRules } : {}),
        privateRun: {
          name: privateRunName(name),
          ...(unit.PIDFile ? { pidFile: Buffer.from(unit.PIDFile, 'utf8').toString('latin1') } : {}),
        },
        describeWriter: (access) => describeWriterLine(unit.exec, collector.originProgram(access.writerPid ?? access.firstPid)),
      },
      ctx.fs,
    );
    for (const entry of forcedEntries) {
      const present = folded.entries.some((e) => e.directive === entry.directive && e.value === entry.value);
      if (!present) folded.entries.push(entry);
    }
    // A path bound writable (by the fold, a fix or an earlier grant) is not bound read-only as well.
    const writable = new Set(folded.entries.filter((e) => e.directive === 'BindPaths').map((e) => e.value));
    folded.entries = folded.entries.filter((e) => e.directive !== 'BindReadOnlyPaths' || !writable.has(e.value));
    const items = withWitnesses(pendingReview(folded, decisions), witness);
    if (items.length > 0) {
      const answers = await ctx.reviewer.review(items);
      for (const item of items) decisions.set(item.path, answers.get(item.path) ?? effectiveDefault(item));
    }
    const executed = collector
      .result()
      .accesses.filter((a) => a.ops.has('exec') && a.ok)
      .map((a) => a.path);
    return keepUnitHardening(applyDecisions(folded, decisions), unit.sandbox, executed);
  }

  /** A writable bind the diagnosis asks for is forced only where the service owns it. */
  function ownsFix(path: ByteString): boolean {
    const facts = { path, existingFile: ctx.fs.lstat(path) === 'file', ...ownerFacts(ctx.fs, path) };
    return ownReason(facts, identity) !== undefined;
  }

  async function install(text: string): Promise<string | null> {
    if (options.dryRun) {
      log('dry run: nothing installed; the drop-in is in the report');
      return null;
    }
    if (options.output !== undefined) {
      await ctx.writeOutput(options.output, text);
      log(`drop-in written to ${options.output} (not installed)`);
      return null;
    }
    const target = `${INSTALL_DIR}/${name}.d/${options.dropInName}`;
    if (!(await ctx.reviewer.confirmInstall(target, text))) {
      log('not installed: the admin said no');
      return null;
    }
    if (await session.install(target, text)) {
      log(`installed ${target}`);
      return target;
    }
    log(`the installed drop-in did not verify and was rolled back: ${target}`);
    failure = 'the installed drop-in did not verify and was rolled back';
    working = false;
    return null;
  }
}

function header(unit: string): string[] {
  return [
    `Written by bindscout discover for ${unit}.`,
    'Review it like any other drop-in. To undo the lockdown: remove this file (and, when it exists,',
    `${tmpfilesPath(unit)} with the links it lists in /run), systemctl daemon-reload, restart.`,
  ];
}

/** A path as a minimatch glob that matches exactly it (and what is below it, see fold's matching). */
function globLiteral(path: ByteString): string {
  return bytesToDisplay(path).replace(/[*?[\]{}()!+@\\]/g, (c) => `\\${c}`);
}
