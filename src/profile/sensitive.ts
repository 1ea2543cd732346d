/**
 * Known places of secrets and other people's data. A trace touching them (often only a stat, or a probe
 * by a library) is not reason enough to show them to the service: they need the admin's consent
 * (`--include`). Only places, never names: other files are judged by their mode and content
 * (src/profile/secrets.ts), so a world-readable `root.key` trust anchor is no secret.
 */
import { decodeUtf8Bytes } from '../unit-file/escape.js';
import { isUnder } from '../core/fsview.js';
import { compileGlob } from '../core/glob.js';
import type { ByteString } from '../core/model.js';

interface SensitiveRule {
  glob: string;
  reason: string;
}

const RULES: SensitiveRule[] = [
  { glob: '/etc/{shadow,gshadow}{,-}', reason: 'password hashes' },
  { glob: '/etc/security/opasswd', reason: 'old password hashes' },
  { glob: '/etc/sudoers{,.d,.d/**}', reason: 'sudo policy' },
  { glob: '/root{,/**}', reason: "root's home directory" },
  { glob: '/home{,/**}', reason: "users' home directories" },
  { glob: '/etc/ssh/ssh_host_*_key', reason: 'SSH host private key' },
  { glob: '/etc/{ssl,pki/tls}/private{,/**}', reason: 'TLS private keys' },
  { glob: '/etc/letsencrypt/{archive,live}/**/privkey*.pem', reason: 'TLS private key' },
  { glob: '/etc/krb5.keytab', reason: 'Kerberos keytab' },
  { glob: '/var/lib/private{,/**}', reason: "DynamicUser= services' private state" },
  { glob: '/var/lib/*/private{,/**}', reason: 'private state of another service' },
  { glob: '/etc/credstore{,.encrypted}{,/**}', reason: 'systemd credentials' },
  { glob: '/dev/{mem,kmem,port}', reason: 'raw memory and I/O ports' },
  { glob: '/proc/kcore', reason: 'kernel memory' },
];

/**
 * Directories that hold secrets at fixed places. A bind of one of their ancestors would hand the secrets
 * over silently, so the fold never widens a bind to cover one of them.
 */
const SENSITIVE_PLACES: ByteString[] = [
  '/etc/shadow',
  '/etc/gshadow',
  '/etc/sudoers',
  '/etc/sudoers.d',
  '/etc/ssh',
  '/etc/ssl/private',
  '/etc/pki/tls/private',
  '/etc/letsencrypt/archive',
  '/etc/letsencrypt/live',
  '/etc/krb5.keytab',
  '/etc/credstore',
  '/etc/security',
  '/root',
  '/home',
  '/var/lib/private',
];

// Compiled once: the fold asks about every path of every trace.
const MATCHERS = RULES.map((rule) => {
  const test = compileGlob(rule.glob);
  if (test === undefined) throw new Error(`invalid sensitive-path glob ${rule.glob}`);
  return { test, reason: rule.reason };
});

function asText(path: ByteString): string {
  return decodeUtf8Bytes(path) ?? path;
}

/** Why `path` is sensitive, or undefined when it is not. */
export function sensitiveReason(path: ByteString): string | undefined {
  const text = asText(path);
  for (const matcher of MATCHERS) {
    if (matcher.test(text)) return matcher.reason;
  }
  return undefined;
}

/** True when binding the directory `dir` would also expose a known place holding secrets. */
export function containsSensitivePlace(dir: ByteString): boolean {
  return SENSITIVE_PLACES.some((place) => isUnder(place, dir)) || sensitiveReason(dir) !== undefined;
}

/**
 * Sockets that are a way out rather than a secret: what connects to them can have systemd or any
 * service act for it outside the sandbox (an LSB init script's systemctl call connects to the first).
 * Bound only with consent, like a secret; the audit refuses them either way (src/checks/audit.ts).
 */
const WAYS_OUT: Record<ByteString, string> = {
  '/run/systemd/private': "systemd's private API socket: a root process can start any unit through it, i.e. leave the sandbox",
  '/run/dbus/system_bus_socket': 'the D-Bus system bus: the service can ask systemd and other services to act for it',
};

export function wayOutReason(path: ByteString): string | undefined {
  return Object.hasOwn(WAYS_OUT, path) ? WAYS_OUT[path] : undefined;
}
