import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { lstatSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveSymlinks } from '../core/fsview.js';
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

describe('createHostFsView asks the kernel once per path', () => {
  test('kind, owner and readlink of a path already seen cost no further lstat', () => {
    const asked: string[] = [];
    const counting = (at: Buffer) => {
      asked.push(at.toString('latin1'));
      return lstatSync(at, { throwIfNoEntry: false });
    };
    const fs = createHostFsView('/', counting);
    const file = Buffer.from(join(dir, 'sub', 'file'), 'utf8').toString('latin1');
    const link = Buffer.from(join(dir, 'link'), 'utf8').toString('latin1');
    for (let i = 0; i < 3; i++) {
      expect(resolveSymlinks(fs, file).kind).toBe('file');
      expect(fs.owner?.(file)?.mode).toBe(0o644 & ~process.umask());
      expect(fs.readlink(link)).toBe('sub');
      expect(resolveSymlinks(fs, link + '/file').kind).toBe('file');
    }
    expect(fs.lstat(Buffer.from(join(dir, 'missing'), 'utf8').toString('latin1'))).toBeUndefined();
    expect(fs.lstat(Buffer.from(join(dir, 'missing'), 'utf8').toString('latin1'))).toBeUndefined();
    expect(asked.length).toBe(new Set(asked).size);
  });

  test('head opens regular files only', () => {
    const fs = createHostFsView();
    expect(fs.head?.(Buffer.from(join(dir, 'sub', 'file'), 'utf8').toString('latin1'))).toBe('x');
    expect(fs.head?.(Buffer.from(join(dir, 'sub'), 'utf8').toString('latin1'))).toBeUndefined();
    expect(fs.head?.('/dev/null')).toBeUndefined();
  });
});

describe('plain directories remembered by the host view', () => {
  test('resolveSymlinks answers the same with and without them, through links, .., files and missing names', () => {
    const view = createHostFsView();
    const { plainDirectory, ...walkOnly } = view;
    expect(plainDirectory).toBeDefined();
    mkdirSync(join(dir, 'plain', 'deeper'), { recursive: true });
    writeFileSync(join(dir, 'plain', 'deeper', 'f'), 'x');
    symlinkSync('../sub', join(dir, 'plain', 'up'));
    symlinkSync(join(dir, 'plain', 'deeper', 'f'), join(dir, 'plain', 'deeper', 'abs'));
    const paths = [
      'plain/deeper/f', 'plain/deeper/abs', 'plain/up/file', 'plain/up', 'plain/deeper/missing', 'plain/deeper/f/below',
      'link/file', 'plain/deeper/../up/file', 'sub/file', 'nothing/here', 'plain',
    ].map((p) => `${dir}/${p}`);
    // Asked in both orders: what one path remembers must not change another's answer.
    for (const order of [paths, [...paths].reverse()]) {
      for (const path of order) expect(resolveSymlinks(view, path)).toEqual(resolveSymlinks(walkOnly, path));
    }
    expect(view.plainDirectory!(`${dir}/plain/deeper`)).toBe(true);
    expect(view.plainDirectory!(`${dir}/link`)).toBe(false);
  });
});
