/**
 * The interactive review in a real terminal (tmux): discover shows the proposed profile grouped, asks
 * only about what matters (here a writable directory and a secret), names the program and syscall
 * behind each question, and "accept all remaining" ends the questions with the defaults.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { catUnit } from '../systemd/unit.js';
import { describeWithBed } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist', 'bindscout.mjs');
/** A tmux server of this test's own, so that no one else's sessions are touched. */
const SOCKET = `bindscout-review-e2e-${process.pid}`;
const SESSION = 'review';

const tmux = (...args: string[]) => execFileSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const screen = () => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', SESSION);

async function waitFor(pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = screen();
    if (pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} on the terminal:\n${text}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeWithBed('the interactive review, in a real terminal', (bed) => {
  beforeAll(() => {
    execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
  }, 60_000);

  afterAll(() => {
    try {
      execFileSync('tmux', ['-L', SOCKET, 'kill-server'], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  });

  test('grouped, only what matters asked, the process and syscall named, accept all remaining', async () => {
    const unit = 'bindscout-e2e-review.service';
    const file = `/run/systemd/system/${unit}`;
    const state = '/var/lib/bindscout-e2e-review';
    const conf = '/etc/bindscout-e2e-review.conf';
    const { runner, exec } = bed();
    await runner.mkdirp(state);
    await runner.writeFileAtomic(conf, 'x\n');
    await runner.writeFileAtomic(
      file,
      // The state file is written by a forked subshell: named after what its parent runs, not by a bare pid.
      `[Service]\nType=simple\nExecStart=/bin/sh -c "cat ${conf} /etc/shadow >/dev/null; (echo x > ${state}/last); exec sleep infinity"\n`,
    );
    try {
      await exec('systemctl', ['daemon-reload']);
      const before = await catUnit(runner, parseUnitName(unit));
      const command = `NO_COLOR=1 ${process.execPath} ${cli} discover ${unit} --dry-run --pid1 ${bed().pid1}; echo EXIT=$?; sleep 600`;
      tmux('new-session', '-d', '-s', SESSION, '-x', '200', '-y', '50', command);

      const overview = await waitFor(/need a decision/);
      // No Baseline group: discover binds only the baseline it uses.
      for (const title of ['Program and libraries', 'Configuration', 'Writable', 'Sensitive']) expect(overview).toContain(title);
      expect(overview).toMatch(/\? \/var\/lib\/bindscout-e2e-review .*\[writable\]/);
      expect(overview).toMatch(/\? \/etc\/shadow .*\[sensitive\]/);
      expect(overview).toContain('2 need a decision');
      tmux('send-keys', '-t', SESSION, 'Enter');

      const first = await waitFor(/\[1\/2\][\s\S]*\(a\)ccept all remaining \?/);
      // The secret comes first, named by the program that opened it and the syscall, not a journal line.
      expect(first).toMatch(/\[1\/2\] SENSITIVE \/etc\/shadow/);
      expect(first).toMatch(/cat \(pid \d+\), openat \/etc\/shadow/);
      expect(first).not.toMatch(/line \d+/);
      tmux('send-keys', '-t', SESSION, 'Enter');

      const second = await waitFor(/\[2\/2\][\s\S]*\(a\)ccept all remaining \?/);
      expect(second).toMatch(/\[2\/2\] \/var\/lib\/bindscout-e2e-review \(writable\)/);
      expect(second).toMatch(/sh \(pid \d+\), openat \/var\/lib\/bindscout-e2e-review\/last/);
      tmux('send-keys', '-t', SESSION, 'a', 'Enter');

      const end = await waitFor(/EXIT=\d+/, 180_000);
      console.info(`the terminal at the end:\n${end.trimEnd()}`);
      expect(end).toContain('EXIT=0');
      expect(end).not.toContain('[3/');
      expect(end).toMatch(/^BindPaths=\/var\/lib\/bindscout-e2e-review$/m);
      expect(end).not.toMatch(/^BindReadOnlyPaths=\/etc\/shadow$/m);
      expect(end).toMatch(/sensitive refused: +1 \(\/etc\/shadow\)/);
      expect(await catUnit(runner, parseUnitName(unit))).toBe(before);
    } finally {
      try {
        // Interrupted, bindscout puts the unit back before it exits; only then is the terminal closed.
        if (!/EXIT=\d+/.test(screen())) {
          tmux('send-keys', '-t', SESSION, 'C-c');
          await waitFor(/EXIT=\d+/, 120_000);
        }
        tmux('kill-session', '-t', SESSION);
      } catch {
        // ended
      }
      await runner.run('systemctl', ['stop', '--', unit]);
      await runner.removeFile(file);
      await runner.removeFile(conf);
      await runner.run('rm', ['-rf', '--', state]);
      await exec('systemctl', ['daemon-reload']);
    }
  }, 300_000);
});
