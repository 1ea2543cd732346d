import { describe, expect, test } from '@jest/globals';
import { foldProfile } from './fold.js';
import { memoryFsView } from '../testing/fs-views.js';
import type { Access, Operation } from '../core/model.js';
import { secretReason, secretsInside } from './secrets.js';

const PEM = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n';
const fs = memoryFsView(
  {
    '/var/lib/unbound/root.key': 'file',
    '/etc/app/server.key': 'file',
    '/etc/app/app.conf': 'file',
    '/etc/app/tls/cert.pem': 'file',
    '/etc/app/tls/key.pem': 'file',
    '/etc/app/htpasswd': 'file',
    '/etc/redis/redis.conf': 'file',
    '/etc/ssh/ssh_host_ed25519_key': 'file',
  },
  {
    '/var/lib/unbound/root.key': { mode: 0o644, head: '. 172800 IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh' },
    '/etc/app/server.key': { mode: 0o644, head: 'not a key, just named like one' },
    '/etc/app/tls/key.pem': { mode: 0o644, head: `Bag Attributes\n${PEM}` },
    '/etc/app/htpasswd': { mode: 0o640, uid: 0 },
    '/etc/redis/redis.conf': { mode: 0o640, uid: 110 },
  },
);
const redis = { names: ['redis-server', 'redis'], declared: [], uid: 110 };
const access = (path: string, ops: Operation[]): Access => ({ path, ops: new Set(ops), ok: true, errors: new Set(), count: 1, firstPid: 1, firstLine: 1, source: 't' });

describe('a secret is decided from the file, not its name', () => {
  test('a world-readable trust anchor named *.key is no secret; a file named *.key that is no key neither', () => {
    expect(secretReason('/var/lib/unbound/root.key', fs)).toBeUndefined();
    expect(secretReason('/etc/app/server.key', fs)).toBeUndefined();
  });

  test('a private key by its content, whatever its mode and name', () => {
    expect(secretReason('/etc/app/tls/key.pem', fs)).toBe('a private key (by its content)');
  });

  test("a key in the service's own directory is its own; the same key elsewhere, or for another service, is a secret", () => {
    const app = { names: ['app'], declared: [] };
    const nsd = { names: ['nsd'], declared: [] };
    expect(secretReason('/etc/app/tls/key.pem', fs, app)).toBeUndefined();
    expect(secretReason('/etc/app/tls/key.pem', fs, nsd)).toBe('a private key (by its content)');
    // Known places of shared secrets are judged by place first, whatever the service is called.
    expect(secretReason('/etc/ssh/ssh_host_ed25519_key', fs, { names: ['ssh'], declared: [] })).toBeDefined();
  });

  test("not readable by others, unless the service's own", () => {
    expect(secretReason('/etc/app/htpasswd', fs)).toMatch(/not readable by others \(mode 0640\)/);
    expect(secretReason('/etc/redis/redis.conf', fs, redis)).toBeUndefined();
    expect(secretReason('/etc/redis/redis.conf', fs, { ...redis, uid: 0, names: [] })).toMatch(/not readable by others/);
  });

  test('known places stay secrets', () => {
    expect(secretReason('/etc/ssh/ssh_host_ed25519_key', fs)).toBe('SSH host private key');
  });

  test('the fold binds the trust anchor and refuses the key', () => {
    const profile = foldProfile([access('/var/lib/unbound/root.key', ['read']), access('/etc/app/tls/key.pem', ['read'])], { baseline: false, include: [], exclude: [] }, fs);
    expect(profile.entries.filter((e) => e.directive === 'BindReadOnlyPaths').map((e) => e.value)).toEqual(['/var/lib/unbound/root.key']);
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/etc/app/tls/key.pem']);
  });
});

describe('never visible through a parent', () => {
  test('secrets inside a directory bound whole are found by walking it', () => {
    expect(secretsInside('/etc/app', fs).secrets.map((s) => s.path)).toEqual(['/etc/app/htpasswd', '/etc/app/tls/key.pem']);
  });

  test('the fold masks them with InaccessiblePaths=, unless --include consents', () => {
    const accesses = [access('/etc/app/app.conf', ['read']), access('/etc/app/tls/cert.pem', ['read'])];
    const options = { baseline: false, include: [] as string[], exclude: [], serviceNames: ['app'] };
    const profile = foldProfile(accesses, options, fs);
    expect(profile.entries.filter((e) => e.directive === 'BindReadOnlyPaths').map((e) => e.value)).toEqual(['/etc/app']);
    expect(profile.entries.filter((e) => e.directive === 'InaccessiblePaths').map((e) => e.value)).toEqual(['/etc/app/htpasswd', '/etc/app/tls/key.pem']);
    const granted = foldProfile(accesses, { ...options, include: ['/etc/app/tls/key.pem'] }, fs);
    expect(granted.entries.filter((e) => e.directive === 'InaccessiblePaths').map((e) => e.value)).toEqual(['/etc/app/htpasswd']);
  });
});
