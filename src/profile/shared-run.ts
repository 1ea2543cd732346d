/**
 * Files a service creates directly in `/run` (nginx's `/run/nginx.pid`, crond's `/run/crond.pid`, a
 * control socket such as `/run/unbound.ctl`). A new file cannot be created on the read-only root, and a
 * single-file bind needs the file to exist before the start and cannot be removed while mounted; the
 * host's whole `/run` writable would hand over systemd's private API socket, D-Bus and every other
 * service's sockets. Instead the service gets a private `/run` of its own, backed by a host directory:
 *
 *   RuntimeDirectory=NAME-private-run        systemd creates /run/NAME-private-run (owned by User=)
 *   RuntimeDirectoryPreserve=yes             it outlives stop and restart, with the pid file in it
 *   BindPaths=/run/NAME-private-run:/run     the service's /run is that directory
 *   PIDFile=/run/NAME-private-run/FILE.pid   systemd reads the pid file on the host side
 *
 * Binds below /run (the journal and notify sockets, the unit's own RuntimeDirectory=) are mounted after
 * it (systemd mounts shallower destinations first), so they stay visible. Inside, the service, its
 * ExecReload=/ExecStop= helpers and a log reopen find the pid file at the path they always used.
 *
 * Outside, the host's own tools look where they always did: `unbound-control` for /run/unbound.ctl,
 * logrotate's `kill -USR1 $(cat /run/nginx.pid)`. For them each file gets a relative symlink at its old
 * host path, which connect() and open() follow into the private /run. No line of the drop-in can make
 * it: on systemd 252 even a `+` command runs under the unit's root tmpfs and binds (its /run is the
 * private one, and it has no /proc to reach PID 1's; measured), so the links are a tmpfiles.d snippet:
 *
 *   d  /run/NAME-private-run 0755 root root -       the directory the links point into, from boot on
 *   L+ /run/FILE - - - - NAME-private-run/FILE      replaces a file left by a run without the profile
 *
 * The directory line keeps the links from dangling if the drop-in is removed and the snippet is not:
 * the unsandboxed service then writes through them into a directory that exists.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { parentOf } from '../core/fsview.js';
import type { ByteString, HostLink, ProfileEntry } from '../core/model.js';

export const SHARED_RUN: ByteString = '/run';

/** `/var/run/x.pid` and `/run/x.pid` are the same file on every current distribution. */
export function canonicalRunPath(path: ByteString): ByteString {
  return path === '/var/run' || path.startsWith('/var/run/') ? path.slice('/var'.length) : path;
}

export function isDirectlyInRun(path: ByteString): boolean {
  const canonical = canonicalRunPath(path);
  return canonical !== SHARED_RUN && parentOf(canonical) === SHARED_RUN;
}

export const PRIVATE_RUN_SUFFIX = '-private-run';

/** A RuntimeDirectory= name for the private /run of a unit or, without one, of the first file created. */
export function privateRunName(unitOrFile: string): string {
  const base = unitOrFile.replace(/^.*\//, '').replace(/\.(service|pid|sock|ctl)$/, '').replace(/[^A-Za-z0-9_.@+-]/g, '_');
  return `${base || 'service'}${PRIVATE_RUN_SUFFIX}`;
}

export interface PrivateRunInput {
  name: string;
  /** Files the service created or removed directly in /run. */
  files: ByteString[];
  /** What created them (for the reason text). */
  createdBy: string;
  /** The unit's PIDFile=, when it has one. */
  pidFile?: ByteString;
  /** The pid file was inferred from the trace, not read from the unit. */
  pidFileGuessed?: boolean;
  /** Some were reached through the /var/run link, which the empty root does not have. */
  viaVarRun?: boolean;
}

export function privateRunEntries(input: PrivateRunInput): ProfileEntry[] {
  const host = `${SHARED_RUN}/${input.name}`;
  const names = input.files.map(bytesToDisplay).join(', ');
  const entries: ProfileEntry[] = [
    {
      directive: 'RuntimeDirectory',
      value: input.name,
      reason: `files are created directly in /run (${input.createdBy}): the service gets a private /run backed by ${host} instead of the host's whole /run`,
    },
    {
      directive: 'RuntimeDirectoryPreserve',
      value: 'yes',
      reason: `${host} and the pid file in it outlive a stop and a restart, as they would in the host's /run`,
    },
    {
      directive: 'BindPaths',
      value: host,
      destination: SHARED_RUN,
      reason: `the service's /run is ${host}: ${names} land there; binds below /run are mounted after it and stay visible`,
    },
  ];
  if (input.viaVarRun) {
    entries.push({
      directive: 'BindPaths',
      value: host,
      destination: '/var/run',
      reason: `${names} are reached through /var/run, a link to /run the empty root does not have: the same private directory is bound there`,
    });
  }
  if (input.pidFile !== undefined && isDirectlyInRun(input.pidFile)) {
    const file = canonicalRunPath(input.pidFile).slice(SHARED_RUN.length + 1);
    entries.push({
      directive: 'PIDFile',
      value: `${host}/${file}`,
      reason: `the unit's PIDFile=${bytesToDisplay(input.pidFile)} as systemd sees it from the host: the service writes it into its private /run` + (input.pidFileGuessed ? ' (taken from the trace: keep this only if the unit has that PIDFile=)' : ''),
    });
  }
  return entries;
}

/** Names written into a tmpfiles.d line as they are: anything else gets no link (and no escaping puzzle). */
const PLAIN_NAME = /^[A-Za-z0-9_.@+-]+$/;

export function privateRunLinks(input: PrivateRunInput): HostLink[] {
  const names = [...new Set(input.files.map((f) => canonicalRunPath(f).slice(SHARED_RUN.length + 1)))].sort();
  return names
    .filter((file) => PLAIN_NAME.test(file))
    .map((file) => ({
      path: `${SHARED_RUN}/${file}`,
      target: `${input.name}/${file}`,
      reason: `the host's own tools find ${SHARED_RUN}/${file} where they always did`,
    }));
}

/** The private /run a set of links points into (they all share one). */
export function privateRunOfLinks(links: HostLink[]): string | undefined {
  return links[0]?.target.split('/')[0];
}

/** Where discover installs the links of UNIT's private /run. */
export function tmpfilesPath(unit: string): string {
  return `/etc/tmpfiles.d/bindscout-${unit}.conf`;
}

/** The tmpfiles.d lines that make the links: the directory they point into first. */
export function tmpfilesLines(links: HostLink[]): string[] {
  const privateRun = privateRunOfLinks(links);
  if (privateRun === undefined) return [];
  return [`d ${SHARED_RUN}/${privateRun} 0755 root root -`, ...links.map((l) => `L+ ${bytesToDisplay(l.path)} - - - - ${bytesToDisplay(l.target)}`)];
}

/** The links an installed snippet makes (its `L+` lines), with their line numbers: renderTmpfiles read back. */
export function linksOfTmpfiles(text: string): { path: string; target: string; line: number }[] {
  const links: { path: string; target: string; line: number }[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'L+' && fields.length >= 7) links.push({ path: fields[1], target: fields[6], line: index + 1 });
  }
  return links;
}

export function renderTmpfiles(unit: string, links: HostLink[]): string {
  const lines = tmpfilesLines(links);
  if (lines.length === 0) return '';
  return [
    `# Written by bindscout discover for ${unit}: links in the host's /run to the files it makes in its`,
    `# private /run, for the host's own tools. Remove it together with the unit's bindscout drop-in.`,
    ...lines,
  ].join('\n') + '\n';
}

/** The host links of a private /run named `name`: the relative target each link points to starts with it. */
export function isPrivateRunLinkTarget(target: string, name: string): boolean {
  return target.startsWith(`${name}/`);
}
