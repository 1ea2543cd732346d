/**
 * The admin's review of a proposed profile, in the spirit of aa-logprof: every path the profile would
 * expose is a question with a sensible default, and the answers are remembered for the rest of the run
 * so that each path is asked about once. Pure: the questions go out as data and the answers come back.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { parentOf } from '../core/fsview.js';
import type { ByteString, Profile, ProfileEntry } from '../core/model.js';

export type Answer =
  | { kind: 'read-only' }
  | { kind: 'writable' }
  /** Bind the parent directory instead (read-only or writable as the entry was). */
  | { kind: 'parent' }
  /** Leave it out this time; ask again if a later start shows it is needed. */
  | { kind: 'ignore' }
  /** Never grant it in this run. */
  | { kind: 'deny' }
  /** Grant another path instead. */
  | { kind: 'edit'; path: ByteString };

export interface ReviewItem {
  path: ByteString;
  /** What the profile proposes. */
  proposed: 'read-only' | 'writable';
  reason: string;
  sensitive: boolean;
  /** A write to a place that is not the service's own (sensitive too: deny by default). */
  systemWrite?: boolean;
  optional: boolean;
  /** What pressing Enter (or --yes) answers. */
  defaultAnswer: Answer;
  /** Why granting it would be dangerous, from the least-privilege rules: always asked, deny by default. */
  dangerous?: string;
  /** Who touched it in the trace, in the admin's words: `nginx (pid 812), openat /var/log/nginx/error.log`. */
  witness?: string;
}

/** Answers by path, kept across the iterations of one run. */
export type Decisions = Map<ByteString, Answer>;

const BIND = new Set(['BindReadOnlyPaths', 'BindPaths']);

/** The paths of `profile` nobody has answered for yet. Sensitive ones default to deny, never to accept. */
export function pendingReview(profile: Profile, decisions: Decisions): ReviewItem[] {
  const items: ReviewItem[] = [];
  for (const entry of profile.entries) {
    // A bind with its own destination is bindscout's private directory, not a host path to review.
    if (!BIND.has(entry.directive) || entry.destination !== undefined || decisions.has(entry.value)) continue;
    const proposed = entry.directive === 'BindPaths' ? 'writable' : 'read-only';
    items.push({
      path: entry.value,
      proposed,
      reason: entry.reason,
      sensitive: false,
      optional: entry.optional === true,
      defaultAnswer: { kind: proposed },
    });
  }
  for (const note of profile.needsConsent) {
    if (decisions.has(note.path)) continue;
    items.push({
      path: note.path,
      proposed: note.directive === 'BindPaths' ? 'writable' : 'read-only',
      reason: note.reason,
      sensitive: true,
      ...(note.systemWrite ? { systemWrite: true, dangerous: note.reason } : {}),
      optional: false,
      defaultAnswer: { kind: 'deny' },
    });
  }
  return items;
}

function bindEntry(path: ByteString, writable: boolean, reason: string, optional: boolean): ProfileEntry {
  return { directive: writable ? 'BindPaths' : 'BindReadOnlyPaths', value: path, reason, ...(optional ? { optional } : {}) };
}

/**
 * The profile as the admin decided it: binds changed, widened, replaced or dropped, sensitive paths
 * granted only when the answer says so. Entries without a decision stay as proposed.
 */
export function applyDecisions(profile: Profile, decisions: Decisions): Profile {
  const entries: ProfileEntry[] = [];
  const omitted = [...profile.omitted];
  const needsConsent = [];
  const add = (entry: ProfileEntry) => {
    const same = entries.find((e) => BIND.has(e.directive) && e.value === entry.value);
    if (same === undefined) entries.push(entry);
    else if (entry.directive === 'BindPaths') same.directive = 'BindPaths';
  };
  const decide = (path: ByteString, writable: boolean, reason: string, optional: boolean): void => {
    const answer = decisions.get(path);
    if (answer === undefined) return add(bindEntry(path, writable, reason, optional));
    switch (answer.kind) {
      case 'read-only':
        return add(bindEntry(path, false, reason, optional));
      case 'writable':
        return add(bindEntry(path, true, reason, optional));
      case 'parent':
        return add(bindEntry(parentOf(path), writable, `${reason}; widened from ${bytesToDisplay(path)} by the admin`, optional));
      case 'edit':
        return add(bindEntry(answer.path, writable, `${reason}; replaced ${bytesToDisplay(path)} by the admin's choice`, false));
      case 'ignore':
        omitted.push({ path, reason: 'left out by the admin for now' });
        return;
      case 'deny':
        omitted.push({ path, reason: 'denied by the admin' });
        return;
    }
  };
  for (const entry of profile.entries) {
    if (BIND.has(entry.directive) && entry.destination === undefined) decide(entry.value, entry.directive === 'BindPaths', entry.reason, entry.optional === true);
    else entries.push(entry);
  }
  for (const note of profile.needsConsent) {
    const answer = decisions.get(note.path);
    if (answer === undefined || answer.kind === 'deny' || answer.kind === 'ignore') {
      needsConsent.push(note);
      continue;
    }
    decide(note.path, note.directive === 'BindPaths', `${note.reason}; granted by the admin`, false);
  }
  return { ...profile, entries, needsConsent, omitted };
}

/** Denied paths are never proposed again in the same run, whatever a later start shows. */
export function deniedPaths(decisions: Decisions): ByteString[] {
  return [...decisions].filter(([, a]) => a.kind === 'deny').map(([p]) => p);
}

/** Ignored answers are forgotten when a later start shows the path is needed after all. */
export function forgetIgnored(decisions: Decisions, needed: Iterable<ByteString>): void {
  for (const path of needed) if (decisions.get(path)?.kind === 'ignore') decisions.delete(path);
}

/** The one-letter keys of the prompt, in the order shown. */
export const ANSWER_KEYS = [
  { key: 'r', label: 'read-only', kind: 'read-only' },
  { key: 'w', label: 'writable', kind: 'writable' },
  { key: 'p', label: 'parent dir', kind: 'parent' },
  { key: 'i', label: 'ignore', kind: 'ignore' },
  { key: 'd', label: 'deny', kind: 'deny' },
  { key: 'e', label: 'edit', kind: 'edit' },
] as const;
