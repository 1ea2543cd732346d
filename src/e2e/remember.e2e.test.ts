/**
 * Two discover runs of one throwaway unit with different probes, against the real systemd in the bed:
 * the service reads a file only when a probe asks for it, so each run sees a different file. The
 * second run starts from what the first remembered: its profile grants the union, the earlier path
 * carries its provenance, it reports only the difference, and the service works under it for both
 * probes. --forget removes the memory.
 */
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import path from 'node:path';
import { buildCli, runBuiltCli } from './run-cli.js';
import { describeWithBed, type Bed } from './bed.js';


const NAME = 'bindscout-e2e-remember';
const UNIT = `${NAME}.service`;
const UNIT_FILE = `/run/systemd/system/${UNIT}`;
const DROPIN_DIR = `/etc/systemd/system/${UNIT}.d`;
const PROFILE = `${DROPIN_DIR}/bindscout.conf`;
const PROGRAM = `/usr/local/lib/${NAME}/serve`;
// Not named after the unit: the fold grants a directory named after its service whole.
const CONFIG = '/srv/bindscout-e2e-data';
const RUN = `/run/${NAME}`;
const MEMORY = `/var/lib/bindscout/${UNIT}`;

/** Each file in a directory of its own: the fold may grant a directory for a file. */
const file = (name: string) => `${CONFIG}/${name}/${name}.conf`;

/** Asks the service for a file and checks it answered with its content. */
const probe = (name: string) =>
  `rm -f ${RUN}/resp; echo ${file(name)} > ${RUN}/req.tmp && mv ${RUN}/req.tmp ${RUN}/req; ` +
  `for i in 1 2 3 4 5 6 7 8 9 10; do grep -qx ${name} ${RUN}/resp 2>/dev/null && exit 0; sleep 0.3; done; exit 1`;

/** Whether one of the bound paths makes `path` visible. */
const covers = (bound: string[], path: string) => bound.some((b) => path === b || path.startsWith(`${b}/`));



async function removeAll(bed: Bed): Promise<void> {
  await bed.runner.run('systemctl', ['stop', '--', UNIT], { timeoutMs: 60_000 });
  await bed.runner.run('systemctl', ['reset-failed', '--', UNIT]);
  await bed.runner.run('rm', ['-rf', '--', DROPIN_DIR, UNIT_FILE, path.dirname(PROGRAM), CONFIG, RUN, MEMORY]);
  await bed.runner.removeEmptyDir('/var/lib/bindscout');
  await bed.runner.run('systemctl', ['daemon-reload']);
}

describeWithBed('discover remembers: two observations with different probes', (bed) => {
  beforeAll(async () => {
    buildCli();
    await removeAll(bed());
  }, 120_000);

  afterAll(async () => {
    await removeAll(bed());
  }, 120_000);

  test('the second run grants the union, with provenance, and shows only the difference', async () => {
    const { runner } = bed();
    await runner.mkdirp(path.dirname(PROGRAM));
    for (const name of ['a', 'b', 'unused']) {
      await runner.mkdirp(path.dirname(file(name)));
      await runner.writeFileAtomic(file(name), `${name}\n`);
    }
    await runner.writeFileAtomic(
      PROGRAM,
      [
        '#!/bin/sh',
        'while :; do',
        `  if [ -e ${RUN}/req ]; then f=$(cat ${RUN}/req); rm -f ${RUN}/req; cat "$f" > ${RUN}/resp.tmp; mv ${RUN}/resp.tmp ${RUN}/resp; fi`,
        '  sleep 0.2',
        'done',
        '',
      ].join('\n'),
      0o755,
    );
    await runner.writeFileAtomic(UNIT_FILE, `[Service]\nRuntimeDirectory=${NAME}\nExecStart=${PROGRAM}\n`);
    await bed().exec('systemctl', ['daemon-reload']);
    await bed().exec('systemctl', ['start', '--', UNIT]);

    const first = await runBuiltCli(bed(), ['discover', UNIT, '--yes', '--json', '--probe', probe('a')]);
    expect({ code: first.code, stderr: first.code === 0 ? '' : first.stderr }).toEqual({ code: 0, stderr: '' });
    const one = JSON.parse(first.stdout);
    expect(one).toMatchObject({ result: 'working', installed: PROFILE });
    expect(one.changes).toBeUndefined();
    expect(covers(one.readOnly, file('a'))).toBe(true);
    expect(covers(one.readOnly, file('b'))).toBe(false);

    const second = await runBuiltCli(bed(), ['discover', UNIT, '--yes', '--json', '--probe', probe('b')]);
    expect({ code: second.code, stderr: second.code === 0 ? '' : second.stderr }).toEqual({ code: 0, stderr: '' });
    const two = JSON.parse(second.stdout);
    expect(two).toMatchObject({ result: 'working', installed: PROFILE });
    // The union: what the first probe needed is still granted.
    expect(covers(two.readOnly, file('a'))).toBe(true);
    expect(covers(two.readOnly, file('b'))).toBe(true);
    expect(covers(two.readOnly, file('unused'))).toBe(false);
    // Provenance: a's file comes from the earlier observation, b's from this run.
    const source = (p: string) => two.accesses.find((a: { path: string }) => a.path === p)?.source;
    expect(source(file('a'))).toMatch(/^earlier observation \(\d{4}-\d\d-\d\dT/);
    expect(source(file('b'))).toBeDefined();
    expect(source(file('b'))).not.toMatch(/^earlier/);
    // Only the difference is shown.
    expect(two.changes.newPaths).toContain(file('b'));
    expect(two.changes.newPaths).not.toContain(file('a'));
    expect(two.changes.notUsedNow).toContain(file('a'));
    expect(two.changes.addedGrants.length).toBeGreaterThan(0);
    expect(two.changes.addedGrants.every((p: string) => covers([p], file('b')) || !covers([p], file('a')))).toBe(true);
    expect(two.changes.gone).toEqual([]);
    expect(second.stderr).toContain('starting from what discover observed and installed');
    expect(second.stderr).toMatch(/new since .*b\.conf/);

    // The installed profile works for both probes, and check finds it fits.
    await bed().exec('systemctl', ['restart', '--', UNIT], 60_000);
    for (const name of ['a', 'b']) expect((await runner.run('/bin/sh', ['-c', probe(name)])).exitCode).toBe(0);
    expect((await runner.run('/bin/sh', ['-c', probe('unused')])).exitCode).toBe(1);
    const check = await runBuiltCli(bed(), ['check', UNIT]);
    expect({ code: check.code, stdout: check.stdout }).toEqual({ code: 0, stdout: expect.stringContaining(`${UNIT}: fits`) });

    const forget = await runBuiltCli(bed(), ['discover', '--forget', UNIT]);
    expect(forget.code).toBe(0);
    expect(await runner.readdir(MEMORY)).toBeUndefined();
    expect((await runner.readFile(PROFILE)) !== undefined).toBe(true);
  }, 300_000);
});
