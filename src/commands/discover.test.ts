import { describe, expect, test } from '@jest/globals';
import { Readable } from 'node:stream';
import { terminalReviewer } from './discover.js';
import type { CommandIO } from './types.js';
import type { ReviewItem } from '../core/review.js';

const identity = (s: string) => s;

/** A terminal that answers from a script, and records what was shown. */
function scriptedTerminal(replies: (string | undefined)[]) {
  const shown: string[] = [];
  const questions: string[] = [];
  const io: CommandIO = {
    out: (t) => void shown.push(t),
    err: (t) => void shown.push(t),
    paint: { red: identity, yellow: identity, bold: identity, dim: identity },
    stderrIsTTY: true,
    stdin: Readable.from([]),
    env: {},
    interactive: true,
    ask: async (question) => {
      questions.push(question);
      if (replies.length === 0) throw new Error(`unexpected question: ${question}`);
      return replies.shift();
    },
  };
  return { io, shown, questions };
}

const conf: ReviewItem = {
  path: '/etc/app/app.conf',
  proposed: 'read-only',
  reason: 'read by pid 7 (line 3)',
  sensitive: false,
  optional: false,
  defaultAnswer: { kind: 'read-only' },
};
const key: ReviewItem = {
  path: '/etc/ssl/private/app.key',
  proposed: 'read-only',
  reason: 'TLS private keys: read by pid 7 (line 9)',
  sensitive: true,
  optional: false,
  defaultAnswer: { kind: 'deny' },
};

describe('interactive review', () => {
  test('Enter takes the default, which is shown in capitals; sensitive paths default to deny', async () => {
    const { io, questions, shown } = scriptedTerminal(['', '']);
    const answers = await terminalReviewer(io).review([conf, key]);
    expect(answers.get(conf.path)).toEqual({ kind: 'read-only' });
    expect(answers.get(key.path)).toEqual({ kind: 'deny' });
    expect(questions[0]).toContain('[R]ead-only');
    expect(questions[1]).toContain('[D]eny');
    expect(shown.join('')).toContain('SENSITIVE /etc/ssl/private/app.key');
  });

  test('a write to a system place is shown as a dangerous write, deny by default', async () => {
    const dpkg: ReviewItem = {
      path: '/var/lib/dpkg',
      proposed: 'writable',
      reason: "not the service's own; `ExecStartPost=-/usr/bin/helper` will meet a read-only file system there",
      sensitive: true,
      systemWrite: true,
      optional: false,
      defaultAnswer: { kind: 'deny' },
    };
    const { io, questions, shown } = scriptedTerminal(['']);
    const answers = await terminalReviewer(io).review([dpkg]);
    expect(answers.get(dpkg.path)).toEqual({ kind: 'deny' });
    expect(questions[0]).toContain('[D]eny');
    expect(shown.join('')).toContain('DANGEROUS WRITE /var/lib/dpkg (writable)');
    expect(shown.join('')).toContain('will meet a read-only file system');
  });

  test('letters choose; a wrong letter asks again; edit asks for an absolute path', async () => {
    const { io } = scriptedTerminal(['x', 'w', 'e', 'relative/path', 'e', '/etc/app']);
    const answers = await terminalReviewer(io).review([conf, key]);
    expect(answers.get(conf.path)).toEqual({ kind: 'writable' });
    expect(answers.get(key.path)).toEqual({ kind: 'edit', path: '/etc/app' });
  });

  test('end of input stops the review with exit code 130 instead of hanging', async () => {
    const { io } = scriptedTerminal([undefined]);
    await expect(terminalReviewer(io).review([conf])).rejects.toMatchObject({ exitCode: 130 });
  });

  test('installing needs a yes; Enter means yes, n means no', async () => {
    expect(await terminalReviewer(scriptedTerminal(['']).io).confirmInstall('/etc/x.conf', '[Service]\n')).toBe(true);
    expect(await terminalReviewer(scriptedTerminal(['n']).io).confirmInstall('/etc/x.conf', '[Service]\n')).toBe(false);
  });
});
