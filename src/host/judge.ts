/**
 * Whose files decide what a trace's failed paths mean. A path that failed with ENOENT in the trace is
 * bound when it exists on the machine that judges it (it may be created later) and left out when it
 * does not: for a log taken on another machine this machine's files are the wrong answer.
 */
import { statSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { FsView } from '../core/fsview.js';
import type { Access } from '../core/model.js';
import { traceFsViewInSteps } from '../trace/trace-fsview.js';
import type { Steps } from '../core/steps.js';
import { ArgumentError } from '../errors.js';
import { createHostFsView, createTreeFsView } from './fs.js';

export interface Judge {
  /** A function (in steps, src/core/steps.ts) when the view is built from the accesses themselves. */
  fs: FsView | ((accesses: Access[]) => Steps<FsView>);
  /** For the drop-in's header. */
  description: string;
  /** For --json. */
  json: { kind: 'host'; hostname: string } | { kind: 'root'; root: string } | { kind: 'trace' };
}

export function chooseJudge(options: { root?: string; host: boolean }): Judge {
  if (options.root !== undefined && !options.host) throw new ArgumentError('--root and --no-host exclude each other');
  if (options.root !== undefined) {
    const root = path.resolve(options.root);
    let isDirectory = false;
    try {
      isDirectory = statSync(root).isDirectory();
    } catch {
      // reported below
    }
    if (!isDirectory) throw new ArgumentError(`--root ${options.root}: not a directory`, "give the other machine's root tree (mounted or copied), e.g. --root /mnt/web01");
    return {
      fs: createTreeFsView(root),
      description: `Paths that failed in the trace were judged by the files under ${root}.`,
      json: { kind: 'root', root },
    };
  }
  if (!options.host) {
    return {
      fs: traceFsViewInSteps,
      description: 'Judged from the trace alone (--no-host): what only failed in the trace is left out; binds the trace did not see succeed are optional (-).',
      json: { kind: 'trace' },
    };
  }
  const name = hostname();
  return {
    fs: createHostFsView(),
    description: `Paths that failed in the trace were judged by the files of this machine (${name}); for a log from another machine use --root DIR or --no-host.`,
    json: { kind: 'host', hostname: name },
  };
}
