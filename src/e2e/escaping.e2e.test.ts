/**
 * The escaping of bind paths, judged by the only reader that matters: systemd itself. Directories whose
 * names hold every character the unit-file syntax treats specially are bound into a throwaway service
 * under TemporaryFileSystem=/:ro; systemd must read back exactly those paths (over D-Bus and in
 * `systemctl show`), and the service must see each directory with its marker file in it. Names no unit
 * file can hold (a newline, a byte that is not UTF-8) must be refused in a comment, never written wrong.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { promises as fsp } from 'node:fs';
import { encodeUtf8Bytes } from '../unit-file/escape.js';
import type { ByteString, Profile, ProfileEntry } from '../core/model.js';
import { renderDropIn } from '../profile/render.js';
import { execedMainPid } from '../systemd/control.js';
import { describeWithBed, type Bed } from './bed.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const UNIT = 'bindscout-e2e-prove-escaping.service';
const UNIT_FILE = `/run/systemd/system/${UNIT}`;
const DROPIN_DIR = `${UNIT_FILE}.d`;
const DROPIN = `${DROPIN_DIR}/lockdown.conf`;
const BASE = '/var/tmp/bindscout-e2e-prove-escaping';
const MARKER = 'marker';

/** Names (UTF-8 text) that a unit file can hold, each needing some care. */
const EXPRESSIBLE = [
  'with space',
  'two  spaces and a\ttab',
  'trailing space ',
  ' leading space',
  'per%cent',
  '%n%i%%',
  'dollar$HOME',
  '${braces}',
  'double"quote',
  "single'quote",
  `both"and'quotes`,
  'back\\slash',
  'ends in backslash\\',
  '\\"escaped quote',
  'co:lon',
  'a:b:rbind',
  'café',
  '-leading-dash',
  '#hash;semicolon',
  `all of " ' \\ : % $ é at once `,
];

/** Names as raw bytes (latin1 strings) that systemd cannot be told about. */
const REFUSED: { name: ByteString; why: RegExp }[] = [
  { name: 'new\nline', why: /line break/ },
  { name: 'carriage\rreturn', why: /line break/ },
  { name: 'not-utf8-\xff', why: /not valid UTF-8/ },
];

const BASE_BINDS = ['/usr/bin/sleep', '/lib', '/lib64', '/usr/lib', '/usr/lib64'];

interface Bind {
  directive: 'BindReadOnlyPaths' | 'BindPaths';
  path: string;
}

const binds: Bind[] = EXPRESSIBLE.map((name, i) => ({ directive: i % 2 === 0 ? 'BindReadOnlyPaths' : 'BindPaths', path: `${BASE}/${name}` }));

function profile(): Profile {
  const entries: ProfileEntry[] = [{ directive: 'TemporaryFileSystem', value: '/:ro', reason: 'an empty, read-only root' }];
  for (const p of BASE_BINDS) entries.push({ directive: 'BindReadOnlyPaths', value: p, reason: 'the program and its libraries' });
  for (const b of binds.filter((b) => b.directive === 'BindReadOnlyPaths')) {
    entries.push({ directive: 'BindReadOnlyPaths', value: encodeUtf8Bytes(b.path), reason: 'read-only test directory' });
  }
  REFUSED.forEach(({ name }, i) => {
    entries.push({ directive: i % 2 === 0 ? 'BindReadOnlyPaths' : 'BindPaths', value: `${encodeUtf8Bytes(BASE)}/${name}`, reason: 'a name no unit file can hold' });
  });
  for (const b of binds.filter((b) => b.directive === 'BindPaths')) {
    entries.push({ directive: 'BindPaths', value: encodeUtf8Bytes(b.path), reason: 'writable test directory' });
  }
  return { entries, needsConsent: [], omitted: [] };
}

/** The host-side path of a byte-string path inside the bed, as a Buffer so that any byte survives. */
function inBed(bed: Bed, bytes: ByteString): Buffer {
  return Buffer.concat([Buffer.from(bed.runner.root, 'utf8'), Buffer.from(bytes, 'latin1')]);
}

interface BusBind {
  source: string;
  destination: string;
  ignoreMissing: boolean;
}

async function busBinds(bed: Bed, property: 'BindPaths' | 'BindReadOnlyPaths'): Promise<BusBind[]> {
  const object = (await bed.exec('busctl', ['call', '--json=short', 'org.freedesktop.systemd1', '/org/freedesktop/systemd1', 'org.freedesktop.systemd1.Manager', 'LoadUnit', 's', UNIT])).trim();
  const unitPath = (JSON.parse(object) as { data: [string] }).data[0];
  const out = await bed.exec('busctl', ['get-property', '--json=short', 'org.freedesktop.systemd1', unitPath, 'org.freedesktop.systemd1.Service', property]);
  const data = (JSON.parse(out) as { data: [string, string, boolean, number][] }).data;
  return data.map(([source, destination, ignoreMissing]) => ({ source, destination, ignoreMissing }));
}

async function cleanup(bed: Bed): Promise<void> {
  await bed.runner.run('systemctl', ['stop', '--', UNIT], { timeoutMs: 60_000 });
  await bed.runner.run('systemctl', ['reset-failed', '--', UNIT]);
  await fsp.rm(inBed(bed, DROPIN_DIR), { recursive: true, force: true });
  await fsp.rm(inBed(bed, UNIT_FILE), { force: true });
  await fsp.rm(inBed(bed, BASE), { recursive: true, force: true });
  await bed.exec('systemctl', ['daemon-reload']);
}

describeWithBed('bind paths with awkward names, read back by systemd', (bed) => {
  let dropin = '';

  beforeAll(async () => {
    await cleanup(bed());
    for (const b of binds) {
      await bed().runner.mkdirp(b.path);
      await bed().runner.writeFileAtomic(`${b.path}/${MARKER}`, `${b.path}\n`);
    }
    for (const { name } of REFUSED) {
      const dir = inBed(bed(), `${encodeUtf8Bytes(BASE)}/${name}`);
      await fsp.mkdir(dir, { recursive: true });
      await fsp.writeFile(Buffer.concat([dir, Buffer.from(`/${MARKER}`)]), 'refused\n');
    }
    dropin = renderDropIn(profile(), { header: ['bindscout escaping test'] });
    await bed().runner.writeFileAtomic(UNIT_FILE, '[Unit]\nDescription=bindscout escaping test\n\n[Service]\nType=simple\nExecStart=/usr/bin/sleep infinity\n');
    await bed().runner.mkdirp(DROPIN_DIR);
    await bed().runner.writeFileAtomic(DROPIN, Buffer.from(dropin, 'utf8'));
    await bed().exec('systemctl', ['daemon-reload']);
  }, 120_000);

  afterAll(async () => {
    await cleanup(bed());
  }, 120_000);

  test('paths systemd cannot express are refused in a comment and never written', () => {
    const lines = dropin.split('\n');
    for (const line of lines) expect(line).toMatch(/^(?:|#.*|\[Service\]|[A-Za-z]+=.*)$/);
    for (const { name, why } of REFUSED) {
      const shown = JSON.stringify(name).slice(1, -1);
      const refusal = lines.filter((l) => l.startsWith('# cannot be written as ') && l.includes('bindscout-e2e-prove-escaping/'));
      expect(refusal.some((l) => why.test(l))).toBe(true);
      // Neither the raw name nor anything after it may reach an assignment.
      const stem = name.split(/[\n\r\xff]/)[0];
      const assignments = lines.filter((l) => !l.startsWith('#') && l.includes(stem));
      expect({ name: shown, assignments }).toEqual({ name: shown, assignments: [] });
    }
    const assigned = lines.filter((l) => /^Bind(?:ReadOnly)?Paths=/.test(l));
    expect(assigned).toHaveLength(BASE_BINDS.length + EXPRESSIBLE.length);
  });

  test('systemd reads back exactly the paths, over D-Bus and in systemctl show', async () => {
    const expected = (directive: Bind['directive'], extra: string[] = []) =>
      [...extra, ...binds.filter((b) => b.directive === directive).map((b) => b.path)].map((p) => ({ source: p, destination: p, ignoreMissing: false }));
    expect(await busBinds(bed(), 'BindReadOnlyPaths')).toEqual(expected('BindReadOnlyPaths', BASE_BINDS));
    expect(await busBinds(bed(), 'BindPaths')).toEqual(expected('BindPaths'));

    // `systemctl show` joins source:destination:options with spaces and escapes nothing: compare whole.
    const shown = await bed().exec('systemctl', ['show', '-p', 'BindReadOnlyPaths', '-p', 'BindPaths', '--', UNIT]);
    const asShown = (list: { source: string }[]) => list.map((b) => `${b.source}:${b.source}:rbind`).join(' ');
    expect(shown).toBe(`BindPaths=${asShown(expected('BindPaths'))}\nBindReadOnlyPaths=${asShown(expected('BindReadOnlyPaths', BASE_BINDS))}\n`);
  });

  test('inside the running service each directory is there with its marker, read-only or writable as bound', async () => {
    await bed().exec('systemctl', ['start', '--', UNIT], 60_000);
    // Type=simple: the start job returns before the child has entered its sandbox and exec'd.
    const mainPid = await execedMainPid(bed().runner, parseUnitName(UNIT), { timeoutMs: 30_000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    if (mainPid === undefined) throw new Error(`${UNIT} has no main process running its program`);
    const root = `/proc/${mainPid}/root`;
    const mountinfo = (await bed().runner.readFile(`/proc/${mainPid}/mountinfo`))!.toString('utf8');
    expect(mountinfo.split('\n').find((l) => l.split(' ')[4] === '/')?.split(' - ')[1]?.split(' ')[0]).toBe('tmpfs');

    for (const b of binds) {
      const marker = await bed().runner.readFile(`${root}${b.path}/${MARKER}`);
      expect({ path: b.path, marker: marker?.toString('utf8') }).toEqual({ path: b.path, marker: `${b.path}\n` });
      const probe = `${root}${b.path}/written-from-outside`;
      const wrote = await bed().runner.run('touch', ['--', probe]);
      expect({ path: b.path, directive: b.directive, writable: wrote.exitCode === 0 }).toEqual({
        path: b.path,
        directive: b.directive,
        writable: b.directive === 'BindPaths',
      });
      if (wrote.exitCode === 0) await bed().runner.removeFile(probe);
    }
    // Only what was bound exists under the base directory; the refused names are not there at all.
    const seen = await bed().runner.readdir(`${root}${BASE}`);
    expect(seen).toEqual([...EXPRESSIBLE].sort());
    for (const { name } of REFUSED) {
      await expect(fsp.access(inBed(bed(), `${encodeUtf8Bytes(root + BASE)}/${name}`))).rejects.toThrow();
    }
  }, 120_000);
});
