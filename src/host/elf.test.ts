import { describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { realpathSync, mkdtempSync, writeFileSync, chmodSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHostRunner } from '../systemd/runner.js';
import { resolveExecClosure, tolerantReader, type ElfFileReader } from './elf.js';

/** This machine's files, read as discover reads them. */
const hostElfReader = (): ElfFileReader => tolerantReader(createHostRunner());

/** ldd's answer (the reference): DT_NEEDED name → path, plus the interpreter. */
function ldd(file: string): { libs: Map<string, string>; interpreter?: string } {
  const out = execFileSync('ldd', [file], { encoding: 'utf8' });
  const libs = new Map<string, string>();
  let interpreter: string | undefined;
  for (const line of out.split('\n')) {
    const arrow = /^\s*(\S+) => (\S+) \(0x/.exec(line);
    if (arrow) libs.set(arrow[1]!, path.posix.normalize(arrow[2]!));
    const bare = /^\s*(\/\S+) \(0x/.exec(line);
    if (bare) interpreter = bare[1];
  }
  return { libs, ...(interpreter ? { interpreter } : {}) };
}

const BINARIES = ['/usr/bin/perl', '/usr/sbin/nginx', '/bin/sh', '/usr/bin/sleep', '/usr/bin/curl', '/usr/bin/java', '/usr/bin/redis-server'];

describe('resolveExecClosure matches ldd on this machine', () => {
  for (const binary of BINARIES) {
    test(binary, async () => {
      const closure = await resolveExecClosure(binary, hostElfReader());
      // ldd runs `ld.so --list PATH`, which takes $ORIGIN from PATH as given; an exec'd program gets
      // it from /proc/self/exe (the real path). Through /usr/bin/java → /etc/alternatives the two differ
      // and ldd says "libjli.so => not found" although java runs: ask ldd about the real path.
      const reference = ldd(realpathSync(binary));
      const libs = new Map(closure.items.filter((i) => i.role === 'library').map((i) => [i.name!, i.path]));
      expect(Object.fromEntries(libs)).toEqual(Object.fromEntries(reference.libs));
      expect(closure.interpreter).toBe(reference.interpreter);
      expect(closure.unresolved).toEqual([]);
      expect(closure.notes).toEqual([]);
    });
  }

  test('the symlinks along the way are part of the files (merged /usr, /lib64, alternatives)', async () => {
    const perl = await resolveExecClosure('/usr/bin/perl', hostElfReader());
    expect(perl.files).toEqual(
      expect.arrayContaining(['/usr/bin/perl', '/lib64/ld-linux-x86-64.so.2', '/lib64', '/lib', '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2', '/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/etc/ld.so.cache']),
    );
    const java = await resolveExecClosure('/usr/bin/java', hostElfReader());
    expect(java.files).toEqual(expect.arrayContaining(['/usr/bin/java', '/etc/alternatives/java', '/usr/lib/jvm/java-17-openjdk-amd64/lib/libjli.so']));
  });
});

describe('scripts', () => {
  test('the memcached wrapper runs perl: the script, perl, its interpreter and libraries', async () => {
    const c = await resolveExecClosure('/usr/share/memcached/scripts/systemd-memcached-wrapper', hostElfReader());
    expect(c.items.slice(0, 2).map((i) => [i.path, i.role])).toEqual([
      ['/usr/share/memcached/scripts/systemd-memcached-wrapper', 'binary'],
      ['/usr/bin/perl', 'script-interpreter'],
    ]);
    expect(c.interpreter).toBe('/lib64/ld-linux-x86-64.so.2');
    expect(c.files).toContain('/lib/x86_64-linux-gnu/libc.so.6');
  });

  test('#!/usr/bin/env NAME searches NAME in PATH, env -S too; a missing one is unresolved', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bindscout-elf-'));
    try {
      const script = (name: string, text: string) => {
        const file = path.join(dir, name);
        writeFileSync(file, text);
        chmodSync(file, 0o755);
        return file;
      };
      const viaEnv = await resolveExecClosure(script('a', '#!/usr/bin/env perl\n'), hostElfReader(), { searchPath: '/nonexistent:/usr/bin' });
      expect(viaEnv.items.map((i) => [i.path, i.role]).slice(0, 3)).toEqual([
        [path.join(dir, 'a'), 'binary'],
        ['/usr/bin/env', 'script-interpreter'],
        ['/lib64/ld-linux-x86-64.so.2', 'elf-interpreter'],
      ]);
      expect(viaEnv.items.some((i) => i.path === '/usr/bin/perl' && i.role === 'script-interpreter')).toBe(true);
      const split = await resolveExecClosure(script('b', '#!/usr/bin/env -S perl -w\n'), hostElfReader());
      expect(split.items.some((i) => i.path === '/usr/bin/perl')).toBe(true);
      // -S: the first word that is neither an option nor NAME=VALUE; without -S the whole argument.
      const settings = await resolveExecClosure(script('e', '#!/usr/bin/env -S FOO=1 -i perl --x\n'), hostElfReader());
      expect(settings.items.some((i) => i.path === '/usr/bin/perl' && i.role === 'script-interpreter')).toBe(true);
      const whole = await resolveExecClosure(script('f', '#!/usr/bin/env perl -w\n'), hostElfReader());
      expect(whole.unresolved).toEqual([expect.objectContaining({ name: 'perl -w', role: 'script-interpreter' })]);
      const none = await resolveExecClosure(script('g', '#!/usr/bin/env -i\n'), hostElfReader());
      expect(none.notes).toEqual([expect.stringContaining('cannot tell which program')]);
      const missing = await resolveExecClosure(script('c', '#!/usr/bin/env no-such-interpreter-xyz\n'), hostElfReader());
      expect(missing.unresolved).toEqual([expect.objectContaining({ name: 'no-such-interpreter-xyz', role: 'script-interpreter' })]);
      // A script whose interpreter is another script (the kernel follows up to 4 levels).
      const inner = script('inner', '#!/bin/sh\n');
      symlinkSync(inner, path.join(dir, 'link'));
      const nested = await resolveExecClosure(script('outer', `#!${path.join(dir, 'link')} -x\n`), hostElfReader());
      expect(nested.items.map((i) => i.path)).toEqual(expect.arrayContaining([path.join(dir, 'link'), '/bin/sh']));
      expect(nested.files).toContain(inner);
      const noInterp = await resolveExecClosure(script('d', '#!/nonexistent/interp\n'), hostElfReader());
      expect(noInterp.unresolved).toEqual([expect.objectContaining({ name: '/nonexistent/interp', role: 'script-interpreter' })]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a view where files are missing', () => {
  /** The host's files minus some: how a container or a broken system looks. */
  const without = (hidden: string[]): ElfFileReader => {
    const host = hostElfReader();
    const isHidden = (p: string) => hidden.some((h) => p === h || p.startsWith(h + '/'));
    return {
      readFile: async (p) => (isHidden(p) ? undefined : host.readFile(p)),
      readlink: async (p) => (isHidden(p) ? undefined : host.readlink!(p)),
      readdir: host.readdir!,
    };
  };

  test('a library missing everywhere is unresolved, named with who needs it', async () => {
    const c = await resolveExecClosure('/usr/sbin/nginx', without(['/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0']));
    expect(c.unresolved).toEqual([expect.objectContaining({ name: 'libpcre2-8.so.0', neededBy: '/usr/sbin/nginx', role: 'library' })]);
    expect(c.items.some((i) => i.name === 'libc.so.6')).toBe(true);
  });

  test('without /etc/ld.so.cache, ld.so.conf and the default directories still find the libraries', async () => {
    const c = await resolveExecClosure('/usr/sbin/nginx', without(['/etc/ld.so.cache']));
    expect(c.unresolved).toEqual([]);
    expect(c.notes).toEqual([expect.stringMatching(/ld\.so\.cache is missing/)]);
    expect(c.items.find((i) => i.name === 'libssl.so.3')?.realPath).toBe('/usr/lib/x86_64-linux-gnu/libssl.so.3');
    const bare = await resolveExecClosure('/usr/sbin/nginx', without(['/etc/ld.so.cache', '/etc/ld.so.conf']));
    expect(bare.unresolved).toEqual([]);
  });

  test('a missing ELF interpreter and a missing program', async () => {
    const c = await resolveExecClosure('/usr/bin/sleep', without(['/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2']));
    expect(c.unresolved).toEqual([expect.objectContaining({ name: '/lib64/ld-linux-x86-64.so.2', role: 'elf-interpreter' })]);
    const gone = await resolveExecClosure('/usr/bin/no-such-program-xyz', hostElfReader());
    expect(gone.unresolved).toEqual([expect.objectContaining({ name: '/usr/bin/no-such-program-xyz', role: 'binary' })]);
    expect(gone.items).toEqual([]);
  });

  test('a reader without readlink still finds everything (no symlinks reported)', async () => {
    const host = hostElfReader();
    const c = await resolveExecClosure('/usr/bin/perl', { readFile: host.readFile });
    expect(c.unresolved).toEqual([]);
    expect(c.items.every((i) => i.links.length === 0)).toBe(true);
  });
});
