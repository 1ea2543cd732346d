/**
 * The interactive review on the terminal: the proposed profile grouped, one key to accept what needs no
 * thought, questions only about what matters (see profile/review-groups.ts). Every answer of the
 * one-path-at-a-time prompt stays, plus (a)ccept all remaining.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import type { Reviewer } from '../flows/discover.js';
import { describeViolation, type AuditReport } from '../checks/audit.js';
import { effectiveDefault, overviewLines, planReview, reasonWithoutLines, whyAsked } from '../profile/review-groups.js';
import { ANSWER_KEYS, type Answer, type ReviewItem } from '../profile/review.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { CommandIO } from './types.js';

const ACCEPT_REMAINING = { key: 'a', label: 'accept all remaining' } as const;

function keyOf(answer: Answer): string {
  return ANSWER_KEYS.find((k) => k.kind === answer.kind)?.key ?? 'r';
}

export function terminalReviewer(io: CommandIO): Reviewer {
  const ask = async (question: string): Promise<string> => {
    const answer = await io.ask!(question);
    if (answer === undefined) throw new CliError('no answer (input ended or interrupted)', ExitCode.interrupted);
    return answer.trim();
  };

  /** One question per item; 'a' gives this one and every later one its default. */
  async function askEach(items: ReviewItem[], answers: Map<string, Answer>): Promise<void> {
    for (const [index, item] of items.entries()) {
      const fallback = keyOf(effectiveDefault(item));
      const keys = [...ANSWER_KEYS, ACCEPT_REMAINING].map((k) => (k.key === fallback ? `[${k.key.toUpperCase()}]` : `(${k.key})`) + k.label.slice(1)).join(' ');
      const asked = whyAsked(item);
      const danger = item.systemWrite ? 'DANGEROUS WRITE ' : 'DANGEROUS ';
      const mark = item.dangerous !== undefined ? io.paint.red(danger) : item.sensitive ? io.paint.red('SENSITIVE ') : '';
      io.err(`\n[${index + 1}/${items.length}] ${mark}${io.paint.bold(bytesToDisplay(item.path))} (${item.proposed}${item.optional ? ', may be missing' : ''}${asked && !mark && asked !== item.proposed ? `; ${asked}` : ''})\n`);
      if (item.dangerous !== undefined) io.err(`  ${item.dangerous}\n`);
      io.err(`  ${item.witness ?? reasonWithoutLines(item.reason)}\n`);
      for (;;) {
        const reply = (await ask(`  ${keys} ? `)).toLowerCase() || fallback;
        if (reply[0] === ACCEPT_REMAINING.key) {
          for (const rest of items.slice(index)) answers.set(rest.path, effectiveDefault(rest));
          return;
        }
        const choice = ANSWER_KEYS.find((k) => k.key === reply[0]);
        if (choice === undefined) {
          io.err('  answer with one of the letters shown\n');
          continue;
        }
        if (choice.kind === 'edit') {
          const replacement = await ask('  path to grant instead: ');
          if (!replacement.startsWith('/')) {
            io.err('  an absolute path, please\n');
            continue;
          }
          answers.set(item.path, { kind: 'edit', path: Buffer.from(replacement, 'utf8').toString('latin1') });
        } else {
          answers.set(item.path, { kind: choice.kind } as Answer);
        }
        break;
      }
    }
  }

  return {
    async review(items: ReviewItem[]) {
      const answers = new Map<string, Answer>();
      const plan = planReview(items);
      io.err(`\n${io.paint.bold(`Proposed: ${items.length} path${items.length === 1 ? '' : 's'}`)}\n`);
      for (const line of overviewLines(plan)) io.err(`  ${line}\n`);
      const rest = `accept the other ${plan.accept.length} as proposed`;
      const question =
        plan.ask.length > 0
          ? `${plan.ask.length} need${plan.ask.length === 1 ? 's' : ''} a decision (marked ?). [Enter] ask about ${plan.ask.length === 1 ? 'it' : 'them'} and ${rest}, (a)ccept all as proposed, (l)ook at every path ? `
          : `Nothing here needs a decision. [Enter] accept all ${items.length} as proposed, (l)ook at every path ? `;
      for (;;) {
        const reply = (await ask(`\n${question}`)).toLowerCase();
        if (reply === '' || reply[0] === 'y') {
          for (const item of plan.accept) answers.set(item.path, effectiveDefault(item));
          await askEach(plan.ask, answers);
        } else if (reply[0] === ACCEPT_REMAINING.key) {
          for (const item of items) answers.set(item.path, effectiveDefault(item));
        } else if (reply[0] === 'l') {
          await askEach(items, answers);
        } else {
          io.err('  answer with Enter, a or l\n');
          continue;
        }
        return answers;
      }
    },
    async acceptAudit(audit: AuditReport) {
      const count = `${audit.violations.length} violation${audit.violations.length === 1 ? '' : 's'}`;
      io.err(`\n${io.paint.red(`The service, running under this profile, fails the audit (${count}):`)}\n`);
      for (const v of audit.violations.slice(0, 40)) io.err(`  ${describeViolation(v)}\n`);
      if (audit.violations.length > 40) io.err(`  … and ${audit.violations.length - 40} more\n`);
      const reply = (await ask('Install it anyway? [y/N] ')).toLowerCase();
      return reply.startsWith('y');
    },
    async confirmInstall(path, dropin) {
      io.err(`\n${dropin}\n`);
      const reply = (await ask(`Install this drop-in as ${path} and keep the service running under it? [Y/n] `)).toLowerCase();
      return reply === '' || reply.startsWith('y');
    },
  };
}
