/**
 * The real traces in fixtures/traces/, analyzed end to end. The host facts the fold consults (which
 * paths exist, which are symlinks) are replayed from `host-facts.json`, recorded on the Debian 12
 * machine that captured the traces, so the snapshots do not depend on what this machine has installed.
 * Re-record after a deliberate change: BINDSCOUT_RECORD_HOST_FACTS=1 npm test -- -u src/fixtures.test.ts
 */
import { describe, expect, test } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeInputs, type AnalyzeResult } from './flows/analyze.js';
import { recordingFsView, replayFsView, type FsFacts } from './testing/fs-views.js';
import { profileToJson } from './profile/report.js';
import { createHostFsView } from './host/fs.js';
import { resolveTraceSources } from './host/inputs.js';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tracesDir = path.join(repo, 'fixtures', 'traces');
const recording = process.env.BINDSCOUT_RECORD_HOST_FACTS === '1';
const options = { baseline: true, include: [], exclude: [], host: null };

async function analyzeFixture(service: string, file: string): Promise<AnalyzeResult> {
  const factsFile = path.join(tracesDir, service, 'host-facts.json');
  const input = path.join(tracesDir, service, file);
  const inputs = [{ kind: 'trace' as const, name: input, sources: await resolveTraceSources(input), observedAt: null }];
  if (!recording) {
    const facts = JSON.parse(readFileSync(factsFile, 'latin1')) as FsFacts;
    return analyzeInputs(inputs, options, replayFsView(facts));
  }
  const known: FsFacts = existsSync(factsFile) && file !== 'strace.log' ? JSON.parse(readFileSync(factsFile, 'latin1')) : {};
  const recorder = recordingFsView(createHostFsView());
  const result = await analyzeInputs(inputs, options, recorder.view);
  writeFileSync(factsFile, JSON.stringify({ ...known, ...recorder.facts }, null, 1) + '\n', 'latin1');
  return result;
}

const services = readdirSync(tracesDir).filter((s) => existsSync(path.join(tracesDir, s, 'strace.log'))).sort();

describe.each(services)('fixture %s', (service) => {
  test('strace -o form: parses cleanly and gives a stable drop-in', async () => {
    const result = await analyzeFixture(service, 'strace.log');
    expect(result.stats.unparsed).toBe(0);
    expect(result.stats.syscalls).toBeGreaterThan(100);
    expect(result.dropin).toMatchSnapshot();
  });

  test('journal form (journalctl -o json) finds the same paths as the strace -o form', async () => {
    const fromFile = await analyzeFixture(service, 'strace.log');
    const fromJournal = await analyzeFixture(service, 'journal.json');
    expect(fromJournal.stats.syscalls).toBeGreaterThan(100);
    const paths = (r: AnalyzeResult) => new Set(r.accesses.filter((a) => a.ok).map((a) => a.path));
    const fileOk = paths(fromFile);
    const journalOk = paths(fromJournal);
    // Two separate starts of the same service: pids, temporary names and timing differ, the files
    // it needs do not. Every file the -o run used successfully shows up again, except under /proc and
    // /tmp and except names made unique per run (`temp-479.rdb`, `pg_internal.init.652`).
    const perRun = /^\/(proc|tmp|var\/tmp)\/|\/pg_stat_tmp\/|[.-]\d{3,}(\.\w+)?$/;
    const stable = [...fileOk].filter((p) => !perRun.test(p));
    const missing = stable.filter((p) => !journalOk.has(p));
    expect(missing).toEqual([]);
  });
});

test('nginx: its own config and modules are bound read-only, its logs writable, secrets not at all', async () => {
  const result = await analyzeFixture('nginx', 'strace.log');
  const profile = profileToJson(result.profile);
  expect(profile.TemporaryFileSystem[0]).toBe('/:ro');
  expect(profile.ProtectSystem).toEqual(['no']);
  expect(profile.BindReadOnlyPaths).toEqual(expect.arrayContaining(['/etc/nginx', '/usr/sbin/nginx', '/usr/share/nginx']));
  expect(profile.LogsDirectory).toEqual(['nginx']);
  const everything = Object.values(profile).flat();
  expect(everything).not.toContain('/etc');
  expect(everything).not.toContain('/usr');
  expect(everything.filter((p) => p.includes('shadow'))).toEqual([]);
});

test('memcached traced without CAP_SYS_PTRACE: paths printed as addresses are reported, not guessed', async () => {
  const service = 'memcached-no-sys-ptrace';
  if (!services.includes(service)) return;
  const result = await analyzeFixture(service, 'strace.log');
  const addresses = result.unresolved.filter((u) => u.reason.startsWith('path not decoded'));
  expect(addresses.length).toBeGreaterThan(0);
  expect(result.accesses.some((a) => /^0x[0-9a-f]+$/.test(a.path))).toBe(false);
});
