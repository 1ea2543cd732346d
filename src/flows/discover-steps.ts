/**
 * The steps of discover's loop, each a function of the loop's explicit state (LoopState) and the
 * session, returning what it decided:
 *
 *   observe   one traced start with the unit's own configuration: the accesses the first candidate is folded from
 *   propose   fold the accesses into a candidate; the admin reviews what is new
 *   attempt   one untraced start under the candidate: working, failed (with a diagnosis), or an end
 *   diagnose  after a failure: the fixes the diagnosis names, or a traced start under the sandbox
 *   install   audit the running candidate, then install it (or --output / --dry-run)
 *
 * The state's accumulators (accesses, witnesses, the admin's decisions, forced grants, attempts) are
 * changed only by the step that owns them, through the state it is handed; the driver in
 * discover-loop.ts decides what comes next from what each step returns.
 */
import type { StraceEvent } from '../../parsers/events.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import { AccessCollector } from '../trace/accesses.js';
import type { Diagnosis } from '../checks/diagnose.js';
import { failureAccount } from '../checks/failure-account.js';
import { foldProfile } from '../profile/fold.js';
import type { FsView } from '../core/fsview.js';
import type { Access, ByteString, Profile, ProfileEntry, ProfileNote } from '../core/model.js';
import { renderDropIn } from '../profile/render.js';
import { applyDecisions, deniedPaths, forgetIgnored, pendingReview, type Decisions } from '../profile/review.js';
import { effectiveDefault, withWitnesses } from '../profile/review-groups.js';
import { lostTraceError } from '../unit-file/trace-output.js';
import { TraceWitness } from '../trace/trace-witness.js';
import type { UnitInfo } from '../unit-file/unitfile.js';
import { broadUnitGrants, keepUnitHardening, providedByUnit, serviceNamesOf } from '../profile/unit-sandbox.js';
import { CannotProceed } from '../errors.js';
import type { AuditReport } from '../checks/audit.js';
import { auditBeforeInstall } from './audit-gate.js';
import { describeWriterLine, outsideNamespacePrograms } from '../trace/exec-origin.js';
import { ownerFacts, ownReason, type ServiceIdentity } from '../profile/ownership.js';
import { privateRunName, tmpfilesPath } from '../profile/shared-run.js';
import { accessesStillThere, earlierSource, grantsToKeep } from '../checks/earlier.js';
import type { Attempt, DiscoverSession, LoopContext } from './discover-port.js';

export const INSTALL_DIR = '/etc/systemd/system';

/** What the loop knows and has decided so far. */
export interface LoopState {
  readonly unit: UnitInfo;
  /** Known once the observed start has shown the accounts its processes run as. */
  identity: ServiceIdentity;
  readonly collector: AccessCollector;
  /** Who touched each path, so that the review names a process and a syscall rather than a journal line. */
  readonly witness: TraceWitness;
  /** The admin's answers, remembered for the rest of the run. */
  readonly decisions: Decisions;
  /** Grants every candidate carries: an earlier profile's, and the fixes diagnoses named. */
  readonly forced: ProfileEntry[];
  /** Writable grants of an earlier profile that are not the service's own: judged again, not kept. */
  readonly reconsidered: ProfileEntry[];
  /** Candidates already started, by their text. */
  readonly tried: Set<string>;
  /** Every path a fold asked consent for, with why: a later fold leaves out what was answered. */
  readonly consentAsked: Map<ByteString, ProfileNote>;
  readonly attempts: Attempt[];
  /** The audit of the unit as it was found (observe's run), for the before/after numbers. */
  asFound?: AuditReport;
}

/** A profile and the drop-in it renders to. */
export interface Candidate {
  profile: Profile;
  dropin: string;
}

/** A step that ends the loop without a working candidate. */
export interface LoopEnd {
  kind: 'end';
  failure: string;
  /** Set when the loop stopped because it could not get further by itself. */
  stuck?: Stuck;
}

/** The loop failed the same way again with nothing new to grant: it stops rather than repeat itself. */
export interface Stuck {
  /** What the starts showed, one line each. */
  evidence: string[];
  /** The one thing that would get further. */
  next: string;
}

export type AttemptResult = { kind: 'working' } | { kind: 'failed'; diagnosis: Diagnosis } | LoopEnd;
export type DiagnoseResult = { kind: 'retry' } | LoopEnd;

export interface InstallResult {
  installed: string | null;
  /** False when the installed drop-in did not verify and was rolled back. */
  working: boolean;
  failure?: string;
  audit: AuditReport | null;
  refusedByAudit: boolean;
}

/** The state before anything ran. */
export function initialState(session: DiscoverSession): LoopState {
  const unit = session.unit;
  const collector = new AccessCollector();
  // `+` lines run outside the namespace: what they touch needs no bind.
  const outside = outsideNamespacePrograms(unit.exec);
  if (outside.size > 0) collector.ignoreOrigin = (program) => outside.has(program);
  return {
    unit,
    identity: { names: [], declared: [] },
    collector,
    witness: new TraceWitness(),
    decisions: new Map(),
    forced: [],
    reconsidered: [],
    consentAsked: new Map(),
    tried: new Set(),
    attempts: [],
  };
}

/** The events of a traced run go into the state's accesses and witnesses. */
function recorder(state: LoopState): (event: StraceEvent) => void {
  return (event) => (state.collector.add(event), state.witness.add(event));
}

/**
 * Observe: one traced start with the unit's own configuration. Throws when that start fails or
 * leaves no trace: no candidate can be made from it.
 */
export async function observe(session: DiscoverSession, ctx: LoopContext, state: LoopState): Promise<void> {
  const { options, log } = ctx;
  const { unit, collector } = state;
  const name = unit.Id;
  ctx.checkpoint();
  const reloads = unit.exec.some((e) => e.kind === 'ExecReload');
  log(
    `observing ${name}: one traced start with its own configuration` +
      `${options.probe ? ', the probe' : ''}${reloads ? ', a reload' : ''} and a stop`,
  );
  const observed = await session.tracedRun(undefined, recorder(state));
  if (observed.asFound) state.asFound = observed.asFound;
  state.attempts.push({
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
  state.identity = await session.identity();
  const executedPaths = collector
    .result()
    .accesses.filter((a) => a.ok && a.ops.has('exec'))
    .map((a) => Buffer.from(a.path, 'latin1').toString('utf8'));
  for (const { program, closure } of await session.execClosures(executedPaths)) {
    for (const item of closure.items) {
      const executed = item.role === 'binary' || item.role === 'script-interpreter' || item.role === 'elf-interpreter';
      const path = Buffer.from(item.path, 'utf8').toString('latin1');
      collector.addKnown(path, executed ? ['exec'] : ['read'], `ELF facts of ${program}`);
    }
  }
  // After this run's own accesses, so a path seen again keeps this run as its source.
  if (ctx.earlier) for (const { path, ops } of accessesStillThere(ctx.earlier, ctx.fs)) collector.addKnown(path, ops, earlierSource(ctx.earlier));
  // An earlier profile's grants, sorted into kept and judged again by the identity just learned.
  if (ctx.earlier) {
    const earlierGrants = grantsToKeep(ctx.earlier, ctx.fs, (path) => ownsPath(ctx.fs, state.identity, path));
    state.forced.push(...earlierGrants.keep);
    state.reconsidered.push(...earlierGrants.reconsidered);
  }
  for (const grant of state.reconsidered) {
    log(`earlier writable grant of ${bytesToDisplay(grant.value)} is not the service's own: not kept, the write goes through the review again`);
    // Seen written, so the fold judges it as a write (refused, or asked about) rather than forgetting it.
    collector.addKnown(grant.value, ['write'], earlierSource(ctx.earlier!));
  }
}

/** Propose: the accesses so far folded into a candidate, with the forced grants, after the review. */
export async function propose(ctx: LoopContext, state: LoopState): Promise<Candidate> {
  const { options } = ctx;
  const { unit, collector, decisions } = state;
  const folded = foldProfile(
    collector.result().accesses,
    {
      baseline: options.baseline,
      include: options.include,
      exclude: [...options.exclude, ...deniedPaths(decisions).map(globLiteral)],
      serviceNames: serviceNamesOf(unit),
      provided: providedByUnit(unit),
      directoriesAsBinds: true,
      identity: state.identity,
      ...(ctx.logRules !== undefined ? { logRules: ctx.logRules } : {}),
      privateRun: {
        name: privateRunName(unit.Id),
        ...(unit.PIDFile ? { pidFile: Buffer.from(unit.PIDFile, 'utf8').toString('latin1') } : {}),
      },
      describeWriter: (access) => describeWriterLine(unit.exec, collector.originProgram(access.writerPid ?? access.firstPid)),
    },
    ctx.fs,
  );
  for (const entry of state.forced) {
    const present = folded.entries.some((e) => e.directive === entry.directive && e.value === entry.value);
    if (!present) folded.entries.push(entry);
  }
  // A path bound writable (by the fold, a fix or an earlier grant) is not bound read-only as well.
  const writable = new Set(folded.entries.filter((e) => e.directive === 'BindPaths').map((e) => e.value));
  folded.entries = folded.entries.filter((e) => e.directive !== 'BindReadOnlyPaths' || !writable.has(e.value));
  // A broad writable grant of the unit's own is asked about, never bound whole unasked.
  const broad = broadUnitGrants(unit.sandbox).filter((n) => !folded.needsConsent.some((c) => c.path === n.path));
  folded.needsConsent.push(...broad);
  for (const note of folded.needsConsent) state.consentAsked.set(note.path, note);
  const items = withWitnesses(pendingReview(folded, decisions), state.witness);
  if (items.length > 0) {
    const answers = await ctx.reviewer.review(items);
    for (const item of items) {
      const answer = answers.get(item.path) ?? effectiveDefault(item);
      // Denying a shared place would exclude everything below it, the service's own directories too: not granting it is enough.
      const shared = broad.some((n) => n.path === item.path) && answer.kind === 'deny';
      decisions.set(item.path, shared ? { kind: 'ignore' } : answer);
    }
  }
  const executed = collector
    .result()
    .accesses.filter((a) => a.ops.has('exec') && a.ok)
    .map((a) => a.path);
  const profile = keepUnitHardening(applyDecisions(folded, decisions), unit.sandbox, executed);
  return { profile, dropin: renderDropIn(profile, { header: header(unit.Id) }) };
}

/** Attempt: one untraced start under the candidate. */
export async function attempt(session: DiscoverSession, ctx: LoopContext, state: LoopState, candidate: Candidate): Promise<AttemptResult> {
  const { options, log } = ctx;
  const name = state.unit.Id;
  state.tried.add(candidate.dropin);
  log(`starting ${name} under the candidate sandbox (start ${session.starts + 1} of at most ${options.maxStarts})`);
  const outcome = await session.tryCandidate(candidate.dropin, candidate.profile, state.collector.result().accesses);
  // A start that ran but failed its probe or its reload is a failed attempt: the loop compares
  // failures to stop when one repeats.
  const record: Attempt = { start: session.starts, traced: false, sandboxed: true, ok: outcome.working, ...(outcome.probe ? { probe: outcome.probe } : {}) };
  state.attempts.push(record);
  if (outcome.working) return { kind: 'working' };
  const diagnosis = outcome.diagnosis!;
  const runsBut = outcome.probeFailure ?? outcome.reloadFailure;
  if (runsBut !== undefined && diagnosis.fixes.length === 0) {
    diagnosis.summary = `${name} runs, but ${runsBut}`;
  }
  if (outcome.lockdown !== undefined) {
    record.diagnosis = { ...diagnosis, summary: outcome.lockdown, fixes: [] };
    log(outcome.lockdown);
    // No grant can bring the empty root back: only the setting that mounts over it.
    const next = state.unit.DynamicUser
      ? `DynamicUser=yes forces ProtectSystem=strict, which no drop-in can undo: give ${name} a User= of its own and DynamicUser=no, then run discover again`
      : `reset the setting of ${name} that mounts on / (systemctl cat ${name}: RootDirectory=, RootImage=, a bind onto /), then run discover again`;
    return { kind: 'end', failure: outcome.lockdown, stuck: { evidence: [`start ${record.start}: ${outcome.lockdown}`], next } };
  }
  record.diagnosis = diagnosis;
  log(`${name} failed under the candidate: ${diagnosis.summary}`);
  for (const line of diagnosis.details) log(`  ${line}`);
  await session.stopFailed();
  return { kind: 'failed', diagnosis };
}

/**
 * Diagnose: after a failed candidate, the binds the diagnosis names become forced grants; when it names
 * none, a traced start under the sandbox shows which paths fail inside it.
 */
export async function diagnose(
  session: DiscoverSession,
  ctx: LoopContext,
  state: LoopState,
  candidate: Candidate,
  diagnosis: Diagnosis,
): Promise<DiagnoseResult> {
  const { options, log } = ctx;
  const { collector, decisions, forced } = state;
  const name = state.unit.Id;
  const denied = new Set(deniedPaths(decisions));
  const newFixes = diagnosis.fixes.filter(
    (f) =>
      (f.directive === 'BindReadOnlyPaths' || f.directive === 'BindPaths') &&
      !f.remove &&
      !denied.has(f.path) &&
      !forced.some((e) => e.value === f.path && e.directive === f.directive) &&
      (f.directive !== 'BindPaths' || ownsPath(ctx.fs, state.identity, f.path)),
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
    return { kind: 'retry' };
  }
  // Every path the failure names was refused by the fold or the admin (a secret, a write that is not
  // its own): a traced start would only show the same refusal again, so the admin's decision is the one
  // way on. A path the trace never showed (a link an init script makes only when it is missing) is not:
  // the traced start shows how the service makes it, and the fold may have a way for that.
  const refusedByFold = new Set([...refusedPaths(state, candidate.profile), ...writesRefused(state, candidate.profile).map((w) => w.path)]);
  const refusedCause = diagnosis.fixes.filter((f) => !f.remove && (denied.has(f.path) || refusedByFold.has(bytesToDisplay(f.path))));
  if (diagnosis.fixes.length > 0 && refusedCause.length === diagnosis.fixes.length) {
    const paths = [...new Set(refusedCause.map((f) => f.path))].join(', ');
    return stuckEnd(ctx, state, candidate, diagnosis, `the paths it fails on (${paths}) were refused, and another start cannot grant them`);
  }
  const before = previousFailure(state);
  if (before !== undefined && sameFailure(before.diagnosis, diagnosis)) {
    return stuckEnd(ctx, state, candidate, diagnosis, 'it failed the same way twice and the diagnosis names nothing new to grant');
  }
  if (session.starts >= options.maxStarts) return { kind: 'retry' };
  // The diagnosis could not name the missing paths: see them fail under the sandbox itself.
  await session.removeCandidate();
  log(`tracing ${name} under the candidate sandbox to see which paths it misses`);
  const seen = (a: Access) => `${a.path}\0${[...a.errors].join(',')}\0${[...a.ops].join(',')}`;
  const known = new Set(collector.result().accesses.map(seen));
  const traced = await session.tracedRun(candidate, recorder(state));
  if (traced.syscalls === 0) ctx.notes.push(`a traced start of ${name} produced no strace lines in the journal`);
  state.attempts.push({ start: session.starts, traced: true, sandboxed: true, ok: traced.ok });
  const changed = collector.result().accesses.some((a) => !known.has(seen(a)));
  forgetIgnored(
    decisions,
    collector
      .result()
      .accesses.filter((a) => a.errors.size > 0)
      .map((a) => a.path),
  );
  if (!changed && !traced.ok) {
    return stuckEnd(ctx, state, candidate, diagnosis, 'a traced start under the sandbox showed no new path to grant');
  }
  // What failed under the sandbox and was not failing before, leaving out what the host lacks too.
  const newlyFailing = collector
    .result()
    .accesses.filter((a) => a.errors.size > 0 && !known.has(seen(a)))
    .filter((a) => !([...a.errors].every((e) => e === 'ENOENT') && ctx.fs.lstat(a.path) === undefined));
  if (!traced.ok && newlyFailing.length > 0 && newlyFailing.every((a) => refusedByFold.has(bytesToDisplay(a.path)))) {
    const paths = [...new Set(newlyFailing.map((a) => bytesToDisplay(a.path)))].join(', ');
    return stuckEnd(ctx, state, candidate, diagnosis, `a traced start under the sandbox failed only on paths that were refused (${paths})`);
  }
  return { kind: 'retry' };
}

/** The loop proposed a candidate it already started: everything seen is folded in, nothing is new. */
export function repeated(ctx: LoopContext, state: LoopState, candidate: Candidate): LoopEnd {
  const last = previousFailure(state, 0)?.diagnosis;
  return stuckEnd(ctx, state, candidate, last, 'everything seen so far is folded in, and the candidate is one that already failed');
}

/** The sandboxed, untraced start that failed before the latest one (`skip` 1), or the latest (`skip` 0). */
function previousFailure(state: LoopState, skip = 1): Attempt | undefined {
  const failed = state.attempts.filter((a) => a.sandboxed && !a.traced && !a.ok);
  return failed.at(-1 - skip);
}

/** The same kind and the same words, whatever the pids, counts and times in them. */
function sameFailure(a: Diagnosis | undefined, b: Diagnosis | undefined): boolean {
  const shape = (d: Diagnosis | undefined) => `${d?.kind}\0${(d?.summary ?? '').replace(/\d+(\.\d+)?/g, '#')}`;
  return shape(a) === shape(b);
}

function stuckEnd(ctx: LoopContext, state: LoopState, candidate: Candidate, diagnosis: Diagnosis | undefined, why: string): LoopEnd {
  const refused = refusedPaths(state, candidate.profile);
  const writes = writesRefused(state, candidate.profile);
  const refusedWrites = writes.map((w) => w.path);
  const writeReasons = Object.fromEntries(writes.filter((w) => w.renamedByRotation === true).map((w) => [w.path, w.reason]));
  const account = failureAccount(diagnosis, { refused, refusedWrites, writeReasons }, 'the candidate fails');
  const evidence = state.attempts
    .filter((a) => a.sandboxed && !a.traced && !a.ok)
    .slice(-2)
    .map((a) => `start ${a.start}: ${failureAccount(a.diagnosis, { refused, refusedWrites }, 'failed')}`);
  const next = nextStep(ctx, state, candidate);
  return { kind: 'end', failure: `${account} (stopped: ${why}; to get further: ${next})`, stuck: { evidence: [...evidence, why], next } };
}

/** The one thing that would get the loop further, from what it refused and how the last start failed. */
function nextStep(ctx: LoopContext, state: LoopState, candidate: Candidate): string {
  const name = state.unit.Id;
  const quote = (p: string) => `'${p.replace(/'/g, "'\\''")}'`;
  const refused = refusedPaths(state, candidate.profile);
  if (refused.length > 0) {
    return `if ${name} really needs ${refused.join(', ')}, run again with ${refused.map((p) => `--include ${quote(p)}`).join(' ')} (or answer "read-only" when asked)`;
  }
  const writes = writesRefused(state, candidate.profile);
  if (writes.length > 0) {
    return `if ${name} must write ${writes.map((w) => w.path).join(', ')}, run again with ${writes.map((w) => `--include ${quote(w.path)}`).join(' ')}`;
  }
  const last = state.attempts.filter((a) => a.sandboxed && !a.traced).at(-1);
  if (last?.ok === false && last.probe !== undefined && !last.probe.passed && last.diagnosis?.fixes.length === 0) {
    const seconds = Math.max(30, Math.ceil(((ctx.options.probeTimeoutMs ?? 10_000) / 1000) * 3));
    return `it runs but does not answer the probe: run again with --probe-timeout ${seconds}, or check the --probe command by hand while it runs`;
  }
  return `read what ${name} said above (journalctl -u ${name}); a path it needs that no trace shows can be added to the drop-in of --dry-run --json by hand`;
}

/** Install: the audit of the running candidate decides, then the drop-in goes where the options say. */
export async function install(session: DiscoverSession, ctx: LoopContext, state: LoopState, candidate: Candidate): Promise<InstallResult> {
  const { options, log } = ctx;
  const name = state.unit.Id;
  const installing = !options.dryRun && options.output === undefined;
  const gateOptions = { installing, acceptAudit: options.acceptAudit === true };
  const granted = (candidate.profile.granted ?? []).map((g) => ({ path: bytesToDisplay(g.path), by: `--include ${g.glob}` }));
  const gate = await auditBeforeInstall(name, () => session.audit(granted), gateOptions, ctx.reviewer, log);
  if (gate.note) ctx.notes.push(gate.note);
  ctx.checkpoint();
  const audited = { audit: gate.audit };
  if (gate.refusal !== undefined) return { ...audited, installed: null, working: true, failure: gate.refusal, refusedByAudit: true };
  const text = candidate.dropin;
  const notInstalled = { ...audited, installed: null, working: true, refusedByAudit: false };
  if (options.dryRun) {
    log('dry run: nothing installed; the drop-in is in the report');
    return notInstalled;
  }
  if (options.output !== undefined) {
    await ctx.writeOutput(options.output, text);
    log(`drop-in written to ${options.output} (not installed)`);
    return notInstalled;
  }
  const target = `${INSTALL_DIR}/${name}.d/${options.dropInName}`;
  if (!(await ctx.reviewer.confirmInstall(target, text))) {
    log('not installed: the admin said no');
    return notInstalled;
  }
  if (await session.install(target, text)) {
    log(`installed ${target}`);
    return { ...notInstalled, installed: target };
  }
  log(`the installed drop-in did not verify and was rolled back: ${target}`);
  return { ...audited, installed: null, working: false, failure: 'the installed drop-in did not verify and was rolled back', refusedByAudit: false };
}

/** Sensitive paths left out (needing consent) and paths the admin denied, as shown to the admin. */
export function refusedPaths(state: LoopState, profile: Profile | undefined): string[] {
  const paths = new Set([...(profile?.needsConsent ?? []).map((n) => n.path), ...deniedPaths(state.decisions)]);
  return [...paths].sort().map(bytesToDisplay);
}

/** How to grant the refused paths, as a clause of a failure. */
export function refusedHint(state: LoopState, profile: Profile | undefined): string {
  const refused = refusedPaths(state, profile);
  if (refused.length === 0) return '';
  const globs = refused.map((p) => `--include '${p.replace(/'/g, "'\\''")}'`).join(' ');
  return `; refused: ${refused.join(', ')}; if the service really needs them, run again with ${globs} or answer "read-only" when asked`;
}

/** Writes to places that are not the service's own, not granted, with the Exec*= line that makes them. */
export function writesRefused(state: LoopState, profile: Profile | undefined): { path: string; reason: string; renamedByRotation?: boolean }[] {
  // A write the admin (or --yes) denied is no longer in the fold's consent list, but it is still a write refused.
  const denied = deniedPaths(state.decisions)
    .map((p) => state.consentAsked.get(p))
    .filter((n): n is ProfileNote => n !== undefined && n.systemWrite === true && !(profile?.needsConsent ?? []).some((c) => c.path === n.path));
  return [
    ...[...(profile?.needsConsent ?? []), ...denied]
      .filter((n) => n.systemWrite)
      .map((n) => ({ path: bytesToDisplay(n.path), reason: n.reason, ...(n.renamedByRotation ? { renamedByRotation: true } : {}) })),
    ...state.reconsidered
      .filter((g) => !(profile?.entries ?? []).some((e) => e.directive === 'BindPaths' && e.value === g.value))
      .filter((g) => !(profile?.needsConsent ?? []).some((n) => n.systemWrite && n.path === g.value))
      .map((g) => ({ path: bytesToDisplay(g.value), reason: `${g.reason}, not the service's own: no longer writable` })),
  ];
}

/** A writable bind (a diagnosis' fix, an earlier grant) is granted only where the service owns the place. */
function ownsPath(fs: FsView, identity: ServiceIdentity, path: ByteString): boolean {
  const facts = { path, existingFile: fs.lstat(path) === 'file', ...ownerFacts(fs, path) };
  return ownReason(facts, identity) !== undefined;
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
