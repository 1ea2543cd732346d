/**
 * What the kernel says about a process in /proc, as text in and data out: its credentials
 * (/proc/PID/status) and its mounts (/proc/PID/mountinfo), as the process sees them.
 */

export interface Credentials {
  uid: number;
  gid: number;
  groups: number[];
  /** CAP_DAC_OVERRIDE in the effective set: file modes do not stop writes. */
  dacOverride: boolean;
}

export interface MountPoint {
  path: string;
  readOnly: boolean;
  fstype: string;
  source: string;
  /** The directory of the filesystem mounted there: `/nginx` for a bind of /run/nginx from a tmpfs /run. */
  root: string;
  /** major:minor: the same filesystem, wherever and however often it is mounted. */
  device: string;
}

/** /proc/PID/status → the credentials writes are checked with (effective uid, gid, groups). */
export function parseStatus(text: string): Credentials {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
  const effective = (name: string) => Number(field(name).split(/\s+/)[1] ?? NaN);
  const capEff = BigInt('0x' + (field('CapEff') || '0'));
  return {
    uid: effective('Uid'),
    gid: effective('Gid'),
    groups: field('Groups').split(/\s+/).filter(Boolean).map(Number),
    dacOverride: (capEff & 0b10n) !== 0n,
  };
}

/** Octal escapes in mountinfo paths (`\040` for a space). */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));
}

/** /proc/PID/mountinfo → mount points as the process sees them (relative to its root). */
export function parseMountinfo(text: string): MountPoint[] {
  const out: MountPoint[] = [];
  for (const line of text.split('\n')) {
    const fields = line.split(' ');
    const dash = fields.indexOf('-');
    if (fields.length < 7 || dash < 0) continue;
    const options = fields[5].split(',');
    const superOptions = (fields[dash + 3] ?? '').split(',');
    out.push({
      path: unescapeMount(fields[4]),
      readOnly: options.includes('ro') || superOptions.includes('ro'),
      fstype: fields[dash + 1],
      source: unescapeMount(fields[dash + 2] ?? ''),
      root: unescapeMount(fields[3]),
      device: fields[2],
    });
  }
  return out;
}

/** The filesystem type mounted on the process's `/` (the first mount there), or undefined. */
export function rootFilesystemType(mountinfo: string): string | undefined {
  return parseMountinfo(mountinfo).find((mount) => mount.path === '/')?.fstype;
}
