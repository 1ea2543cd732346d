import { describe, expect, test } from '@jest/globals';
import { bytesToDisplay, decodeQuoted, detachBytes, parseFdArg, splitArgs, unescapeBytes } from './strings.js';

/** The byte string of a UTF-8 text: what a decoded path looks like. */
const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe('decodeQuoted', () => {
  test('plain path', () => {
    expect(decodeQuoted('"/etc/passwd"')).toEqual({ bytes: '/etc/passwd', truncated: false });
  });

  test('truncated string keeps its bytes and says so', () => {
    expect(decodeQuoted('"\\177ELF\\2\\1\\1\\0"...')).toEqual({ bytes: '\x7fELF\x02\x01\x01\x00', truncated: true });
  });

  test('not a string: NULL, addresses, AT_FDCWD, garbage after the quote', () => {
    expect(decodeQuoted('NULL')).toBeUndefined();
    expect(decodeQuoted('0x7ffd1234')).toBeUndefined();
    expect(decodeQuoted('AT_FDCWD')).toBeUndefined();
    expect(decodeQuoted('"abc"x')).toBeUndefined();
    expect(decodeQuoted('"unterminated')).toBeUndefined();
  });

  test('-xx hex strings', () => {
    expect(decodeQuoted('"\\x2f\\x65\\x74\\x63"')?.bytes).toBe('/etc');
  });

  test('UTF-8 in octal stays as bytes', () => {
    const decoded = decodeQuoted('"caf\\303\\251"')!;
    expect(decoded.bytes).toBe('caf\xc3\xa9');
    expect(decoded.bytes).toBe(utf8Bytes('café'));
  });

  test('octal takes one to three digits: \\0017 is byte 1 then "7"', () => {
    expect(decodeQuoted('"0digits\\0017"')?.bytes).toBe('0digits\x017');
    expect(decodeQuoted('"ctrl\\1\\177"')?.bytes).toBe('ctrl\x01\x7f');
    expect(decodeQuoted('"\\377\\376-latin1-\\351"')?.bytes).toBe('\xff\xfe-latin1-\xe9');
  });

  test('C escapes, quotes and backslashes', () => {
    expect(decodeQuoted('"a\\"b\\\\c\\n\\t\\r\\v\\f"')?.bytes).toBe('a"b\\c\n\t\r\x0b\x0c');
    expect(decodeQuoted(`"quote\\"in'name"`)?.bytes).toBe(`quote"in'name`);
  });

  test('a string ending in an escaped backslash closes at the real quote', () => {
    expect(decodeQuoted('"dir\\\\"')?.bytes).toBe('dir\\');
  });
});

describe('unescapeBytes', () => {
  test('decoration escapes for < and >', () => {
    expect(unescapeBytes('/srv/work/wd/angle\\74b\\76.txt')).toBe('/srv/work/wd/angle<b>.txt');
    expect(unescapeBytes('\\x2f\\x72\\x75\\x6e')).toBe('/run');
    expect(unescapeBytes('/srv/new\\nline')).toBe('/srv/new\nline');
  });

  test('text without escapes is returned unchanged', () => {
    expect(unescapeBytes('/usr/lib/x86_64-linux-gnu/libc.so.6')).toBe('/usr/lib/x86_64-linux-gnu/libc.so.6');
  });
});

describe('splitArgs', () => {
  test('simple openat', () => {
    expect(splitArgs('AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC')).toEqual([
      'AT_FDCWD',
      '"/etc/ld.so.cache"',
      'O_RDONLY|O_CLOEXEC',
    ]);
  });

  test('commas inside strings, structs, arrays, calls and comments stay put', () => {
    expect(splitArgs('3, "a, b", {st_mode=S_IFREG|0644, st_size=3, ...}, [1, 2], makedev(0x1, 0x3), 0 /* x, y */')).toEqual([
      '3',
      '"a, b"',
      '{st_mode=S_IFREG|0644, st_size=3, ...}',
      '[1, 2]',
      'makedev(0x1, 0x3)',
      '0 /* x, y */',
    ]);
  });

  test('escaped quote inside a string', () => {
    expect(splitArgs('1, "say \\"hi, there\\"", 12')).toEqual(['1', '"say \\"hi, there\\""', '12']);
  });

  test('fd decorations with commas, nesting, escapes and socket arrows', () => {
    expect(splitArgs('3</a,b>, "x"')).toEqual(['3</a,b>', '"x"']);
    expect(splitArgs('6</dev/null<char 1:3>>, 1')).toEqual(['6</dev/null<char 1:3>>', '1']);
    expect(splitArgs('4<TCP:[127.0.0.1:40990->127.0.0.1:39929]>, "a", 1')).toEqual([
      '4<TCP:[127.0.0.1:40990->127.0.0.1:39929]>',
      '"a"',
      '1',
    ]);
    expect(splitArgs('5<UNIX-STREAM:[30551->30552,"/run/x.sock"]>, 0')).toEqual([
      '5<UNIX-STREAM:[30551->30552,"/run/x.sock"]>',
      '0',
    ]);
    expect(splitArgs('AT_FDCWD</srv/a\\76,b>, "rel"')).toEqual(['AT_FDCWD</srv/a\\76,b>', '"rel"']);
  });

  test('a shift is not a decoration', () => {
    expect(splitArgs('1<<CAP_SYS_CHROOT, 2')).toEqual(['1<<CAP_SYS_CHROOT', '2']);
  });

  test('empty and single arguments', () => {
    expect(splitArgs('')).toEqual([]);
    expect(splitArgs('  42 ')).toEqual(['42']);
  });
});

describe('parseFdArg', () => {
  test('every printed form', () => {
    expect(parseFdArg('3')).toEqual({ fd: 3 });
    expect(parseFdArg('3</etc>')).toEqual({ fd: 3, path: '/etc' });
    expect(parseFdArg('AT_FDCWD')).toEqual({ fd: 'AT_FDCWD' });
    expect(parseFdArg('AT_FDCWD</srv/x>')).toEqual({ fd: 'AT_FDCWD', path: '/srv/x' });
    expect(parseFdArg('-100</srv/x>')).toEqual({ fd: 'AT_FDCWD', path: '/srv/x' });
    expect(parseFdArg('-100 /* AT_FDCWD */')).toEqual({ fd: 'AT_FDCWD' });
    expect(parseFdArg('9<\\x2f\\x72\\x75\\x6e>')).toEqual({ fd: 9, path: '/run' });
    expect(parseFdArg('3</a/gone>(deleted)')).toEqual({ fd: 3, path: '/a/gone', deleted: true });
    expect(parseFdArg('AT_FDCWD</srv/work/gonedir (deleted)>')).toEqual({
      fd: 'AT_FDCWD',
      path: '/srv/work/gonedir',
      deleted: true,
    });
    expect(parseFdArg('6</dev/null<char 1:3>>')).toEqual({ fd: 6, path: '/dev/null' });
    expect(parseFdArg('4<TCP:[1.2.3.4:5->6.7.8.9:10]>')).toEqual({ fd: 4 });
    expect(parseFdArg('5<socket:[123]>')).toEqual({ fd: 5 });
    expect(parseFdArg('7<pipe:[99]>')).toEqual({ fd: 7 });
    expect(parseFdArg('11<\\x73\\x6f\\x63\\x6b\\x65\\x74\\x3a\\x5b\\x32\\x5d>')).toEqual({ fd: 11 });
  });

  test('an escaped > inside the path does not end the decoration', () => {
    expect(parseFdArg('4</srv/angle\\74b\\76.txt>')).toEqual({ fd: 4, path: '/srv/angle<b>.txt' });
  });

  test('not an fd', () => {
    expect(parseFdArg('NULL').fd).toBeUndefined();
    expect(parseFdArg('"/etc"').fd).toBeUndefined();
  });
});

describe('bytesToDisplay', () => {
  test('ASCII unchanged, valid UTF-8 decoded', () => {
    expect(bytesToDisplay('/etc/passwd')).toBe('/etc/passwd');
    expect(bytesToDisplay(utf8Bytes('/srv/café'))).toBe('/srv/café');
  });

  test('invalid UTF-8 and control bytes become \\xHH', () => {
    expect(bytesToDisplay('/srv/\xff\xfe-latin1-\xe9')).toBe('/srv/\\xff\\xfe-latin1-\\xe9');
    expect(bytesToDisplay('/srv/new\nline')).toBe('/srv/new\\x0aline');
  });
});

describe('detachBytes', () => {
  test('keeps the exact bytes of short and long slices', () => {
    const line = '356   openat(AT_FDCWD</>, "/lib/x86_64-linux-gnu/libcrypt.so.1\xff", O_RDONLY) = 3';
    for (const [start, end] of [[0, 5], [27, 64], [0, line.length]]) {
      expect(detachBytes(line.slice(start, end))).toBe(line.slice(start, end));
    }
  });
});
