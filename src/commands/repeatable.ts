/**
 * An option given once per value (`--exclude A --exclude B`). yargs' `array: true` would also take
 * every word after it (`--exclude '/run/**' trace.log` made the trace a glob and left no input), so
 * each occurrence takes exactly one value and the occurrences are collected.
 */
export function repeatableOption(describe: string) {
  return {
    type: 'string' as const,
    requiresArg: true,
    default: [] as string[],
    coerce: (value: string | string[] | undefined): string[] => (value === undefined ? [] : [value].flat()),
    describe,
  };
}
