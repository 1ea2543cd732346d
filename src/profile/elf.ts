/**
 * What the kernel and ld.so read from an executable before the program's first instruction, parsed
 * from bytes: the ELF interpreter (PT_INTERP), the libraries it asks for (DT_NEEDED) and where to look
 * (DT_RPATH/DT_RUNPATH), a script's `#!` line, and glibc's /etc/ld.so.cache. None of these show up in
 * a trace of the service (the kernel opens the interpreter inside execve, and a start that fails with
 * 203/EXEC has no trace at all), so the discover loop reads them from the files themselves.
 *
 * Pure and defensive: input is whatever a file happened to contain. Every offset is checked before it
 * is read, so truncated or hostile input yields a reason, never an exception.
 */

export interface ElfFacts {
  class: 32 | 64;
  endian: 'little' | 'big';
  /** e_machine (62 = x86-64, 3 = i386, 183 = AArch64…). */
  machine: number;
  machineName: string;
  /** e_type: 2 = ET_EXEC, 3 = ET_DYN (PIE executables and libraries). */
  type: number;
  /** PT_INTERP: the dynamic loader the kernel maps; absent for static binaries. */
  interpreter?: string;
  /** DT_NEEDED, in order (ld.so loads them breadth first in this order). */
  needed: string[];
  /** DT_RPATH entries (colon-separated in the file), unexpanded ($ORIGIN stays). */
  rpath: string[];
  /** DT_RUNPATH entries; when present, ld.so ignores DT_RPATH for this object. */
  runpath: string[];
  soname?: string;
  /** Set when the dynamic section could not be read completely: the lists above may be short. */
  warning?: string;
}

export type ElfParse = { ok: true; elf: ElfFacts } | { ok: false; reason: string };

const MACHINES: Record<number, string> = {
  2: 'sparc',
  3: 'i386',
  8: 'mips',
  20: 'ppc',
  21: 'ppc64',
  22: 's390',
  40: 'arm',
  43: 'sparcv9',
  62: 'x86-64',
  183: 'aarch64',
  243: 'riscv',
  258: 'loongarch',
};

/** The program header types (p_type, PT_*) read here. */
const PT = { LOAD: 1, DYNAMIC: 2, INTERP: 3 } as const;
/** The dynamic section tags (d_tag, DT_*) read here. */
const DT = { NULL: 0, NEEDED: 1, STRTAB: 5, STRSZ: 10, SONAME: 14, RPATH: 15, RUNPATH: 29 } as const;
/** A real dynamic section has a few dozen entries; this bounds the loop on garbage. */
const MAX_DYNAMIC_ENTRIES = 100_000;
/** PN_XNUM: the real program header count lives in section 0 (never seen in practice for executables). */
const PN_XNUM = 0xffff;

export function isElf(buf: Buffer): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}

/** Bounds-checked reads in the file's byte order and word size. */
class Reader {
  constructor(
    readonly buf: Buffer,
    readonly little: boolean,
    readonly wide: boolean,
  ) {}

  fits(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && length >= 0 && offset + length <= this.buf.length;
  }

  u16(offset: number): number | undefined {
    if (!this.fits(offset, 2)) return undefined;
    return this.little ? this.buf.readUInt16LE(offset) : this.buf.readUInt16BE(offset);
  }

  u32(offset: number): number | undefined {
    if (!this.fits(offset, 4)) return undefined;
    return this.little ? this.buf.readUInt32LE(offset) : this.buf.readUInt32BE(offset);
  }

  /** A word (32 or 64 bits); values above 2^53 cannot be file offsets here and read as undefined. */
  word(offset: number): number | undefined {
    if (!this.wide) return this.u32(offset);
    if (!this.fits(offset, 8)) return undefined;
    const value = this.little ? this.buf.readBigUInt64LE(offset) : this.buf.readBigUInt64BE(offset);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
  }

  /** A NUL-terminated string starting at `offset`, not running past `end`; latin1 keeps every byte. */
  cstring(offset: number, end = this.buf.length): string | undefined {
    const limit = Math.min(end, this.buf.length);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= limit) return undefined;
    const nul = this.buf.indexOf(0, offset);
    if (nul < 0 || nul >= limit) return undefined;
    return this.buf.toString('latin1', offset, nul);
  }
}

interface Segment {
  type: number;
  offset: number;
  vaddr: number;
  filesz: number;
}

function splitPathList(value: string): string[] {
  return value.split(':').filter((dir) => dir !== '');
}

export function parseElf(buf: Buffer): ElfParse {
  if (!isElf(buf)) return { ok: false, reason: 'not an ELF file (no \\x7fELF magic)' };
  if (buf.length < 16) return { ok: false, reason: 'truncated ELF identification' };
  const klass = buf[4];
  const data = buf[5];
  if (klass !== 1 && klass !== 2) return { ok: false, reason: `unknown ELF class ${klass}` };
  if (data !== 1 && data !== 2) return { ok: false, reason: `unknown ELF data encoding ${data}` };
  const wide = klass === 2;
  const r = new Reader(buf, data === 1, wide);
  const headerSize = wide ? 64 : 52;
  if (buf.length < headerSize) return { ok: false, reason: `truncated ELF header (${buf.length} of ${headerSize} bytes)` };

  const type = r.u16(16)!;
  const machine = r.u16(18)!;
  const phoff = r.word(wide ? 32 : 28);
  const phentsize = r.u16(wide ? 54 : 42)!;
  const phnum = r.u16(wide ? 56 : 44)!;
  const minPhent = wide ? 56 : 32;
  if (phoff === undefined) return { ok: false, reason: 'program header offset out of range' };
  if (phnum === PN_XNUM) return { ok: false, reason: 'extended program header count (PN_XNUM) is not supported' };
  if (phnum > 0 && phentsize < minPhent) return { ok: false, reason: `program header entries too small (${phentsize} bytes)` };
  if (phnum > 0 && !r.fits(phoff, phnum * phentsize)) return { ok: false, reason: 'program headers lie beyond the end of the file (truncated?)' };

  const segments: Segment[] = [];
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    const segment = wide
      ? { type: r.u32(at), offset: r.word(at + 8), vaddr: r.word(at + 16), filesz: r.word(at + 32) }
      : { type: r.u32(at), offset: r.u32(at + 4), vaddr: r.u32(at + 8), filesz: r.u32(at + 16) };
    if (segment.type === undefined || segment.offset === undefined || segment.vaddr === undefined || segment.filesz === undefined) {
      return { ok: false, reason: `program header ${i} is unreadable` };
    }
    segments.push(segment as Segment);
  }

  const elf: ElfFacts = {
    class: wide ? 64 : 32,
    endian: data === 1 ? 'little' : 'big',
    machine,
    machineName: MACHINES[machine] ?? `machine ${machine}`,
    type,
    needed: [],
    rpath: [],
    runpath: [],
  };

  const interp = segments.find((s) => s.type === PT.INTERP);
  if (interp) {
    if (!r.fits(interp.offset, interp.filesz)) return { ok: false, reason: 'PT_INTERP lies beyond the end of the file (truncated?)' };
    const name = r.cstring(interp.offset, interp.offset + interp.filesz);
    if (name === undefined || name === '') return { ok: false, reason: 'PT_INTERP is not a NUL-terminated path' };
    elf.interpreter = name;
  }

  const dynamic = segments.find((s) => s.type === PT.DYNAMIC);
  if (!dynamic) return { ok: true, elf };
  if (!r.fits(dynamic.offset, dynamic.filesz)) return { ok: false, reason: 'PT_DYNAMIC lies beyond the end of the file (truncated?)' };

  const entrySize = wide ? 16 : 8;
  const tags: { tag: number; value: number | undefined }[] = [];
  const count = Math.min(Math.floor(dynamic.filesz / entrySize), MAX_DYNAMIC_ENTRIES);
  for (let i = 0; i < count; i++) {
    const at = dynamic.offset + i * entrySize;
    // d_tag is signed, but every tag used here is small and positive; a huge one is simply ignored.
    const tag = wide ? r.word(at) : r.u32(at);
    const value = r.word(at + entrySize / 2);
    if (tag === DT.NULL) break;
    if (tag !== undefined) tags.push({ tag, value });
  }

  const strtabAddr = tags.find((t) => t.tag === DT.STRTAB)?.value;
  const strsz = tags.find((t) => t.tag === DT.STRSZ)?.value;
  const stringTags = tags.filter((t) => t.tag === DT.NEEDED || t.tag === DT.SONAME || t.tag === DT.RPATH || t.tag === DT.RUNPATH);
  if (stringTags.length === 0) return { ok: true, elf };
  if (strtabAddr === undefined) return { ok: false, reason: 'dynamic section has names but no DT_STRTAB' };
  // DT_STRTAB is a virtual address: map it back to the file through the PT_LOAD that contains it.
  const load = segments.find((s) => s.type === PT.LOAD && s.vaddr <= strtabAddr && strtabAddr < s.vaddr + s.filesz);
  if (!load) return { ok: false, reason: 'DT_STRTAB is outside every loadable segment' };
  const strtab = load.offset + (strtabAddr - load.vaddr);
  const strEnd = strsz !== undefined ? strtab + strsz : load.offset + load.filesz;
  if (!r.fits(strtab, 1)) return { ok: false, reason: 'the dynamic string table lies beyond the end of the file (truncated?)' };

  const unreadable: number[] = [];
  for (const { tag, value } of stringTags) {
    const text = value === undefined ? undefined : r.cstring(strtab + value, strEnd);
    if (text === undefined) {
      unreadable.push(tag);
      continue;
    }
    if (tag === DT.NEEDED) elf.needed.push(text);
    else if (tag === DT.SONAME) elf.soname = text;
    else if (tag === DT.RPATH) elf.rpath.push(...splitPathList(text));
    else elf.runpath.push(...splitPathList(text));
  }
  if (unreadable.length > 0) elf.warning = `${unreadable.length} dynamic name(s) point outside the string table (truncated file?)`;
  return { ok: true, elf };
}

export interface Shebang {
  interpreter: string;
  /** Everything after the interpreter up to the end of the line, trimmed: Linux passes it as ONE argument. */
  arg?: string;
}

export type ShebangParse = { ok: true; shebang: Shebang } | { ok: false; reason: string };

/** BINPRM_BUF_SIZE: the kernel looks at this many bytes of a script (since 5.1 it may not truncate). */
export const SHEBANG_LIMIT = 256;

/**
 * The `#!` line the way Linux's binfmt_script (≥ 5.1) reads it: optional spaces or tabs after `#!`,
 * the interpreter up to the next space, tab or end of line, then at most one argument (the rest of the
 * line, trimmed, spaces included). A line without a newline in the first 256 bytes is refused
 * (ENOEXEC) unless a blank ends the interpreter's path within them; the argument may then be cut.
 */
export function parseShebang(buf: Buffer): ShebangParse | undefined {
  if (buf.length < 2 || buf[0] !== 0x23 || buf[1] !== 0x21) return undefined;
  // The kernel's buffer: the first 256 bytes, NUL-padded when the file is shorter.
  const b = Buffer.alloc(SHEBANG_LIMIT);
  buf.copy(b, 0, 0, SHEBANG_LIMIT);
  const bufEnd = SHEBANG_LIMIT - 1;
  const spacetab = (at: number) => b[at] === 0x20 || b[at] === 0x09;
  const terminator = (at: number) => spacetab(at) || b[at] === 0;
  const nextNonSpacetab = (from: number, to: number) => {
    for (let at = from; at < to; at++) if (!spacetab(at)) return at;
    return undefined;
  };
  const nextTerminator = (from: number, to: number) => {
    for (let at = from; at < to; at++) if (terminator(at)) return at;
    return undefined;
  };
  let iEnd = b.indexOf(0x0a);
  if (iEnd < 0) {
    const first = nextNonSpacetab(2, bufEnd);
    if (first === undefined) return { ok: false, reason: '#! line holds nothing but blanks' };
    if (nextTerminator(first, bufEnd) === undefined) {
      return { ok: false, reason: `#! interpreter path cut by the kernel's ${SHEBANG_LIMIT}-byte limit` };
    }
    iEnd = bufEnd;
  }
  while (iEnd > 2 && spacetab(iEnd - 1)) iEnd--;
  const iName = nextNonSpacetab(2, iEnd);
  if (iName === undefined || iName === iEnd) return { ok: false, reason: 'no interpreter on the #! line' };
  const iSep = nextTerminator(iName, iEnd);
  const cString = (from: number, to: number) => {
    const text = b.toString('latin1', from, to);
    const nul = text.indexOf('\0');
    return nul >= 0 ? text.slice(0, nul) : text;
  };
  const interpreter = cString(iName, iSep ?? iEnd);
  if (interpreter === '') return { ok: false, reason: 'no interpreter on the #! line' };
  if (iSep !== undefined && b[iSep] !== 0) {
    const iArg = nextNonSpacetab(iSep, iEnd);
    const arg = iArg === undefined ? '' : cString(iArg, iEnd);
    if (arg !== '') return { ok: true, shebang: { interpreter, arg } };
  }
  return { ok: true, shebang: { interpreter } };
}

/** One library the dynamic linker's cache knows. */
export interface LdCacheEntry {
  name: string;
  path: string;
  /** Cache flags: low byte the library type (3 = glibc), next byte the architecture (0x03 = x86-64). */
  flags: number;
  hwcap: bigint;
}

export type LdCacheParse = { ok: true; entries: LdCacheEntry[] } | { ok: false; reason: string };

const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_HEADER = 48;
const NEW_ENTRY = 24;
const OLD_ENTRY = 12;

/**
 * glibc's /etc/ld.so.cache: the new format (`glibc-ld.so.cache1.1`, alone since glibc 2.32), or the new
 * format appended after the old one (`ld.so-1.7.0`, older ldconfig). String offsets of the new format
 * count from the start of the new header.
 */
export function parseLdCache(buf: Buffer): LdCacheParse {
  let base = 0;
  if (buf.length >= OLD_MAGIC.length && buf.toString('latin1', 0, OLD_MAGIC.length) === OLD_MAGIC) {
    if (buf.length < 16) return { ok: false, reason: 'truncated old-format header' };
    const oldCount = buf.readUInt32LE(12);
    base = 16 + oldCount * OLD_ENTRY;
    // The new header follows the old entries, aligned like a struct cache_file_new (8 bytes).
    base = (base + 7) & ~7;
    if (!Number.isSafeInteger(base) || base > buf.length) return { ok: false, reason: 'old-format cache without a new-format part' };
  }
  if (buf.length < base + NEW_HEADER || buf.toString('latin1', base, base + NEW_MAGIC.length) !== NEW_MAGIC) {
    return { ok: false, reason: 'not a glibc-ld.so.cache1.1 file' };
  }
  // Byte 28 is the endianness flag (0 unknown, 1 invalid, 2 little, 3 big).
  const endianFlag = buf[base + 28];
  const little = endianFlag !== 3;
  const u32 = (at: number) => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  const count = u32(base + 20);
  if (base + NEW_HEADER + count * NEW_ENTRY > buf.length) return { ok: false, reason: `truncated cache: ${count} entries announced` };
  const r = new Reader(buf, little, true);
  const entries: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = base + NEW_HEADER + i * NEW_ENTRY;
    const flags = little ? buf.readInt32LE(at) : buf.readInt32BE(at);
    const name = r.cstring(base + u32(at + 4));
    const path = r.cstring(base + u32(at + 8));
    const hwcap = little ? buf.readBigUInt64LE(at + 16) : buf.readBigUInt64BE(at + 16);
    if (name === undefined || path === undefined) return { ok: false, reason: `cache entry ${i} points outside the file` };
    entries.push({ name, path, flags, hwcap });
  }
  return { ok: true, entries };
}

/** The cache's architecture byte for an ELF's class and machine (glibc's FLAG_* of ldconfig.h). */
export function ldCacheArchFlag(elf: Pick<ElfFacts, 'class' | 'machine'>): number | undefined {
  if (elf.machine === 62) return elf.class === 64 ? 0x0300 : 0x0800;
  if (elf.machine === 183) return 0x0a00;
  if (elf.machine === 3) return 0x0000;
  return undefined;
}

/** Debian's multiarch triplet: where the distribution puts a machine's libraries. */
export function multiarchTriplet(elf: Pick<ElfFacts, 'class' | 'machine' | 'endian'>): string | undefined {
  switch (elf.machine) {
    case 62:
      return elf.class === 64 ? 'x86_64-linux-gnu' : 'x86_64-linux-gnux32';
    case 3:
      return 'i386-linux-gnu';
    case 183:
      return 'aarch64-linux-gnu';
    case 40:
      return 'arm-linux-gnueabihf';
    case 243:
      return 'riscv64-linux-gnu';
    case 21:
      return elf.endian === 'little' ? 'powerpc64le-linux-gnu' : 'powerpc64-linux-gnu';
    case 22:
      return 's390x-linux-gnu';
    default:
      return undefined;
  }
}

/** The files a program needs before its first instruction (built by src/host/elf.ts). */
export type ClosureRole = 'binary' | 'script-interpreter' | 'elf-interpreter' | 'library' | 'ld-cache';

export interface ClosureItem {
  /** The path as the kernel or ld.so asks for it. */
  path: string;
  role: ClosureRole;
  /** Who asked: the script for an interpreter, the object whose DT_NEEDED named a library. */
  neededBy?: string;
  /** For libraries: the DT_NEEDED name. */
  name?: string;
  /** Symlinks met while resolving `path` (each as it was met), and the file finally reached. */
  links: string[];
  realPath: string;
}

export interface ExecClosure {
  path: string;
  items: ClosureItem[];
  /** Every path that has to be visible: the items' paths, the symlinks along them and their targets. */
  files: string[];
  /** The ELF interpreter (PT_INTERP) of the program that finally runs, if dynamically linked. */
  interpreter?: string;
  unresolved: { name: string; neededBy: string; role: ClosureRole; reason: string }[];
  /** Things that make the closure incomplete (unparseable ELF, cache unreadable…). */
  notes: string[];
}

