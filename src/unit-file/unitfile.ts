/**
 * Unit file text, as systemd reads it: `systemctl show` output,
 * the Exec*= lines of `systemctl cat` with their prefixes, and escaping of words written into an
 * Exec*= line. Pure: the systemd layer hands in the text.
 */

// ---------------------------------------------------------------------------------------------------
// systemctl show

/** Every `Key=Value` line of `systemctl show`; a key that appears on several lines keeps them all. */
export function parseShow(text: string): Map<string, string[]> {
  const props = new Map<string, string[]>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const list = props.get(key);
    if (list) list.push(line.slice(eq + 1));
    else props.set(key, [line.slice(eq + 1)]);
  }
  return props;
}

/**
 * `systemctl show -p … UNIT UNIT…`: one block of properties per unit, blocks separated by an empty
 * line, in the order the units were named.
 */
export function parseShowUnits(text: string): Map<string, string[]>[] {
  return text
    .split(/\n\n+/)
    .map((block) => parseShow(block))
    .filter((props) => props.size > 0);
}

/** One command as `systemctl show` prints an Exec*= property (`{ path=… ; argv[]=… ; … }`). */
export interface ShownExec {
  path: string;
  /** argv joined with spaces by systemctl: the original quoting is lost, so this is for display only. */
  argvText: string;
  /** From the `Ex` form (`flags=ignore-failure privileged…`), or from `ignore_errors=` of the plain form. */
  flags: string[];
}

const SHOWN_EXEC = /\{ path=(.*?) ; argv\[\]=(.*) ; (?:ignore_errors=(yes|no)|flags=([^;]*?)) ; start_time=/;

/** Several commands of one property come as `{ … } ; { … }` on one line or as several lines. */
export function parseShownExec(values: string[]): ShownExec[] {
  const out: ShownExec[] = [];
  for (const value of values) {
    for (const part of value.split(/(?<=\}) ; (?=\{ path=)/)) {
      const m = SHOWN_EXEC.exec(part);
      if (!m) continue;
      const flags = m[4] !== undefined ? m[4].split(/\s+/).filter(Boolean) : m[3] === 'yes' ? ['ignore-failure'] : [];
      out.push({ path: m[1], argvText: m[2], flags });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Exec*= lines

export const EXEC_KINDS = [
  'ExecCondition', 'ExecStartPre', 'ExecStart', 'ExecStartPost', 'ExecReload', 'ExecStop', 'ExecStopPost',
] as const;
export type ExecKind = (typeof EXEC_KINDS)[number];

export type ExecPrefix = '-' | '@' | ':' | '+' | '!' | '!!';

export interface ExecLine {
  kind: ExecKind;
  /** The value exactly as written in the unit (after joining backslash continuations). */
  raw: string;
  /** In written order; `!!` is one prefix. */
  prefixes: ExecPrefix[];
  /** `raw` without its prefixes. */
  command: string;
  /** The unit file or drop-in that set it. */
  file: string | undefined;
}

export function splitExecPrefixes(raw: string): { prefixes: ExecPrefix[]; command: string } {
  const prefixes: ExecPrefix[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i];
    if (c === '!' && raw[i + 1] === '!') {
      prefixes.push('!!');
      i += 2;
    } else if (c === '-' || c === '@' || c === ':' || c === '+' || c === '!') {
      prefixes.push(c);
      i++;
    } else break;
  }
  return { prefixes, command: raw.slice(i) };
}

/**
 * The effective Exec*= lists from `systemctl cat` text (the fragment, then each drop-in under a
 * `# /path` header), honouring empty assignments that reset a list and backslash continuations.
 * `systemctl show` is no use for this: it joins argv with spaces and loses the quoting (nginx's
 * `-g 'daemon on; master_process on;'`).
 */
/**
 * Whether a line of `systemctl cat` output (after a blank line, or first) names the file that follows.
 * A comment in a unit can look the same (`# /proc and /sys: …` in a drop-in): a header is one path,
 * with no space, or a drop-in's `.conf` (whose name may hold one).
 */
export function isCatFileHeader(line: string): boolean {
  return /^# \/(\S+|.*\.conf)$/.test(line);
}

export function parseCatExecLines(text: string): ExecLine[] {
  const lists = new Map<ExecKind, ExecLine[]>();
  let section = '';
  let file: string | undefined;
  let pending: string | undefined;
  let previous = '';
  let lineNo = 0;
  for (let line of text.split('\n')) {
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let logical: string;
    if (pending !== undefined) {
      // Comment lines inside a continuation are skipped by systemd's parser.
      if (/^[ \t]*[#;]/.test(line)) continue;
      logical = pending + line;
      pending = undefined;
    } else {
      if (isCatFileHeader(line) && (lineNo === 1 || previous === '')) {
        file = line.slice(2);
        section = '';
        previous = line;
        continue;
      }
      previous = line;
      logical = line;
    }
    if (logical.endsWith('\\')) {
      pending = logical.slice(0, -1) + ' ';
      continue;
    }
    const trimmed = logical.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (trimmed.startsWith('[') && trimmed.endsWith(']')) {
      section = trimmed;
      continue;
    }
    if (section !== '[Service]') continue;
    const eq = trimmed.indexOf('=');
    if (eq < 0) continue;
    const key = trimmed.slice(0, eq).trimEnd();
    if (!(EXEC_KINDS as readonly string[]).includes(key)) continue;
    const kind = key as ExecKind;
    const value = trimmed.slice(eq + 1).trimStart();
    if (value === '') {
      lists.set(kind, []);
      continue;
    }
    const { prefixes, command } = splitExecPrefixes(value);
    const list = lists.get(kind) ?? [];
    list.push({ kind, raw: value, prefixes, command, file });
    lists.set(kind, list);
  }
  return EXEC_KINDS.flatMap((kind) => lists.get(kind) ?? []);
}

/**
 * The first word of an Exec command (the executable) and the rest, split the way systemd splits:
 * double or single quotes, backslash escapes. Enough to drop the argv[0] word after an `@` prefix.
 */
export function splitFirstWord(command: string): { word: string; rest: string } {
  let i = 0;
  while (i < command.length && /\s/.test(command[i])) i++;
  const start = i;
  let quote: string | undefined;
  for (; i < command.length; i++) {
    const c = command[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (/\s/.test(c)) break;
  }
  const word = command.slice(start, i);
  return { word, rest: command.slice(i).trimStart() };
}

/**
 * One word as it must be written in an Exec*= line to reach the program unchanged: `%` (specifiers)
 * and `$` (environment expansion) doubled, and double-quoted with C escapes when it holds anything
 * systemd would split on or unescape.
 */
export function escapeExecWord(word: string): string {
  const expanded = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  if (expanded !== '' && /^[A-Za-z0-9_@%+=:,./$-]+$/.test(expanded) && expanded !== ';') return expanded;
  let out = '"';
  for (const ch of expanded) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** A command typed at a prompt as an Exec*= value: `%` and `$` are systemd's there, the admin meant them literally. */
export function execLineValue(command: string): string {
  return command.replace(/%/g, '%%').replace(/\$/g, '$$$$');
}

/** A value for a path-list setting (`ExecPaths=`, `BindReadOnlyPaths=`): only specifiers need escaping. */
export function escapePathValue(path: string): string {
  if (/\s|"|'|\\/.test(path)) throw new Error(`path not representable in a unit file setting: ${JSON.stringify(path)}`);
  return path.replace(/%/g, '%%');
}

// ---------------------------------------------------------------------------------------------------
// What bindscout needs to know about a unit

export interface UnitExec extends ExecLine {
  /** The same command as `systemctl show` reports it, when the counts of both agree. */
  shown?: ShownExec;
}

export interface UnitSandbox {
  ProtectSystem: string;
  ProtectHome: string;
  PrivateUsers: string;
  PrivateTmp: string;
  PrivateDevices: string;
  ReadWritePaths: string[];
  ReadOnlyPaths: string[];
  InaccessiblePaths: string[];
  ExecPaths: string[];
  NoExecPaths: string[];
  /** As systemctl prints it: a list of names, `~` first for a deny list; '' when unfiltered. */
  SystemCallFilter: string;
  /** Capability names (lower case) in the bounding set. */
  CapabilityBoundingSet: string[];
  TemporaryFileSystem: string[];
  BindPaths: string[];
  BindReadOnlyPaths: string[];
  RuntimeDirectory: string[];
  StateDirectory: string[];
  CacheDirectory: string[];
  LogsDirectory: string[];
  ConfigurationDirectory: string[];
}

export interface UnitInfo {
  Id: string;
  Names: string[];
  LoadState: string;
  Type: string;
  ActiveState: string;
  SubState: string;
  Result: string;
  MainPID: number;
  ExecMainCode: number;
  ExecMainStatus: number;
  InvocationID: string;
  FragmentPath: string;
  DropInPaths: string[];
  User: string;
  Group: string;
  DynamicUser: boolean;
  PIDFile: string;
  WorkingDirectory: string;
  EnvironmentFiles: string[];
  NotifyAccess: string;
  SyslogIdentifier: string;
  sandbox: UnitSandbox;
  /** Effective Exec*= lines in the order systemd runs their kinds (ExecCondition … ExecStopPost). */
  exec: UnitExec[];
  /** Every property of `systemctl show`, for what is not broken out above. */
  properties: Map<string, string[]>;
}

/** Path lists are space separated; `-`/`+` prefixes stay on the entries. */
function words(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(/\s+/).filter(Boolean);
}

/** EnvironmentFiles= prints one `PATH (ignore_errors=yes|no)` per file; an optional one gets its `-` back. */
function environmentFiles(values: string[] | undefined): string[] {
  return (values ?? []).map((v) => {
    const m = /^(.*) \(ignore_errors=(yes|no)\)$/.exec(v);
    return m ? (m[2] === 'yes' ? `-${m[1]}` : m[1]) : v;
  });
}

const EXEC_SHOW_KEYS: Record<ExecKind, string> = {
  ExecCondition: 'ExecConditionEx',
  ExecStartPre: 'ExecStartPreEx',
  ExecStart: 'ExecStartEx',
  ExecStartPost: 'ExecStartPostEx',
  ExecReload: 'ExecReloadEx',
  ExecStop: 'ExecStopEx',
  ExecStopPost: 'ExecStopPostEx',
};

export function unitInfoFromText(showText: string, catText: string): UnitInfo {
  const props = parseShow(showText);
  const one = (key: string): string => props.get(key)?.join(' ') ?? '';
  const list = (key: string): string[] => (props.get(key) ?? []).flatMap(words);
  const int = (key: string): number => {
    const n = Number.parseInt(one(key), 10);
    return Number.isFinite(n) ? n : 0;
  };
  const lines = parseCatExecLines(catText);
  const exec: UnitExec[] = [];
  for (const kind of EXEC_KINDS) {
    const ofKind = lines.filter((l) => l.kind === kind);
    const shown = parseShownExec(props.get(EXEC_SHOW_KEYS[kind]) ?? props.get(kind) ?? []);
    ofKind.forEach((line, i) => exec.push(shown.length === ofKind.length ? { ...line, shown: shown[i] } : { ...line }));
  }
  return {
    Id: one('Id'),
    Names: list('Names'),
    LoadState: one('LoadState'),
    Type: one('Type'),
    ActiveState: one('ActiveState'),
    SubState: one('SubState'),
    Result: one('Result'),
    MainPID: int('MainPID'),
    ExecMainCode: int('ExecMainCode'),
    ExecMainStatus: int('ExecMainStatus'),
    InvocationID: one('InvocationID'),
    FragmentPath: one('FragmentPath'),
    DropInPaths: list('DropInPaths'),
    User: one('User'),
    Group: one('Group'),
    DynamicUser: one('DynamicUser') === 'yes',
    PIDFile: one('PIDFile'),
    WorkingDirectory: one('WorkingDirectory'),
    EnvironmentFiles: environmentFiles(props.get('EnvironmentFiles')),
    NotifyAccess: one('NotifyAccess'),
    SyslogIdentifier: one('SyslogIdentifier'),
    sandbox: {
      ProtectSystem: one('ProtectSystem'),
      ProtectHome: one('ProtectHome'),
      PrivateUsers: one('PrivateUsers'),
      PrivateTmp: one('PrivateTmp'),
      PrivateDevices: one('PrivateDevices'),
      ReadWritePaths: list('ReadWritePaths'),
      ReadOnlyPaths: list('ReadOnlyPaths'),
      InaccessiblePaths: list('InaccessiblePaths'),
      ExecPaths: list('ExecPaths'),
      NoExecPaths: list('NoExecPaths'),
      SystemCallFilter: one('SystemCallFilter'),
      CapabilityBoundingSet: list('CapabilityBoundingSet').map((c) => c.toLowerCase()),
      TemporaryFileSystem: list('TemporaryFileSystem'),
      BindPaths: list('BindPaths'),
      BindReadOnlyPaths: list('BindReadOnlyPaths'),
      RuntimeDirectory: list('RuntimeDirectory'),
      StateDirectory: list('StateDirectory'),
      CacheDirectory: list('CacheDirectory'),
      LogsDirectory: list('LogsDirectory'),
      ConfigurationDirectory: list('ConfigurationDirectory'),
    },
    exec,
    properties: props,
  };
}
