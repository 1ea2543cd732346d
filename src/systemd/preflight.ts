/** What discover needs on the machine before it touches a unit: a recent enough systemd, and strace. */
import { MissingPrerequisite } from '../errors.js';
import type { Runner } from './runner.js';

/** TemporaryFileSystem= came with systemd 238. */
const OLDEST_SYSTEMD = 238;

export async function preflightTools(runner: Runner): Promise<void> {
  const version = await runner.run('systemctl', ['--version'], { timeoutMs: 30_000 });
  if (version.failedToStart) {
    throw new MissingPrerequisite('systemctl not found: discover needs systemd');
  }
  const major = Number(/^systemd (\d+)/m.exec(version.stdout)?.[1]);
  if (!(major >= OLDEST_SYSTEMD)) {
    const found = Number.isFinite(major) ? major : '(unknown version)';
    throw new MissingPrerequisite(
      `systemd ${found} is too old: TemporaryFileSystem= needs systemd ${OLDEST_SYSTEMD} or later`,
    );
  }
  const strace = await runner.run('/usr/bin/strace', ['-V'], { timeoutMs: 30_000 });
  if (strace.failedToStart || strace.exitCode !== 0) {
    throw new MissingPrerequisite(
      'strace is not installed (or does not run): discover traces the service with it',
      'install it: apt-get install strace',
    );
  }
}
