import { describe, expect, test } from '@jest/globals';
import { auditService, auditSubjectOf, describeExposure, describeViolation, exposureOf, socketUnitPaths, socketUnitsOf, hostPathOf, type AuditCredentials, type AuditEntry, type AuditMount, type AuditSubject } from './audit.js';
import { unitInfoFromText } from '../unit-file/unitfile.js';

const e = (path: string, type: AuditEntry['type'], mode: number, uid = 0, gid = 0): AuditEntry => ({ path, type, mode, uid, gid });
const m = (path: string, device: string, root: string, readOnly: boolean, fstype = 'ext4'): AuditMount => ({ path, device, root, readOnly, fstype, source: fstype === 'tmpfs' ? 'tmpfs' : '/dev/sda1' });

const ROOT: AuditCredentials = { uid: 0, gid: 0, groups: [], dacOverride: true };
const REDIS: AuditCredentials = { uid: 101, gid: 103, groups: [103], dacOverride: false };

/** The systemd the services run under: an ext4 root and a tmpfs /run. */
const HOST = [m('/', '8:1', '/', false), m('/run', '0:25', '/', false, 'tmpfs'), m('/run/user/1000', '0:60', '/', false, 'tmpfs')];

function subject(unit: string, extra: Partial<AuditSubject> = {}): AuditSubject {
  return { unit, declared: [], names: [unit.replace(/\.service$/, '')], privateTmp: false, ...extra };
}

/** What an empty read-only root with binds looks like in /proc/PID/mountinfo. */
const EMPTY_ROOT = m('/', '0:99', '/', true, 'tmpfs');

describe('hostPathOf', () => {
  test('a bind from elsewhere maps back to its host path; a private tmpfs has none', () => {
    const mounts = [EMPTY_ROOT, m('/run', '0:25', '/nginx-private-run', false, 'tmpfs'), m('/usr', '8:1', '/usr', true)];
    expect(hostPathOf('/run/nginx.pid', mounts, HOST)).toBe('/run/nginx-private-run/nginx.pid');
    expect(hostPathOf('/run', mounts, HOST)).toBe('/run/nginx-private-run');
    expect(hostPathOf('/usr/bin/env', mounts, HOST)).toBe('/usr/bin/env');
    expect(hostPathOf('/etc', mounts, HOST)).toBeUndefined();
    // A disk filesystem the host's mounts do not show is not taken for a private one.
    expect(hostPathOf('/srv/x', [...mounts, m('/srv', '9:9', '/', false)], HOST)).toBe('/srv/x');
  });
});

describe('auditService', () => {
  test('a root service with the whole /run writable: /run, systemd and other sockets, a secret; own and private places are not violations', () => {
    const mounts = [
      EMPTY_ROOT,
      m('/usr', '8:1', '/usr', true),
      m('/etc/nginx', '8:1', '/etc/nginx', true),
      m('/etc/ssl', '8:1', '/etc/ssl', true),
      m('/run', '0:25', '/', false, 'tmpfs'),
      m('/var/log/nginx', '8:1', '/var/log/nginx', false),
      m('/tmp', '8:1', '/tmp/systemd-private-abc-nginx.service-x/tmp', false),
    ];
    const seen = [
      e('/etc', 'd', 0o755),
      e('/etc/nginx', 'd', 0o755),
      e('/etc/nginx/nginx.conf', 'f', 0o644),
      e('/etc/ssl', 'd', 0o755),
      e('/etc/ssl/certs', 'd', 0o755),
      e('/etc/ssl/private', 'd', 0o710),
      e('/etc/ssl/private/site.pem', 'f', 0o640),
      e('/etc/ssl/private/other.pem', 'f', 0o640),
      e('/usr', 'd', 0o755),
      e('/usr/sbin', 'd', 0o755),
      e('/usr/sbin/nginx', 'f', 0o755),
      e('/run', 'd', 0o755),
      e('/run/nginx.pid', 'f', 0o644),
      e('/run/systemd', 'd', 0o755),
      e('/run/systemd/private', 's', 0o600),
      e('/run/systemd/notify', 's', 0o777),
      e('/run/systemd/journal', 'd', 0o755),
      e('/run/systemd/journal/socket', 's', 0o666),
      e('/run/dbus', 'd', 0o755),
      e('/run/dbus/system_bus_socket', 's', 0o666),
      e('/run/postgresql', 'd', 0o2775, 114, 121),
      e('/run/postgresql/.s.PGSQL.5432', 's', 0o777, 114, 121),
      e('/tmp', 'd', 0o1777),
      e('/tmp/scratch', 'f', 0o644),
      e('/var', 'd', 0o755),
      e('/var/log', 'd', 0o755),
      e('/var/log/nginx', 'd', 0o755, 33),
      e('/var/log/nginx/access.log', 'f', 0o640, 33),
    ];
    const audit = auditService({ subject: subject('nginx.service', { privateTmp: true }), pid: 42, seen, mounts, hostMounts: HOST, credentials: ROOT });
    expect(audit.clean).toBe(false);
    expect(audit.violations.map((v) => [v.kind, v.path, v.entries, v.canWrite])).toEqual([
      ['socket', '/run/dbus/system_bus_socket', 1, true],
      ['socket', '/run/postgresql/.s.PGSQL.5432', 1, true],
      ['socket', '/run/systemd/private', 1, true],
      ['secret', '/etc/ssl/private', 2, false],
      // Everything writable below /run counts under it: the directories and the pid file, not the sockets.
      ['writable', '/run', 6, true],
    ]);
    expect(audit.violations.find((v) => v.path === '/run/systemd/private')!.why).toMatch(/start any unit/);
    expect(audit.violations.find((v) => v.path === '/run/dbus/system_bus_socket')!.why).toMatch(/D-Bus/);
    // /usr is the system's; /etc/nginx and /var/log/nginx are named for the unit; /tmp is its
    // PrivateTmp; the stand-in directories of the empty root (/etc, /var, /var/log) are nobody else's.
    expect(audit.own.map((o) => o.path)).toEqual(['/etc/nginx', '/tmp', '/var/log/nginx']);
    expect(audit.visible).toBe(seen.length);
    expect(audit.outside).toBe(16);
    expect(audit.outsideByDirectory.slice(0, 2)).toEqual([{ dir: '/etc/ssl', entries: 5 }, { dir: '/run/systemd', entries: 5 }]);
    expect(describeViolation(audit.violations[4])).toBe(`writable /run, 6 entries: ${audit.violations[4].why}`);
  });

  test('a secret granted by --include is listed as granted; one not granted next to it stays a violation', () => {
    const mounts = [EMPTY_ROOT, m('/usr', '8:1', '/usr', true), m('/etc/ssl/private/site.pem', '8:1', '/etc/ssl/private/site.pem', true), m('/etc/ssl/private/other.pem', '8:1', '/etc/ssl/private/other.pem', true)];
    const seen = [e('/etc', 'd', 0o755), e('/etc/ssl', 'd', 0o755), e('/etc/ssl/private', 'd', 0o755), e('/etc/ssl/private/site.pem', 'f', 0o640), e('/etc/ssl/private/other.pem', 'f', 0o640)];
    const granted = [{ path: '/etc/ssl/private/site.pem', by: "--include /etc/site/private/* (through the link /etc/site/private/key.pem)" }];
    const audit = auditService({ subject: subject('site.service'), pid: 5, seen, mounts, hostMounts: HOST, credentials: ROOT, granted });
    expect(audit.granted).toEqual([{ path: '/etc/ssl/private/site.pem', why: expect.stringContaining('granted by --include /etc/site/private/*') }]);
    expect(audit.violations.map((v) => [v.kind, v.path, v.entries])).toEqual([['secret', '/etc/ssl/private', 1]]);
    const onlyGranted = auditService({ subject: subject('site.service'), pid: 5, seen: seen.filter((x) => !x.path.endsWith('other.pem')), mounts, hostMounts: HOST, credentials: ROOT, granted });
    expect(onlyGranted.clean).toBe(true);
  });

  test('a private /run of its own behind BindPaths=/run/x-private:/run, with the journal and notify sockets bound into it: clean', () => {
    const mounts = [
      EMPTY_ROOT,
      m('/usr', '8:1', '/usr', true),
      m('/run', '0:25', '/nginx-private-run', false, 'tmpfs'),
      m('/run/systemd/notify', '0:25', '/systemd/notify', false, 'tmpfs'),
      m('/run/systemd/journal/socket', '0:25', '/systemd/journal/socket', false, 'tmpfs'),
    ];
    const seen = [
      e('/usr', 'd', 0o755),
      e('/run', 'd', 0o755),
      e('/run/nginx.pid', 'f', 0o644),
      e('/run/systemd', 'd', 0o755),
      e('/run/systemd/notify', 's', 0o777),
      e('/run/systemd/journal', 'd', 0o755),
      e('/run/systemd/journal/socket', 's', 0o666),
    ];
    const unit = unitInfoFromText('Id=nginx.service\nRuntimeDirectory=nginx-private-run\n', '');
    const audit = auditService({ subject: auditSubjectOf(unit), pid: 7, seen, mounts, hostMounts: HOST, credentials: ROOT });
    expect(audit.violations).toEqual([]);
    expect(audit.clean).toBe(true);
    expect(audit.own).toEqual([{ path: '/run', why: 'RuntimeDirectory=nginx-private-run' }]);
    // Only the two sockets every service gets are counted.
    expect(audit.outside).toBe(2);
    expect(audit.outsideByDirectory).toEqual([{ dir: '/run/systemd', entries: 2 }]);
  });

  test("a directory named for the package that ships the unit (samba's /run/samba for smbd.service) is its own, as the fold binds it", () => {
    const mounts = [EMPTY_ROOT, m('/usr', '8:1', '/usr', true), m('/run/samba', '0:25', '/samba', false, 'tmpfs')];
    const seen = [e('/usr', 'd', 0o755), e('/run', 'd', 0o755), e('/run/samba', 'd', 0o755), e('/run/samba/msg.sock', 'd', 0o700), e('/run/samba/msg.sock/129', 's', 0o700)];
    const unit = unitInfoFromText('Id=smbd.service\n', '');
    const asUnitName = auditService({ subject: auditSubjectOf(unit), pid: 7, seen, mounts, hostMounts: HOST, credentials: ROOT });
    expect(asUnitName.violations.map((v) => [v.kind, v.path])).toContainEqual(['socket', '/run/samba/msg.sock/129']);
    const withPackage = auditService({ subject: auditSubjectOf(unit, [], 'samba'), pid: 7, seen, mounts, hostMounts: HOST, credentials: ROOT });
    expect(withPackage.violations).toEqual([]);
    expect(withPackage.own).toContainEqual({ path: '/run/samba', why: 'named for smbd.service' });
  });

  test('the same sockets bound from the host /run are judged by their host paths: expected ones pass, others do not', () => {
    const mounts = [
      EMPTY_ROOT,
      m('/run/systemd/journal/stdout', '0:25', '/systemd/journal/stdout', false, 'tmpfs'),
      m('/run/systemd/userdb', '0:25', '/systemd/userdb', false, 'tmpfs'),
      m('/run/systemd/oom', '0:25', '/systemd', false, 'tmpfs'),
    ];
    const seen = [
      e('/run', 'd', 0o755),
      e('/run/systemd', 'd', 0o755),
      e('/run/systemd/journal', 'd', 0o755),
      e('/run/systemd/journal/stdout', 's', 0o666),
      e('/run/systemd/userdb', 'd', 0o755),
      e('/run/systemd/userdb/io.systemd.DynamicUser', 's', 0o666),
      e('/run/systemd/oom', 'd', 0o755),
      // Bound from elsewhere: judged by its host path, /run/systemd/io.system.ManagedOOM.
      e('/run/systemd/oom/io.system.ManagedOOM', 's', 0o666),
    ];
    const audit = auditService({ subject: subject('memcached.service'), pid: 7, seen, mounts, hostMounts: HOST, credentials: REDIS });
    // The journal and the user lookups (nss-systemd) are expected; the OOM killer's socket is not.
    expect(audit.violations.map((v) => [v.kind, v.path, v.hostPath])).toEqual([['socket', '/run/systemd/oom/io.system.ManagedOOM', '/run/systemd/io.system.ManagedOOM']]);
    expect(audit.violations[0].why).toMatch(/systemd's/);
    // A non-root user cannot write the root-owned bound directory: no writable violation.
    expect(audit.violations.some((v) => v.kind === 'writable')).toBe(false);
  });

  test('/run reached twice (bound at /run and at /var/run): sockets judged by their host path, each reported once', () => {
    const mounts = [EMPTY_ROOT, m('/run', '0:25', '/', true, 'tmpfs'), m('/var/run', '0:25', '/', true, 'tmpfs')];
    const seen = [
      e('/run', 'd', 0o755),
      e('/run/systemd', 'd', 0o755),
      e('/run/systemd/notify', 's', 0o777),
      e('/run/systemd/private', 's', 0o600),
      e('/var', 'd', 0o755),
      e('/var/run', 'd', 0o755),
      e('/var/run/systemd', 'd', 0o755),
      e('/var/run/systemd/notify', 's', 0o777),
      e('/var/run/systemd/private', 's', 0o600),
    ];
    seen.push(e('/etc', 'd', 0o755), e('/etc/cron.d', 'd', 0o755), e('/etc/cron.d/job', 'f', 0o644), e('/etc/crontab', 'f', 0o644));
    mounts.push(m('/etc/cron.d', '8:1', '/etc/cron.d', true), m('/etc/crontab', '8:1', '/etc/crontab', true));
    // With /run writable, the unit's drop-in directory is systemd's, not its own, whatever its name,
    // also when reached through /var/run.
    seen.push(e('/run/systemd/system', 'd', 0o755), e('/run/systemd/system/cron.service.d', 'd', 0o755), e('/run/systemd/system/cron.service.d/x.conf', 'f', 0o666));
    seen.push(e('/var/run/systemd/propagate', 'd', 0o755), e('/var/run/systemd/propagate/cron.service', 'd', 0o777));
    mounts.push(m('/run/systemd/system', '0:25', '/systemd/system', false, 'tmpfs'), m('/var/run/systemd/propagate', '0:25', '/systemd/propagate', false, 'tmpfs'));
    const audit = auditService({ subject: subject('cron.service'), pid: 7, seen, mounts, hostMounts: HOST, credentials: REDIS });
    // A directory named for the unit with a suffix is its own; a file directly in /etc is not.
    expect(audit.own.map((o) => o.path)).toEqual(['/etc/cron.d']);
    expect(audit.outsideByDirectory.find((d) => d.dir === '/etc/crontab')).toEqual({ dir: '/etc/crontab', entries: 1 });
    expect(audit.violations.map((v) => [v.kind, v.path, v.canWrite])).toEqual([
      ['socket', '/run/systemd/private', false],
      ['writable', '/run/systemd/system/cron.service.d/x.conf', true],
      ['writable', '/var/run/systemd/propagate/cron.service', true],
    ]);
    expect(audit.violations[0].why).toMatch(/leave the sandbox/);
  });

  test("a non-root service: what its user owns is its own, another's world-writable file is not, a read-only secret still counts", () => {
    const mounts = [EMPTY_ROOT, m('/etc', '8:1', '/etc', true), m('/srv', '8:1', '/srv', false)];
    const seen = [
      e('/etc', 'd', 0o755),
      e('/etc/shadow', 'f', 0o640, 0, 42),
      e('/etc/redis', 'd', 0o2770, 101, 103),
      e('/etc/redis/redis.conf', 'f', 0o640, 101, 103),
      e('/srv', 'd', 0o755),
      e('/srv/cache', 'd', 0o755, 101, 103),
      e('/srv/cache/blob', 'f', 0o644, 101, 103),
      e('/srv/shared.log', 'f', 0o666, 1000, 1000),
      e('/srv/locked', 'f', 0o644, 1000, 1000),
    ];
    const audit = auditService({ subject: subject('redis-server.service', { names: ['redis-server', 'redis'] }), pid: 9, seen, mounts, hostMounts: HOST, credentials: REDIS });
    expect(audit.violations.map((v) => [v.kind, v.path, v.canWrite])).toEqual([
      ['secret', '/etc/shadow', false],
      ['writable', '/srv/shared.log', true],
    ]);
    // /etc/redis is named for the unit (and its user's); /srv/cache is owned by its user.
    expect(audit.own.map((o) => o.path)).toEqual(['/etc/redis', '/srv/cache']);
    // Not counted: /etc/redis and /srv/cache (own). Counted: /etc, /etc/shadow, /srv, shared.log, locked.
    expect(audit.outside).toBe(5);
  });

  test("a daemon that drops to its own user: a directory its group may write is its own, one its group may only read is not counted as its own", () => {
    const BIND: AuditCredentials = { uid: 104, gid: 106, groups: [106], dacOverride: false };
    const mounts = [EMPTY_ROOT, m('/var/cache/bind', '8:1', '/var/cache/bind', false), m('/srv', '8:1', '/srv', false)];
    const seen = [
      e('/var', 'd', 0o755),
      e('/var/cache', 'd', 0o755),
      e('/var/cache/bind', 'd', 0o775, 0, 106),
      e('/srv', 'd', 0o755),
      e('/srv/readonly-for-group', 'd', 0o755, 0, 106),
    ];
    const audit = auditService({ subject: subject('named.service'), pid: 9, seen, mounts, hostMounts: HOST, credentials: BIND });
    expect(audit.own.map((o) => o.path)).toEqual(['/var/cache/bind']);
    expect(audit.violations).toEqual([]);
  });

  test('the account rule of the fold: nobody/nogroup own nothing, a group-writable file or a supplementary group makes nothing its own', () => {
    const NOBODY: AuditCredentials = { uid: 65534, gid: 65534, groups: [65534, 111], dacOverride: false };
    const mounts = [EMPTY_ROOT, m('/srv', '8:1', '/srv', false)];
    const seen = [
      e('/srv', 'd', 0o755),
      e('/srv/nobodys', 'd', 0o755, 65534, 65534),
      e('/srv/nogroup', 'd', 0o775, 0, 65534),
      e('/srv/ssl-cert', 'd', 0o775, 0, 111),
      e('/srv/file-of-its-group', 'f', 0o664, 0, 65534),
    ];
    const audit = auditService({ subject: subject('dnsd.service'), pid: 9, seen, mounts, hostMounts: HOST, credentials: NOBODY });
    expect(audit.own).toEqual([]);
    expect(audit.violations.map((v) => v.path)).toEqual(['/srv/file-of-its-group', '/srv/nobodys', '/srv/nogroup', '/srv/ssl-cert']);
  });

  test('a group-writable file of its primary group is not its own; the directory beside it is', () => {
    const BIND: AuditCredentials = { uid: 104, gid: 106, groups: [106], dacOverride: false };
    const mounts = [EMPTY_ROOT, m('/srv', '8:1', '/srv', false)];
    const seen = [e('/srv', 'd', 0o755), e('/srv/zones', 'd', 0o775, 0, 106), e('/srv/keys.db', 'f', 0o664, 0, 106)];
    const audit = auditService({ subject: subject('named.service'), pid: 9, seen, mounts, hostMounts: HOST, credentials: BIND });
    expect(audit.own.map((o) => [o.path, o.why])).toEqual([['/srv/zones', "writable by the service's group (gid 106)"]]);
    expect(audit.violations.map((v) => v.path)).toEqual(['/srv/keys.db']);
  });

  test('ReadWritePaths= and *Directory= of the unit are its own; the system trees are not counted', () => {
    const unit = unitInfoFromText('Id=app.service\nReadWritePaths=-/srv/data\nStateDirectory=app-state\nUser=app\n', '');
    const s = auditSubjectOf(unit);
    expect(s.declared).toEqual(
      expect.arrayContaining([
        { path: '/srv/data', why: 'ReadWritePaths=/srv/data' },
        { path: '/var/lib/app-state', why: 'StateDirectory=app-state' },
        { path: '/var/lib/private/app-state', why: 'StateDirectory=app-state' },
      ]),
    );
    const mounts = [EMPTY_ROOT, m('/srv/data', '8:1', '/srv/data', false), m('/usr', '8:1', '/usr', true), m('/lib64', '8:1', '/lib64', true), m('/etc/hostname', '8:1', '/etc/hostname', true)];
    const seen = [e('/etc', 'd', 0o755), e('/etc/hostname', 'f', 0o644), e('/srv', 'd', 0o755), e('/srv/data', 'd', 0o777), e('/srv/data/x', 'f', 0o666), e('/usr', 'd', 0o755), e('/usr/bin', 'd', 0o755), e('/lib64', 'l', 0o777), e('/proc', 'd', 0o555), e('/dev', 'd', 0o755), e('/dev/null', 'c', 0o666)];
    const audit = auditService({ subject: s, pid: 3, seen, mounts, hostMounts: HOST, credentials: REDIS });
    expect(audit.clean).toBe(true);
    // Only /etc/hostname: /srv/data is declared, /usr, /lib64, /proc, /dev are the system's, and /etc
    // and /srv are stand-in directories on the empty root.
    expect(audit.outside).toBe(1);
    expect(audit.outsideByDirectory).toEqual([{ dir: '/etc/hostname', entries: 1 }]);
  });

  test('a service on the host root (no lockdown): the whole root is one writable violation with everything under it', () => {
    const seen = [e('/etc', 'd', 0o755), e('/etc/passwd', 'f', 0o644), e('/var', 'd', 0o755), e('/var/lib', 'd', 0o755)];
    const audit = auditService({ subject: subject('x.service'), pid: 3, seen, mounts: HOST, hostMounts: HOST, credentials: ROOT });
    expect(audit.violations.map((v) => [v.kind, v.path, v.entries])).toEqual([
      ['writable', '/etc', 2],
      ['writable', '/var', 2],
    ]);
    expect(audit.outside).toBe(4);
  });
});

describe("systemd's own plumbing in the namespace", () => {
  test('the propagation directory bound to /run/systemd/incoming is not counted as something of the host', () => {
    const unit = 'sleeper.service';
    const mounts = [EMPTY_ROOT, m('/usr', '8:1', '/usr', true), m('/run/systemd/incoming', '0:25', `/systemd/propagate/${unit}`, true, 'tmpfs')];
    const seen = [e('/run', 'd', 0o755), e('/run/systemd', 'd', 0o755), e('/run/systemd/incoming', 'd', 0o755), e('/usr', 'd', 0o755)];
    const report = auditService({ subject: subject(unit), pid: 7, seen, mounts, hostMounts: HOST, credentials: ROOT });
    expect(report.outside).toBe(0);
    expect(report.clean).toBe(true);
    // The same directory bound from anywhere else is the host's, and counted.
    const other = [EMPTY_ROOT, m('/run/systemd/incoming', '0:25', '/somewhere', true, 'tmpfs')];
    expect(auditService({ subject: subject(unit), pid: 7, seen, mounts: other, hostMounts: HOST, credentials: ROOT }).outside).toBe(1);
  });
});

describe("the unit's own sockets", () => {
  test("a syslog daemon handed /run/systemd/journal/syslog by its own syslog.socket: its own, not systemd's; systemd's private socket still is a violation", () => {
    const unit = unitInfoFromText(
      'Id=rsyslog.service\nNames=rsyslog.service syslog.service\nLoadState=loaded\nType=notify\nTriggeredBy=syslog.socket\n',
      '# /lib/systemd/system/rsyslog.service\n[Service]\nExecStart=/usr/sbin/rsyslogd -n -iNONE\n',
    );
    expect(socketUnitsOf(unit)).toEqual(['syslog.socket']);
    const sockets = socketUnitPaths('syslog.socket', ['/run/systemd/journal/syslog (Datagram)', '0.0.0.0:514 (Stream)', '@abstract (Stream)']);
    expect(sockets.map((s) => s.path)).toEqual(['/run/systemd/journal/syslog']);
    const mounts = [EMPTY_ROOT, m('/usr', '8:1', '/usr', true), m('/run/systemd', '0:25', '/systemd', true, 'tmpfs')];
    const seen = [
      e('/run', 'd', 0o755),
      e('/run/systemd', 'd', 0o755),
      e('/run/systemd/journal', 'd', 0o755),
      e('/run/systemd/journal/syslog', 's', 0o666),
      e('/run/systemd/private', 's', 0o600),
    ];
    const audit = auditService({ subject: auditSubjectOf(unit, sockets), pid: 5, seen, mounts, hostMounts: HOST, credentials: ROOT });
    expect(audit.violations.map((v) => `${v.kind} ${v.path}`)).toEqual(['socket /run/systemd/private']);
    expect(audit.own).toEqual(expect.arrayContaining([{ path: '/run/systemd/journal/syslog', why: 'ListenDatagram= of syslog.socket, the unit\'s own socket' }]));
  });
});

describe('before and after', () => {
  test("four numbers of the audit: outside entries, writable places, sockets, secret files", () => {
    const v = (kind: 'writable' | 'socket' | 'secret', entries: number) => ({ kind, path: `/x/${kind}${entries}`, hostPath: null, entries, canWrite: true, why: '' });
    const audit = { unit: 'a.service', pid: 1, uid: 0, clean: false, visible: 900, outside: 802, outsideByDirectory: [], own: [], violations: [v('writable', 60), v('socket', 1), v('socket', 1), v('secret', 3), v('secret', 2)] };
    const before = exposureOf(audit);
    expect(before).toEqual({ outside: 802, writable: 1, sockets: 2, secrets: 5 });
    expect(describeExposure(before, { outside: 12, writable: 0, sockets: 0, secrets: 0 })).toEqual([
      '   802 → 12     entries visible outside the system trees',
      '     1 → 0      host places it can write',
      "     2 → 0      other services' and systemd's sockets",
      '     5 → 0      secrets it can see',
    ]);
    expect(describeExposure(null, before)[0]).toBe('     ? → 802    entries visible outside the system trees');
  });
});
