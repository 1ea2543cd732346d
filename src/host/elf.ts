/**
 * Every file the kernel and ld.so open to start a program, found the way they find them: a script's
 * `#!` interpreter chain (with `/usr/bin/env NAME` searched in PATH), the ELF interpreter, and the
 * DT_NEEDED closure resolved like glibc's ld.so (DT_RPATH/DT_RUNPATH with $ORIGIN, /etc/ld.so.cache, the
 * default directories), plus every symlink met on the way. Under `TemporaryFileSystem=/:ro` a start
 * fails with 203/EXEC and "No such file or directory" when any of the first ones is missing, and the
 * program dies at once with ld.so's "error while loading shared libraries" when a library is.
 *
 * Files are read through an injected reader, so the same code works on the host (node:fs) and in a
 * container's view (a Runner).
 */
import path from 'node:path';
import {
  ldCacheArchFlag,
  multiarchTriplet,
  parseElf,
  parseLdCache,
  parseShebang,
  type ClosureItem,
  type ClosureRole,
  type ElfFacts,
  type ExecClosure,
  type LdCacheEntry,
} from '../profile/elf.js';

export type { ClosureItem, ClosureRole, ExecClosure };
import { normalizePath, parentOf, resolveSymlinksAsync, splitPath } from '../core/fsview.js';

export interface ElfFileReader {
  /** The whole file, following symlinks; undefined when it does not exist. */
  readFile(file: string): Promise<Buffer | undefined>;
  /** The symlink's text; undefined when the path is not a symlink (or does not exist). */
  readlink?(file: string): Promise<string | undefined>;
  /** Names in a directory, for `include` globs of ld.so.conf; undefined when it does not exist. */
  readdir?(dir: string): Promise<string[] | undefined>;
}

export interface ClosureOptions {
  /** PATH for `#!/usr/bin/env NAME`: systemd's default for services (Debian 12's systemd 252). */
  searchPath?: string;
  ldCache?: string;
  ldConf?: string;
}

export const SYSTEMD_DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `nginx` → `/usr/sbin/nginx`, searched as systemd searches an Exec*= program; absolute names unchanged. */
export function findOnDefaultPath(program: string, exists: (path: string) => boolean): string | undefined {
  if (program.startsWith('/')) return program;
  for (const dir of SYSTEMD_DEFAULT_PATH.split(':')) {
    if (exists(`${dir}/${program}`)) return `${dir}/${program}`;
  }
  return undefined;
}
/** binfmt_script may recurse this deep (the kernel allows 4 rewrites of the binary before ELOOP). */
const MAX_SCRIPT_DEPTH = 4;

interface Resolved {
  realPath: string;
  links: string[];
  exists: boolean;
}

/** The reader with results remembered: the same libraries and directories come up again and again. */
class CachedReader {
  private readonly files = new Map<string, Promise<Buffer | undefined>>();
  private readonly linkCache = new Map<string, Promise<string | undefined>>();
  constructor(readonly reader: ElfFileReader) {}

  readFile(file: string): Promise<Buffer | undefined> {
    let hit = this.files.get(file);
    if (!hit) this.files.set(file, (hit = this.reader.readFile(file).catch(() => undefined)));
    return hit;
  }

  readlink(file: string): Promise<string | undefined> {
    if (!this.reader.readlink) return Promise.resolve(undefined);
    let hit = this.linkCache.get(file);
    if (!hit) this.linkCache.set(file, (hit = this.reader.readlink(file).catch(() => undefined)));
    return hit;
  }

  /** Resolves symlinks component by component, as the kernel does, recording each one met. */
  async resolve(file: string): Promise<Resolved> {
    // Only links are asked about: whether the file is there is read once, at the end.
    const walk = await resolveSymlinksAsync(async (candidate) => {
      const target = await this.readlink(candidate);
      return target === undefined ? { kind: 'dir' } : { kind: 'symlink', target };
    }, file);
    const links = walk.links.map((step) => step.link);
    if (walk.loop) return { realPath: normalizePath(links.at(-1)!), links, exists: false };
    return { realPath: walk.finalPath, links, exists: (await this.readFile(walk.finalPath)) !== undefined };
  }
}

/** glibc's dynamic string tokens; $LIB and $PLATFORM as Debian's ld.so expands them. */
function expandTokens(dir: string, origin: string, elf: ElfFacts): string | undefined {
  const triplet = multiarchTriplet(elf);
  const platform = elf.machine === 62 ? 'x86_64' : elf.machine === 183 ? 'aarch64' : elf.machine === 3 ? 'i686' : undefined;
  const values: Record<string, string | undefined> = {
    ORIGIN: origin,
    LIB: triplet ? `lib/${triplet}` : elf.class === 64 ? 'lib64' : 'lib',
    PLATFORM: platform,
  };
  let failed = false;
  const expanded = dir.replace(/\$(?:\{(ORIGIN|LIB|PLATFORM)\}|(ORIGIN|LIB|PLATFORM)(?![A-Za-z0-9_]))/g, (_m, braced: string, bare: string) => {
    const value = values[braced ?? bare];
    if (value === undefined) failed = true;
    return value ?? '';
  });
  return failed ? undefined : expanded;
}

/** Matches one path component against a shell glob (`*.conf`), for ld.so.conf's `include`. */
function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

interface LoadedObject {
  path: string;
  elf: ElfFacts;
  origin: string;
  /** The DT_RPATH chain of the loaders above this object (ld.so searches them too, unless RUNPATH). */
  loaderRpaths: { dirs: string[]; origin: string; elf: ElfFacts }[];
}

class ClosureBuilder {
  readonly items: ClosureItem[] = [];
  readonly unresolved: ExecClosure['unresolved'] = [];
  readonly notes: string[] = [];
  private cache: LdCacheEntry[] | undefined | null = null;
  private confDirs: string[] | undefined;

  constructor(
    readonly reader: CachedReader,
    readonly options: Required<ClosureOptions>,
  ) {}

  private add(item: ClosureItem): void {
    if (!this.items.some((i) => i.path === item.path && i.role === item.role)) this.items.push(item);
  }

  private async loadCache(): Promise<LdCacheEntry[] | undefined> {
    if (this.cache !== null) return this.cache;
    const buf = await this.reader.readFile(this.options.ldCache);
    if (!buf) {
      this.notes.push(`${this.options.ldCache} is missing: searched ld.so.conf's directories and the default ones`);
      return (this.cache = undefined);
    }
    const parsed = parseLdCache(buf);
    if (!parsed.ok) {
      this.notes.push(`${this.options.ldCache}: ${parsed.reason}; searched ld.so.conf's directories and the default ones`);
      return (this.cache = undefined);
    }
    this.add({ path: this.options.ldCache, role: 'ld-cache', links: [], realPath: this.options.ldCache });
    return (this.cache = parsed.entries);
  }

  /** What ldconfig would have put in the cache: ld.so.conf's directories, includes followed. */
  private async loadConfDirs(): Promise<string[]> {
    if (this.confDirs) return this.confDirs;
    const dirs: string[] = [];
    const seen = new Set<string>();
    const readConf = async (file: string, depth: number): Promise<void> => {
      if (depth > 8 || seen.has(file)) return;
      seen.add(file);
      const text = (await this.reader.readFile(file))?.toString('latin1');
      if (text === undefined) return;
      for (const raw of text.split('\n')) {
        const line = raw.replace(/#.*/, '').trim();
        if (line === '') continue;
        const include = /^include\s+(.+)$/.exec(line);
        if (include) {
          for (const pattern of include[1]!.split(/\s+/)) {
            const absolute = pattern.startsWith('/') ? pattern : path.posix.join(parentOf(file), pattern);
            const dir = parentOf(absolute);
            const base = absolute.slice(dir.length + (dir === '/' ? 0 : 1));
            if (!/[*?[]/.test(base)) {
              await readConf(absolute, depth + 1);
              continue;
            }
            const names = (await this.reader.reader.readdir?.(dir)) ?? [];
            const match = globToRegExp(base);
            for (const name of [...names].sort()) if (match.test(name)) await readConf(path.posix.join(dir, name), depth + 1);
          }
        } else if (!line.startsWith('hwcap ')) {
          dirs.push(...line.split(/[\s:,=]+/).filter((d) => d.startsWith('/')));
        }
      }
    };
    await readConf(this.options.ldConf, 0);
    return (this.confDirs = dirs);
  }

  private defaultDirs(elf: ElfFacts): string[] {
    const triplet = multiarchTriplet(elf);
    return [...(triplet ? [`/lib/${triplet}`, `/usr/lib/${triplet}`] : []), '/lib', '/usr/lib'];
  }

  /** A candidate file is taken only if it is an ELF of the same class and machine (ld.so skips others). */
  private async tryFile(file: string, want: ElfFacts): Promise<{ resolved: Resolved; elf: ElfFacts } | undefined> {
    const resolved = await this.reader.resolve(file);
    if (!resolved.exists) return undefined;
    const buf = await this.reader.readFile(resolved.realPath);
    if (!buf) return undefined;
    const parsed = parseElf(buf);
    if (!parsed.ok || parsed.elf.class !== want.class || parsed.elf.machine !== want.machine) return undefined;
    return { resolved, elf: parsed.elf };
  }

  private async searchDirs(name: string, dirs: string[], want: ElfFacts) {
    for (const dir of dirs) {
      const found = await this.tryFile(path.posix.join(dir, name), want);
      if (found) return { path: normalizePath(path.posix.join(dir, name)), ...found };
    }
    return undefined;
  }

  private async findLibrary(name: string, loader: LoadedObject) {
    const want = loader.elf;
    if (name.includes('/')) {
      const found = await this.tryFile(name, want);
      return found ? { path: name, ...found } : undefined;
    }
    const expand = (dirs: string[], origin: string, elf: ElfFacts) =>
      dirs.map((d) => expandTokens(d, origin, elf)).filter((d): d is string => d !== undefined && d.startsWith('/'));
    // DT_RPATH of the loader and of every loader above it, but only when the loader has no DT_RUNPATH.
    if (loader.elf.runpath.length === 0) {
      for (const chain of [{ dirs: loader.elf.rpath, origin: loader.origin, elf: loader.elf }, ...loader.loaderRpaths]) {
        const hit = await this.searchDirs(name, expand(chain.dirs, chain.origin, chain.elf), want);
        if (hit) return hit;
      }
    }
    const runpathHit = await this.searchDirs(name, expand(loader.elf.runpath, loader.origin, loader.elf), want);
    if (runpathHit) return runpathHit;
    const cache = await this.loadCache();
    if (cache) {
      const arch = ldCacheArchFlag(want);
      for (const entry of cache) {
        if (entry.name !== name || entry.hwcap !== 0n) continue;
        if ((entry.flags & 0xff) !== 0x03) continue;
        if (arch !== undefined && (entry.flags & 0xff00) !== arch) continue;
        const found = await this.tryFile(entry.path, want);
        if (found) return { path: entry.path, ...found };
      }
    } else {
      const hit = await this.searchDirs(name, await this.loadConfDirs(), want);
      if (hit) return hit;
    }
    return this.searchDirs(name, this.defaultDirs(want), want);
  }

  /** The ELF interpreter and the DT_NEEDED closure, breadth first, each name resolved once like ld.so. */
  async elfClosure(file: string, elf: ElfFacts, resolved: Resolved): Promise<void> {
    const loadedNames = new Set<string>();
    if (elf.interpreter) {
      const interp = await this.reader.resolve(elf.interpreter);
      if (interp.exists) {
        this.add({ path: elf.interpreter, role: 'elf-interpreter', neededBy: file, links: interp.links, realPath: interp.realPath });
        // ld.so is already loaded: libc's DT_NEEDED on it is satisfied by its soname, not searched.
        const buf = await this.reader.readFile(interp.realPath);
        const parsed = buf ? parseElf(buf) : undefined;
        if (parsed?.ok && parsed.elf.soname) loadedNames.add(parsed.elf.soname);
      } else {
        this.unresolved.push({ name: elf.interpreter, neededBy: file, role: 'elf-interpreter', reason: 'the ELF interpreter does not exist' });
        // Reported once: libc's DT_NEEDED on the same loader would only repeat it.
        loadedNames.add(path.posix.basename(elf.interpreter));
      }
    }
    if (elf.needed.length === 0) return;
    // The executable's $ORIGIN is the directory of its real path (ld.so reads /proc/self/exe).
    const root: LoadedObject = { path: file, elf, origin: parentOf(resolved.realPath), loaderRpaths: [] };
    if (elf.soname) loadedNames.add(elf.soname);
    const queue: LoadedObject[] = [root];
    while (queue.length > 0) {
      const loader = queue.shift()!;
      for (const name of loader.elf.needed) {
        if (loadedNames.has(name)) continue;
        loadedNames.add(name);
        const found = await this.findLibrary(name, loader);
        if (!found) {
          this.unresolved.push({ name, neededBy: loader.path, role: 'library', reason: 'not found in RPATH/RUNPATH, ld.so.cache or the default directories' });
          continue;
        }
        if (found.elf.soname) loadedNames.add(found.elf.soname);
        this.add({ path: found.path, role: 'library', name, neededBy: loader.path, links: found.resolved.links, realPath: found.resolved.realPath });
        queue.push({
          path: found.path,
          elf: found.elf,
          origin: parentOf(found.path),
          loaderRpaths: loader.elf.runpath.length === 0 && loader.elf.rpath.length > 0
            ? [{ dirs: loader.elf.rpath, origin: loader.origin, elf: loader.elf }, ...loader.loaderRpaths]
            : loader.loaderRpaths,
        });
      }
    }
  }

  private async searchPath(name: string): Promise<string | undefined> {
    for (const dir of this.options.searchPath.split(':').filter((d) => d.startsWith('/'))) {
      const candidate = path.posix.join(dir, name);
      if ((await this.reader.resolve(candidate)).exists) return candidate;
    }
    return undefined;
  }

  /** The program as execve sees it: scripts lead to their interpreter, up to the kernel's depth. */
  async program(file: string, role: ClosureRole, neededBy: string | undefined, depth: number): Promise<string | undefined> {
    const resolved = await this.reader.resolve(file);
    if (!resolved.exists) {
      this.unresolved.push({ name: file, neededBy: neededBy ?? file, role, reason: 'does not exist' });
      return undefined;
    }
    this.add({ path: file, role, ...(neededBy ? { neededBy } : {}), links: resolved.links, realPath: resolved.realPath });
    const buf = (await this.reader.readFile(resolved.realPath))!;
    const elf = parseElf(buf);
    if (elf.ok) {
      await this.elfClosure(file, elf.elf, resolved);
      return elf.elf.interpreter;
    }
    const shebang = parseShebang(buf);
    if (shebang === undefined) {
      this.notes.push(`${file}: ${elf.reason}, and no #! line`);
      return undefined;
    }
    if (!shebang.ok) {
      this.notes.push(`${file}: ${shebang.reason}`);
      return undefined;
    }
    if (depth >= MAX_SCRIPT_DEPTH) {
      this.notes.push(`${file}: interpreters nested deeper than the kernel allows`);
      return undefined;
    }
    const { interpreter, arg } = shebang.shebang;
    const result = await this.program(interpreter, 'script-interpreter', file, depth + 1);
    if (path.posix.basename(interpreter) === 'env' && arg !== undefined) {
      const command = envCommand(arg);
      if (command === undefined) {
        this.notes.push(`${file}: cannot tell which program "#!${interpreter} ${arg}" runs`);
      } else if (command.includes('/')) {
        return this.program(command, 'script-interpreter', file, depth + 1);
      } else {
        const found = await this.searchPath(command);
        if (found) return this.program(found, 'script-interpreter', file, depth + 1);
        this.unresolved.push({ name: command, neededBy: file, role: 'script-interpreter', reason: `not found in PATH=${this.options.searchPath}` });
      }
    }
    return result;
  }
}

/**
 * The program `#!/usr/bin/env ARG` runs: the first word that is neither an option nor NAME=VALUE.
 * `-S` (split) makes the argument several words; without it the whole argument is the program's name.
 */
function envCommand(arg: string): string | undefined {
  const words = /^-[a-zA-Z]*S/.test(arg) ? arg.replace(/^-[a-zA-Z]*S\s*/, '').split(/[ \t]+/) : [arg];
  for (const word of words) {
    if (word === '' || word.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) continue;
    return word;
  }
  return undefined;
}

export async function resolveExecClosure(file: string, reader: ElfFileReader, options: ClosureOptions = {}): Promise<ExecClosure> {
  const builder = new ClosureBuilder(new CachedReader(reader), {
    searchPath: options.searchPath ?? SYSTEMD_DEFAULT_PATH,
    ldCache: options.ldCache ?? '/etc/ld.so.cache',
    ldConf: options.ldConf ?? '/etc/ld.so.conf',
  });
  const interpreter = await builder.program(file, 'binary', undefined, 0);
  const files = new Set<string>();
  for (const item of builder.items) {
    files.add(item.path);
    for (const link of item.links) files.add(link);
    files.add(item.realPath);
  }
  return {
    path: file,
    items: builder.items,
    files: [...files].sort(),
    ...(interpreter ? { interpreter } : {}),
    unresolved: builder.unresolved,
    notes: builder.notes,
  };
}

/**
 * A reader whose failures (permissions, a file that vanished) count as "not there": a closure is
 * resolved as far as the files can be read. Give it the files of a Runner's view (the host, or a
 * container through /proc/PID/root): its symlinks are read but never followed by the kernel here, the
 * closure resolves them itself against that view's `/`, which an absolute link followed through
 * /proc/PID/root would not respect.
 */
export function tolerantReader(files: Required<ElfFileReader>): ElfFileReader {
  return {
    readFile: (file) => files.readFile(file).catch(() => undefined),
    readlink: (file) => files.readlink(file).catch(() => undefined),
    readdir: (dir) => files.readdir(dir).catch(() => undefined),
  };
}
