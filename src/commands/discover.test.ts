import { describe, expect, test } from '@jest/globals';
import { terminalReviewer } from './discover.js';
import { fakeIO } from '../testing/fake-io.js';
import type { ReviewItem } from '../profile/review.js';

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

const logDir: ReviewItem = {
  path: '/var/log/app',
  proposed: 'writable',
  reason: 'written by pid 7 (line 12): /var/log/app/app.log',
  sensitive: false,
  optional: true,
  defaultAnswer: { kind: 'writable' },
  witness: 'app (pid 7), openat /var/log/app/app.log',
};
const wholeEtc: ReviewItem = { path: '/etc', proposed: 'read-only', reason: 'read by pid 7 (line 20): /etc/app.d/x and 9 more', sensitive: false, optional: false, defaultAnswer: { kind: 'read-only' } };
const prog: ReviewItem = { path: '/usr/sbin/app', proposed: 'read-only', reason: 'executed by pid 7 (line 1): /usr/sbin/app', sensitive: false, optional: false, defaultAnswer: { kind: 'read-only' } };
const lib: ReviewItem = { path: '/usr/lib/x86_64-linux-gnu', proposed: 'read-only', reason: 'baseline: dynamic libraries', sensitive: false, optional: false, defaultAnswer: { kind: 'read-only' } };

describe('interactive review by exception', () => {
  test('grouped overview; Enter accepts what needs no thought and asks only the rest; defaults in capitals', async () => {
    const { io, questions, shown } = scriptedTerminal(['', '', '', '']);
    const answers = await terminalReviewer(io).review([prog, lib, conf, logDir, key, wholeEtc]);
    const screen = shown();
    for (const title of ['Program and libraries', 'Configuration', 'Writable', 'Sensitive', 'Baseline']) expect(screen).toContain(title);
    expect(questions).toHaveLength(4);
    expect(questions[0]).toContain('3 need a decision');
    // Secrets first, then writable grants, then broad directories; never the library or the config file.
    expect(questions[1]).toContain('[D]eny');
    expect(questions[2]).toContain('[W]ritable');
    expect(questions[3]).toContain('[R]ead-only');
    expect(questions[1]).toContain('(a)ccept all remaining');
    expect(screen).toContain('SENSITIVE /etc/ssl/private/app.key');
    expect(screen).toContain('app (pid 7), openat /var/log/app/app.log');
    expect(screen).not.toMatch(/line \d+/);
    expect(answers.get(conf.path)).toEqual({ kind: 'read-only' });
    expect(answers.get(lib.path)).toEqual({ kind: 'read-only' });
    expect(answers.get(key.path)).toEqual({ kind: 'deny' });
    expect(answers.get(logDir.path)).toEqual({ kind: 'writable' });
    expect(answers.get(wholeEtc.path)).toEqual({ kind: 'read-only' });
  });

  test('a write to a system place is asked as a dangerous write, deny by default', async () => {
    const dpkg: ReviewItem = {
      path: '/var/lib/dpkg',
      proposed: 'writable',
      reason: "not the service's own; `ExecStartPost=-/usr/bin/helper` will meet a read-only file system there",
      sensitive: true,
      systemWrite: true,
      dangerous: "not the service's own; `ExecStartPost=-/usr/bin/helper` will meet a read-only file system there",
      optional: false,
      defaultAnswer: { kind: 'deny' },
    };
    const { io, questions, shown } = scriptedTerminal(['', '', '']);
    const answers = await terminalReviewer(io).review([dpkg]);
    expect(answers.get(dpkg.path)).toEqual({ kind: 'deny' });
    expect(questions.some((q) => q.includes('[D]eny'))).toBe(true);
    expect(shown()).toContain('DANGEROUS WRITE /var/lib/dpkg (writable)');
    expect(shown()).toContain('will meet a read-only file system');
  });

  test('(a)ccept all remaining gives this and every later question its default', async () => {
    const { io, questions } = scriptedTerminal(['', 'a']);
    const answers = await terminalReviewer(io).review([conf, key, logDir]);
    expect(questions).toHaveLength(2);
    expect(answers.get(key.path)).toEqual({ kind: 'deny' });
    expect(answers.get(logDir.path)).toEqual({ kind: 'writable' });
    expect(answers.get(conf.path)).toEqual({ kind: 'read-only' });
  });

  test('a dangerous grant is always asked, shown as such, and denied by default, also by accept-all', async () => {
    const danger: ReviewItem = { ...conf, path: '/etc/cron.d', proposed: 'writable', defaultAnswer: { kind: 'writable' }, dangerous: 'a writable /etc/cron.d runs code as root' };
    const first = scriptedTerminal(['', '']);
    expect((await terminalReviewer(first.io).review([danger, conf])).get(danger.path)).toEqual({ kind: 'deny' });
    expect(first.questions[1]).toContain('[D]eny');
    expect(first.shown()).toContain('DANGEROUS /etc/cron.d');
    const all = scriptedTerminal(['a']);
    expect((await terminalReviewer(all.io).review([danger, conf])).get(danger.path)).toEqual({ kind: 'deny' });
  });

  test('(l)ook at every path keeps the one-by-one review: letters choose, a wrong letter asks again, edit asks for an absolute path', async () => {
    const { io } = scriptedTerminal(['l', 'x', 'w', 'e', 'relative/path', 'e', '/etc/app']);
    const answers = await terminalReviewer(io).review([conf, key]);
    expect(answers.get(conf.path)).toEqual({ kind: 'writable' });
    expect(answers.get(key.path)).toEqual({ kind: 'edit', path: '/etc/app' });
  });

  test('nothing that matters: one key accepts everything', async () => {
    const { io, questions } = scriptedTerminal(['']);
    const answers = await terminalReviewer(io).review([conf, lib]);
    expect(questions).toHaveLength(1);
    expect(questions[0]).toContain('Nothing here needs a decision');
    expect(answers.size).toBe(2);
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
