import { describe, expect, test } from '@jest/globals';
import { containsSensitivePlace, sensitiveReason } from './sensitive.js';

describe('sensitiveReason', () => {
  test.each([
    ['/etc/shadow', 'password hashes'],
    ['/etc/shadow-', 'password hashes'],
    ['/etc/gshadow', 'password hashes'],
    ['/etc/sudoers', 'sudo policy'],
    ['/etc/sudoers.d/90-cloud', 'sudo policy'],
    ['/root', "root's home directory"],
    ['/root/.ssh/id_ed25519', "root's home directory"],
    ['/home/alice/.bashrc', "users' home directories"],
    ['/etc/ssh/ssh_host_ed25519_key', 'SSH host private key'],
    ['/etc/ssl/private/ssl-cert-snakeoil.key', 'TLS private keys'],
    ['/etc/letsencrypt/live/example.org/privkey.pem', 'TLS private key'],
    ['/etc/krb5.keytab', 'Kerberos keytab'],
    ['/var/lib/private/foo/db', "DynamicUser= services' private state"],
    ['/var/lib/foo/private/x', 'private state of another service'],
  ])('%s', (path, reason) => {
    expect(sensitiveReason(path)).toBe(reason);
  });

  test.each(['/etc/passwd', '/etc/ssh/ssh_host_ed25519_key.pub', '/etc/ssh/sshd_config', '/etc/ssl/certs/ca-certificates.crt', '/homework', '/rootfs/x', '/etc/sudoers-backup-dir', '/var/lib/unbound/root.key', '/srv/app/server.key'])(
    '%s is not sensitive by its place (a name is no reason: src/profile/secrets.ts judges the file)',
    (path) => {
      expect(sensitiveReason(path)).toBeUndefined();
    },
  );
});

describe('containsSensitivePlace', () => {
  test('ancestors of secret places are refused as widened binds', () => {
    expect(containsSensitivePlace('/etc')).toBe(true);
    expect(containsSensitivePlace('/etc/ssl')).toBe(true);
    expect(containsSensitivePlace('/var/lib')).toBe(true);
    expect(containsSensitivePlace('/etc/ssl/certs')).toBe(false);
    expect(containsSensitivePlace('/etc/nginx')).toBe(false);
  });
});

describe('paths far longer than any real one', () => {
  const long = 'x'.repeat(20 << 20);
  test('are matched without overflowing the stack', () => {
    expect(sensitiveReason(`/srv/${long}`)).toBeUndefined();
    expect(sensitiveReason(`/etc/ssl/private/${long}.key`)).toBe('TLS private keys');
    expect(sensitiveReason(`/root/${long}`)).toBe("root's home directory");
    expect(sensitiveReason(`/var/lib/${long}/private`)).toBe('private state of another service');
  });
});
