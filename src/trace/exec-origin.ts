/**
 * Which Exec*= line of a unit a traced process belongs to, from the program its oldest traced ancestor
 * executed (AccessCollector.originProgram): for the report on writes that are refused, and to leave out
 * `+` lines, which systemd runs outside the unit's namespace (systemd.service(5)), so what they touch
 * needs no bind.
 */
import type { ByteString } from '../core/model.js';
import type { UnitExec } from '../unit-file/unitfile.js';

function programOf(line: UnitExec): string | undefined {
  const word = line.shown?.path ?? line.command.trim().split(/\s+/)[0];
  return word?.startsWith('/') ? word : undefined;
}

function asBytes(text: string): ByteString {
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** The lines whose program is `program`. */
export function execLinesOf(lines: UnitExec[], program: ByteString | undefined): UnitExec[] {
  if (program === undefined) return [];
  return lines.filter((line) => {
    const own = programOf(line);
    return own !== undefined && asBytes(own) === program;
  });
}

/** Programs run only by `+` lines: nothing they touch is inside the namespace. */
export function outsideNamespacePrograms(lines: UnitExec[]): Set<ByteString> {
  const privileged = new Set<ByteString>();
  const sandboxed = new Set<ByteString>();
  for (const line of lines) {
    const program = programOf(line);
    if (program === undefined) continue;
    (line.prefixes.includes('+') ? privileged : sandboxed).add(asBytes(program));
  }
  for (const program of sandboxed) privileged.delete(program);
  return privileged;
}

/**
 * `ExecStartPost=-/usr/sbin/helper --flag will meet a read-only file system there; its failure is
 * ignored (`-` prefix)`, or undefined when the program matches no line.
 */
export function describeWriterLine(lines: UnitExec[], program: ByteString | undefined): string | undefined {
  const matching = execLinesOf(lines, program);
  if (matching.length === 0) return undefined;
  const shown = matching.map((line) => `\`${line.kind}=${line.prefixes.join('')}${line.command}\``).join(' or ');
  const ignored = matching.every((line) => line.prefixes.includes('-'));
  return (
    `${shown} will meet a read-only file system there; ` +
    (ignored ? 'its failure is ignored (`-` prefix)' : 'its failure is not ignored (no `-` prefix): expect the unit to fail unless the service copes')
  );
}
