/**
 * The accesses of `analyze --json`, written piece by piece: the very text JSON.stringify(…, null, 2)
 * gives for them inside the report, without an object per access and without the whole report as one
 * string (a million distinct paths make over 250 MB of JSON, which would be held twice, as the string
 * and as the bytes queued for a pipe that is read more slowly than it is written).
 */
import { OPERATIONS, type Access } from '../core/model.js';
import { pathToJson } from './report.js';

/** Characters of one piece: the writer waits for a slow pipe between pieces. */
const PIECE_CHARS = 1 << 20;

/**
 * `accesses` as the value of a key of the report's top-level object (`"accesses": ` already written),
 * each with the observations that saw it, in pieces of about PIECE_CHARS.
 */
export function* accessesJsonPieces(
  accesses: readonly Access[],
  seenIn: (access: Access) => readonly number[],
): Generator<string, void, void> {
  if (accesses.length === 0) {
    yield '[]';
    return;
  }
  let piece = '[\n';
  for (let i = 0; i < accesses.length; i++) {
    piece += (i === 0 ? '' : ',\n') + accessText(accesses[i], seenIn(accesses[i]));
    if (piece.length >= PIECE_CHARS) {
      yield piece;
      piece = '';
    }
  }
  yield piece + '\n  ]';
}

/** One access at depth 2: its braces indented by 4 spaces, its fields by 6, their items by 8. */
function accessText(access: Access, seen: readonly number[]): string {
  const path = pathToJson(access.path);
  let text = '    {\n      "path": ' + JSON.stringify(path.path);
  if (path.pathBase64 !== undefined) text += ',\n      "pathBase64": ' + JSON.stringify(path.pathBase64);
  let ops = '';
  for (const op of OPERATIONS) if (access.ops.has(op)) ops += (ops === '' ? '' : ',\n') + '        "' + op + '"';
  text += ',\n      "ops": ' + list(ops);
  text += ',\n      "ok": ' + (access.ok ? 'true' : 'false');
  let errors = '';
  if (access.errors.size > 0)
    for (const e of [...access.errors].sort()) errors += (errors === '' ? '' : ',\n') + '        ' + JSON.stringify(e);
  text += ',\n      "errors": ' + list(errors);
  text += ',\n      "count": ' + JSON.stringify(access.count);
  text += ',\n      "firstPid": ' + JSON.stringify(access.firstPid ?? null);
  text += ',\n      "firstLine": ' + JSON.stringify(access.firstLine);
  text += ',\n      "source": ' + JSON.stringify(access.source);
  let ids = '';
  for (const id of seen) ids += (ids === '' ? '' : ',\n') + '        ' + JSON.stringify(id);
  text += ',\n      "seenIn": ' + list(ids);
  return text + '\n    }';
}

function list(items: string): string {
  return items === '' ? '[]' : '[\n' + items + '\n      ]';
}
