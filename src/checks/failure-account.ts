/**
 * The account of a failed start that the admin reads last: the cause as diagnosed, the service's own
 * last words (`bind() to 0.0.0.0:80 failed (98: Address already in use)`), and, when bindscout refused
 * secrets and nothing else explains the failure, that the refusal is the likely cause. Pure.
 */
import type { Diagnosis } from './diagnose.js';

export interface FailureContext {
  /** Paths refused as secrets or denied by the admin, as shown to the admin. */
  refused: string[];
  /** Those of them that were writes to places not the service's own, not secrets. */
  refusedWrites?: string[];
  /** Why each refused write was refused, when the fold said more than "not its own" (a rotated log). */
  writeReasons?: Record<string, string>;
}

/** Kinds of failure that the service itself reports (its exit, a signal, a timeout), not systemd's set-up. */
const SERVICE_FAILURES = new Set(['service-error', 'signal', 'timeout', 'unknown']);

/** Whether refused paths are the likely cause: the service failed on its own and nothing else was named. */
export function refusalLikelyCause(diagnosis: Diagnosis | undefined, refused: string[]): boolean {
  if (diagnosis === undefined || refused.length === 0 || !SERVICE_FAILURES.has(diagnosis.kind)) return false;
  return diagnosis.fixes.every((f) => f.remove !== true && refused.includes(f.path));
}

/** The service's last lines as one quoted run, or '' when it wrote nothing. */
export function lastOutputText(diagnosis: Diagnosis | undefined, max = 3): string {
  const lines = (diagnosis?.lastOutput ?? []).map((l) => l.trim()).filter(Boolean).slice(-max);
  return lines.map((l) => `"${l.length > 300 ? `${l.slice(0, 300)}…` : l}"`).join(' ');
}

/** One paragraph: the cause, the refusal when it is the likely cause, the service's own last lines. */
export function failureAccount(diagnosis: Diagnosis | undefined, context: FailureContext, fallback = 'the start failed'): string {
  let text = (diagnosis?.summary ?? fallback).replace(/\.$/, '');
  if (refusalLikelyCause(diagnosis, context.refused)) {
    // No path the sandbox hides explains it (diagnose's words), but the refused ones may.
    text = text.replace(/; nothing in the trace or its output points at a hidden path$/, '');
    const writes = context.refused.filter((p) => context.refusedWrites?.includes(p));
    const secrets = context.refused.filter((p) => !writes.includes(p));
    const what = [
      ...(secrets.length > 0 ? [`${secrets.join(', ')} as sensitive`] : []),
      ...writes.map((p) => `writes to ${p} (not its own${context.writeReasons?.[p] !== undefined ? `: ${context.writeReasons[p]}` : ''})`),
    ].join(' and ');
    text += `; it was refused ${what}, and that refusal is the likely cause`;
  }
  const output = lastOutputText(diagnosis);
  if (output !== '') text += `; its last output: ${output}`;
  return text;
}
