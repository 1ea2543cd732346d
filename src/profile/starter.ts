/**
 * A starter profile: what a unit (or a bare command line) will need before it has ever run, read from
 * the unit's settings and its programs alone. It is a start, not the answer: the paths a service opens
 * at run time (its data, its sockets, files named in its configuration) only a trace can show.
 */
import type { ExecClosure } from './elf.js';
import { foldProfile, providedByUnitSettings } from './fold.js';
import { normalizePath, type FsView } from '../core/fsview.js';
import { execProgram } from '../unit-file/exec-programs.js';
import { splitWords, type UnitSettings } from '../unit-file/unit-settings.js';
import { NO_MEMBERS, withMembers, type Access, type ByteString, type Operation, type Profile } from '../core/model.js';
import { splitExecPrefixes, splitFirstWord } from '../unit-file/unitfile.js';
import { keepUnitHardening } from './unit-sandbox.js';

export interface StarterInput {
  settings: UnitSettings;
  /** Closures of the Exec programs, keyed as execProgram() returns them. */
  closures: Map<string, ExecClosure>;
  /** Module trees of the script interpreters used (perl's @INC, python's sys.path). */
  interpreterTrees: string[];
  /** Names the service goes by, for binding its own directories whole. */
  serviceNames: string[];
  baseline: boolean;
  include: string[];
  exclude: string[];
  /** Accesses of a traced run under the starter profile (`profile --trace`), folded in as well. */
  traced?: Access[];
}

export interface Starter {
  profile: Profile;
  /** Why each path is in, for the report. */
  reasons: { path: string; reason: string }[];
}

const TRUE_WORDS = /^(1|yes|y|true|t|on)$/i;

class Needs {
  private readonly byPath = new Map<ByteString, Access>();
  readonly reasons: { path: string; reason: string }[] = [];

  add(path: string, ops: Operation[], reason: string): void {
    const key = Buffer.from(normalizePath(path), 'utf8').toString('latin1');
    let access = this.byPath.get(key);
    if (access === undefined) {
      access = { path: key, ops: NO_MEMBERS, ok: true, errors: NO_MEMBERS, count: 0, firstPid: undefined, firstLine: 0, source: reason };
      this.byPath.set(key, access);
      this.reasons.push({ path, reason });
    }
    access.ops = withMembers(access.ops, ops);
    access.count++;
  }

  list(): Access[] {
    return [...this.byPath.values()];
  }
}

/** Absolute paths among an Exec line's arguments: `-c /etc/nginx/nginx.conf`, `--config=/etc/app.yml`. */
export function pathArguments(value: string): string[] {
  const { command } = splitExecPrefixes(value);
  const { rest } = splitFirstWord(command);
  const paths: string[] = [];
  for (const word of splitWords(rest)) {
    const candidate = word.includes('=') && !word.startsWith('/') ? word.slice(word.indexOf('=') + 1) : word;
    if (candidate.startsWith('/') && !/[$%]/.test(candidate.replace(/%%/g, ''))) paths.push(candidate.replace(/%%/g, '%'));
  }
  return paths;
}

export function starterProfile(input: StarterInput, fs: FsView): Starter {
  const { settings } = input;
  const needs = new Needs();
  const exists = (path: string) => fs.lstat(Buffer.from(path, 'utf8').toString('latin1')) !== undefined;

  for (const { kind, at } of settings.exec()) {
    const program = execProgram(at.value);
    const closure = program === undefined ? undefined : input.closures.get(program);
    if (closure !== undefined) {
      for (const item of closure.items) {
        const executed = item.role === 'binary' || item.role === 'script-interpreter' || item.role === 'elf-interpreter';
        needs.add(item.path, executed ? ['exec'] : ['read'], `${kind}=${program}: ${item.role.replace('-', ' ')}`);
      }
    }
    for (const path of pathArguments(at.value)) {
      if (exists(path)) needs.add(path, ['read'], `named on the ${kind}= line`);
    }
  }
  // By name, as packages lay services out: its configuration directory (a compiled-in default such
  // as nginx's /etc/nginx/nginx.conf appears on no Exec line), and the program a wrapper script execs.
  for (const name of input.serviceNames) {
    if (fs.lstat(`/etc/${name}`) === 'dir') needs.add(`/etc/${name}`, ['read', 'list'], `configuration directory named after the service`);
    for (const dir of ['/usr/sbin', '/usr/bin']) {
      const program = `${dir}/${name}`;
      if (fs.lstat(program) === 'file' && ![...input.closures.values()].some((c) => c.items.some((i) => i.realPath === program))) {
        needs.add(program, ['exec'], 'program named after the service, run by its wrapper');
      }
    }
  }
  for (const tree of input.interpreterTrees) {
    if (exists(tree)) needs.add(tree, ['read', 'list'], 'module tree of a script interpreter');
  }
  for (const { word } of settings.list('EnvironmentFile')) {
    const path = word.replace(/^-/, '');
    if (exists(path)) needs.add(path, ['read'], 'EnvironmentFile=');
  }
  const workingDirectory = settings.last('WorkingDirectory')?.value.replace(/^[-!~]+/, '');
  if (workingDirectory?.startsWith('/') && exists(workingDirectory)) needs.add(workingDirectory, ['read', 'list'], 'WorkingDirectory=');
  const pidFile = settings.last('PIDFile')?.value;
  if (pidFile?.startsWith('/')) needs.add(pidFile, ['write', 'create'], 'PIDFile=: written by the service');
  const user = settings.last('User')?.value;
  const runsAsRoot = user === undefined || user === '' || user === 'root' || user === '0';
  // A root daemon usually drops privileges itself (nginx's `user`, memcached's -u): it looks the user up.
  const why = runsAsRoot
    ? 'runs as root: a daemon that drops privileges itself looks its user up'
    : 'User=/Group=: a service that switches users looks itself up';
  for (const file of ['/etc/passwd', '/etc/group', '/etc/nsswitch.conf']) {
    if (exists(file)) needs.add(file, ['read'], why);
  }
  if (settings.last('Type')?.value === 'notify' || settings.last('Type')?.value === 'notify-reload') {
    needs.add('/run/systemd/notify', ['connect'], 'Type=notify: readiness goes through the notify socket');
  }

  const provided = providedByUnitSettings(
    (setting) => settings.list(setting).map((w) => w.word),
    TRUE_WORDS.test(settings.last('PrivateTmp')?.value ?? ''),
  );

  const profile = foldProfile(
    [...needs.list(), ...(input.traced ?? [])],
    {
      baseline: input.baseline,
      include: input.include,
      exclude: input.exclude,
      serviceNames: input.serviceNames,
      provided,
      directoriesAsBinds: true,
      // Nothing runs here to ask for User='s uid: its own places are known by its names (/etc/redis).
      identity: { names: input.serviceNames, declared: [] },
    },
    fs,
  );
  const hardening = { NoExecPaths: [] as string[], ExecPaths: [] as string[], ReadWritePaths: [] as string[] };
  for (const key of ['NoExecPaths', 'ExecPaths', 'ReadWritePaths'] as const) hardening[key] = settings.list(key).map((w) => w.word);
  // The old name, still in Debian's redis unit (systemctl show merges it into ReadWritePaths=).
  hardening.ReadWritePaths.push(...settings.list('ReadWriteDirectories').map((w) => w.word));
  return { profile: keepUnitHardening(profile, hardening), reasons: needs.reasons };
}
