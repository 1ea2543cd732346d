/**
 * Real traces (fixtures/traces and the shared corpus) mutated line by line with a seeded PRNG, for the
 * tests that feed bad input in bulk: the same seed gives the same lines, so a failure replays exactly.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** A line over 1 MiB, every HUGE_EVERY lines. */
const HUGE_LINE = (1 << 20) + 17;
const HUGE_EVERY = 10_000;

function seedLines(repoRoot: string, corpusDir: string): string[] {
  const files: string[] = [];
  const fixtures = path.join(repoRoot, 'fixtures', 'traces');
  for (const name of readdirSync(fixtures)) {
    const log = path.join(fixtures, name, 'strace.log');
    if (existsSync(log)) files.push(log);
  }
  if (existsSync(corpusDir)) {
    for (const name of readdirSync(corpusDir)) {
      const file = path.join(corpusDir, name);
      if (statSync(file).isFile() && !name.endsWith('.md')) files.push(file);
    }
  }
  const lines: string[] = [];
  for (const file of files) {
    for (const line of readFileSync(file, 'latin1').split('\n')) if (line.length > 0) lines.push(line);
  }
  return lines;
}

/** Any byte but `\n` (lines are already split); NUL, CR, ESC and high bytes included. */
function randomBytes(rand: () => number, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const b = Math.floor(rand() * 255);
    out += String.fromCharCode(b >= 10 ? b + 1 : b);
  }
  return out;
}

const NASTY = ['"', '"', "'", '(', ')', '[', ']', '{', '}', '<', '>', '\\', '\\"', ' = ', ' <unfinished ...>', '<... ', ' resumed>', '...', '/*', '*/', '\x1b[1m', '\r'];

function hugeLine(rand: () => number, kind: number): string {
  const pid = 1 + Math.floor(rand() * 4_000_000);
  const fill = (ch: string) => ch.repeat(HUGE_LINE);
  switch (kind % 6) {
    case 0:
      return `${pid} openat(AT_FDCWD, "/${fill('a')}", O_RDONLY) = -1 ENOENT (No such file or directory)`;
    case 1:
      return `${pid} write(1, "${fill('x')}`; // a string that never closes
    case 2:
      return `${pid} read(3, "${fill('y')}" <unfinished ...>`; // a huge pending call that never resumes
    case 3:
      return fill('(');
    case 4:
      return randomBytes(rand, HUGE_LINE);
    default:
      return `{"MESSAGE":"${fill('z')}`; // a journal entry cut short
  }
}

/** One mutated line; the choice of mutation is part of the seeded sequence. */
function mutateFrom(SEEDS: readonly string[], rand: () => number, lineIndex: number): string {
  const base = SEEDS[Math.floor(rand() * SEEDS.length)];
  if (lineIndex % HUGE_EVERY === HUGE_EVERY - 1) return hugeLine(rand, Math.floor(rand() * 6));
  const r = rand();
  if (r < 0.3) return base;
  if (r < 0.45) return base.slice(0, Math.floor(rand() * base.length));
  if (r < 0.55) {
    const at = Math.floor(rand() * (base.length + 1));
    return base.slice(0, at) + randomBytes(rand, 1 + Math.floor(rand() * 16)) + base.slice(at);
  }
  if (r < 0.65) {
    let out = base;
    for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
      const at = Math.floor(rand() * (out.length + 1));
      out = out.slice(0, at) + NASTY[Math.floor(rand() * NASTY.length)] + out.slice(at);
    }
    return out;
  }
  if (r < 0.72) {
    // An unfinished half for a pid that will never resume.
    const pid = 1 + Math.floor(rand() * 4_000_000);
    const cut = base.indexOf('(');
    const body = cut > 0 ? base.slice(base.search(/[a-z_]/), Math.max(cut + 1, Math.floor(rand() * base.length))) : base;
    return `${pid} ${body} <unfinished ...>`;
  }
  if (r < 0.76) {
    // A resumed half nobody started.
    const pid = 1 + Math.floor(rand() * 4_000_000);
    return `${pid} <... ${['openat', 'read', 'wait4', 'execve', ''][Math.floor(rand() * 5)]} resumed>${base.slice(Math.floor(rand() * base.length))}`;
  }
  if (r < 0.82) return randomBytes(rand, Math.floor(rand() * 200));
  if (r < 0.88) {
    // Two lines glued together, as when the tracee writes to strace's stderr.
    const other = SEEDS[Math.floor(rand() * SEEDS.length)];
    return base.slice(0, Math.floor(rand() * base.length)) + other;
  }
  if (r < 0.94) {
    const at = Math.floor(rand() * base.length);
    const len = Math.floor(rand() * 8);
    return base.slice(0, at) + base.slice(at + len);
  }
  return base + base.slice(Math.floor(rand() * base.length));
}

/** The seed lines, and `mutate(rand, lineIndex)`: one mutated line, the choice part of the seeded sequence. */
export function mutatedTraces(repoRoot: string, corpusDir: string): { seeds: string[]; mutate: (rand: () => number, lineIndex: number) => string } {
  const seeds = seedLines(repoRoot, corpusDir);
  return { seeds, mutate: (rand, lineIndex) => mutateFrom(seeds, rand, lineIndex) };
}
