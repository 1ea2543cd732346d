/**
 * Review by exception: the proposed profile shown grouped the way an admin reads a service (its program
 * and libraries, its configuration, what it may write, secrets, the baseline every service gets), and
 * questions only where a wrong answer costs something: writable grants, broad directories, secrets and
 * whatever the least-privilege rules call dangerous. The rest is accepted with one key. Pure.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { isUnder, splitPath } from '../core/fsview.js';
import type { Answer, ReviewItem } from './review.js';
import { describeWitness, type TraceWitness } from '../trace/trace-witness.js';

export type GroupId = 'program' | 'configuration' | 'data' | 'writable' | 'sensitive' | 'baseline';

export const GROUP_TITLES: Record<GroupId, string> = {
  program: 'Program and libraries',
  configuration: 'Configuration',
  data: 'Other read-only',
  writable: 'Writable',
  sensitive: 'Sensitive (refused unless granted)',
  baseline: 'Baseline (every service)',
};

const GROUP_ORDER: GroupId[] = ['program', 'configuration', 'data', 'writable', 'sensitive', 'baseline'];

const PROGRAM_TREES = ['/usr/bin', '/usr/sbin', '/bin', '/sbin', '/usr/lib', '/usr/lib64', '/usr/libexec', '/lib', '/lib64', '/usr/local/bin', '/usr/local/sbin', '/usr/local/lib', '/usr/share/perl5', '/usr/share/perl'];
const CONFIG_TREES = ['/etc', '/usr/local/etc'];

/** Directories whose whole content is shared by many services: binding one exposes far more than a service needs. */
const BROAD = new Set([
  '/etc', '/usr', '/usr/share', '/usr/local', '/var', '/var/lib', '/var/log', '/var/cache', '/var/spool', '/var/tmp', '/var/www',
  '/run', '/run/user', '/tmp', '/opt', '/srv', '/home', '/root', '/mnt', '/media', '/boot', '/dev', '/proc', '/sys',
]);

export function isBroadDirectory(path: string): boolean {
  return BROAD.has(path) || splitPath(path).length <= 1;
}

export function groupOf(item: ReviewItem): GroupId {
  if (item.sensitive) return 'sensitive';
  if (item.proposed === 'writable') return 'writable';
  if (/^baseline\b/.test(item.reason)) return 'baseline';
  if (/\bexecuted\b|ELF|interpreter|librar/.test(item.reason) || PROGRAM_TREES.some((t) => isUnder(item.path, t))) return 'program';
  if (CONFIG_TREES.some((t) => isUnder(item.path, t))) return 'configuration';
  return 'data';
}

/** Why the admin is asked about this one; undefined when it is accepted with the rest. */
export function whyAsked(item: ReviewItem): string | undefined {
  if (item.dangerous !== undefined) return `dangerous: ${item.dangerous}`;
  if (item.sensitive) return 'sensitive';
  if (item.proposed === 'writable') return 'writable';
  // The baseline is a curated set (/lib is every library): broad by name, not by choice of the service.
  if (isBroadDirectory(item.path) && groupOf(item) !== 'baseline') return 'a broad directory';
  return undefined;
}

/** What Enter (or accepting the rest) answers: a dangerous grant is denied unless the admin says otherwise. */
export function effectiveDefault(item: ReviewItem): Answer {
  return item.dangerous !== undefined ? { kind: 'deny' } : item.defaultAnswer;
}

export interface ReviewGroup {
  id: GroupId;
  title: string;
  items: ReviewItem[];
}

export interface ReviewPlan {
  groups: ReviewGroup[];
  /** Asked one by one, dangerous first, then secrets, writable grants and broad directories. */
  ask: ReviewItem[];
  /** Accepted as proposed with one key. */
  accept: ReviewItem[];
}

const ASK_ORDER = (item: ReviewItem): number => (item.dangerous !== undefined ? 0 : item.sensitive ? 1 : item.proposed === 'writable' ? 2 : 3);

export function planReview(items: ReviewItem[]): ReviewPlan {
  const groups = GROUP_ORDER.map((id) => ({ id, title: GROUP_TITLES[id], items: items.filter((i) => groupOf(i) === id) })).filter((g) => g.items.length > 0);
  const ask = items.filter((i) => whyAsked(i) !== undefined).sort((a, b) => ASK_ORDER(a) - ASK_ORDER(b));
  return { groups, ask, accept: items.filter((i) => whyAsked(i) === undefined) };
}

/** The reason for an item without the journal's line numbers, which say nothing to an admin. */
export function reasonWithoutLines(reason: string): string {
  return reason.replace(/ \(line \d+\)/g, '').replace(/ by pid \d+/g, '');
}

/** Items with who touched them (program and syscall) from the trace, where the trace shows it. */
export function withWitnesses(items: ReviewItem[], witness: TraceWitness): ReviewItem[] {
  return items.map((item) => {
    const seen = witness.witness(item.path);
    return seen === undefined ? item : { ...item, witness: describeWitness(seen, bytesToDisplay) };
  });
}

/** The overview lines: each group with its paths, those to be asked about marked. */
export function overviewLines(plan: ReviewPlan, maxPerGroup = 8): string[] {
  const lines: string[] = [];
  for (const group of plan.groups) {
    lines.push(`${group.title} (${group.items.length})`);
    const shown = [...group.items].sort((a, b) => Number(whyAsked(b) !== undefined) - Number(whyAsked(a) !== undefined));
    for (const item of shown.slice(0, maxPerGroup)) {
      const asked = whyAsked(item);
      lines.push(`  ${asked !== undefined ? '?' : ' '} ${bytesToDisplay(item.path)}${item.optional ? ' (may be missing)' : ''}${asked !== undefined ? `  [${asked}]` : ''}`);
    }
    if (shown.length > maxPerGroup) lines.push(`    … and ${shown.length - maxPerGroup} more`);
  }
  return lines;
}
