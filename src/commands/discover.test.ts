import { describe, expect, test } from '@jest/globals';
import { terminalReviewer } from './discover.js';
import { fakeIO } from '../testing/fake-io.js';
import type { ReviewItem } from '../core/review.js';

/** A terminal that answers from a script, and records what was shown. */
function scriptedTerminal(replies: (string | undefined)[]) {
  const { io, stderr, questions } = fakeIO({ interactive: true, stderrIsTTY: true, replies });
  return { io, shown: stderr, questions };
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
    expect(shown()).toContain('SENSITIVE /etc/ssl/private/app.key');
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
    expect(shown()).toContain('DANGEROUS WRITE /var/lib/dpkg (writable)');
    expect(shown()).toContain('will meet a read-only file system');
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
