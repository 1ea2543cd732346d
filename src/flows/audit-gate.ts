/**
 * The audit between a verified candidate and its installation: the service runs under the candidate,
 * so its own mount namespace shows what the profile really exposes. A candidate that fails the audit
 * is installed only with an explicit yes: `--accept-audit`, or the admin's answer when asked. `--yes`
 * alone refuses.
 */
import { describeViolation, type AuditReport } from '../checks/audit.js';
import { ViewError } from '../systemd/view.js';

export const ACCEPT_AUDIT_FLAG = '--accept-audit';

export interface AuditGateOptions {
  /** Nothing will be installed (--dry-run, --output): the audit is reported, not enforced. */
  installing: boolean;
  /** The admin said yes in advance (--accept-audit). */
  acceptAudit: boolean;
}

export interface AuditAsker {
  /** Shows the violations and asks whether to install anyway; absent under --yes. */
  acceptAudit?(audit: AuditReport): Promise<boolean>;
}

export interface AuditGate {
  audit: AuditReport | null;
  /** Why the candidate is not installed; undefined when it may be. */
  refusal?: string;
  /** For the report: what the audit could not do, or what was accepted. */
  note?: string;
}

const SHOWN = 5;

export async function auditBeforeInstall(
  unit: string,
  takeAudit: () => Promise<AuditReport>,
  options: AuditGateOptions,
  asker: AuditAsker,
  log: (message: string) => void,
): Promise<AuditGate> {
  let audit: AuditReport;
  try {
    log(`auditing what ${unit} sees under the candidate`);
    audit = await takeAudit();
  } catch (err) {
    if (!(err instanceof ViewError)) throw err;
    // A Type=oneshot service that has finished has no process to look into: nothing runs unaudited.
    if (err.reason === 'not-running' || !options.installing || options.acceptAudit) {
      const note = `no audit: ${err.message}${err.reason === 'not-running' ? '' : ` (${options.acceptAudit ? ACCEPT_AUDIT_FLAG : 'nothing installed'})`}`;
      log(note);
      return { audit: null, note };
    }
    // It has a process that could not be looked into: what it sees is unknown, so it is not installed.
    return {
      audit: null,
      refusal:
        `the candidate works but could not be audited (${err.message}), so it was not installed and ${unit} runs as it was found; ` +
        `run again with ${ACCEPT_AUDIT_FLAG} to install it unaudited`,
    };
  }
  const summary = `${audit.outside} entries visible outside the system trees and its own directories`;
  for (const g of audit.granted ?? []) log(`audit: granted secret ${g.path}: ${g.why}`);
  if (audit.clean) {
    log(`audit: clean; ${summary}`);
    return { audit };
  }
  log(`audit: ${audit.violations.length} violation${audit.violations.length === 1 ? '' : 's'}; ${summary}`);
  for (const v of audit.violations.slice(0, 20)) log(`  ${describeViolation(v)}`);
  if (audit.violations.length > 20) log(`  … and ${audit.violations.length - 20} more (all in --json)`);
  if (!options.installing) return { audit };
  if (options.acceptAudit) {
    const note = `installed although the audit found ${audit.violations.length} violation(s) (${ACCEPT_AUDIT_FLAG})`;
    log(note);
    return { audit, note };
  }
  if (asker.acceptAudit !== undefined && (await asker.acceptAudit(audit))) {
    return { audit, note: `installed although the audit found ${audit.violations.length} violation(s): the admin said yes` };
  }
  const shown = audit.violations.slice(0, SHOWN).map((v) => `${v.kind} ${v.path}`).join(', ');
  const more = audit.violations.length > SHOWN ? ` and ${audit.violations.length - SHOWN} more` : '';
  const how =
    asker.acceptAudit === undefined
      ? `run again with ${ACCEPT_AUDIT_FLAG} to install it anyway, or --dry-run --json to see the whole audit`
      : 'the admin said no';
  return {
    audit,
    refusal: `the candidate works but fails the audit (${shown}${more}), so it was not installed and ${unit} runs as it was found; ${how}`,
  };
}
