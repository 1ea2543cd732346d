/**
 * The built CLI as an admin runs it (a real process) against the bed's systemd, and putting a unit
 * back as the bed had it after an install.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { privateRunName, tmpfilesPath } from '../profile/shared-run.js';
import { removeHostLinks } from '../systemd/host-links.js';
import type { Bed } from './bed.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cli = path.join(repo, 'dist', 'bindscout.mjs');

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function buildCli(): void {
  execFileSync(process.execPath, [path.join(repo, 'scripts', 'build.mjs')], { cwd: repo, stdio: 'pipe' });
}

/** The built CLI against the bed's systemd; `onStderr` sees the whole stderr so far at every chunk. */
export function runBuiltCli(bed: Bed, args: string[], onStderr?: (text: string, child: ChildProcess) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args, '--pid1', String(bed.pid1)], {
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** As the drop-in's header tells the admin: the drop-in, the tmpfiles.d links of its private /run, a restart. */
export async function uninstallDropIn(bed: Bed, unit: string): Promise<void> {
  await bed.runner.removeFile(tmpfilesPath(unit));
  await removeHostLinks(bed.runner, privateRunName(unit), () => undefined);
  await removeDropIn(bed, unit, `/etc/systemd/system/${unit}.d/bindscout.conf`);
}

/** One drop-in of the unit gone (and its directory, when empty), and the unit restarted without it. */
export async function removeDropIn(bed: Bed, unit: string, dropIn: string): Promise<void> {
  await bed.runner.removeFile(dropIn);
  await bed.runner.removeEmptyDir(dropIn.slice(0, dropIn.lastIndexOf('/')));
  await bed.exec('systemctl', ['daemon-reload']);
  await bed.runner.run('systemctl', ['reset-failed', '--', unit]);
  await bed.exec('systemctl', ['restart', '--', unit], 120_000);
}

export async function mainPidOf(bed: Bed, unit: string): Promise<number> {
  return Number((await bed.exec('systemctl', ['show', '-p', 'MainPID', '--value', '--', unit])).trim());
}
