import { describe, expect, test } from '@jest/globals';
import { linksOfTmpfiles, renderTmpfiles, tmpfilesLines } from './shared-run.js';
import { foldProfile, type FoldOptions } from './fold.js';
import { parseLogrotate } from './shared-log.js';
import { memoryFsView, type MemoryNode } from '../testing/fs-views.js';
import type { Access, Operation, Profile } from '../core/model.js';

/** A small Debian 12 host: merged /usr, nginx installed, the usual symlinks. */
const DEBIAN: Record<string, MemoryNode> = {
  '/bin': { symlink: 'usr/bin' },
  '/sbin': { symlink: 'usr/sbin' },
  '/lib': { symlink: 'usr/lib' },
  '/lib64': { symlink: 'usr/lib64' },
  '/usr/sbin/nginx': 'file',
  '/usr/bin/kill': 'file',
  '/usr/lib/x86_64-linux-gnu/libc.so.6': 'file',
  '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0': { symlink: 'libpcre2-8.so.0.11.2' },
  '/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0.11.2': 'file',
  '/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2': 'file',
  '/usr/lib64/ld-linux-x86-64.so.2': { symlink: '../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2' },
  '/usr/lib/nginx/modules/ngx_http_geoip_module.so': 'file',
  '/usr/lib/ssl/openssl.cnf': { symlink: '/etc/ssl/openssl.cnf' },
  '/etc/ssl/openssl.cnf': 'file',
  '/etc/ssl/certs/ca-certificates.crt': 'file',
  '/etc/ssl/certs/A.pem': { symlink: '/usr/share/ca-certificates/mozilla/A.crt' },
  '/etc/ssl/certs/B.pem': { symlink: '/usr/share/ca-certificates/mozilla/B.crt' },
  '/usr/share/ca-certificates/mozilla/A.crt': 'file',
  '/usr/share/ca-certificates/mozilla/B.crt': 'file',
  '/etc/ssl/private/ssl-cert-snakeoil.key': 'file',
  '/etc/ld.so.cache': 'file',
  '/etc/ld.so.conf': 'file',
  '/etc/ld.so.conf.d/x86_64-linux-gnu.conf': 'file',
  '/etc/bindresvport.blacklist': 'file',
  '/etc/localtime': { symlink: '/usr/share/zoneinfo/Etc/UTC' },
  '/usr/share/zoneinfo/Etc/UTC': 'file',
  '/usr/share/locale/de/LC_MESSAGES/x.mo': 'file',
  '/etc/alternatives/awk': { symlink: '/usr/bin/mawk' },
  '/etc/passwd': 'file',
  '/etc/group': 'file',
  '/etc/nsswitch.conf': 'file',
  '/etc/shadow': 'file',
  '/etc/nginx/nginx.conf': 'file',
  '/etc/nginx/mime.types': 'file',
  '/etc/nginx/conf.d/site.conf': 'file',
  '/etc/nginx/sites-available/default': 'file',
  '/etc/nginx/sites-enabled/default': { symlink: '/etc/nginx/sites-available/default' },
  '/etc/nginx/modules-enabled/50-mod-http-geoip.conf': { symlink: '/usr/share/nginx/modules-available/mod-http-geoip.conf' },
  '/usr/share/nginx/modules-available/mod-http-geoip.conf': 'file',
  '/var/log/nginx/access.log': 'file',
  '/var/lib/nginx/body': 'dir',
  '/var/lib/other/data': 'file',
  '/srv/www/index.html': 'file',
  '/srv/www/a.css': 'file',
  '/srv/www/b.js': 'file',
  '/srv/www/uploads/photo.jpg': 'file',
  '/srv/data/db.sqlite': 'file',
  '/dev/null': 'char',
  '/dev/urandom': 'char',
  '/dev/net/tun': 'char',
  '/dev/log': { symlink: '/run/systemd/journal/dev-log' },
  '/run/systemd/journal/dev-log': 'socket',
  '/run/systemd/journal/socket': 'socket',
  '/run/systemd/journal/stdout': 'socket',
  '/run/systemd/notify': 'socket',
  '/run/php/php8.2-fpm.sock': 'socket',
  '/proc/meminfo': 'file',
  '/root/.profile': 'file',
  '/home/alice/.bashrc': 'file',
  '/tmp': 'dir',
};
const fs = memoryFsView(DEBIAN);

let line = 0;
function access(path: string, ops: Operation[], extra: Partial<Access> = {}): Access {
  line += 1;
  return { path, ops: new Set(ops), ok: true, errors: new Set(), count: 1, firstPid: 100, firstLine: line, source: 'trace.log', ...extra };
}
function failed(path: string, ops: Operation[], errno: string): Access {
  return access(path, ops, { ok: false, errors: new Set([errno]) });
}

const NO_BASELINE: FoldOptions = { baseline: false, include: [], exclude: [] };

function fold(accesses: Access[], options: Partial<FoldOptions> = {}): Profile {
  return foldProfile(accesses, { ...NO_BASELINE, ...options }, fs);
}
function values(profile: Profile, directive: string): string[] {
  return profile.entries.filter((e) => e.directive === directive).map((e) => (e.optional ? '-' : '') + e.value);
}
function reasonOf(profile: Profile, directive: string, value: string): string {
  const entry = profile.entries.find((e) => e.directive === directive && e.value === value);
  if (!entry) throw new Error(`no ${directive}=${value} in ${JSON.stringify(profile.entries.map((e) => `${e.directive}=${e.value}`))}`);
  return entry.reason;
}
function omittedPaths(profile: Profile): string[] {
  return profile.omitted.map((n) => n.path);
}

describe('always', () => {
  test('an empty read-only root and ProtectSystem=no, even with nothing traced', () => {
    const profile = fold([]);
    expect(profile.entries.map((e) => `${e.directive}=${e.value}`)).toEqual(['TemporaryFileSystem=/:ro', 'ProtectSystem=no']);
    expect(profile.entries.every((e) => e.reason.length > 0)).toBe(true);
  });
});

describe('read-only versus writable', () => {
  test('reads, stats, execs and connects are read-only binds; writes to an existing file bind it writable', () => {
    const profile = fold([
      access('/usr/sbin/nginx', ['exec']),
      access('/etc/passwd', ['read']),
      access('/etc/nsswitch.conf', ['stat']),
      access('/run/php/php8.2-fpm.sock', ['connect']),
      access('/srv/data/db.sqlite', ['read', 'write']),
    ]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/nsswitch.conf', '/etc/passwd', '/run/php/php8.2-fpm.sock', '/usr/sbin/nginx']);
    expect(values(profile, 'BindPaths')).toEqual(['/srv/data/db.sqlite']);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/usr/sbin/nginx')).toBe('executed by pid 100 (line ' + (line - 4) + '): /usr/sbin/nginx');
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/run/php/php8.2-fpm.sock')).toMatch(/^connected to by pid 100/);
  });

  test('a failed write (EROFS) on an existing file still asks for it writable', () => {
    const profile = fold([failed('/srv/data/db.sqlite', ['write'], 'EROFS')]);
    expect(values(profile, 'BindPaths')).toEqual(['/srv/data/db.sqlite']);
    expect(reasonOf(profile, 'BindPaths', '/srv/data/db.sqlite')).toContain('failed with EROFS, exists here');
  });

  test('creating a file binds its directory writable, since the root tmpfs is read-only', () => {
    const profile = fold([access('/srv/data/new.tmp', ['create', 'write'])]);
    expect(values(profile, 'BindPaths')).toEqual(['/srv/data']);
    expect(reasonOf(profile, 'BindPaths', '/srv/data')).toContain('created by pid 100');
  });

  test('a file created directly in /run gets a private /run backed by a host directory, never the host /run', () => {
    const profile = fold([access('/run/nginx.pid', ['create', 'write', 'delete']), access('/run/systemd/notify', ['connect'])], {
      privateRun: { name: 'nginx-private-run', pidFile: '/run/nginx.pid' },
    });
    expect(values(profile, 'BindPaths')).toEqual(['/run/nginx-private-run']);
    expect(profile.entries.find((e) => e.directive === 'BindPaths')?.destination).toBe('/run');
    expect(values(profile, 'RuntimeDirectory')).toEqual(['nginx-private-run']);
    expect(values(profile, 'RuntimeDirectoryPreserve')).toEqual(['yes']);
    expect(values(profile, 'PIDFile')).toEqual(['/run/nginx-private-run/nginx.pid']);
    // Binds below /run stay: they are mounted on top of the private /run.
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/run/systemd/notify']);
    expect(reasonOf(profile, 'RuntimeDirectory', 'nginx-private-run')).toContain('/run/nginx.pid');
  });

  test('a pid file reached through /var/run gets the same private /run', () => {
    const profile = fold([access('/var/run/crond.pid', ['create', 'write'])], { privateRun: { name: 'cron-private-run' } });
    // Bound at /run and at /var/run: the empty root has no /var/run link to /run.
    const privateRuns = profile.entries.filter((e) => e.directive === 'BindPaths').map((e) => `${e.value}:${e.destination}`);
    expect(privateRuns).toEqual(['/run/cron-private-run:/run', '/run/cron-private-run:/var/run']);
    expect(values(profile, 'PIDFile')).toEqual([]);
    expect(profile.entries.some((e) => e.directive === 'BindPaths' && e.value === '/run')).toBe(false);
  });

  test('each file made in the private /run gets a host link, as tmpfiles.d lines; a name that needs quoting gets none', () => {
    const profile = fold([access('/var/run/crond.pid', ['create', 'write']), access('/run/ctl sock', ['create'])], {
      privateRun: { name: 'cron-private-run' },
    });
    expect(profile.hostLinks?.map((l) => [l.path, l.target])).toEqual([['/run/crond.pid', 'cron-private-run/crond.pid']]);
    expect(tmpfilesLines(profile.hostLinks!)).toEqual(['d /run/cron-private-run 0755 root root -', 'L+ /run/crond.pid - - - - cron-private-run/crond.pid']);
    // What check reads back from the installed snippet is what discover wrote.
    expect(linksOfTmpfiles(renderTmpfiles('cron.service', profile.hostLinks!)).map((l) => [l.path, l.target, l.line])).toEqual([
      ['/run/crond.pid', 'cron-private-run/crond.pid', 4],
    ]);
    expect(fold([access('/etc/app.conf', ['read'])]).hostLinks).toBeUndefined();
  });

  test('without a unit (analyze) the private /run is named after the file and a .pid file becomes PIDFile=', () => {
    const profile = fold([access('/run/nginx.pid', ['create', 'write'])]);
    expect(values(profile, 'RuntimeDirectory')).toEqual(['nginx-private-run']);
    expect(values(profile, 'PIDFile')).toEqual(['/run/nginx-private-run/nginx.pid']);
    expect(reasonOf(profile, 'PIDFile', '/run/nginx-private-run/nginx.pid')).toContain('only if the unit has that PIDFile=');
  });

  test('a file created directly in / is never granted', () => {
    const profile = fold([access('/core', ['create', 'write'])]);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(omittedPaths(profile)).toEqual(['/core']);
  });
});

describe('service directories', () => {
  test('writes below /var/log/X, /var/lib/X, /run/X and /var/cache/X become *Directory=X', () => {
    const profile = fold([
      access('/var/log/nginx/access.log', ['write']),
      access('/var/lib/nginx/body', ['create'], { ok: false, errors: new Set(['EEXIST']) }),
      access('/var/lib/nginx/body/0001', ['create', 'write', 'delete']),
      access('/run/php/php8.2-fpm.pid', ['create', 'write']),
      access('/var/cache/nginx/c/1', ['create', 'write']),
    ]);
    expect(values(profile, 'LogsDirectory')).toEqual(['nginx']);
    expect(values(profile, 'StateDirectory')).toEqual(['nginx']);
    expect(values(profile, 'RuntimeDirectory')).toEqual(['php']);
    expect(values(profile, 'CacheDirectory')).toEqual(['nginx']);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(reasonOf(profile, 'LogsDirectory', 'nginx')).toContain('written by pid 100');
  });

  test('reads in such a directory without writes stay read-only binds; with writes they are covered', () => {
    const profile = fold([access('/var/lib/other/data', ['read']), access('/var/log/nginx/access.log', ['read']), access('/var/log/nginx/error.log', ['create', 'write'])]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/var/lib/other/data']);
    expect(values(profile, 'StateDirectory')).toEqual([]);
    expect(values(profile, 'LogsDirectory')).toEqual(['nginx']);
    expect(profile.omitted.find((n) => n.path === '/var/log/nginx/access.log')?.reason).toBe('covered by LogsDirectory=nginx');
  });
});

describe('PrivateTmp, PrivateDevices, MountAPIVFS', () => {
  test('/tmp and /var/tmp become PrivateTmp=yes and are not bound', () => {
    const profile = fold([access('/tmp/x', ['create', 'write']), access('/var/tmp/y', ['read'])]);
    expect(values(profile, 'PrivateTmp')).toEqual(['yes']);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual([]);
  });

  test('pseudo devices become PrivateDevices=yes; /dev/log then needs the journal socket bound', () => {
    const profile = fold([access('/dev/null', ['read', 'write']), access('/dev/urandom', ['read']), access('/dev/log', ['connect'])]);
    expect(values(profile, 'PrivateDevices')).toEqual(['yes']);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/run/systemd/journal/dev-log']);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/run/systemd/journal/dev-log')).toContain('/dev/log (a symlink to here)');
  });

  test('a device PrivateDevices= lacks means binding each device instead', () => {
    const profile = fold([access('/dev/null', ['write']), access('/dev/net/tun', ['read', 'write'])]);
    expect(values(profile, 'PrivateDevices')).toEqual([]);
    expect(values(profile, 'BindPaths')).toEqual(['/dev/net/tun', '/dev/null']);
    expect(profile.omitted.find((n) => n.path === '/dev')?.reason).toMatch(/PrivateDevices= cannot be used.*\/dev\/net\/tun/);
  });

  test('only its own /proc entries: MountAPIVFS with ProtectProc=invisible and ProcSubset=pid', () => {
    const profile = fold([access('/proc/self/status', ['read']), access('/proc/100/cmdline', ['read'])]);
    expect(values(profile, 'MountAPIVFS')).toEqual(['yes']);
    expect(values(profile, 'ProtectProc')).toEqual(['invisible']);
    expect(values(profile, 'ProcSubset')).toEqual(['pid']);
    // MountAPIVFS= alone would bring the host's /dev along.
    expect(values(profile, 'PrivateDevices')).toEqual(['yes']);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual([]);
  });

  test('system-wide /proc files rule out ProcSubset=pid; other processes rule out ProtectProc=', () => {
    const systemWide = fold([access('/proc/meminfo', ['read'])]);
    expect(values(systemWide, 'ProtectProc')).toEqual(['invisible']);
    expect(values(systemWide, 'ProcSubset')).toEqual([]);
    const others = fold([access('/proc/1/cmdline', ['read'])]);
    expect(values(others, 'MountAPIVFS')).toEqual(['yes']);
    expect(values(others, 'ProtectProc')).toEqual([]);
  });

  test('/sys needs MountAPIVFS=yes', () => {
    const profile = fold([access('/sys/devices/system/cpu/online', ['read'])]);
    expect(values(profile, 'MountAPIVFS')).toEqual(['yes']);
    expect(values(profile, 'ProcSubset')).toEqual([]);
  });
});

describe('noise and strong suggestions', () => {
  test('ENOENT on a path this host does not have either is noise, recorded in omitted', () => {
    const profile = fold([failed('/etc/ld.so.preload', ['read'], 'ENOENT'), failed('/usr/local/sbin/nginx', ['exec'], 'ENOENT')]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual([]);
    expect(omittedPaths(profile)).toEqual(['/etc/ld.so.preload', '/usr/local/sbin/nginx']);
    expect(profile.omitted[0].reason).toMatch(/ENOENT.*does not exist on this host/);
  });

  test('ENOENT or EACCES on a path that exists here is kept', () => {
    const profile = fold([failed('/etc/nsswitch.conf', ['read'], 'ENOENT'), failed('/etc/passwd', ['read'], 'EACCES')]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/nsswitch.conf', '/etc/passwd']);
  });

  test('a failed create in an existing directory is kept', () => {
    const profile = fold([failed('/srv/data/lock', ['create', 'write'], 'EROFS')]);
    expect(values(profile, 'BindPaths')).toEqual(['/srv/data']);
  });
});

describe('sensitive paths, --include and --exclude', () => {
  test('sensitive paths go to needsConsent, never to the binds', () => {
    const profile = fold([access('/etc/shadow', ['read']), access('/home/alice/.bashrc', ['stat']), access('/etc/ssl/private/ssl-cert-snakeoil.key', ['read'])]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual([]);
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/etc/shadow', '/etc/ssl/private/ssl-cert-snakeoil.key', '/home/alice/.bashrc']);
    expect(profile.needsConsent[0].reason).toMatch(/^password hashes: read by pid 100/);
    expect(profile.needsConsent[0].directive).toBe('BindReadOnlyPaths');
  });

  test('--include is the consent', () => {
    const profile = fold([access('/etc/shadow', ['read'])], { include: ['/etc/shadow'] });
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/shadow']);
    expect(profile.needsConsent).toEqual([]);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/etc/shadow')).toContain('--include /etc/shadow');
  });

  test('creating files in /etc would expose /etc/shadow: consent needed', () => {
    const profile = fold([access('/etc/resolv.conf.tmp', ['create', 'write'])]);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(profile.needsConsent.map((n) => [n.path, n.directive])).toEqual([['/etc', 'BindPaths']]);
  });

  test('--exclude drops a path and everything below a matching directory', () => {
    const profile = fold([access('/srv/www/index.html', ['read']), access('/etc/passwd', ['read']), access('/usr/sbin/nginx', ['exec'])], {
      exclude: ['/srv/www', '/etc/pass*'],
    });
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/usr/sbin/nginx']);
    expect(profile.omitted).toEqual([
      { path: '/etc/passwd', reason: 'excluded by --exclude /etc/pass*' },
      { path: '/srv/www/index.html', reason: 'excluded by --exclude /srv/www' },
    ]);
  });
});

describe('trees, groups, nesting and symlinks', () => {
  test('libraries are bound as their tree, also when reached through the /lib symlink', () => {
    const profile = fold([
      access('/lib/x86_64-linux-gnu/libc.so.6', ['read']),
      access('/lib/x86_64-linux-gnu/libpcre2-8.so.0', ['read']),
      access('/usr/lib/nginx/modules/ngx_http_geoip_module.so', ['read']),
    ]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/lib/x86_64-linux-gnu', '/usr/lib/nginx']);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/lib/x86_64-linux-gnu')).toMatch(/libc\.so\.6 and 1 more$/);
  });

  test('symlinks inside a bound directory get their targets bound', () => {
    const profile = fold(
      [
        access('/etc/nginx/nginx.conf', ['read']),
        access('/etc/nginx/modules-enabled', ['list']),
        access('/etc/nginx/modules-enabled/50-mod-http-geoip.conf', ['read']),
        access('/usr/lib/ssl/openssl.cnf', ['read']),
      ],
      { serviceNames: ['nginx'] },
    );
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/nginx', '/etc/ssl/openssl.cnf', '/usr/lib/ssl', '/usr/share/nginx']);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/usr/share/nginx')).toContain('50-mod-http-geoip.conf (a symlink to here)');
  });

  test('a symlink bound directly needs no target: systemd mounts what it points to', () => {
    const profile = fold([access('/etc/localtime', ['read'])]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/localtime']);
  });

  test('enough reads in one directory bind its deepest common directory; fewer stay single files', () => {
    const many = fold([access('/etc/ssl/certs/A.pem', ['read']), access('/etc/ssl/certs/B.pem', ['read']), access('/etc/ssl/certs/ca-certificates.crt', ['read'])]);
    // /etc/ssl holds private keys, so the group stops at /etc/ssl/certs; the .pem links need their targets.
    expect(values(many, 'BindReadOnlyPaths')).toEqual(['/etc/ssl/certs', '/usr/share/ca-certificates']);
    const few = fold([access('/srv/www/index.html', ['read']), access('/srv/www/a.css', ['read'])]);
    expect(values(few, 'BindReadOnlyPaths')).toEqual(['/srv/www/a.css', '/srv/www/index.html']);
  });

  test('a read-only parent keeps a writable child; a writable parent absorbs read-only children', () => {
    const profile = fold([
      access('/srv/www', ['list']),
      access('/srv/www/index.html', ['read']),
      access('/srv/www/uploads/photo.jpg', ['read', 'write']),
      access('/srv/data/new', ['create', 'write']),
      access('/srv/data/db.sqlite', ['read']),
    ]);
    // The listing of /srv/www grants the name used in it, not the directory.
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/srv/www/index.html']);
    expect(values(profile, 'BindPaths')).toEqual(['/srv/data', '/srv/www/uploads/photo.jpg']);
  });

  test('a path read but gone from this host is bound with "-"', () => {
    const profile = fold([access('/etc/nginx/gone.conf', ['read'])]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['-/etc/nginx/gone.conf']);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/etc/nginx/gone.conf')).toMatch(/missing on this host/);
  });
});

describe('baseline', () => {
  const traced = [access('/lib/x86_64-linux-gnu/libc.so.6', ['read']), access('/usr/sbin/nginx', ['exec'])];

  test('on by default: the article list, library accesses collapse into it, missing entries get "-"', () => {
    const profile = fold(traced, { baseline: true });
    expect(values(profile, 'BindReadOnlyPaths')).toEqual([
      '/dev/log',
      '/etc/alternatives',
      '/etc/bindresvport.blacklist',
      '/etc/ld.so.cache',
      '/etc/ld.so.conf',
      '/etc/ld.so.conf.d',
      '/etc/localtime',
      '/etc/ssl/certs',
      '/lib',
      '/lib64',
      '/run/systemd/journal/socket',
      '/run/systemd/journal/stdout',
      '/run/systemd/notify',
      '/usr/lib',
      '/usr/lib64',
      '/usr/sbin/nginx',
      '/usr/share/ca-certificates',
      '-/usr/share/common-licenses',
      '/usr/share/locale',
      '/usr/share/zoneinfo',
    ]);
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/lib')).toBe('baseline: dynamic libraries; read by pid 100 (line ' + traced[0].firstLine + '): /lib/x86_64-linux-gnu/libc.so.6');
    expect(reasonOf(profile, 'BindReadOnlyPaths', '/usr/share/common-licenses')).toMatch(/missing on this host/);
  });

  test('off: only what was traced', () => {
    const profile = fold(traced, { baseline: false });
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/lib/x86_64-linux-gnu', '/usr/sbin/nginx']);
  });

  test('with PrivateDevices= the journal socket replaces /dev/log; excludes apply to the baseline', () => {
    const profile = fold([access('/dev/null', ['write'])], { baseline: true, exclude: ['/etc/alternatives'] });
    const binds = values(profile, 'BindReadOnlyPaths');
    expect(binds).toContain('/run/systemd/journal/dev-log');
    expect(binds).not.toContain('/dev/log');
    expect(binds).not.toContain('/etc/alternatives');
    expect(omittedPaths(profile)).toContain('/etc/alternatives');
  });
});

describe('determinism', () => {
  test('the order of the accesses does not change the profile', () => {
    const list = [
      access('/etc/nginx/nginx.conf', ['read']),
      access('/var/log/nginx/access.log', ['write']),
      access('/usr/sbin/nginx', ['exec']),
      access('/etc/shadow', ['read']),
      access('/dev/null', ['write']),
      failed('/etc/ld.so.preload', ['read'], 'ENOENT'),
    ];
    const forward = fold(list, { baseline: true });
    const backward = fold([...list].reverse(), { baseline: true });
    expect(backward).toEqual(forward);
  });
});

describe("writes only where the service owns what it writes", () => {
  const identity = { names: ['nginx'], declared: [{ path: '/srv/data', by: "the unit's ReadWritePaths=/srv/data" }] };
  const helperWrites = () => [
    access('/var/lib/dpkg/status-new', ['create', 'write'], { firstPid: 300 }),
    access('/var/log/alternatives.log', ['create', 'write'], { firstPid: 300 }),
    access('/etc/alternatives/awk', ['create', 'delete'], { firstPid: 300 }),
  ];

  test('writes to system-wide places are not granted; they need consent, shown as system writes, with the Exec line', () => {
    const profile = fold(helperWrites(), { identity, describeWriter: (a) => (a.firstPid === 300 ? '`ExecStartPost=-/usr/bin/helper` will meet a read-only file system there' : undefined) });
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(values(profile, 'StateDirectory')).toEqual([]);
    expect(values(profile, 'LogsDirectory')).toEqual([]);
    expect(profile.needsConsent.map((n) => [n.path, n.directive, n.systemWrite])).toEqual([
      ['/etc/alternatives', 'BindPaths', true],
      ['/var/lib/dpkg', 'BindPaths', true],
      ['/var/log', 'BindPaths', true],
    ]);
    expect(profile.needsConsent[1].reason).toContain('`ExecStartPost=-/usr/bin/helper` will meet a read-only file system');
  });

  test('analyze, which knows no unit, never proposes StateDirectory= for the system state either', () => {
    const profile = fold(helperWrites());
    expect(values(profile, 'StateDirectory')).toEqual([]);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/etc/alternatives', '/var/lib/dpkg', '/var/log']);
  });

  test('--include grants a system-wide write explicitly', () => {
    const profile = fold(helperWrites(), { identity, include: ['/var/lib/dpkg'] });
    expect(values(profile, 'BindPaths')).toEqual(['-/var/lib/dpkg']);
  });

  test('named for the service, declared by the unit, owned by its User=, or an existing file it writes: writable', () => {
    const owned = memoryFsView({ ...DEBIAN, '/srv/spool/queue': 'dir', '/var/lib/other/data': 'file' }, { '/srv/spool/queue': { uid: 115 } });
    const profile = foldProfile(
      [
        access('/var/lib/nginx/body/1', ['create', 'write']),
        access('/srv/data/new.tmp', ['create', 'write']),
        access('/srv/spool/queue/job', ['create', 'write']),
        access('/var/lib/other/data', ['read', 'write']),
        access('/srv/www/uploads/x', ['create', 'write']),
      ],
      { ...NO_BASELINE, directoriesAsBinds: true, identity: { ...identity, uid: 115 } },
      owned,
    );
    expect(values(profile, 'BindPaths')).toEqual(['/srv/data', '/srv/spool/queue', '/var/lib/nginx', '/var/lib/other/data']);
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/srv/www/uploads']);
  });

  test('an existing file of the system state is not writable even when it exists', () => {
    const profile = fold([access('/etc/passwd', ['read', 'write'])], { identity });
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/passwd']);
    expect(profile.needsConsent.map((n) => [n.path, n.systemWrite])).toEqual([['/etc/passwd', true]]);
  });
});

describe('a listing is not a read', () => {
  test('a listed directory grants the names then used, never its subtree', () => {
    const profile = fold([access('/etc', ['list']), access('/etc/passwd', ['read']), access('/etc/nginx', ['list']), access('/etc/nginx/nginx.conf', ['read'])]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/nginx/nginx.conf', '/etc/passwd']);
    expect(values(profile, 'TemporaryFileSystem')).toEqual(['/:ro']);
  });

  test('a listed directory with nothing used in it is an empty stand-in', () => {
    const profile = fold([access('/etc/nginx/conf.d', ['list'])]);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual([]);
    expect(values(profile, 'TemporaryFileSystem')).toEqual(['/:ro', '/etc/nginx/conf.d:ro']);
  });

  test("inside the service's own directory, bound whole, a listed directory needs nothing of its own", () => {
    const profile = fold([access('/etc/nginx/nginx.conf', ['read']), access('/etc/nginx/conf.d', ['list'])], { serviceNames: ['nginx'] });
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/nginx']);
    expect(values(profile, 'TemporaryFileSystem')).toEqual(['/:ro']);
  });
});

describe('public directories read file by file', () => {
  const certs: Record<string, MemoryNode> = { '/etc/ssl/openssl.cnf': 'file', '/etc/ssl/private/host.key': 'file', '/data/app/secret/token': 'file' };
  for (let i = 0; i < 145; i++) {
    certs[`/etc/ssl/certs/c${i}.pem`] = { symlink: `/usr/share/ca-certificates/mozilla/c${i}.crt` };
    certs[`/usr/share/ca-certificates/mozilla/c${i}.crt`] = 'file';
  }
  // Debian's OpenSSL directory: its certs are a link to /etc/ssl/certs.
  certs['/usr/lib/ssl/certs'] = { symlink: '/etc/ssl/certs' };
  for (const name of ['a', 'b', 'c', 'd']) {
    certs[`/data/app/public/${name}.txt`] = 'file';
    certs[`/data/app/secret/${name}.txt`] = 'file';
    certs[`/data/app/closed/${name}.txt`] = 'file';
  }
  const tlsFs = memoryFsView(certs, { '/data/app/secret/token': { mode: 0o600 }, '/data/app/closed': { mode: 0o750 } });
  const reads = (paths: string[]) => paths.map((p) => access(p, ['read']));

  test('145 CA certificates fold into one bind of their directory, beside the config read next to it', () => {
    const paths = ['/etc/ssl/openssl.cnf', ...Array.from({ length: 145 }, (_, i) => `/etc/ssl/certs/c${i}.pem`)];
    const profile = foldProfile(reads(paths), NO_BASELINE, tlsFs);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/ssl/certs', '/etc/ssl/openssl.cnf', '/usr/share/ca-certificates']);
  });

  test('CA certificates read through a linked directory (/usr/lib/ssl/certs) fold where the links lead, not one bind each', () => {
    const paths = Array.from({ length: 145 }, (_, i) => `/usr/lib/ssl/certs/c${i}.pem`);
    const binds = values(foldProfile(reads(paths), NO_BASELINE, tlsFs), 'BindReadOnlyPaths');
    expect(binds).toContain('/etc/ssl/certs');
    expect(binds.filter((b) => b.startsWith('/etc/ssl/certs/'))).toEqual([]);
    expect(binds.length).toBeLessThan(6);
  });

  test('fewer reads than the threshold stay single files', () => {
    const profile = foldProfile(reads(['/etc/ssl/openssl.cnf', '/etc/ssl/certs/c1.pem', '/etc/ssl/certs/c2.pem']), NO_BASELINE, tlsFs);
    expect(values(profile, 'BindReadOnlyPaths')).toContain('/etc/ssl/certs/c1.pem');
    expect(values(profile, 'BindReadOnlyPaths')).not.toContain('/etc/ssl/certs');
  });

  test('a directory holding a secret, or closed to others, is not folded', () => {
    const names = ['a', 'b', 'c', 'd'];
    const open = foldProfile(reads(names.map((n) => `/data/app/public/${n}.txt`)), NO_BASELINE, tlsFs);
    expect(values(open, 'BindReadOnlyPaths')).toEqual(['/data/app/public']);
    const secret = foldProfile(reads(names.map((n) => `/data/app/secret/${n}.txt`)), NO_BASELINE, tlsFs);
    expect(values(secret, 'BindReadOnlyPaths')).toHaveLength(4);
    const closed = foldProfile(reads(names.map((n) => `/data/app/closed/${n}.txt`)), NO_BASELINE, tlsFs);
    expect(values(closed, 'BindReadOnlyPaths')).toHaveLength(4);
  });
});

describe("the service's own accounts: the users and groups its processes ran as", () => {
  // A daemon started as root that drops to user 120 / group 130 with a flag: no User= in the unit.
  const daemonFs = memoryFsView(
    {
      '/etc/daemon/key.pem': 'file',
      '/etc/other/key.pem': 'file',
      '/srv/daemon-work': 'dir',
      '/srv/other-work': 'dir',
      '/var/lib/nginx/body': 'dir',
      '/var/lib/nginx/proxy': 'dir',
      '/var/lib/nginx/html/index.html': 'file',
      '/etc/nginx/sites': 'dir',
      '/run': 'dir',
    },
    {
      '/etc/daemon/key.pem': { uid: 0, gid: 130, mode: 0o640 },
      '/etc/other/key.pem': { uid: 0, gid: 999, mode: 0o640 },
      '/srv/daemon-work': { uid: 0, gid: 130, mode: 0o775 },
      '/srv/other-work': { uid: 0, gid: 130, mode: 0o755 },
      '/var/lib/nginx/body': { uid: 33, gid: 0, mode: 0o700 },
      '/var/lib/nginx/proxy': { uid: 33, gid: 0, mode: 0o700 },
      '/etc/nginx/sites': { uid: 33, gid: 33, mode: 0o755 },
    },
  );
  const ranAs = { names: ['ftpd'], declared: [], ranAs: { uids: [120, 33], gids: [130] } };
  const foldWith = (accesses: Access[], identity?: FoldOptions['identity']) =>
    foldProfile(accesses, { ...NO_BASELINE, directoriesAsBinds: true, ...(identity ? { identity } : {}) }, daemonFs);

  test('a key readable only by root and its group is its own, a key of another group is a secret', () => {
    const accesses = [access('/etc/daemon/key.pem', ['read']), access('/etc/other/key.pem', ['read'])];
    const profile = foldWith(accesses, ranAs);
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/etc/daemon/key.pem']);
    expect(profile.needsConsent.map((n) => n.path)).toEqual(['/etc/other/key.pem']);
    const withoutAccounts = foldWith(accesses, { names: ['ftpd'], declared: [] });
    expect(withoutAccounts.needsConsent.map((n) => n.path)).toEqual(['/etc/daemon/key.pem', '/etc/other/key.pem']);
  });

  test('a directory of its group that the group may write is its own and writable; group-readable only is not', () => {
    const accesses = [access('/srv/daemon-work/upload.tmp', ['create', 'write']), access('/srv/other-work/x', ['create', 'write'])];
    const profile = foldWith(accesses, ranAs);
    expect(values(profile, 'BindPaths')).toEqual(['/srv/daemon-work']);
    expect(reasonOf(profile, 'BindPaths', '/srv/daemon-work')).toBeDefined();
    expect(profile.needsConsent.filter((n) => n.systemWrite).map((n) => n.path)).toEqual(['/srv/other-work']);
  });

  test('directories it tried to create (EEXIST) or its runtime user owns are writable, though never written', () => {
    const profile = foldWith(
      [
        failed('/var/lib/nginx/body', ['stat'], 'EEXIST'),
        access('/var/lib/nginx/proxy', ['stat']),
        access('/var/lib/nginx/html/index.html', ['read']),
        access('/etc/nginx/sites', ['list']),
        failed('/run', ['stat'], 'EEXIST'),
      ],
      { ...ranAs, names: ['nginx'] },
    );
    expect(values(profile, 'BindPaths')).toEqual(['/var/lib/nginx/body', '/var/lib/nginx/proxy']);
    expect(reasonOf(profile, 'BindPaths', '/var/lib/nginx/body')).toMatch(/tried to create it.*never wrote into it/);
    expect(reasonOf(profile, 'BindPaths', '/var/lib/nginx/proxy')).toMatch(/owned by the user the service runs as/);
    // mkdir -p walking through a shared place is no claim on it.
    expect(values(profile, 'BindPaths')).not.toContain('/run');
    // Configuration its user happens to own (postgres owns /etc/postgresql/15) is read, not written.
    expect(values(profile, 'BindPaths')).not.toContain('/etc/nginx/sites');
  });
});

describe('ways out of the sandbox', () => {
  test("systemd's private socket and the system bus are bound only with consent; the journal's socket needs none", () => {
    const sockets = memoryFsView({
      '/var/run': { symlink: '/run' },
      '/run/systemd/private': 'file',
      '/run/dbus/system_bus_socket': 'file',
      '/run/systemd/journal/socket': 'file',
    });
    const profile = foldProfile(
      [access('/run/systemd/private', ['connect']), access('/var/run/dbus/system_bus_socket', ['connect']), access('/run/systemd/journal/socket', ['connect'])],
      NO_BASELINE,
      sockets,
    );
    expect(values(profile, 'BindReadOnlyPaths')).toEqual(['/run/systemd/journal/socket']);
    // Reached through the /var/run link, as a program built before /run does.
    expect(profile.needsConsent.map((n) => n.path).sort()).toEqual(['/run/systemd/private', '/var/run/dbus/system_bus_socket']);
    expect(values(profile, 'BindReadOnlyPaths').filter((v) => v.includes('dbus'))).toEqual([]);
    expect(profile.needsConsent.find((n) => n.path === '/run/systemd/private')?.reason).toMatch(/start any unit/);
    const granted = foldProfile([access('/run/systemd/private', ['connect'])], { ...NO_BASELINE, include: ['/run/systemd/private'] }, sockets);
    expect(values(granted, 'BindReadOnlyPaths')).toEqual(['/run/systemd/private']);
  });
});

describe('a trace of a start under the sandbox', () => {
  test('mkdir -p of /var/log fails with EROFS where the host has it: the walk of mkdir -p, not a claim on /var (no bind of /var, no masks in it)', () => {
    const profile = fold([failed('/var', ['stat'], 'EEXIST'), failed('/var/log', ['create'], 'EROFS')]);
    expect(values(profile, 'BindReadOnlyPaths')).not.toContain('/var');
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(values(profile, 'InaccessiblePaths')).toEqual([]);
    expect(profile.needsConsent).toEqual([]);
  });
});

describe('--include follows links, and goes only as far as granted', () => {
  const keysFs = memoryFsView({
    '/etc/app/app.conf': 'file',
    '/etc/app/private/key.pem': { symlink: '/etc/ssl/private/app.key' },
    '/etc/ssl/private/app.key': 'file',
    '/etc/ssl/private/other.key': 'file',
  });

  test('a granted link grants exactly the file it leads to, also where the trace names that file directly', () => {
    const accesses = [
      access('/etc/app/app.conf', ['read']),
      access('/etc/app/private/key.pem', ['read']),
      // strace -y names the opened file by its real path as well.
      access('/etc/ssl/private/app.key', ['read']),
    ];
    const profile = foldProfile(accesses, { ...NO_BASELINE, include: ['/etc/app/private/*'], serviceNames: ['app'] }, keysFs);
    expect(profile.needsConsent).toEqual([]);
    const binds = values(profile, 'BindReadOnlyPaths');
    expect(binds).toContain('/etc/ssl/private/app.key');
    expect(binds.some((b) => b === '/etc/ssl/private' || b === '/etc/ssl')).toBe(false);
    expect(profile.granted?.map((g) => g.path)).toEqual(['/etc/ssl/private/app.key']);
    expect(profile.granted?.[0].glob).toContain('/etc/app/private/*');
  });

  test('without the grant, the target needs consent', () => {
    const profile = foldProfile([access('/etc/app/private/key.pem', ['read']), access('/etc/ssl/private/app.key', ['read'])], { ...NO_BASELINE, serviceNames: ['app'] }, keysFs);
    expect(profile.needsConsent.map((n) => n.path)).toContain('/etc/ssl/private/app.key');
    expect(profile.granted).toBeUndefined();
  });
});

describe('log files written directly in /var/log', () => {
  const logFs = memoryFsView(
    { '/var/log/ftpd.log': 'file', '/var/log/proxyd.log': 'file', '/var/log/daemon.log': 'file', '/var/log/other.log': 'file' },
    { '/var/log/ftpd.log': { mode: 0o640, gid: 4 }, '/var/log/proxyd.log': { mode: 0o640, gid: 4 } },
  );
  const rules = [
    ...parseLogrotate('/var/log/ftpd.log\n{\n\tcreate 640 root adm\n\t# no SIGHUP\n\tmissingok\n\tweekly\n}\n', '/etc/logrotate.d/ftpd'),
    ...parseLogrotate('/var/log/proxyd.log {\n  daily\n  copytruncate\n  postrotate\n    kill -HUP `cat /run/x.pid`\n  endscript\n}\n', '/etc/logrotate.d/proxyd'),
    ...parseLogrotate('"/var/log/daemon.log" /var/log/daemon-*.log {\n  postrotate\n    systemctl restart daemon.service >/dev/null\n  endscript\n}\n', '/etc/logrotate.d/daemon'),
  ];
  const identity = { names: ['ftpd', 'proxyd', 'daemon'], declared: [] };
  const appended = (path: string) => access(path, ['write', 'create']);
  const foldLogs = (paths: string[], extra: Partial<FoldOptions> = {}) =>
    foldProfile(paths.map(appended), { ...NO_BASELINE, directoriesAsBinds: true, identity, serviceNames: identity.names, logRules: rules, ...extra }, logFs);

  test('rotated by copytruncate or by a restart of the service: that one file is bound writable, nothing else of /var/log', () => {
    const profile = foldLogs(['/var/log/proxyd.log', '/var/log/daemon.log']);
    expect(values(profile, 'BindPaths')).toEqual(['/var/log/daemon.log', '/var/log/proxyd.log']);
    expect(reasonOf(profile, 'BindPaths', '/var/log/proxyd.log')).toMatch(/copytruncate/);
    expect(reasonOf(profile, 'BindPaths', '/var/log/daemon.log')).toMatch(/restarts the service/);
    expect(profile.needsConsent).toEqual([]);
  });

  test('rotated by renaming: refused with the narrowest grant named, never the directory', () => {
    const profile = foldLogs(['/var/log/ftpd.log']);
    expect(values(profile, 'BindPaths')).toEqual([]);
    expect(profile.needsConsent).toEqual([expect.objectContaining({ path: '/var/log/ftpd.log', directive: 'BindPaths', systemWrite: true })]);
    expect(profile.needsConsent[0].reason).toMatch(/renaming it.*new log stays empty.*--include '\/var\/log\/ftpd\.log'/);
    const granted = foldLogs(['/var/log/ftpd.log'], { include: ['/var/log/ftpd.log'] });
    expect(values(granted, 'BindPaths')).toEqual(['/var/log/ftpd.log']);
  });

  test('a log no rule rotates is bound alone as well', () => {
    expect(values(foldLogs(['/var/log/other.log']), 'BindPaths')).toEqual(['/var/log/other.log']);
  });
});

describe('what the fold refuses stays hidden under a directory bound whole', () => {
  test('a private key the trace saw inside system code bound whole (not walked for secrets) is masked, not only listed as refused', () => {
    const dir = '/usr/local/share/pkg';
    const key = `${dir}/test.key`;
    const host = memoryFsView(
      { [`${dir}/a.txt`]: 'file', [`${dir}/b.txt`]: 'file', [key]: 'file' },
      { [key]: { uid: 0, gid: 0, mode: 0o644, head: '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n' } },
    );
    const profile = foldProfile([access(dir, ['list']), access(`${dir}/a.txt`, ['stat']), access(`${dir}/b.txt`, ['stat']), access(key, ['stat'])], NO_BASELINE, host);
    expect(values(profile, 'BindReadOnlyPaths')).toContain(dir);
    expect(profile.needsConsent.map((n) => n.path)).toEqual([key]);
    expect(values(profile, 'InaccessiblePaths')).toEqual([`-${key}`]);
    // Granted, it is neither refused nor masked.
    const granted = foldProfile([access(dir, ['list']), access(key, ['stat'])], { ...NO_BASELINE, include: [key] }, host);
    expect(values(granted, 'InaccessiblePaths')).toEqual([]);
  });
});
