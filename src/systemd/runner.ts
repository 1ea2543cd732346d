/**
 * The one door to the system: every program bindscout runs (systemctl, journalctl, strace…) and every
 * file it reads or writes in systemd's view of the filesystem goes through a Runner. The host runner
 * talks to the machine's own systemd; the namespace runner talks to a systemd running as PID 1 in a
 * container (the test bed), by entering its namespaces for programs and going through
 * /proc/PID/root for files. Tests of pure logic hand in a fake.
 *
 * Programs are always run with an argv array, never through a shell.
 */
import { execa } from 'execa';
import { existsSync, promises as fsp } from 'node:fs';
import { MissingPrerequisite } from '../errors.js';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { FsView } from '../core/fsview.js';
import { createTreeFsView } from '../host/fs.js';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface RunResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The program could not be started at all (ENOENT…), or was killed by the timeout. */
  failedToStart?: string;
  timedOut?: boolean;
}

export interface Streamed {
  /** stdout, line by line, as latin1 (one char per byte) so that nothing is lost before parsing. */
  lines: AsyncIterable<string>;
  stop(): void;
  done: Promise<RunResult>;
}

export interface Runner {
  run(file: string, args: string[], options?: RunOptions): Promise<RunResult>;
  /** A long-running program whose stdout is consumed as it comes (journalctl --follow). */
  stream(file: string, args: string[], options?: RunOptions): Streamed;
  readFile(file: string): Promise<Buffer | undefined>;
  /** Write to a temporary name in the same directory, then rename: readers never see half a file. */
  writeFileAtomic(file: string, data: string | Buffer, mode?: number): Promise<void>;
  removeFile(file: string): Promise<boolean>;
  mkdirp(dir: string): Promise<void>;
  readdir(dir: string): Promise<string[] | undefined>;
  /** rmdir: false when it is missing or not empty (never removes contents). */
  removeEmptyDir(dir: string): Promise<boolean>;
  /** Creates the file only if it does not exist yet (O_EXCL): false when it already did. */
  createExclusive(file: string, data: string): Promise<boolean>;
  /** The symlink's text; undefined when the path is not a symlink (or does not exist). Never followed. */
  readlink(file: string): Promise<string | undefined>;
  /**
   * systemd's view of the filesystem as an FsView (for the fold and the checks): for a container, an
   * absolute symlink inside it leads to the container's `/`, never into the host's tree.
   */
  fsView(): FsView;
  /** Where `/` of systemd's view is in this process's view (`/` for the host). */
  readonly root: string;
}

async function runWithExeca(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  const result = await execa(file, args, {
    input: options.input,
    timeout: options.timeoutMs,
    env: { LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0', ...options.env },
    reject: false,
    stripFinalNewline: false,
    encoding: 'utf8',
  });
  const failedToStart = result.failed && result.exitCode === undefined && !result.timedOut ? result.shortMessage : undefined;
  return {
    exitCode: result.exitCode ?? (result.timedOut ? 124 : 127),
    stdout: String(result.stdout ?? ''),
    stderr: String(result.stderr ?? ''),
    ...(failedToStart ? { failedToStart } : {}),
    ...(result.timedOut ? { timedOut: true } : {}),
  };
}

function streamWithExeca(file: string, args: string[], options: RunOptions = {}): Streamed {
  const child = execa(file, args, {
    env: { LC_ALL: 'C', SYSTEMD_PAGER: '', SYSTEMD_COLORS: '0', ...options.env },
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stderr: 'pipe',
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 65536) stderr += d;
  });
  async function* lines(): AsyncGenerator<string> {
    let rest = '';
    for await (const chunk of child.stdout!.setEncoding('latin1')) {
      const text = rest + (chunk as string);
      const parts = text.split('\n');
      rest = parts.pop()!;
      yield* parts;
    }
    if (rest) yield rest;
  }
  return {
    lines: lines(),
    stop: () => void child.kill('SIGTERM'),
    done: child.then((r) => ({ exitCode: r.exitCode ?? 0, stdout: '', stderr })),
  };
}

class FileRunner {
  constructor(readonly root: string) {}

  private at(file: string): string {
    if (!path.isAbsolute(file)) throw new Error(`not an absolute path: ${file}`);
    return this.root === '/' ? file : path.join(this.root, file);
  }

  async readFile(file: string): Promise<Buffer | undefined> {
    try {
      return await fsp.readFile(this.at(file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async writeFileAtomic(file: string, data: string | Buffer, mode = 0o644): Promise<void> {
    const target = this.at(file);
    const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
    await fsp.writeFile(temp, data, { mode });
    try {
      await fsp.rename(temp, target);
    } catch (err) {
      await fsp.rm(temp, { force: true });
      throw err;
    }
  }

  async removeFile(file: string): Promise<boolean> {
    try {
      await fsp.unlink(this.at(file));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async mkdirp(dir: string): Promise<void> {
    await fsp.mkdir(this.at(dir), { recursive: true });
  }

  async removeEmptyDir(dir: string): Promise<boolean> {
    try {
      await fsp.rmdir(this.at(dir));
      return true;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTEMPTY' || code === 'EEXIST') return false;
      throw err;
    }
  }

  async createExclusive(file: string, data: string): Promise<boolean> {
    try {
      await fsp.writeFile(this.at(file), data, { flag: 'wx', mode: 0o644 });
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
  }

  async readlink(file: string): Promise<string | undefined> {
    try {
      return (await fsp.readlink(Buffer.from(this.at(file), 'latin1'), { encoding: 'buffer' })).toString('latin1');
    } catch {
      return undefined;
    }
  }

  fsView(): FsView {
    return createTreeFsView(this.root);
  }

  async readdir(dir: string): Promise<string[] | undefined> {
    try {
      return (await fsp.readdir(this.at(dir))).sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
  }
}

/** The machine's own systemd. */
export function createHostRunner(): Runner {
  const files = new FileRunner('/');
  return Object.assign(files, {
    run: runWithExeca,
    stream: streamWithExeca,
  }) as Runner;
}

/**
 * A systemd running as PID 1 of a container whose PID 1 is `pid1` on this host: programs run inside
 * all of its namespaces (nsenter -a), files are reached through /proc/PID1/root.
 */
export function createNamespaceRunner(pid1: number): Runner {
  if (!Number.isInteger(pid1) || pid1 <= 1) throw new Error(`not a container PID 1: ${pid1}`);
  // Without the process every file below /proc/PID/root looks missing: say so once, up front.
  if (!existsSync(`/proc/${pid1}`)) {
    throw new MissingPrerequisite(`--pid1 ${pid1}: no such process`, "give the container's PID 1 as seen here: machinectl show NAME -p Leader, or docker inspect -f '{{.State.Pid}}' NAME");
  }
  const files = new FileRunner(`/proc/${pid1}/root`);
  // nsenter forks to enter the PID namespace and passes no signal on (and Debian 12's has no
  // --kill-child): a stopped stream or a timed-out run would leave its program running inside the
  // container. setpriv makes the program die with nsenter.
  const enter = (file: string, args: string[]) => ['-t', String(pid1), '-a', '--', 'setpriv', '--pdeathsig', 'KILL', '--', file, ...args];
  return Object.assign(files, {
    run: (file: string, args: string[], options?: RunOptions) => runWithExeca('nsenter', enter(file, args), options),
    stream: (file: string, args: string[], options?: RunOptions) => streamWithExeca('nsenter', enter(file, args), options),
  }) as Runner;
}
