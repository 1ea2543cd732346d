import { describe, expect, test } from '@jest/globals';
import { diagnoseStart, type Diagnosis, type JournalLine } from './diagnose.js';
import { failureAccount, refusalLikelyCause } from './failure-account.js';
import type { Profile } from '../core/model.js';

const exited = (unit: string, journal: JournalLine[], profile?: Profile) =>
  diagnoseStart({
    unit,
    properties: { ActiveState: 'failed', Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '1' },
    journal,
    exists: () => true,
    ...(profile ? { profile, visible: () => false } : {}),
  });

const lockdown: Profile = { entries: [{ directive: 'TemporaryFileSystem', value: '/:ro', reason: '' }], needsConsent: [], omitted: [] };

describe('the account of a failed start', () => {
  test("a port in use: the service's own last line is shown, and no talk of hidden paths without a sandbox", () => {
    const diagnosis = exited('nginx.service', [
      { message: 'nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)', pid: 812, identifier: 'nginx' },
      { message: 'nginx.service: Control process exited, code=exited, status=1/FAILURE', pid: 1, identifier: 'systemd' },
    ]);
    expect(diagnosis.lastOutput).toEqual(['nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)']);
    const text = failureAccount(diagnosis, { refused: [] });
    expect(text).toContain('"nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)"');
    expect(text).not.toMatch(/hidden path|Control process exited/);
  });

  test('secrets refused and the service then fails on its own: the refusal is named as the likely cause', () => {
    const diagnosis = exited('ssh.service', [{ message: 'sshd: no hostkeys available -- exiting.', pid: 90, identifier: 'sshd' }], lockdown);
    expect(refusalLikelyCause(diagnosis, ['/etc/ssh/ssh_host_rsa_key'])).toBe(true);
    const text = failureAccount(diagnosis, { refused: ['/etc/ssh/ssh_host_rsa_key'] });
    expect(text).toMatch(/refused \/etc\/ssh\/ssh_host_rsa_key as sensitive, and that refusal is the likely cause/);
    expect(text).toContain('"sshd: no hostkeys available -- exiting."');
    expect(text).not.toContain('nothing in the trace');
  });

  test('a refused path named by the output is still the refusal; a failure of systemd\'s own set-up is not', () => {
    const named = exited('app.service', [{ message: 'cat: /etc/shadow: No such file or directory', pid: 7, identifier: 'sh' }], lockdown);
    expect(named.fixes.map((f) => f.path)).toEqual(['/etc/shadow']);
    expect(refusalLikelyCause(named, ['/etc/shadow'])).toBe(true);
    expect(refusalLikelyCause(named, ['/etc/gshadow'])).toBe(false);
    const exec = diagnoseStart({
      unit: 'app.service',
      properties: { ActiveState: 'failed', Result: 'exit-code', ExecMainCode: '1', ExecMainStatus: '203' },
      journal: [],
      exists: () => true,
    });
    expect(refusalLikelyCause(exec, ['/etc/shadow'])).toBe(false);
    expect(failureAccount(exec, { refused: ['/etc/shadow'] })).not.toContain('likely cause');
  });

  test('nothing refused, nothing written: the summary alone', () => {
    const diagnosis = exited('app.service', []);
    expect(diagnosis.lastOutput).toBeUndefined();
    expect(failureAccount(diagnosis, { refused: [] })).toBe('app.service started but exited with status 1');
  });

  test('a refused write is named as a write, not as a secret', () => {
    const diagnosis: Diagnosis = { kind: 'service-error', summary: 'named.service started but exited with status 1.', details: [], fixes: [] };
    const text = failureAccount(diagnosis, { refused: ['/etc/bind/rndc.key', '/var/cache/bind'], refusedWrites: ['/var/cache/bind'] });
    expect(text).toContain('refused /etc/bind/rndc.key as sensitive and writes to /var/cache/bind (not its own), and that refusal is the likely cause');
  });
});
