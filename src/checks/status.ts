/**
 * `status`'s judgements, one service at a time: how it is locked down (none, bindscout's profile as
 * installed, bindscout's profile drifted, or a lockdown bindscout did not write), the one command to
 * run next, and the order worst first. Pure: src/flows/status.ts collects the facts.
 */
import type { Exposure } from './audit.js';

export const PROFILE_STATES = ['none', 'bindscout', 'drifted', 'hand-made'] as const;
export type ProfileState = (typeof PROFILE_STATES)[number];

/** The audit's four numbers as `status --json` names them (`visible` is the audit's `outside`). */
export interface StatusExposure {
  /** Entries visible outside the system trees and its own directories. */
  visible: number;
  /** Host places it can write that are not its own. */
  writable: number;
  /** Sockets of systemd and of other services it can reach. */
  sockets: number;
  /** Secret files it can see. */
  secrets: number;
}

export function statusExposure(exposure: Exposure): StatusExposure {
  return { visible: exposure.outside, writable: exposure.writable, sockets: exposure.sockets, secrets: exposure.secrets };
}

export interface LockdownFacts {
  /** `TemporaryFileSystem=` as systemctl show prints it: `/:ro`, `-/var:mode=0755`… */
  temporaryFileSystem: string[];
  rootDirectory: string;
  rootImage: string;
  /** bindscout installed a profile for it (its drop-in is there, or discover remembers installing one). */
  bindscoutProfile: boolean;
  /** `check` reports something of that profile (an error or a warning), or could not judge it. */
  drifted?: boolean;
}

/** Whether the unit replaces the host's root: a tmpfs on `/`, or a root directory or image of its own. */
export function replacesRoot(facts: Pick<LockdownFacts, 'temporaryFileSystem' | 'rootDirectory' | 'rootImage'>): boolean {
  const tmpfsOnRoot = facts.temporaryFileSystem.some((word) => word.replace(/^-/, '').split(':')[0] === '/');
  return tmpfsOnRoot || facts.rootDirectory !== '' || facts.rootImage !== '';
}

export function profileState(facts: LockdownFacts): ProfileState {
  if (facts.bindscoutProfile) return facts.drifted === true ? 'drifted' : 'bindscout';
  return replacesRoot(facts) ? 'hand-made' : 'none';
}

function hasViolations(exposure: StatusExposure | null): boolean {
  return exposure !== null && exposure.writable + exposure.sockets + exposure.secrets > 0;
}

/**
 * The one command to run next, or null when there is nothing to do: a service on the host's root is
 * discovered, a drifted profile checked, a hand-made lockdown that still lets the service reach what
 * is not its own viewed (bindscout does not replace what an admin wrote).
 */
export function nextCommand(unit: string, state: ProfileState, exposure: StatusExposure | null): string | null {
  const word = shellWord(unit);
  switch (state) {
    case 'none':
      return `bindscout discover ${word}`;
    case 'drifted':
      return `bindscout check ${word}`;
    case 'hand-made':
      return hasViolations(exposure) ? `bindscout view ${word}` : null;
    case 'bindscout':
      return null;
  }
}

/** A unit name as one shell word (systemd escapes write `\x2d` into names). */
function shellWord(word: string): string {
  return /^[A-Za-z0-9@%+=:,./_-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export interface Rankable {
  unit: string;
  state: ProfileState;
  exposure: StatusExposure | null;
}

/** Among equal exposures (or none measured), what needs the admin first. */
const STATE_RANK: Record<ProfileState, number> = { drifted: 0, none: 1, 'hand-made': 2, bindscout: 3 };

/**
 * Worst first: secrets it can see, then host places it can write, then sockets it can reach, then
 * entries visible outside the system trees. Services with no process to look into come last.
 */
export function compareWorstFirst(a: Rankable, b: Rankable): number {
  if ((a.exposure === null) !== (b.exposure === null)) return a.exposure === null ? 1 : -1;
  if (a.exposure !== null && b.exposure !== null) {
    for (const key of ['secrets', 'writable', 'sockets', 'visible'] as const) {
      const diff = b.exposure[key] - a.exposure[key];
      if (diff !== 0) return diff;
    }
  }
  return STATE_RANK[a.state] - STATE_RANK[b.state] || (a.unit < b.unit ? -1 : a.unit > b.unit ? 1 : 0);
}
