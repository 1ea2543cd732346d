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
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { parentOf } from './fsview.js';
import type { ByteString, ProfileEntry } from './model.js';

export const SHARED_RUN: ByteString = '/run';

/** `/var/run/x.pid` and `/run/x.pid` are the same file on every current distribution. */
export function canonicalRunPath(path: ByteString): ByteString {
  return path === '/var/run' || path.startsWith('/var/run/') ? path.slice('/var'.length) : path;
}

export function isDirectlyInRun(path: ByteString): boolean {
  const canonical = canonicalRunPath(path);
  return canonical !== SHARED_RUN && parentOf(canonical) === SHARED_RUN;
}

/** A RuntimeDirectory= name for the private /run of a unit or, without one, of the first file created. */
export function privateRunName(unitOrFile: string): string {
  const base = unitOrFile.replace(/^.*\//, '').replace(/\.(service|pid|sock|ctl)$/, '').replace(/[^A-Za-z0-9_.@+-]/g, '_');
  return `${base || 'service'}-private-run`;
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
