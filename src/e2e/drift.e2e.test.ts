/**
 * `bindscout check` against the real systemd in the bed, on a throwaway unit with a program and a
 * library of its own (compiled here, so no packaged service is broken): discover installs a profile,
 * an "upgrade" moves the library to a new versioned directory (ld.so.cache updated) and a new drop-in
 * adds an ExecStartPre= script; check names each problem with its fix while the service still runs
 * untouched; after discover again check is clean and the service restarts.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCli, runBuiltCli } from './run-cli.js';
import { describeWithBed, type Bed } from './bed.js';


const NAME = 'bindscout-e2e-drift';
const UNIT = `${NAME}.service`;
const UNIT_FILE = `/run/systemd/system/${UNIT}`;
const DROPIN_DIR = `/etc/systemd/system/${UNIT}.d`;
const PROFILE = `${DROPIN_DIR}/bindscout.conf`;
const UPGRADE_DROPIN = `${DROPIN_DIR}/upgrade.conf`;
const PROGRAM_DIR = `/usr/local/lib/${NAME}`;
const LIB_OLD = `/usr/local/lib/${NAME}-1.0`;
const LIB_NEW = `/usr/local/lib/${NAME}-1.1`;
const LD_CONF = `/etc/ld.so.conf.d/${NAME}.conf`;
const TICK = `/run/${NAME}/tick`;
const PROBE = `test -s ${TICK}`;
const MEMORY = `/var/lib/bindscout/${UNIT}`;



/** A program that needs a library found only through ld.so.cache, and the library. */
function compile(): { program: Buffer; library: Buffer } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bindscout-drift-'));
  try {
    writeFileSync(
      path.join(dir, 'lib.c'),
      '#include <stdio.h>\nint bsdrift_tick(const char *p) { FILE *f = fopen(p, "w"); if (!f) return -1; fputs("tick\\n", f); return fclose(f); }\n',
    );
    writeFileSync(
      path.join(dir, 'app.c'),
      '#include <unistd.h>\nint bsdrift_tick(const char *p);\nint main(int argc, char **argv) { for (;;) { if (argc > 1) bsdrift_tick(argv[1]); sleep(1); } }\n',
    );
    execFileSync('gcc', ['-shared', '-fPIC', '-Wl,-soname,libbsdrift.so.1', '-o', 'libbsdrift.so.1', 'lib.c'], { cwd: dir, stdio: 'pipe' });
    execFileSync('gcc', ['-o', 'app', 'app.c', '-L.', '-l:libbsdrift.so.1'], { cwd: dir, stdio: 'pipe' });
    return { program: readFileSync(path.join(dir, 'app')), library: readFileSync(path.join(dir, 'libbsdrift.so.1')) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function show(bed: Bed, property: string): Promise<string> {
  return (await bed.exec('systemctl', ['show', '-p', property, '--value', '--', UNIT])).trim();
}

async function removeAll(bed: Bed): Promise<void> {
  await bed.runner.run('systemctl', ['stop', '--', UNIT], { timeoutMs: 60_000 });
  await bed.runner.run('systemctl', ['reset-failed', '--', UNIT]);
  await bed.runner.run('rm', ['-rf', '--', DROPIN_DIR, UNIT_FILE, PROGRAM_DIR, LIB_OLD, LIB_NEW, LD_CONF, MEMORY, `/run/${NAME}`]);
  await bed.runner.removeEmptyDir('/var/lib/bindscout');
  await bed.runner.run('ldconfig', []);
  await bed.runner.run('systemctl', ['daemon-reload']);
}

describeWithBed('check: drift of an installed profile after an upgrade', (bed) => {
  let built: { program: Buffer; library: Buffer };

  beforeAll(async () => {
    buildCli();
    built = compile();
    await removeAll(bed());
  }, 120_000);

  afterAll(async () => {
    await removeAll(bed());
  }, 120_000);

  test('check names the moved library and the new ExecStartPre= before any restart; discover again makes it fit', async () => {
    const { runner } = bed();
    await runner.mkdirp(PROGRAM_DIR);
    await runner.mkdirp(LIB_OLD);
    await runner.writeFileAtomic(`${PROGRAM_DIR}/app`, built.program, 0o755);
    await runner.writeFileAtomic(`${LIB_OLD}/libbsdrift.so.1`, built.library, 0o644);
    await runner.writeFileAtomic(LD_CONF, `${LIB_OLD}\n`);
    await bed().exec('ldconfig', []);
    await runner.writeFileAtomic(UNIT_FILE, `[Service]\nRuntimeDirectory=${NAME}\nExecStart=${PROGRAM_DIR}/app ${TICK}\n`);
    await bed().exec('systemctl', ['daemon-reload']);
    await bed().exec('systemctl', ['start', '--', UNIT]);

    const first = await runBuiltCli(bed(), ['discover', UNIT, '--yes', '--json', '--probe', PROBE]);
    expect({ code: first.code, stderr: first.code === 0 ? '' : first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toMatchObject({ result: 'working', installed: PROFILE });
    expect((await runner.readdir(MEMORY))?.sort()).toEqual(['accesses.json', 'install.json', 'profile.conf', 'unit.conf']);

    const fresh = await runBuiltCli(bed(), ['check', UNIT, '--json']);
    expect({ code: fresh.code, findings: JSON.parse(fresh.stdout).units[0].findings }).toEqual({ code: 0, findings: [] });

    // The upgrade: the library moves to a new versioned directory, a new drop-in adds a #! script.
    const invocation = await show(bed(), 'InvocationID');
    await runner.mkdirp(LIB_NEW);
    await bed().exec('mv', ['--', `${LIB_OLD}/libbsdrift.so.1`, `${LIB_NEW}/libbsdrift.so.1`]);
    await bed().exec('rmdir', ['--', LIB_OLD]);
    await runner.writeFileAtomic(LD_CONF, `${LIB_NEW}\n`);
    await bed().exec('ldconfig', []);
    await runner.writeFileAtomic(`${PROGRAM_DIR}/prepare`, '#!/bin/sh\nexit 0\n', 0o755);
    await runner.writeFileAtomic(UPGRADE_DROPIN, `[Service]\nExecStartPre=${PROGRAM_DIR}/prepare\n`);
    await bed().exec('systemctl', ['daemon-reload']);

    const drifted = await runBuiltCli(bed(), ['check', UNIT, '--json']);
    expect(drifted.code).toBe(1);
    const report = JSON.parse(drifted.stdout);
    expect(report).toMatchObject({ schemaVersion: 1, fits: false, units: [{ unit: UNIT, fits: false, dropIn: PROFILE, running: true }] });
    const findings: { check: string; message: string; fix: string; value?: string; setting?: string; file?: string }[] = report.units[0].findings;
    // The library's new place is not visible: the next start would fail with 203/EXEC.
    const lib = findings.find((f) => f.check === 'exec-not-visible' && f.value === `${PROGRAM_DIR}/app`);
    expect(lib?.message).toContain(`${LIB_NEW}/libbsdrift.so.1`);
    expect(lib?.fix).toContain(`BindReadOnlyPaths=${LIB_NEW}/libbsdrift.so.1`);
    expect(lib?.fix).toContain(`bindscout discover ${UNIT}`);
    // The old place was bound without "-": the next start would fail with 226/NAMESPACE.
    const bind = findings.find((f) => f.check === 'missing-bind-source');
    expect(bind?.message).toContain(LIB_OLD);
    expect(bind?.file).toBe(PROFILE);
    // The new ExecStartPre=: a change the profile was not verified with, and its #! interpreter is not visible.
    expect(findings).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ check: 'setting-changed', setting: 'ExecStartPre', file: UPGRADE_DROPIN, line: 2 }),
        expect.objectContaining({ check: 'exec-not-visible', value: `${PROGRAM_DIR}/prepare`, file: UPGRADE_DROPIN }),
      ]),
    );
    expect(findings.find((f) => f.value === `${PROGRAM_DIR}/prepare`)?.message).toContain('/bin/sh');
    // The text form says the same, with a fix for each.
    const text = await runBuiltCli(bed(), ['check', UNIT]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('does not fit');
    expect(text.stdout.match(/^ {4}fix: /gm)?.length).toBe(findings.length);
    // Nothing was started or stopped.
    expect(await show(bed(), 'InvocationID')).toBe(invocation);
    expect(await show(bed(), 'ActiveState')).toBe('active');

    const again = await runBuiltCli(bed(), ['discover', UNIT, '--yes', '--json', '--probe', PROBE]);
    expect({ code: again.code, stderr: again.code === 0 ? '' : again.stderr }).toEqual({ code: 0, stderr: '' });
    expect(JSON.parse(again.stdout)).toMatchObject({ result: 'working', installed: PROFILE });

    const clean = await runBuiltCli(bed(), ['check', UNIT, '--json']);
    expect({ code: clean.code, findings: JSON.parse(clean.stdout).units[0].findings }).toEqual({ code: 0, findings: [] });

    await bed().exec('systemctl', ['restart', '--', UNIT], 60_000);
    expect(await show(bed(), 'ActiveState')).toBe('active');
    await runner.removeFile(TICK);
    await new Promise((r) => setTimeout(r, 2500));
    expect((await runner.run('/bin/sh', ['-c', PROBE])).exitCode).toBe(0);
  }, 300_000);
});
