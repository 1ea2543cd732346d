import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHostFsView } from './fs.js';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bindscout-fs-'));
  mkdirSync(join(dir, 'sub'));
  writeFileSync(join(dir, 'sub', 'file'), 'x');
  symlinkSync('sub', join(dir, 'link'));
  // A name that is not UTF-8: one 0xff byte.
  writeFileSync(Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0x66, 0xff])]), 'x');
  symlinkSync(Buffer.from([0x2f, 0xff]), Buffer.concat([Buffer.from(dir + '/'), Buffer.from('rawlink')]));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('createHostFsView', () => {
  const fs = createHostFsView();
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

  test('kinds, like lstat', () => {
    expect(fs.lstat(bytes(dir))).toBe('dir');
    expect(fs.lstat(bytes(join(dir, 'sub', 'file')))).toBe('file');
    expect(fs.lstat(bytes(join(dir, 'link')))).toBe('symlink');
    expect(fs.lstat(bytes(join(dir, 'link', 'file')))).toBe('file');
    expect(fs.lstat(bytes(join(dir, 'missing')))).toBeUndefined();
    expect(fs.lstat(bytes(join(dir, 'sub', 'file', 'below-a-file')))).toBeUndefined();
    expect(fs.lstat('/dev/null')).toBe('char');
  });

  test('byte-string paths reach the kernel unchanged', () => {
    expect(fs.lstat(bytes(dir + '/') + 'f\xff')).toBe('file');
    expect(fs.lstat(bytes(dir + '/') + 'f\xc3\xbf')).toBeUndefined();
    expect(fs.readlink(bytes(join(dir, 'rawlink')))).toBe('/\xff');
  });

  test('readlink', () => {
    expect(fs.readlink(bytes(join(dir, 'link')))).toBe('sub');
    expect(fs.readlink(bytes(join(dir, 'sub')))).toBeUndefined();
  });
});
