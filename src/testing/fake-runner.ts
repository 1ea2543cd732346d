/**
 * A Runner for tests of logic above the systemd layer: programs answer from a function of the test's
 * own, files live in memory, and every program run and every file written is recorded.
 */
import { type FsView } from '../core/fsview.js';
import { memoryFsView } from './fs-views.js';
import type { RunOptions, RunResult, Runner, Streamed } from '../systemd/runner.js';

export const ok = (stdout = ''): RunResult => ({ exitCode: 0, stdout, stderr: '' });

export interface FakeRunner {
  runner: Runner;
  /** Programs run, as `file arg…`. */
  calls: string[];
  /** Files and directories written or created. */
  writes: string[];
  /** The files, by path. */
  files: Map<string, Buffer>;
}

export interface FakeRunnerOptions {
  /** The answer to a program run; `ok()` when it returns undefined. */
  answer?(file: string, args: string[], options?: RunOptions): RunResult | undefined;
  files?: Record<string, string>;
  /** Symlinks, by path: their targets. Listed by readdir like files. */
  links?: Record<string, string>;
  /** What fsView() shows. */
  fs?: FsView;
  /** A streamed program (journalctl -f); without it, streaming is refused. */
  stream?(file: string, args: string[]): Streamed;
}

export function fakeRunner(options: FakeRunnerOptions = {}): FakeRunner {
  const calls: string[] = [];
  const writes: string[] = [];
  const files = new Map<string, Buffer>();
  for (const [path, text] of Object.entries(options.files ?? {})) files.set(path, Buffer.from(text, 'latin1'));
  const links = new Map(Object.entries(options.links ?? {}));
  const dirs = new Set<string>();
  const fs = options.fs ?? memoryFsView({});
  const runner: Runner = {
    root: '/',
    async run(file, args, runOptions) {
      calls.push([file, ...args].join(' '));
      return options.answer?.(file, args, runOptions) ?? ok();
    },
    stream(file, args) {
      calls.push([file, ...args].join(' '));
      if (options.stream === undefined) throw new Error('the fake runner does not stream');
      return options.stream(file, args);
    },
    async readFile(file) {
      return files.get(file);
    },
    async writeFileAtomic(file, data) {
      writes.push(file);
      files.set(file, Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1'));
    },
    async removeFile(file) {
      return links.delete(file) || files.delete(file);
    },
    async mkdirp(dir) {
      writes.push(dir);
      dirs.add(dir);
    },
    async readdir(dir) {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = [...files.keys(), ...links.keys()]
        .filter((p) => p.startsWith(prefix))
        .map((p) => p.slice(prefix.length).split('/')[0]);
      return names.length > 0 || dirs.has(dir) ? [...new Set(names)].sort() : undefined;
    },
    async removeEmptyDir(dir) {
      return dirs.delete(dir);
    },
    async createExclusive(file, data) {
      writes.push(file);
      if (files.has(file)) return false;
      files.set(file, Buffer.from(data, 'latin1'));
      return true;
    },
    async readlink(file) {
      return links.get(file);
    },
    fsView: () => fs,
  };
  return { runner, calls, writes, files };
}
