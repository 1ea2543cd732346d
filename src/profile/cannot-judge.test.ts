/**
 * Run unprivileged, bindscout cannot see into directories of other users. What it cannot judge is a
 * secret to it, never a public or a missing file.
 */
import { describe, expect, test } from '@jest/globals';
import { memoryFsView, recordingFsView, replayFsView } from '../testing/fs-views.js';
import { foldProfile } from './fold.js';
import { secretsInside } from './secrets.js';
import { accessesOf } from '../testing/trace-lines.js';

// Real output of `strace -f -y -e trace=%file -o t.log sh -c 'cat /srv/bs3/a.conf … /srv/bs3/private/key.conf'`
// as root, with /srv/bs3/private mode 0770 and key.conf mode 0640, trimmed.
const TRACE = [
  '9857  execve("/usr/bin/cat", ["cat", "/srv/bs3/a.conf", "/srv/bs3/b.conf", "/srv/bs3/c.conf", "/srv/bs3/private/key.conf"], 0x557a63339b30 /* 39 vars */) = 0',
  '9857  openat(AT_FDCWD</tmp/i19>, "/srv/bs3/a.conf", O_RDONLY) = 3</srv/bs3/a.conf>',
  '9857  openat(AT_FDCWD</tmp/i19>, "/srv/bs3/b.conf", O_RDONLY) = 3</srv/bs3/b.conf>',
  '9857  openat(AT_FDCWD</tmp/i19>, "/srv/bs3/c.conf", O_RDONLY) = 3</srv/bs3/c.conf>',
  '9857  openat(AT_FDCWD</tmp/i19>, "/srv/bs3/private/key.conf", O_RDONLY) = 3</srv/bs3/private/key.conf>',
];

const tree = {
  '/usr/bin/cat': 'file',
  '/srv/bs3/a.conf': 'file',
  '/srv/bs3/b.conf': 'file',
  '/srv/bs3/c.conf': 'file',
  '/srv/bs3/private/key.conf': 'file',
} as const;
/** As root: everything visible. */
const asRoot = memoryFsView({ ...tree }, { '/srv/bs3/private': { mode: 0o770 }, '/srv/bs3/private/key.conf': { mode: 0o640 } });
/** As nobody: /srv/bs3/private can be neither searched nor listed. */
const asNobody = memoryFsView({ ...tree }, { '/srv/bs3/private': { mode: 0o770, denied: true }, '/srv/bs3/private/key.conf': { mode: 0o640 } });

const fold = (fs: ReturnType<typeof memoryFsView>) => foldProfile(accessesOf(TRACE), { baseline: false, include: [], exclude: [] }, fs);
const values = (profile: ReturnType<typeof fold>, directive: string) => profile.entries.filter((e) => e.directive === directive && !e.value.startsWith('/usr')).map((e) => e.value);

describe('what the judging user cannot see', () => {
  test('as root, the unreadable file is masked inside the bound directory and its read is a question', () => {
    const profile = fold(asRoot);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/srv/bs3']);
    expect(values(profile, 'InaccessiblePaths')).toEqual(['/srv/bs3/private/key.conf']);
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/srv/bs3/private/key.conf']);
  });

  test('as nobody, the directory it cannot read is masked whole and the read is still a question', () => {
    const profile = fold(asNobody);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/srv/bs3']);
    expect(values(profile, 'InaccessiblePaths')).toEqual(['/srv/bs3/private']);
    expect(profile.needsConsent.map((n) => [n.path, n.reason])).toEqual([['/srv/bs3/private/key.conf', expect.stringMatching(/^cannot be judged: permission denied/)]]);
  });

  test('a bind of a directory it cannot list is asked about, never granted', () => {
    const created = accessesOf(['1 openat(AT_FDCWD, "/srv/bs3/private/new.tmp", O_WRONLY|O_CREAT|O_EXCL, 0600) = 3</srv/bs3/private/new.tmp>']);
    const profile = foldProfile(created, { baseline: false, include: [], exclude: [] }, asNobody);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(profile.needsConsent.map((n) => [n.path, n.directive])).toEqual([['/srv/bs3/private', 'BindPaths']]);
    expect(values(foldProfile(created, { baseline: false, include: [], exclude: [] }, asRoot), 'BindPaths')).toEqual(['/srv/bs3/private']);
  });

  test('a failed access behind a closed directory is not "missing on this host"', () => {
    const profile = foldProfile(
      accessesOf(['1 openat(AT_FDCWD, "/srv/bs3/private/other.conf", O_RDONLY) = -1 EACCES (Permission denied)']),
      { baseline: false, include: [], exclude: [] },
      asNobody,
    );
    expect(profile.omitted.map((n) => n.path)).not.toContain('/srv/bs3/private/other.conf');
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/srv/bs3/private/other.conf']);
  });

  test('the walk reports a directory it cannot list, and a replayed recording keeps the answer', () => {
    expect(secretsInside('/srv/bs3', asNobody).secrets.map((s) => s.path)).toEqual(['/srv/bs3/private']);
    const { view, facts } = recordingFsView(asNobody);
    const recorded = foldProfile(accessesOf(TRACE), { baseline: false, include: [], exclude: [] }, view);
    expect(foldProfile(accessesOf(TRACE), { baseline: false, include: [], exclude: [] }, replayFsView(facts))).toEqual(recorded);
  });
});
