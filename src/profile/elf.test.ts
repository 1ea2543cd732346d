import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { ldCacheArchFlag, parseElf, parseLdCache, parseShebang, SHEBANG_LIMIT } from './elf.js';

/**
 * A minimal dynamically linked ELF written by hand: one PT_LOAD mapping the whole file at `base`, a
 * PT_INTERP and a PT_DYNAMIC whose DT_STRTAB is a virtual address (so the vaddr→offset mapping is
 * exercised). Covers what this machine has no binaries for: 32-bit and big-endian files.
 */
function buildElf(o: { wide: boolean; little: boolean; interp?: string; needed?: string[]; rpath?: string; runpath?: string; soname?: string; base?: number }): Buffer {
  const { wide, little } = o;
  const base = o.base ?? 0x400000;
  const ehsize = wide ? 64 : 52;
  const phentsize = wide ? 56 : 32;
  const dynsize = wide ? 16 : 8;
  const strings: string[] = [''];
  const strOffset = (s: string) => {
    const at = strings.join('\0').length + 1;
    strings.push(s);
    return at;
  };
  const dyn: [number, number][] = [];
  for (const n of o.needed ?? []) dyn.push([1, strOffset(n)]);
  if (o.soname) dyn.push([14, strOffset(o.soname)]);
  if (o.rpath) dyn.push([15, strOffset(o.rpath)]);
  if (o.runpath) dyn.push([29, strOffset(o.runpath)]);
  const strtab = Buffer.from(strings.join('\0') + '\0', 'latin1');
  const interp = o.interp !== undefined ? Buffer.from(o.interp + '\0', 'latin1') : Buffer.alloc(0);
  const phnum = 1 + (o.interp !== undefined ? 1 : 0) + 1;
  const phoff = ehsize;
  const interpOff = phoff + phnum * phentsize;
  const strOff = interpOff + interp.length;
  const dynOff = (strOff + strtab.length + 7) & ~7;
  dyn.push([5, base + strOff], [10, strtab.length], [0, 0]);
  const size = dynOff + dyn.length * dynsize;
  const b = Buffer.alloc(size);
  const u16 = (at: number, v: number) => (little ? b.writeUInt16LE(v, at) : b.writeUInt16BE(v, at));
  const u32 = (at: number, v: number) => (little ? b.writeUInt32LE(v, at) : b.writeUInt32BE(v, at));
  const word = (at: number, v: number) => (wide ? (little ? b.writeBigUInt64LE(BigInt(v), at) : b.writeBigUInt64BE(BigInt(v), at)) : u32(at, v));
  b.write('\x7fELF', 0, 'latin1');
  b[4] = wide ? 2 : 1;
  b[5] = little ? 1 : 2;
  b[6] = 1;
  u16(16, 3);
  u16(18, wide ? 62 : 3);
  u32(20, 1);
  word(wide ? 32 : 28, phoff);
  u16(wide ? 52 : 40, ehsize);
  u16(wide ? 54 : 42, phentsize);
  u16(wide ? 56 : 44, phnum);
  let ph = phoff;
  const phdr = (type: number, offset: number, filesz: number) => {
    u32(ph, type);
    if (wide) {
      word(ph + 8, offset);
      word(ph + 16, base + offset);
      word(ph + 32, filesz);
    } else {
      u32(ph + 4, offset);
      u32(ph + 8, base + offset);
      u32(ph + 16, filesz);
    }
    ph += phentsize;
  };
  phdr(1, 0, size);
  if (o.interp !== undefined) phdr(3, interpOff, interp.length);
  phdr(2, dynOff, dyn.length * dynsize);
  interp.copy(b, interpOff);
  strtab.copy(b, strOff);
  dyn.forEach(([tag, value], i) => {
    word(dynOff + i * dynsize, tag);
    word(dynOff + i * dynsize + dynsize / 2, value);
  });
  return b;
}

describe('parseElf on this machine\'s binaries', () => {
  test('/usr/bin/perl: 64-bit x86-64, ld-linux interpreter, libc among DT_NEEDED', () => {
    const r = parseElf(readFileSync('/usr/bin/perl'));
    if (!r.ok) throw new Error(r.reason);
    expect(r.elf.class).toBe(64);
    expect(r.elf.machine).toBe(62);
    expect(r.elf.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(r.elf.needed).toContain('libc.so.6');
  });

  test('/usr/sbin/nginx lists exactly what readelf -d lists', () => {
    const r = parseElf(readFileSync('/usr/sbin/nginx'));
    if (!r.ok) throw new Error(r.reason);
    expect(r.elf.needed).toEqual(['libcrypt.so.1', 'libpcre2-8.so.0', 'libssl.so.3', 'libcrypto.so.3', 'libz.so.1', 'libc.so.6']);
  });

  test('libraries have a soname (libz no interpreter; libc has one: it can be run); the JDK launcher has an $ORIGIN RPATH', () => {
    const libc = parseElf(readFileSync('/lib/x86_64-linux-gnu/libc.so.6'));
    if (!libc.ok) throw new Error(libc.reason);
    expect(libc.elf.soname).toBe('libc.so.6');
    expect(libc.elf.needed).toEqual(['ld-linux-x86-64.so.2']);
    const libz = parseElf(readFileSync('/lib/x86_64-linux-gnu/libz.so.1'));
    if (!libz.ok) throw new Error(libz.reason);
    expect(libz.elf.soname).toBe('libz.so.1');
    expect(libz.elf.interpreter).toBeUndefined();
    const java = parseElf(readFileSync('/usr/lib/jvm/java-17-openjdk-amd64/bin/java'));
    if (!java.ok) throw new Error(java.reason);
    expect(java.elf.rpath).toEqual(['$ORIGIN', '$ORIGIN/../lib']);
    expect(java.elf.runpath).toEqual([]);
  });

  test('a script is not an ELF', () => {
    expect(parseElf(readFileSync('/usr/share/memcached/scripts/systemd-memcached-wrapper'))).toEqual({ ok: false, reason: expect.stringMatching(/not an ELF/) });
  });
});

describe('parseElf on hand-built files', () => {
  for (const wide of [false, true]) {
    for (const little of [true, false]) {
      test(`${wide ? 64 : 32}-bit ${little ? 'little' : 'big'}-endian`, () => {
        const buf = buildElf({ wide, little, interp: '/lib/ld-linux.so.2', needed: ['liba.so.1', 'libb.so.2'], rpath: '$ORIGIN/../lib:/opt/x', soname: 'libself.so.0' });
        const r = parseElf(buf);
        if (!r.ok) throw new Error(r.reason);
        expect(r.elf).toMatchObject({
          class: wide ? 64 : 32,
          endian: little ? 'little' : 'big',
          interpreter: '/lib/ld-linux.so.2',
          needed: ['liba.so.1', 'libb.so.2'],
          rpath: ['$ORIGIN/../lib', '/opt/x'],
          runpath: [],
          soname: 'libself.so.0',
        });
        expect(r.elf.warning).toBeUndefined();
      });
    }
  }

  test('a static binary: no interpreter, no dynamic names', () => {
    const r = parseElf(buildElf({ wide: true, little: true }));
    expect(r.ok && r.elf.interpreter === undefined && r.elf.needed.length === 0).toBe(true);
  });
});

describe('parseElf never throws on damaged input', () => {
  const real = readFileSync('/usr/sbin/nginx');

  test('every truncation of a real binary\'s first 4 KiB, and of a hand-built one, gives a result or a reason', () => {
    const small = buildElf({ wide: true, little: true, interp: '/lib64/ld.so', needed: ['libc.so.6'] });
    for (const src of [real.subarray(0, 4096), small]) {
      for (let n = 0; n <= src.length; n++) {
        const r = parseElf(Buffer.from(src.subarray(0, n)));
        if (!r.ok) expect(r.reason).toMatch(/\w/);
      }
    }
    // Cut inside the dynamic string table: the names are reported short, with a reason.
    const cut = parseElf(Buffer.from(small.subarray(0, small.length - 4)));
    expect(cut.ok).toBe(false);
  });

  test('the interpreter of a binary cut before PT_INTERP\'s bytes is a reason, not garbage', () => {
    const r = parseElf(Buffer.from(real.subarray(0, 0x300)));
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/truncated/) });
  });

  test('random bytes behind a valid magic, and flipped header fields', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) >>> 16) & 0xff;
    for (let i = 0; i < 500; i++) {
      const buf = Buffer.alloc(64 + (i % 300));
      for (let k = 0; k < buf.length; k++) buf[k] = rand();
      buf.write('\x7fELF', 0, 'latin1');
      buf[4] = 1 + (i % 2);
      buf[5] = 1 + ((i >> 1) % 2);
      expect(() => parseElf(buf)).not.toThrow();
    }
    const header = Buffer.from(real.subarray(0, 8192));
    for (let at = 16; at < 64; at++) {
      const copy = Buffer.from(header);
      copy[at] = copy[at]! ^ 0xff;
      expect(() => parseElf(copy)).not.toThrow();
    }
  });

  test('a PT_INTERP without its NUL is refused', () => {
    const buf = buildElf({ wide: true, little: true, interp: '/lib64/ld.so', needed: ['x'] });
    const at = buf.indexOf('/lib64/ld.so');
    buf[at + '/lib64/ld.so'.length] = 0x41;
    expect(parseElf(buf)).toEqual({ ok: false, reason: expect.stringMatching(/PT_INTERP/) });
  });
});

describe('parseShebang follows Linux binfmt_script', () => {
  const sb = (text: string) => parseShebang(Buffer.from(text, 'latin1'));
  test('interpreter and one argument; the whole rest of the line is ONE argument', () => {
    expect(sb('#!/usr/bin/perl -w\nprint 1;\n')).toEqual({ ok: true, shebang: { interpreter: '/usr/bin/perl', arg: '-w' } });
    expect(sb('#! \t/bin/sh  -e -x  \n')).toEqual({ ok: true, shebang: { interpreter: '/bin/sh', arg: '-e -x' } });
    expect(sb('#!/usr/bin/env python3\n')).toEqual({ ok: true, shebang: { interpreter: '/usr/bin/env', arg: 'python3' } });
    expect(sb('#!/bin/sh')).toEqual({ ok: true, shebang: { interpreter: '/bin/sh' } });
    expect(sb('#!/bin/sh\r\n')).toEqual({ ok: true, shebang: { interpreter: '/bin/sh\r' } });
  });

  test('the real memcached wrapper script', () => {
    expect(parseShebang(readFileSync('/usr/share/memcached/scripts/systemd-memcached-wrapper'))).toEqual({ ok: true, shebang: { interpreter: '/usr/bin/perl', arg: '-w' } });
  });

  test('not a script, empty and blank lines', () => {
    expect(sb('echo hi')).toBeUndefined();
    expect(sb('#!\n')).toEqual({ ok: false, reason: expect.any(String) });
    expect(sb('#!   \n')).toEqual({ ok: false, reason: expect.any(String) });
  });

  test('256-byte limit: a cut interpreter path is refused, a cut argument is fine', () => {
    const longPath = '/' + 'a'.repeat(300);
    expect(sb(`#!${longPath}\n`)).toEqual({ ok: false, reason: expect.stringMatching(/256/) });
    const r = sb(`#!/bin/sh ${'b'.repeat(400)}\n`);
    expect(r).toMatchObject({ ok: true, shebang: { interpreter: '/bin/sh' } });
    if (r?.ok) expect(r.shebang.arg!.length).toBe(SHEBANG_LIMIT - 1 - '#!/bin/sh '.length);
  });
});

describe('parseLdCache', () => {
  const buf = readFileSync('/etc/ld.so.cache');
  test('this machine\'s cache knows libc in the multiarch directory, for x86-64', () => {
    const r = parseLdCache(buf);
    if (!r.ok) throw new Error(r.reason);
    const libc = r.entries.filter((e) => e.name === 'libc.so.6');
    expect(libc.map((e) => e.path)).toContain('/lib/x86_64-linux-gnu/libc.so.6');
    expect(libc[0]!.flags & 0xff00).toBe(ldCacheArchFlag({ class: 64, machine: 62 }));
    expect(r.entries.length).toBe(buf.readUInt32LE(20));
  });

  test('truncated or foreign files give a reason', () => {
    expect(parseLdCache(Buffer.from('hello'))).toEqual({ ok: false, reason: expect.any(String) });
    expect(parseLdCache(buf.subarray(0, 100))).toEqual({ ok: false, reason: expect.stringMatching(/truncated/) });
    for (const n of [0, 20, 47, 48, 49, 200, 4000]) expect(() => parseLdCache(buf.subarray(0, n))).not.toThrow();
  });
});
