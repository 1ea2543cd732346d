/**
 * Plain-data views of the model for `--json` and tables. discover reports accesses the same way as
 * analyze, so both use these.
 */
import { tmpfilesLines } from './shared-run.js';
import { bytesToDisplay } from '../../../parsers/strings.js';
import type { WarningEvent } from '../../../parsers/events.js';
import { OPERATIONS, type Access, type Profile, type UnresolvedAccess } from '../model.js';

export interface AccessJson {
  path: string;
  ops: string[];
  ok: boolean;
  errors: string[];
  count: number;
  firstPid: number | null;
  firstLine: number;
  source: string;
}

export function accessToJson(access: Access): AccessJson {
  return {
    path: bytesToDisplay(access.path),
    ops: OPERATIONS.filter((op) => access.ops.has(op)),
    ok: access.ok,
    errors: [...access.errors].sort(),
    count: access.count,
    firstPid: access.firstPid ?? null,
    firstLine: access.firstLine,
    source: access.source,
  };
}

export function unresolvedToJson(item: UnresolvedAccess) {
  return {
    syscall: item.syscall,
    raw: bytesToDisplay(item.raw),
    reason: item.reason,
    pid: item.pid ?? null,
    line: item.line,
    source: item.source,
  };
}

/** Directive name → values in rendering order; a `-` prefix marks a source that may be missing. */
export function profileToJson(profile: Profile): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const entry of profile.entries) {
    const value = (entry.optional ? '-' : '') + bytesToDisplay(entry.value) + (entry.destination !== undefined ? `:${bytesToDisplay(entry.destination)}` : '');
    (out[entry.directive] ??= []).push(value);
  }
  // Not unit settings: the lines of the tmpfiles.d snippet that keeps the host's links (src/core/profile/shared-run.ts).
  if (profile.hostLinks !== undefined && profile.hostLinks.length > 0) out['tmpfiles.d'] = tmpfilesLines(profile.hostLinks);
  return out;
}

export function warningToJson(warning: WarningEvent) {
  return { source: warning.source, line: warning.line, reason: warning.reason, text: bytesToDisplay(warning.text) };
}

/** Fixed-width columns; the path goes last because it is the only unbounded one. */
export function formatAccessTable(accesses: Access[]): string {
  const rows = accesses.map((a) => {
    const json = accessToJson(a);
    return [json.ops.join(','), json.ok ? 'ok' : json.errors.join(',') || 'failed', String(json.count), json.path];
  });
  const header = ['OPERATIONS', 'RESULT', 'COUNT', 'PATH'];
  // A loop, not Math.max(...rows): spreading 100,000 arguments overflows the stack.
  const widths = [0, 1, 2].map((i) => {
    let width = header[i].length;
    for (const row of rows) if (row[i].length > width) width = row[i].length;
    return width;
  });
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 3 ? cell : i === 2 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
