import { describe, expect, it } from '@jest/globals';
import { NO_MEMBERS, withMembers, type Access, type Operation } from '../core/model.js';
import { traceFsView } from './trace-fsview.js';

function access(path: string, ops: Operation[], ok = true): Access {
  return {
    path,
    ops: withMembers(NO_MEMBERS, ops),
    ok,
    errors: ok ? NO_MEMBERS : withMembers(NO_MEMBERS, ['ENOENT']),
    count: 1,
    firstPid: 1,
    firstLine: 1,
    source: 't',
  };
}

describe('traceFsView', () => {
  const view = traceFsView([
    access('/etc/app/app.conf', ['read']),
    access('/srv/data', ['list']),
    access('/srv/data/x', ['stat'], false),
    access('/opt/tool', ['stat']),
    access('/opt/tool/bin', ['exec']),
    access('/missing/file', ['read'], false),
  ]);

  it('knows what succeeded as a file and every directory above it', () => {
    expect(view.lstat('/etc/app/app.conf')).toBe('file');
    expect(view.lstat('/etc/app')).toBe('dir');
    expect(view.lstat('/etc')).toBe('dir');
    expect(view.lstat('/')).toBe('dir');
  });

  it('takes a listed path for a directory, and a file with something below it for one too', () => {
    expect(view.lstat('/srv/data')).toBe('dir');
    expect(view.lstat('/opt/tool')).toBe('dir');
    expect(view.lstat('/opt/tool/bin')).toBe('file');
  });

  it('counts what only failed as missing, and knows no symlink', () => {
    expect(view.lstat('/srv/data/x')).toBeUndefined();
    expect(view.lstat('/missing/file')).toBeUndefined();
    expect(view.lstat('/missing')).toBeUndefined();
    expect(view.readlink('/etc')).toBeUndefined();
  });

  it('calls directories plain, files and unknown paths not', () => {
    expect(view.plainDirectory?.('/')).toBe(true);
    expect(view.plainDirectory?.('/etc/app')).toBe(true);
    expect(view.plainDirectory?.('/srv/data')).toBe(true);
    expect(view.plainDirectory?.('/etc/app/app.conf')).toBe(false);
    expect(view.plainDirectory?.('/missing')).toBe(false);
  });
});
