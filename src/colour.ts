/**
 * Whether to colour what goes to one stream. Each stream decides for itself: `lint X > file` typed in
 * a terminal has stderr on the terminal and stdout in a file, which must get no escape codes.
 */
export function colourFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  // no-color.org: NO_COLOR disables colour when it is set to a non-empty value; NO_COLOR= does not.
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}
