/**
 * A profile bindscout installed earlier, moved out of the way while discover observes the unit again:
 * a new observation is made with the unit's own configuration (an old profile would hide what the
 * service now needs, and after an upgrade it may not even start), and the old profile is put back
 * unless a new one is installed. Its text is also kept in discover's memory, so even a SIGKILL in
 * between loses nothing.
 */
import type { Runner } from './runner.js';
import { removeHostLinks } from './host-links.js';
import { daemonReload } from './tracing.js';

export interface SetAsideProfile {
  path: string;
  text: Buffer;
  putBack(): Promise<void>;
}

/**
 * The drop-in at `path` and, when it has one, its private /run's tmpfiles.d snippet at `tmpfiles`,
 * with the links that snippet made: observed with its own configuration, the service must write its
 * pid file and sockets into the host's /run itself, not through links into the old private /run.
 */
export async function setAsideInstalledProfile(
  runner: Runner,
  path: string,
  links?: { tmpfiles: string; privateRun: string },
): Promise<SetAsideProfile | undefined> {
  const text = await runner.readFile(path);
  if (text === undefined) return undefined;
  const tmpfilesText = links !== undefined ? await runner.readFile(links.tmpfiles) : undefined;
  await runner.removeFile(path);
  if (links !== undefined && tmpfilesText !== undefined) {
    await runner.removeFile(links.tmpfiles);
    await removeHostLinks(runner, links.privateRun, () => undefined);
  }
  await daemonReload(runner);
  return {
    path,
    text,
    async putBack() {
      await runner.writeFileAtomic(path, text, 0o644);
      // The links themselves come back when the unit is restored (UnitSession.restore).
      if (links !== undefined && tmpfilesText !== undefined) await runner.writeFileAtomic(links.tmpfiles, tmpfilesText, 0o644);
      await daemonReload(runner);
    },
  };
}
