/**
 * Consent by --include, followed through links: `--include '/etc/APP/private/*'` where those are links
 * into /etc/ssl/private grants the files the links lead to, and only them. The trace also names them
 * by their real path (strace's -y), and a bind of the link shows its target. Pure: through FsView.
 */
import { resolveSymlinks, type FsView } from '../core/fsview.js';
import type { Access, ByteString } from '../core/model.js';
import { bytesToDisplay } from '../../parsers/strings.js';
import { splitPath } from '../core/fsview.js';
import { compiledGlob, globText, matchingGlob, type Demand } from './fold-terms.js';
import { sensitiveReason } from './sensitive.js';

/** The files links matched by `include` lead to, with the grant that reaches them. */
export function includedLinkTargets(accesses: Access[], include: string[], fs: FsView): Map<ByteString, string> {
  const targets = new Map<ByteString, string>();
  if (include.length === 0) return targets;
  for (const access of accesses) {
    const glob = matchingGlob(access.path, include);
    if (glob === undefined) continue;
    const resolved = resolveSymlinks(fs, access.path);
    // A directory reached by a link would grant everything in it: only files are followed.
    if (resolved.links.length === 0 || resolved.kind === undefined || resolved.kind === 'dir') continue;
    targets.set(resolved.finalPath, `${glob} (through the link ${bytesToDisplay(access.path)})`);
  }
  return targets;
}

/** What --include grants in one fold, and which secrets it granted, for the profile and the audit. */
export class Grants {
  private linkTargets = new Map<ByteString, string>();
  private readonly granted = new Map<ByteString, string>();

  constructor(private readonly include: string[]) {}

  /** Reads the links among the accesses once, before any path is judged. */
  followLinks(accesses: Access[], fs: FsView): void {
    this.linkTargets = includedLinkTargets(accesses, this.include, fs);
  }

  /** The --include glob that grants `path`: its own, or that of a link leading exactly to it. */
  globFor(path: ByteString): string | undefined {
    return matchingGlob(path, this.include) ?? this.linkTargets.get(path);
  }

  /**
   * The glob granting a secret: one naming the secret itself or a place of secrets holding it (consent
   * to a broad directory such as `--include /etc` is not consent to /etc/shadow), or a link's leading
   * exactly to it (also the link `via` it was reached through). Recorded as granted.
   */
  toSecret(secret: ByteString, via?: ByteString): string | undefined {
    const glob = this.consentToSecret(secret) ?? this.linkTargets.get(secret) ?? (via !== undefined ? this.consentToSecret(via) : undefined);
    if (glob !== undefined) this.granted.set(secret, glob);
    return glob;
  }

  /** The --include glob naming the secret itself or a place of secrets holding it. */
  consentToSecret(secret: ByteString): string | undefined {
    if (this.include.length === 0) return undefined;
    const parts = splitPath(secret);
    for (let depth = parts.length; depth >= 1; depth--) {
      const prefix = '/' + parts.slice(0, depth).join('/');
      if (depth < parts.length && sensitiveReason(prefix) === undefined) continue;
      const glob = this.include.find((g) => compiledGlob(g)(globText(prefix)));
      if (glob !== undefined) return glob;
    }
    return undefined;
  }

  list(): { path: ByteString; glob: string }[] {
    return [...this.granted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, glob]) => ({ path, glob }));
  }
}

/**
 * A file written with O_CREAT that is already there needs its directory writable only if it is really
 * made anew. When --include names that file and not its directory, the user asked for the file: it is
 * bound writable alone (it exists, and the service neither removes nor renames it).
 */
export function fileGrantedAlone(demand: Demand, include: string[], fs: FsView): Demand {
  const file = demand.createdInside;
  if (file === undefined || !demand.writable || demand.access.ops.has('delete')) return demand;
  if (include.length === 0 || matchingGlob(demand.path, include) !== undefined) return demand;
  if (matchingGlob(file, include) === undefined || fs.lstat(file) !== 'file') return demand;
  return { access: demand.access, path: file, writable: true, ...(demand.viaSymlink !== undefined ? { viaSymlink: demand.viaSymlink } : {}) };
}
