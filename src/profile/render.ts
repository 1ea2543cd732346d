/**
 * Profile → the text of a `[Service]` drop-in. One value per line, each after a `# reason` comment, so
 * an admin can review and delete lines one by one.
 */
import { bytesToDisplay } from '../../parsers/strings.js';
import { commentText, decodeUtf8Bytes, escapeBindPath, escapeUnitWord } from '../unit-file/escape.js';
import type { Directive, Profile, ProfileEntry, ProfileNote } from '../core/model.js';
import { tmpfilesLines } from './shared-run.js';

export interface RenderOptions {
  /** Lines for the comment block at the top (what was traced, when, with which tool). */
  header?: string[];
}

const BIND_DIRECTIVES: ReadonlySet<Directive> = new Set(['BindReadOnlyPaths', 'BindPaths']);

function comment(text: string): string {
  return text === '' ? '#' : '# ' + commentText(text);
}

/** The assignment for one entry, or why it cannot be written. */
function assignment(directive: Directive, value: string, optional: boolean | undefined, destination?: string): string | { error: string } {
  // An empty value resets the list the unit (or an earlier drop-in) built up.
  if (value === '' && destination === undefined) return `${directive}=`;
  if (BIND_DIRECTIVES.has(directive)) {
    const escaped = escapeBindPath(value);
    if (typeof escaped !== 'string') return escaped;
    const to = destination === undefined ? '' : escapeBindPath(destination);
    if (typeof to !== 'string') return to;
    return `${directive}=${optional ? '-' : ''}${escaped}${to === '' ? '' : `:${to}`}`;
  }
  const text = decodeUtf8Bytes(value);
  if (text === undefined || /[\n\r]/.test(text)) return { error: 'not expressible in a unit file (not UTF-8 or contains a line break)' };
  // Fixed words (yes, /:ro, invisible) contain nothing to escape; names may contain `%`.
  // Path lists other than binds take systemd's `-` too: "ignore if missing".
  const ignoreMissing = optional && (directive === 'NoExecPaths' || directive === 'ExecPaths' || directive === 'InaccessiblePaths' || directive === 'ReadOnlyPaths' || directive === 'ReadWritePaths') ? '-' : '';
  return `${directive}=${ignoreMissing}${/^[A-Za-z0-9_.@+/:-]+$/.test(text) ? text : escapeUnitWord(text)}`;
}

function renderEntry(entry: ProfileEntry): string[] {
  const line = assignment(entry.directive, entry.value, entry.optional, entry.destination);
  if (typeof line !== 'string') {
    return [comment(`${entry.reason}`), comment(`cannot be written as ${entry.directive}=: ${bytesToDisplay(entry.value)}: ${line.error}`)];
  }
  return [comment(entry.reason), line];
}

function renderConsent(note: ProfileNote): string[] {
  const directive = note.directive ?? 'BindReadOnlyPaths';
  const line = assignment(directive, note.path, false);
  if (typeof line !== 'string') {
    return [comment(note.reason), comment(`cannot be written as ${directive}=: ${bytesToDisplay(note.path)}: ${line.error}`)];
  }
  return [comment(note.reason), '#' + line];
}

export function renderDropIn(profile: Profile, opts: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const text of opts.header ?? []) lines.push(comment(text));
  if (lines.length > 0) lines.push('');
  lines.push('[Service]');
  let previous: Directive | undefined;
  for (const entry of profile.entries) {
    if (previous !== undefined && previous !== entry.directive) lines.push('');
    previous = entry.directive;
    lines.push(...renderEntry(entry));
  }
  if (profile.hostLinks !== undefined && profile.hostLinks.length > 0) {
    lines.push('');
    lines.push(comment("The host's /run keeps a link to each file made in the private /run, for the host's own tools"));
    lines.push(comment('(a drop-in cannot make them): discover installs these tmpfiles.d lines as'));
    lines.push(comment('/etc/tmpfiles.d/bindscout-UNIT.conf; otherwise install them and run systemd-tmpfiles --create.'));
    for (const line of tmpfilesLines(profile.hostLinks)) lines.push(comment(line));
  }
  if (profile.needsConsent.length > 0) {
    lines.push('');
    lines.push(comment('Sensitive paths the service touched. They are NOT granted: review each one and'));
    lines.push(comment('uncomment its line to grant it (or run again with --include GLOB).'));
    for (const note of profile.needsConsent) lines.push(...renderConsent(note));
  }
  if (profile.omitted.length > 0) {
    const count = profile.omitted.length;
    lines.push('');
    lines.push(
      comment(
        `${count} path${count === 1 ? ' was' : 's were'} left out on purpose (missing on this host too, excluded, ` +
          'or provided by the settings above); the --json report lists each with its reason.',
      ),
    );
  }
  return lines.join('\n') + '\n';
}
