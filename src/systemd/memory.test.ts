import { afterEach, describe, expect, test } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { forgetUnit, MemoryError, memoryDir, packageVersions, recallInstall, rememberInstall } from './memory.js';
import { withParentsResolved } from '../core/fsview.js';
import { createHostFsView } from '../host/fs.js';
import { createHostRunner, type RunResult, type Runner } from './runner.js';
import { parseUnitName } from '../unit-file/unit-name.js';

const APP = parseUnitName('app.service');

/** The host runner's file operations, rooted in a temporary directory; programs answered by `run`. */
function rootedRunner(root: string, run: Runner['run'] = async () => ({ exitCode: 127, stdout: '', stderr: '', failedToStart: 'not here' })): Runner {
  const host = createHostRunner();
  const at = (p: string) => path.join(root, p);
  return {
    root,
    run,
    stream: host.stream,
    readFile: (p) => host.readFile(at(p)),
    writeFileAtomic: (p, d, m) => host.writeFileAtomic(at(p), d, m),
    removeFile: (p) => host.removeFile(at(p)),
    mkdirp: (p) => host.mkdirp(at(p)),
    readdir: (p) => host.readdir(at(p)),
    removeEmptyDir: (p) => host.removeEmptyDir(at(p)),
    createExclusive: (p, d) => host.createExclusive(at(p), d),
    readlink: (p) => host.readlink(at(p)),
    fsView: () => withParentsResolved(createHostFsView(root)),
  };
}

const roots: string[] = [];
function tempRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bindscout-memory-'));
  roots.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const memory = {
  unit: APP,
  installedAt: '2026-11-01T10:00:00.000Z',
  dropIn: '/etc/systemd/system/app.service.d/bindscout.conf',
  profile: '[Service]\nTemporaryFileSystem=/:ro\n',
  unitConfig: '# /lib/systemd/system/app.service\n[Service]\nExecStart=/usr/bin/app\n',
  packages: [{ path: '/usr/bin/app', package: 'app', version: '1.0-1' }],
  accesses: '{"schemaVersion":1,"accesses":[]}\n',
};

describe('what discover remembers about a unit', () => {
  test('remembered, recalled as written, forgotten', async () => {
    const root = tempRoot();
    const runner = rootedRunner(root);
    expect(await recallInstall(runner, APP)).toBeUndefined();
    expect(await rememberInstall(runner, memory)).toBe('/var/lib/bindscout/app.service');
    expect(await recallInstall(runner, APP)).toEqual(memory);
    expect(await forgetUnit(runner, APP)).toBe(true);
    expect(readdirSync(path.join(root, 'var/lib/bindscout'))).toEqual([]);
    expect(await forgetUnit(runner, APP)).toBe(false);
  });

  test('forget removes only its own files', async () => {
    const root = tempRoot();
    const runner = rootedRunner(root);
    await rememberInstall(runner, memory);
    writeFileSync(path.join(root, memoryDir(APP), 'notes.txt'), 'the admin\'s own\n');
    await forgetUnit(runner, APP);
    expect(readdirSync(path.join(root, memoryDir(APP)))).toEqual(['notes.txt']);
  });

  test('a damaged memory is a clear error that says how to start afresh', async () => {
    const root = tempRoot();
    const runner = rootedRunner(root);
    await rememberInstall(runner, memory);
    writeFileSync(path.join(root, memoryDir(APP), 'install.json'), '{"schemaVersion": 9');
    await expect(recallInstall(runner, APP)).rejects.toThrow(MemoryError);
    await expect(recallInstall(runner, APP)).rejects.toThrow('bindscout discover --forget app.service');
  });

  test('a unit name that is not one never becomes a path', async () => {
    expect(() => memoryDir(parseUnitName('../../etc'))).toThrow();
  });

  test('package versions from dpkg -S and dpkg-query, files no package owns left out', async () => {
    const calls: string[][] = [];
    const run = async (file: string, args: string[]): Promise<RunResult> => {
      calls.push([file, ...args]);
      if (file === 'dpkg') {
        return { exitCode: 1, stdout: 'nginx-light: /usr/sbin/nginx\nlibc6:amd64: /usr/lib/x86_64-linux-gnu/libc.so.6\ncoreutils: /bin/ls\n', stderr: 'dpkg-query: no path found matching pattern /usr/local/bin/app\n' };
      }
      return { exitCode: 0, stdout: 'nginx-light\t1.22.1-9\nlibc6:amd64\t2.36-9+deb12u4\ncoreutils\t9.1-1\n', stderr: '' };
    };
    const runner = rootedRunner(tempRoot(), run);
    expect(await packageVersions(runner, ['/usr/sbin/nginx', '/usr/local/bin/app', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/bin/ls'])).toEqual([
      { path: '/usr/sbin/nginx', package: 'nginx-light', version: '1.22.1-9' },
      { path: '/usr/lib/x86_64-linux-gnu/libc.so.6', package: 'libc6:amd64', version: '2.36-9+deb12u4' },
      // dpkg knows it as /bin/ls (merged /usr).
      { path: '/usr/bin/ls', package: 'coreutils', version: '9.1-1' },
    ]);
    expect(calls[0].slice(0, 3)).toEqual(['dpkg', '-S', '--']);
    expect(calls[0]).toEqual(expect.arrayContaining(['/usr/bin/ls', '/bin/ls', '/sbin/nginx']));
    expect(calls[1].slice(0, 4)).toEqual(['dpkg-query', '-W', '-f', '${binary:Package}\\t${Version}\\n']);
  });
});

describe("the unit's exposure as discover found it", () => {
  test('kept in install.json and read back, for view to compare with', async () => {
    const runner = rootedRunner(tempRoot());
    const exposureBefore = { outside: 802, writable: 2, sockets: 3, secrets: 5 };
    await rememberInstall(runner, { ...memory, exposureBefore });
    expect((await recallInstall(runner, parseUnitName('app.service')))?.exposureBefore).toEqual(exposureBefore);
    await rememberInstall(runner, memory);
    expect((await recallInstall(runner, parseUnitName('app.service')))?.exposureBefore).toBeUndefined();
  });
});
