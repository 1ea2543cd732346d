/**
 * A profile must survive the traffic the probe does not send. nginx's master ensures its temp
 * directories at start (mkdir finds them, EEXIST); only a request body larger than its buffer is
 * written there, which a GET probe never does. Found with a GET probe, the profile must still let a
 * 200 KB POST through a proxy_pass location reach the upstream. A throwaway nginx on its own ports (the
 * packaged one may find port 80 taken in a bed with many daemons), with its temp directories under
 * /var/lib/NAME, owned by its worker user, as Debian's nginx has them in /var/lib/nginx.
 */
import { beforeAll, expect, test } from '@jest/globals';
import { buildCli, runBuiltCli } from './run-cli.js';
import { describeWithBed, type Bed } from './bed.js';
import { throwawayNginx } from './throwaway-nginx.js';

const NAME = 'bindscout-e2e-large-body';
const FRONT = 8098;
const UPSTREAM = 8099;
const NGINX = throwawayNginx(NAME, FRONT, 'bindscout large request body test');
const TEMP = `/var/lib/${NAME}`;
const PROBE = `curl -fsS http://127.0.0.1:${FRONT}/ >/dev/null`;
/** Larger than client_body_buffer_size (16k on x86_64): nginx writes it into its body temp directory. */
const POST = `head -c 200000 /dev/zero | curl -fsS -o /dev/null --data-binary @- http://127.0.0.1:${FRONT}/`;

const CONF = NGINX.nginxConf.replace(new RegExp(`${NGINX.dir}/(body|proxy|fastcgi|uwsgi|scgi);`, 'g'), `${TEMP}/$1;`).replace(
  /    location \/ \{ return 200 "ok\\n"; \}\n  \}\n/,
  `    location / { proxy_pass http://127.0.0.1:${UPSTREAM}; }\n  }\n  server {\n    listen 127.0.0.1:${UPSTREAM};\n    location / { return 200 "upstream\\n"; }\n  }\n`,
);

async function removeAll(bed: Bed): Promise<void> {
  await bed.runner.run('systemctl', ['stop', '--', NGINX.unit], { timeoutMs: 60_000 });
  await bed.runner.run('systemctl', ['reset-failed', '--', NGINX.unit]);
  await bed.runner.removeFile(`/etc/systemd/system/${NGINX.unit}.d/bindscout.conf`);
  await bed.runner.removeEmptyDir(`/etc/systemd/system/${NGINX.unit}.d`);
  await bed.runner.removeFile(NGINX.unitFile);
  await bed.exec('rm', ['-rf', '--', NGINX.dir, TEMP, `/var/lib/bindscout/${NGINX.unit}`, `/run/${NAME}-private-run`]);
  await bed.exec('systemctl', ['daemon-reload']);
}

describeWithBed('a request body larger than the buffer, through proxy_pass', (bed) => {
  beforeAll(() => {
    buildCli();
  }, 60_000);

  test('discover with a GET probe gives a profile under which a 200 KB POST reaches the upstream', async () => {
    expect(CONF).toContain(`proxy_pass http://127.0.0.1:${UPSTREAM}`);
    expect(CONF).toContain(`client_body_temp_path ${TEMP}/body;`);
    await removeAll(bed());
    try {
      await bed().runner.mkdirp(NGINX.dir);
      await bed().runner.writeFileAtomic(`${NGINX.dir}/nginx.conf`, CONF);
      for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) await bed().runner.mkdirp(`${TEMP}/${sub}`);
      await bed().exec('chown', ['-R', 'www-data:root', TEMP]);
      await bed().exec('chmod', ['-R', '0700', TEMP]);
      await bed().runner.writeFileAtomic(NGINX.unitFile, NGINX.unitText);
      await bed().exec('systemctl', ['daemon-reload']);
      await bed().exec('systemctl', ['start', '--', NGINX.unit], 120_000);
      // Without a profile the POST goes through: what the profile must keep.
      expect((await bed().runner.run('/bin/sh', ['-c', POST], { timeoutMs: 30_000 })).exitCode).toBe(0);
      const run = await runBuiltCli(bed(), ['discover', NGINX.unit, '--yes', '--accept-audit', '--json', '--probe', PROBE]);
      expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
      const report = JSON.parse(run.stdout);
      expect(report.result).toBe('working');
      expect(report.dropin).toMatch(new RegExp(`^BindPaths=.*${TEMP}(/body)?$`, 'm'));
      const post = await bed().runner.run('/bin/sh', ['-c', POST], { timeoutMs: 30_000 });
      expect({ code: post.exitCode, stderr: post.stderr }).toEqual({ code: 0, stderr: '' });
      expect(report.notes.join('\n')).toMatch(/not exercised by the observed run or the probe/);
    } finally {
      await removeAll(bed());
    }
  }, 300_000);
});
