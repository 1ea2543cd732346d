/**
 * A profile bindscout installed earlier, moved out of the way while discover observes the unit again:
 * a new observation is made with the unit's own configuration (an old profile would hide what the
 * service now needs, and after an upgrade it may not even start), and the old profile is put back
 * unless a new one is installed. Its text is also kept in discover's memory, so even a SIGKILL in
 * between loses nothing.
 */
import type { Runner } from './runner.js';
import { daemonReload } from './tracing.js';

export interface SetAsideProfile {
  path: string;
  text: Buffer;
  putBack(): Promise<void>;
}

export async function setAsideInstalledProfile(runner: Runner, path: string): Promise<SetAsideProfile | undefined> {
  const text = await runner.readFile(path);
  if (text === undefined) return undefined;
  await runner.removeFile(path);
  await daemonReload(runner);
  return {
    path,
    text,
    async putBack() {
      await runner.writeFileAtomic(path, text, 0o644);
      await daemonReload(runner);
    },
  };
}
