import { readFileSync } from 'node:fs';

declare const BINDSCOUT_VERSION: string | undefined;

/** The bundle has the version baked in at build time; from source it is read from package.json. */
export const VERSION: string =
  typeof BINDSCOUT_VERSION === 'string'
    ? BINDSCOUT_VERSION
    : (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
