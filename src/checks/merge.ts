/**
 * Several observations of one service folded as one: traces from different runs or hosts, and
 * earlier `analyze --json` reports (this tool's own accesses format) collected from a fleet. Every
 * access keeps which observations saw it; an observation is one input (a trace, a `-ff` directory, a
 * report), or one of the observations a merged report was itself made from. Pure.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { isUnder, parentOf } from '../core/fsview.js';
import { pathFromJson } from '../profile/report.js';
import { NO_MEMBERS, OPERATIONS, withMember, withMembers, type Access, type ByteString, type Operation, type Profile } from '../core/model.js';

/** Version of `analyze --json` (and of the reports it reads back); see the README. */
export const REPORT_SCHEMA_VERSION = 1;

export interface Observation {
  id: number;
  /** The input it came from (a file, `-`), as given on the command line. */
  input: string;
  kind: 'trace' | 'report';
  /** The host it was observed on, when known (a report says; a trace is taken to be from --host). */
  host: string | null;
  /** When it was observed (ISO 8601), when known. */
  observedAt: string | null;
}

/** Observation ids that saw each path. */
export interface SeenIn {
  get(path: ByteString): readonly number[] | undefined;
}

/**
 * The provenance of a lone trace, without merging: it is observation 1 and saw every one of its
 * accesses. Merging would copy and re-sort every access for nothing.
 */
export function loneTrace(input: string, observedAt: string | null, host: string | null): { observations: Observation[]; seenIn: SeenIn } {
  const seen: readonly number[] = [1];
  return { observations: [{ id: 1, input, kind: 'trace', host, observedAt }], seenIn: { get: () => seen } };
}

export class ReportError extends Error {
  constructor(readonly input: string, message: string) {
    super(message);
    this.name = 'ReportError';
  }
}


interface ReportAccess {
  path?: unknown;
  pathBase64?: unknown;
  ops?: unknown;
  ok?: unknown;
  errors?: unknown;
  count?: unknown;
  firstPid?: unknown;
  firstLine?: unknown;
  source?: unknown;
  seenIn?: unknown;
}

interface ReportObservation {
  id?: unknown;
  input?: unknown;
  kind?: unknown;
  host?: unknown;
  observedAt?: unknown;
}

/** Whether the start of an input is one of our JSON reports rather than strace or journal text. */
export function looksLikeReport(head: string): boolean {
  const text = head.replace(/^\uFEFF/, '').trimStart();
  if (!text.startsWith('{')) return false;
  // Pretty-printed (`{` alone on the first line): a journal export is one object per line.
  if (/^\{\s*\n/.test(text)) return true;
  const firstLine = text.split('\n', 1)[0];
  return /^\{"(schemaVersion|stats|observations|accesses)"/.test(firstLine);
}

export class ObservationMerger {
  private readonly observations: Observation[] = [];
  /**
   * `own` is false while the access is still the caller's object: it is copied only when another
   * observation merges into it, so a trace's accesses are not copied one by one up front.
   */
  private readonly byPath = new Map<ByteString, { access: Access; seen: number[]; own: boolean }>();

  private observe(observation: Omit<Observation, 'id'>): Observation {
    const added = { id: this.observations.length + 1, ...observation };
    this.observations.push(added);
    return added;
  }

  /** The access of a known path, copied first when it is still the caller's. */
  private owned(known: { access: Access; own: boolean }): Access {
    if (!known.own) {
      known.access = { ...known.access };
      known.own = true;
    }
    return known.access;
  }

  private merge(access: Access, seen: readonly number[]): void {
    const known = this.byPath.get(access.path);
    if (known === undefined) {
      this.byPath.set(access.path, { access, seen: [...seen], own: false });
      return;
    }
    const a = this.owned(known);
    a.ops = withMembers(a.ops, access.ops);
    a.errors = withMembers(a.errors, access.errors);
    a.ok ||= access.ok;
    a.count += access.count;
    if (access.executed) a.executed = true;
    if (a.resolvedTo === undefined && access.resolvedTo !== undefined) a.resolvedTo = access.resolvedTo;
    if (a.resolvedFrom === undefined && access.resolvedFrom !== undefined) a.resolvedFrom = access.resolvedFrom;
    addSeen(known.seen, seen);
  }

  /**
   * One access of a report, merged without building an Access when the path is known already: a
   * fleet's reports mostly repeat the same paths, and 100 reports of 10,000 accesses are a million.
   */
  private mergeReportItem(item: ReportAccess, input: string, seen: readonly number[]): void {
    if (typeof item?.path !== 'string' || !item.path.startsWith('/') || !Array.isArray(item.ops)) return;
    const known = this.byPath.get(pathFromJson(item)!);
    if (known === undefined) {
      const access = reportAccess(item, input);
      if (access !== undefined) this.byPath.set(access.path, { access, seen: [...seen], own: true });
      return;
    }
    const a = this.owned(known);
    for (const op of item.ops) if (typeof op === 'string' && KNOWN_OPS.has(op)) a.ops = withMember(a.ops, op as Operation);
    if (Array.isArray(item.errors)) for (const e of item.errors) if (typeof e === 'string') a.errors = withMember(a.errors, e);
    if (item.ok === true) {
      a.ok = true;
      if (a.ops.has('exec')) a.executed = true;
    }
    a.count += typeof item.count === 'number' && item.count > 0 ? item.count : 1;
    addSeen(known.seen, seen);
  }

  /** The accesses of one trace input (already collected by the parser and AccessCollector). */
  addTrace(input: string, accesses: Access[], observedAt: string | null, host: string | null): Observation {
    const observation = this.observe({ input, kind: 'trace', host, observedAt });
    for (const access of accesses) this.merge(access, [observation.id]);
    return observation;
  }

  /** An earlier `analyze --json` report, parsed; its own observations are carried over when it has them. */
  addReport(input: string, report: unknown): Observation[] {
    if (typeof report !== 'object' || report === null || !Array.isArray((report as { accesses?: unknown }).accesses)) {
      throw new ReportError(input, `${input}: a JSON document without an "accesses" list is not a bindscout report`);
    }
    const r = report as { schemaVersion?: unknown; host?: unknown; observedAt?: unknown; observations?: unknown; accesses: ReportAccess[] };
    if (r.schemaVersion !== undefined && r.schemaVersion !== REPORT_SCHEMA_VERSION) {
      throw new ReportError(input, `${input}: report schemaVersion ${String(r.schemaVersion)} is not supported (this bindscout reads ${REPORT_SCHEMA_VERSION})`);
    }
    const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
    const ids = new Map<number, number>();
    const added: Observation[] = [];
    if (Array.isArray(r.observations) && r.observations.length > 0) {
      for (const o of r.observations as ReportObservation[]) {
        const observation = this.observe({
          input: str(o?.input) !== null ? `${input}: ${str(o.input)}` : input,
          kind: o?.kind === 'trace' ? 'trace' : 'report',
          host: str(o?.host),
          observedAt: str(o?.observedAt),
        });
        if (typeof o?.id === 'number') ids.set(o.id, observation.id);
        added.push(observation);
      }
    } else {
      added.push(this.observe({ input, kind: 'report', host: str(r.host), observedAt: str(r.observedAt) }));
    }
    const all = added.map((o) => o.id);
    for (const item of r.accesses) {
      const seen = Array.isArray(item?.seenIn) ? item.seenIn.map((id) => ids.get(id as number)).filter((id): id is number => id !== undefined) : [];
      this.mergeReportItem(item, input, seen.length > 0 ? seen : all);
    }
    return added;
  }

  result(): { observations: Observation[]; accesses: Access[]; seenIn: Map<ByteString, number[]> } {
    const paths = [...this.byPath.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const seenIn = new Map<ByteString, number[]>();
    const accesses: Access[] = [];
    for (const path of paths) {
      const { access, seen } = this.byPath.get(path)!;
      accesses.push(access);
      seenIn.set(path, seen.sort((a, b) => a - b));
    }
    return { observations: [...this.observations], accesses, seenIn };
  }
}

const KNOWN_OPS: ReadonlySet<string> = new Set(OPERATIONS);

/** Observation ids are few per path: an array beats a Set at this size, and a million times over. */
function addSeen(into: number[], ids: readonly number[]): void {
  for (const id of ids) if (!into.includes(id)) into.push(id);
}

function reportAccess(item: ReportAccess, input: string): Access | undefined {
  const path = pathFromJson(item);
  if (path === undefined || !path.startsWith('/') || !Array.isArray(item.ops)) return undefined;
  const ops = withMembers(NO_MEMBERS, item.ops.filter((op): op is Operation => (OPERATIONS as readonly unknown[]).includes(op)));
  const errors = withMembers(NO_MEMBERS, Array.isArray(item.errors) ? item.errors.filter((e): e is string => typeof e === 'string') : []);
  return {
    path,
    ops,
    ok: item.ok === true,
    errors,
    count: typeof item.count === 'number' && item.count > 0 ? item.count : 1,
    firstPid: typeof item.firstPid === 'number' ? item.firstPid : undefined,
    firstLine: typeof item.firstLine === 'number' ? item.firstLine : 0,
    source: typeof item.source === 'string' ? item.source : input,
    ...(ops.has('exec') && item.ok === true ? { executed: true } : {}),
  };
}

/** Who an observation stands for in "needed on 2 of 3 hosts": its host, or its input when none is known. */
function groupOf(observation: Observation): { key: string; noun: 'host' | 'input' } {
  return observation.host !== null ? { key: `host:${observation.host}`, noun: 'host' } : { key: `input:${observation.input}`, noun: 'input' };
}

/**
 * Adds to each bind's reason on how many hosts (or inputs) something below it was used, where that is
 * not all of them: a grant only some hosts need is worth a second look before it goes fleet-wide.
 */
export function annotateProvenance(profile: Profile, accesses: Access[], seenIn: SeenIn, observations: Observation[]): Profile {
  const groups = new Map(observations.map((o) => [o.id, groupOf(o)]));
  const all = new Set([...groups.values()].map((g) => g.key));
  if (all.size < 2) return profile;
  const noun = [...groups.values()].every((g) => g.noun === 'host') ? 'hosts' : 'inputs';
  const binds = new Map<ByteString, Set<string>>();
  for (const e of profile.entries) if (e.directive === 'BindReadOnlyPaths' || e.directive === 'BindPaths') binds.set(e.value, new Set());
  for (const access of accesses) {
    if (!access.ok) continue;
    const seen = seenIn.get(access.path) ?? [];
    for (const path of [access.path, ...(access.resolvedTo ? [access.resolvedTo] : [])]) {
      // The bind that covers this path: the path itself or its nearest bound ancestor.
      for (let p = path; ; p = parentOf(p)) {
        const keys = binds.get(p);
        if (keys !== undefined && isUnder(path, p)) {
          for (const id of seen) keys.add(groups.get(id)!.key);
          break;
        }
        if (p === '/') break;
      }
    }
  }
  return {
    ...profile,
    entries: profile.entries.map((e) => {
      const keys = binds.get(e.value);
      if (keys === undefined || keys.size === 0 || keys.size >= all.size) return e;
      const names = [...keys].map((k) => k.replace(/^(host|input):/, '')).sort();
      return { ...e, reason: `${e.reason}; needed on ${keys.size} of ${all.size} ${noun} (${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''})` };
    }),
  };
}

/** The table's provenance: one line per observation, then the seen-in column per access. */
export function formatObservations(observations: Observation[]): string {
  return observations
    .map((o) => `#${o.id}  ${o.kind.padEnd(6)}  ${(o.host ?? '-').padEnd(16)}  ${(o.observedAt ?? '-').padEnd(24)}  ${o.input}`)
    .join('\n');
}

export function formatMergedTable(accesses: Access[], seenIn: SeenIn, observations: Observation[]): string {
  const rows = accesses.map((a) => {
    const ops = OPERATIONS.filter((op) => a.ops.has(op)).join(',');
    const seen = seenIn.get(a.path) ?? [];
    return [ops, a.ok ? 'ok' : [...a.errors].sort().join(',') || 'failed', String(a.count), `${seen.length}/${observations.length} ${seen.map((id) => `#${id}`).join(',')}`, bytesToDisplay(a.path)];
  });
  const header = ['OPERATIONS', 'RESULT', 'COUNT', 'SEEN IN', 'PATH'];
  const widths = [0, 1, 2, 3].map((i) => Math.max(header[i].length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 4 ? cell : i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [`observations:`, formatObservations(observations), '', line(header), ...rows.map(line)].join('\n') + '\n';
}
