import { describe, expect, test } from '@jest/globals';
import { auditBeforeInstall } from './audit-gate.js';
import type { AuditReport, Violation } from '../checks/audit.js';
import { ViewError } from '../systemd/view.js';

const PRIVATE: Violation = { kind: 'socket', path: '/run/systemd/private', hostPath: null, entries: 1, canWrite: true, why: "systemd's private API socket" };
const RUN: Violation = { kind: 'writable', path: '/run', hostPath: null, entries: 300, canWrite: true, why: 'a directory of the host' };

function report(violations: Violation[]): AuditReport {
  return { unit: 'nginx.service', pid: 5, uid: 0, clean: violations.length === 0, visible: 900, outside: 400, outsideByDirectory: [], own: [], violations };
}

const take = (r: AuditReport) => async () => r;
const quiet = () => undefined;

describe('auditBeforeInstall', () => {
  test('a clean audit installs, without asking', async () => {
    const asked: AuditReport[] = [];
    const gate = await auditBeforeInstall('nginx.service', take(report([])), { installing: true, acceptAudit: false }, { acceptAudit: async (a) => (asked.push(a), false) }, quiet);
    expect(gate).toEqual({ audit: report([]) });
    expect(asked).toEqual([]);
  });

  test('--yes alone (nobody to ask) refuses a failing candidate, names the violations and the override', async () => {
    const gate = await auditBeforeInstall('nginx.service', take(report([PRIVATE, RUN])), { installing: true, acceptAudit: false }, {}, quiet);
    expect(gate.audit?.violations).toHaveLength(2);
    expect(gate.refusal).toContain('socket /run/systemd/private, writable /run');
    expect(gate.refusal).toContain('--accept-audit');
    expect(gate.refusal).toContain('not installed');
  });

  test('--accept-audit installs it and says so; an admin who answers yes does too, one who answers no does not', async () => {
    const failing = report([RUN]);
    const accepted = await auditBeforeInstall('nginx.service', take(failing), { installing: true, acceptAudit: true }, {}, quiet);
    expect(accepted.refusal).toBeUndefined();
    expect(accepted.note).toContain('--accept-audit');
    const shown: AuditReport[] = [];
    const yes = await auditBeforeInstall('nginx.service', take(failing), { installing: true, acceptAudit: false }, { acceptAudit: async (a) => (shown.push(a), true) }, quiet);
    expect(shown).toEqual([failing]);
    expect(yes.refusal).toBeUndefined();
    const no = await auditBeforeInstall('nginx.service', take(failing), { installing: true, acceptAudit: false }, { acceptAudit: async () => false }, quiet);
    expect(no.refusal).toContain('the admin said no');
  });

  test('a dry run reports the audit and refuses nothing; a finished oneshot has no process to audit', async () => {
    const dry = await auditBeforeInstall('nginx.service', take(report([RUN])), { installing: false, acceptAudit: false }, {}, quiet);
    expect(dry).toEqual({ audit: report([RUN]) });
    const gone = await auditBeforeInstall('job.service', async () => { throw new ViewError('job.service has no main process', 'job.service', 'not-running'); }, { installing: true, acceptAudit: false }, {}, quiet);
    expect(gone).toEqual({ audit: null, note: 'no audit: job.service has no main process' });
    await expect(auditBeforeInstall('x.service', async () => { throw new Error('find failed'); }, { installing: true, acceptAudit: false }, {}, quiet)).rejects.toThrow('find failed');
  });
});

describe('a unit that has a process the audit cannot look into', () => {
  const unauditable = async (): Promise<AuditReport> => {
    throw new ViewError('the processes of app.service are gone or never ran its program', 'app.service', 'gone');
  };

  test('--yes never installs it unaudited; --accept-audit does, and says so', async () => {
    const refused = await auditBeforeInstall('app.service', unauditable, { installing: true, acceptAudit: false }, {}, quiet);
    expect(refused.audit).toBeNull();
    expect(refused.refusal).toContain('could not be audited');
    expect(refused.refusal).toContain('--accept-audit');
    const accepted = await auditBeforeInstall('app.service', unauditable, { installing: true, acceptAudit: true }, {}, quiet);
    expect(accepted.refusal).toBeUndefined();
    expect(accepted.note).toContain('no audit');
  });
});
