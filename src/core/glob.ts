/**
 * minimatch globs as predicates on path text. The compiled RegExp is the fast way, but V8 runs its
 * lazy `**` loops with a backtracking stack that overflows on a long enough subject (a path of a few
 * megabytes in a trace); beyond any length a real path can have, the same glob is matched segment by
 * segment instead, which needs no such stack.
 */
import { GLOBSTAR, Minimatch } from 'minimatch';

/** Linux refuses longer paths (ENAMETOOLONG), so real ones always take the RegExp. */
const REGEXP_MAX_LENGTH = 4096;

export type GlobTest = (text: string) => boolean;

/** undefined when `glob` is not a valid pattern. */
export function compileGlob(glob: string): GlobTest | undefined {
  const matcher = new Minimatch(glob, { dot: true });
  const re = matcher.makeRe();
  if (re === false) return undefined;
  return (text) => (text.length <= REGEXP_MAX_LENGTH ? re.test(text) : matcher.match(text));
}

/**
 * Whether `glob` can match an absolute path at all: one of its alternatives starts with `/` or `**`.
 * `hostname` or `*.conf` never does (paths are matched whole, from `/`).
 */
export function canMatchAbsolutePaths(glob: string): boolean {
  const matcher = new Minimatch(glob, { dot: true });
  return matcher.set.some((parts) => parts[0] === '' || parts[0] === GLOBSTAR);
}
