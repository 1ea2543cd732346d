/**
 * A profile must survive the traffic the probe does not send. nginx's master ensures its temp
 * directories at start (mkdir finds them, EEXIST); only a request body larger than its buffer is
 * written there, which a GET probe never does. Found with a GET probe, the profile must still let a
 * 200 KB POST through a proxy_pass location reach the upstream.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { buildCli, runBuiltCli } from './run-cli.js';
import { describeWithBed } from './bed.js';

const UNIT = 'nginx.service';
const SITE = '/etc/nginx/conf.d/bindscout-large-body.conf';
const FRONT = 8098;
const UPSTREAM = 8099;
const PROBE = `curl -fsS http://127.0.0.1:${FRONT}/ >/dev/null`;
/** Larger than client_body_buffer_size (16k on x86_64): nginx writes it to /var/lib/nginx/body. */
const POST = `head -c 200000 /dev/zero | curl -fsS -o /dev/null --data-binary @- http://127.0.0.1:${FRONT}/`;

describeWithBed('a request body larger than the buffer, through proxy_pass', (bed) => {
  beforeAll(() => {
    buildCli();
  }, 60_000);

  test('discover with a GET probe gives a profile under which a 200 KB POST reaches the upstream', async () => {
    const site = `server {
  listen 127.0.0.1:${FRONT};
  location / { proxy_pass http://127.0.0.1:${UPSTREAM}; }
}
server {
  listen 127.0.0.1:${UPSTREAM};
  location / { return 200 "upstream\\n"; }
}
`;
    await bed().runner.writeFileAtomic(SITE, site, 0o644);
    try {
      await bed().exec('systemctl', ['restart', '--', UNIT], 120_000);
      // Without a profile the POST goes through: what the profile must keep.
      expect((await bed().runner.run('/bin/sh', ['-c', POST], { timeoutMs: 30_000 })).exitCode).toBe(0);
      const run = await runBuiltCli(bed(), ['discover', UNIT, '--yes', '--accept-audit', '--json', '--probe', PROBE]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout);
      expect(report.result).toBe('working');
      expect(report.dropin).toMatch(/^BindPaths=.*\/var\/lib\/nginx(\/body)?$/m);
      const post = await bed().runner.run('/bin/sh', ['-c', POST], { timeoutMs: 30_000 });
      expect({ code: post.exitCode, stderr: post.stderr }).toEqual({ code: 0, stderr: '' });
      expect(report.notes.join('\n')).toMatch(/not exercised by the observed run or the probe/);
    } finally {
      await bed().runner.removeFile(`/etc/systemd/system/${UNIT}.d/bindscout.conf`);
      await bed().runner.removeEmptyDir(`/etc/systemd/system/${UNIT}.d`);
      await bed().exec('rm', ['-rf', '--', `/var/lib/bindscout/${UNIT}`]);
      await bed().runner.removeFile(SITE);
      await bed().exec('systemctl', ['daemon-reload']);
      await bed().runner.run('systemctl', ['reset-failed', '--', UNIT]);
      await bed().exec('systemctl', ['restart', '--', UNIT], 120_000);
      await bed().runner.run('rm', ['-rf', '--', '/run/nginx-private-run']);
    }
  }, 300_000);
});
