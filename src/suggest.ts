/** "Did you mean": the closest known word to a mistyped one, when it is close enough to be a typo. */

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The candidate within a typo's reach of `word` (one edit per three letters, at least one), if any. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const reach = Math.max(1, Math.floor(word.length / 3));
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= reach ? best : undefined;
}

/**
 * yargs' usage message with what the admin probably meant: for "Unknown argument(s): a, b", the
 * command or option each unknown word is a typo of (`argv` tells an option, `--formt`, from a word,
 * `anlyze`); yargs' own bare "Did you mean analyze?" gets the word it is about.
 */
export function explainUsageError(message: string, argv: readonly string[], commands: readonly string[], options: readonly string[]): string {
  const firstWord = argv.find((word) => !word.startsWith('-'));
  const recommended = /^Did you mean (\S+)\?$/.exec(message);
  if (recommended !== null) return `unknown command: ${firstWord}\ndid you mean: bindscout ${recommended[1]}?`;
  const hints = suggestForUnknown(message, firstWord, argv, commands, options);
  const notACommand = firstWord !== undefined && !commands.includes(firstWord) && message === `Unknown argument: ${firstWord}`;
  return [notACommand ? `unknown command: ${firstWord}` : message, ...hints].join('\n');
}

function suggestForUnknown(message: string, firstWord: string | undefined, argv: readonly string[], commands: readonly string[], options: readonly string[]): string[] {
  const match = /^Unknown arguments?: (.+)$/.exec(message);
  if (match === null) return [];
  const lines: string[] = [];
  for (const unknown of match[1].split(', ')) {
    const asOption = argv.some((word) => word === `--${unknown}` || word === `-${unknown}` || word.startsWith(`--${unknown}=`));
    if (asOption) {
      const meant = closest(unknown, options);
      if (meant !== undefined) lines.push(`did you mean --${meant}?`);
    } else if (unknown === firstWord) {
      const meant = closest(unknown, commands);
      if (meant !== undefined) lines.push(`did you mean: bindscout ${meant}?`);
    }
  }
  return lines;
}
