/**
 * Plain-data views of the model for `--json` and tables. discover reports accesses the same way as
 * analyze, so both use these.
 */
import { tmpfilesLines } from './shared-run.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import type { WarningEvent } from '../../parsers/events.js';
import { OPERATIONS, type Access, type ByteString, type Profile, type UnresolvedAccess } from '../core/model.js';
import { decodeUtf8Bytes, encodeUtf8Bytes } from '../unit-file/escape.js';

export interface AccessJson {
  path: string;
  /** The exact bytes, base64, when they are not UTF-8 (then `path` is only their display). */
  pathBase64?: string;
  ops: string[];
  ok: boolean;
  errors: string[];
  count: number;
  firstPid: number | null;
  firstLine: number;
  source: string;
}

/**
 * A path in a JSON report, lossless: its UTF-8 text as it is (JSON escapes a newline as `\n`, so it
 * cannot collide with a literal `\x0a`); bytes that are not UTF-8 are shown and also kept in base64.
 */
export function pathToJson(path: ByteString): { path: string; pathBase64?: string } {
  const text = decodeUtf8Bytes(path);
  if (text !== undefined) return { path: text };
  return { path: bytesToDisplay(path), pathBase64: Buffer.from(path, 'latin1').toString('base64') };
}

/** The byte string a report's path stands for (pathToJson's inverse); undefined when it is not one. */
export function pathFromJson(item: { path?: unknown; pathBase64?: unknown }): ByteString | undefined {
  if (typeof item.pathBase64 === 'string') return Buffer.from(item.pathBase64, 'base64').toString('latin1');
  if (typeof item.path !== 'string') return undefined;
  // Most paths are plain ASCII, where text and bytes are the same: a fleet's reports hold millions.
  return /^[\x20-\x7e]*$/.test(item.path) ? item.path : encodeUtf8Bytes(item.path);
}

export function accessToJson(access: Access): AccessJson {
  return {
    ...pathToJson(access.path),
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
  // Not unit settings: the lines of the tmpfiles.d snippet that keeps the host's links (src/profile/shared-run.ts).
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
