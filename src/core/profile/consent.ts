/**
 * Consent by --include, followed through links: `--include '/etc/APP/private/*'` where those are links
 * into /etc/ssl/private grants the files the links lead to, and only them. The trace also names them
 * by their real path (strace's -y), and a bind of the link shows its target. Pure: through FsView.
 */
import { resolveSymlinks, type FsView } from '../fsview.js';
import type { Access, ByteString } from '../model.js';
import { bytesToDisplay } from '../../../parsers/strings.js';
import { matchingGlob } from './fold-terms.js';

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

  /** The grant of a link leading exactly to `path`, if any. */
  linkTarget(path: ByteString): string | undefined {
    return this.linkTargets.get(path);
  }

  /** A secret bound (or left unmasked) by consent, for the profile and the audit. */
  record(path: ByteString, glob: string): void {
    this.granted.set(path, glob);
  }

  list(): { path: ByteString; glob: string }[] {
    return [...this.granted].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, glob]) => ({ path, glob }));
  }
}
