/**
 * Whether a text is a systemd unit file or drop-in at all, before it is linted or profiled: a unit
 * parser skips what it does not understand, so nginx.conf or a program read as a unit gave "no
 * problems found" and a starter profile for nothing.
 */

/** systemd's own keys and the `X-` extensions: letters, digits, `-` and `_`. */
const ASSIGNMENT = /^[A-Za-z][A-Za-z0-9_-]*\s*=/;
const SECTION = /^\[[^\]]+\]$/;

/** undefined when `text` reads as a unit file; otherwise why not, citing the first line that is not. */
export function whyNotUnitText(text: string): string | undefined {
  if (text.includes('\0')) return 'it holds NUL bytes (a program or other binary file?)';
  let sectionSeen = false;
  let continued = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i].replace(/\r$/, '').trim();
    if (continued) {
      if (trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
      continued = trimmed.endsWith('\\');
      continue;
    }
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) continue;
    if (SECTION.test(trimmed)) {
      sectionSeen = true;
      continue;
    }
    if (!ASSIGNMENT.test(trimmed)) return `line ${i + 1} is neither a [Section] header nor a Key=value setting: ${JSON.stringify(trimmed.slice(0, 60))}`;
    if (!sectionSeen) return `line ${i + 1} sets ${trimmed.slice(0, trimmed.indexOf('=')).trim()}= outside of any [Section]`;
    continued = trimmed.endsWith('\\');
  }
  return undefined;
}

export const UNIT_TEXT_HINT = 'give a unit file or drop-in ([Service] and Key=value lines), a unit name, or for a program: bindscout profile --exec "PROGRAM ARGS"';
