/**
 * A later discover starts from what an earlier one remembered (src/systemd/memory.ts): the accesses
 * observed then are folded in with the new observation, and every path the installed profile granted
 * (what the admin accepted, consents included) is kept while it still exists, so nothing accepted is
 * dropped without a word. What changed is told as paths, not as a new drop-in to read through.
 * Pure: the remembered texts come in, profile entries and differences go out.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { resolveSymlinks, type FsView } from '../core/fsview.js';
import { parseUnitText, UnitSettings } from '../unit-file/unit-settings.js';
import { readBindPaths } from '../unit-file/escape.js';
import { pathFromJson } from '../profile/report.js';
import { OPERATIONS, type ByteString, type Operation, type Profile, type ProfileEntry } from '../core/model.js';

export interface EarlierObservation {
  /** ISO time of the earlier install. */
  when: string;
  /** Successful accesses of the earlier observation, as byte strings. */
  accesses: { path: ByteString; ops: Operation[] }[];
  /** Bind entries of the profile installed then. */
  grants: ProfileEntry[];
}

/** The remembered `accesses.json` (analyze --json's access format): unreadable entries are skipped. */
export function earlierAccesses(json: string | undefined): EarlierObservation['accesses'] {
  if (json === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return [];
  }
  const list = (parsed as { accesses?: unknown }).accesses;
  if (!Array.isArray(list)) return [];
  const out: EarlierObservation['accesses'] = [];
  for (const item of list as { path?: unknown; pathBase64?: unknown; ops?: unknown; ok?: unknown }[]) {
    const path = item === null || typeof item !== 'object' ? undefined : pathFromJson(item);
    if (path === undefined || !path.startsWith('/') || item.ok !== true || !Array.isArray(item.ops)) continue;
    const ops = item.ops.filter((op): op is Operation => (OPERATIONS as readonly unknown[]).includes(op));
    if (ops.length > 0) out.push({ path, ops });
  }
  return out;
}

/** The BindReadOnlyPaths=/BindPaths= entries of an installed drop-in's text. */
export function earlierGrants(profileText: string, when: string): ProfileEntry[] {
  const settings = new UnitSettings(parseUnitText(profileText, 'earlier profile'));
  const out: ProfileEntry[] = [];
  for (const directive of ['BindReadOnlyPaths', 'BindPaths'] as const) {
    for (const at of settings.listAssignments(directive)) {
      // Read as systemd reads it, by the module that wrote it: `\:` and `%%` are part of the path.
      const read = readBindPaths(at.value);
      if ('error' in read) continue;
      for (const spec of read) {
        // Binds to another place, or templated by specifiers, are the admin's own lines: left to the unit.
        if (spec.destination !== spec.source || spec.specifiers.length > 0) continue;
        out.push({ directive, value: spec.source, ...(spec.optional ? { optional: true } : {}), reason: `granted by the profile installed ${when}` });
      }
    }
  }
  return out;
}

/** The source recorded on accesses that come from the earlier observation only. */
export function earlierSource(earlier: EarlierObservation): string {
  return `earlier observation (${earlier.when})`;
}

export interface ObservationDifference {
  /** Paths this run used that the earlier observation had not seen. */
  newPaths: string[];
  /** Paths the earlier observation saw and this run did not: still granted while they exist. */
  notUsedNow: string[];
  /** Used or granted earlier, gone from the host: no longer granted (a bind of a missing path fails the start). */
  gone: string[];
  /** Bound now and not by the earlier profile. */
  addedGrants: string[];
}

const OWN_DATA_OPS: ReadonlySet<Operation> = new Set(['create', 'write', 'delete']);

const isBind = (e: ProfileEntry) => e.directive === 'BindReadOnlyPaths' || e.directive === 'BindPaths';

/**
 * Earlier accesses to paths still on the host: folded in with this run's. One gone since (a library
 * an upgrade moved) is not: bound with `-` it would only hide that the service now needs its new place.
 */
export function accessesStillThere(earlier: EarlierObservation, fs: FsView): EarlierObservation['accesses'] {
  return earlier.accesses.filter((a) => resolveSymlinks(fs, a.path).kind !== undefined);
}

export interface KeptGrants {
  /** Earlier grants still on the host (or optional): kept in the new profile. */
  keep: ProfileEntry[];
  /**
   * Writable grants of places that are not the service's own (an older profile's `BindPaths=/run`, a
   * write the admin let through once): not carried over unseen, they go through the ownership rule
   * and the review again like any new write.
   */
  reconsidered: ProfileEntry[];
}

export function grantsToKeep(earlier: EarlierObservation, fs: FsView, ownsWritable: (path: ByteString) => boolean): KeptGrants {
  const present = earlier.grants.filter((g) => g.optional || resolveSymlinks(fs, g.value).kind !== undefined);
  const reconsidered = present.filter((g) => g.directive === 'BindPaths' && !ownsWritable(g.value));
  return { keep: present.filter((g) => !reconsidered.includes(g)), reconsidered };
}

export function observationDifference(
  earlier: EarlierObservation,
  accesses: { path: ByteString; ok: boolean; source: string }[],
  profile: Profile | undefined,
  fs: FsView,
): ObservationDifference {
  const source = earlierSource(earlier);
  const seenEarlier = new Set(earlier.accesses.map((a) => a.path));
  const newPaths = accesses.filter((a) => a.ok && a.source !== source && !seenEarlier.has(a.path)).map((a) => bytesToDisplay(a.path));
  const notUsedNow = accesses.filter((a) => a.source === source).map((a) => bytesToDisplay(a.path));
  const grantedBefore = new Set(earlier.grants.map((g) => g.value));
  const grantedNow = new Set((profile?.entries ?? []).filter(isBind).map((e) => e.value));
  const missing = (path: ByteString) => resolveSymlinks(fs, path).kind === undefined;
  const gone = [
    ...new Set([
      ...earlier.grants.filter((g) => !grantedNow.has(g.value) && missing(g.value)).map((g) => g.value),
      // A file the service created, wrote or removed itself is its own data, not something an upgrade took away.
      ...earlier.accesses.filter((a) => !a.ops.some((op) => OWN_DATA_OPS.has(op)) && missing(a.path)).map((a) => a.path),
    ]),
  ].map(bytesToDisplay);
  const addedGrants = [...grantedNow].filter((p) => !grantedBefore.has(p)).map(bytesToDisplay);
  return { newPaths, notUsedNow, gone, addedGrants };
}
