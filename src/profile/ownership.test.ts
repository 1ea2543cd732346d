import { describe, expect, test } from '@jest/globals';
import { accountOwnership, accountsOf, declaredWritable, ownedByServiceAccount, ownReason } from './ownership.js';

const redis = { names: ['redis-server', 'redis'], declared: declaredWritable((s) => ({ ReadWritePaths: ['-/var/lib/redis', '/srv/dumps'], RuntimeDirectory: ['redis'] })[s] ?? []), uid: 110 };
const dir = (path: string, ownerUid?: number) => ({ path, existingFile: false, ...(ownerUid !== undefined ? { ownerUid } : {}) });

describe('ownership of written paths', () => {
  test('declared by the unit or named for it', () => {
    expect(ownReason(dir('/srv/dumps/x'), redis)).toMatch(/ReadWritePaths=\/srv\/dumps/);
    expect(ownReason(dir('/run/redis'), redis)).toMatch(/RuntimeDirectory=redis/);
    expect(ownReason(dir('/var/log/redis'), redis)).toMatch(/named for the service/);
  });

  test("owned by the unit's User= (not root)", () => {
    expect(ownReason(dir('/srv/queue', 110), redis)).toMatch(/User=/);
    expect(ownReason(dir('/srv/queue', 0), { ...redis, uid: 0 })).toBeUndefined();
  });

  test('shared places as a whole and the system state never, even for root', () => {
    for (const path of ['/run', '/var/log', '/var/lib', '/etc', '/usr', '/tmp']) expect(ownReason(dir(path, 110), redis)).toBeUndefined();
    expect(ownReason(dir('/var/lib/dpkg'), redis)).toBeUndefined();
    expect(ownReason({ path: '/etc/alternatives/awk', existingFile: true }, redis)).toBeUndefined();
    expect(ownReason(dir('/var/lib/dpkg'), undefined)).toBeUndefined();
  });

  test('an existing file written in place outside the system state is its own', () => {
    expect(ownReason({ path: '/srv/data/db.sqlite', existingFile: true }, redis)).toMatch(/existing file/);
    expect(ownReason(dir('/srv/data'), redis)).toBeUndefined();
  });
});

describe('the accounts a service ran as', () => {
  const identity = { names: ['dnsd'], declared: [], ranAs: { uids: [65534, 120], gids: [65534, 130] } };
  const dirOf = (uid: number, gid: number, mode: number) => ({ uid, gid, mode, directory: true });

  test('nobody and root own nothing for a service, however it ran', () => {
    expect(ownedByServiceAccount(dirOf(65534, 65534, 0o770), identity, 'write')).toBeUndefined();
    expect(ownedByServiceAccount(dirOf(0, 0, 0o770), identity, 'write')).toBeUndefined();
    expect(ownedByServiceAccount(dirOf(120, 0, 0o700), identity, 'write')).toBe('owned by the user the service runs as');
    expect(ownedByServiceAccount(dirOf(0, 130, 0o750), identity, 'write')).toBeUndefined();
    expect(ownedByServiceAccount(dirOf(0, 130, 0o770), identity, 'write')).toBe('owned by the group the service runs as');
  });

  test("a unit's User=nobody or User=root owns nothing either", () => {
    expect(ownReason(dir('/srv/queue', 65534), { ...redis, uid: 65534 })).toBeUndefined();
    expect(ownReason(dir('/srv/queue', 0), { ...redis, uid: 0 })).toBeUndefined();
    expect(ownReason(dir('/srv/queue', 110), redis)).toBe("owned by the unit's User=");
  });

  test('a group-writable directory of its group is its own to write into; a group-writable file is not', () => {
    const facts = { ownerUid: 0, ownerGid: 130, mode: 0o664 };
    expect(ownReason({ path: '/srv/spool', existingFile: false, ...facts, mode: 0o775 }, identity)).toBe('owned by the group the service runs as');
    // Written in place, a file outside the system state is still its own, but not by its group.
    expect(ownReason({ path: '/srv/spool.db', existingFile: true, ...facts }, identity)).toMatch(/existing file/);
    expect(ownReason({ path: '/etc/zones/zones.db', existingFile: true, ...facts }, identity)).toBeUndefined();
  });

  test('a group-readable file of its group is kept for it (read), whatever the directory rule for writing', () => {
    expect(ownedByServiceAccount({ uid: 0, gid: 130, mode: 0o640, directory: false }, identity, 'read')).toBe('owned by the group the service runs as');
    expect(ownedByServiceAccount({ uid: 0, gid: 130, mode: 0o600, directory: false }, identity, 'read')).toBeUndefined();
  });
});

describe('accountOwnership: the one rule the fold, the secrets and the audit share', () => {
  const accounts = { uids: [120], gids: [130] };
  const entry = (uid: number, gid: number, mode: number, directory = true) => ({ uid, gid, mode, directory });

  test('nobody and nogroup are nobody\'s own, even for a service that runs as them', () => {
    const asNobody = { uids: [65534], gids: [65534] };
    expect(accountOwnership(entry(65534, 65534, 0o770), asNobody, 'write')).toBeUndefined();
    expect(accountOwnership(entry(65534, 65534, 0o640, false), asNobody, 'read')).toBeUndefined();
  });

  test('root and the root group are nobody\'s own, even for a service that runs as root', () => {
    const asRoot = { uids: [0], gids: [0] };
    expect(accountOwnership(entry(0, 0, 0o775), asRoot, 'write')).toBeUndefined();
    expect(accountOwnership(entry(0, 0, 0o640, false), asRoot, 'read')).toBeUndefined();
  });

  test('its user owns files and directories alike', () => {
    expect(accountOwnership(entry(120, 0, 0o600, false), accounts, 'write')).toEqual({ by: 'user', uid: 120 });
    expect(accountOwnership(entry(120, 0, 0o700), accounts, 'write')).toEqual({ by: 'user', uid: 120 });
  });

  test('a directory of its primary group counts when the group may write it', () => {
    expect(accountOwnership(entry(0, 130, 0o775), accounts, 'write')).toEqual({ by: 'group', gid: 130 });
    expect(accountOwnership(entry(0, 130, 0o755), accounts, 'write')).toBeUndefined();
  });

  test('a group-writable file of its group is not its own to write', () => {
    expect(accountOwnership(entry(0, 130, 0o664, false), accounts, 'write')).toBeUndefined();
    expect(accountOwnership(entry(0, 130, 0o640, false), accounts, 'read')).toEqual({ by: 'group', gid: 130 });
  });

  test('a supplementary group is shared by design: not counted (the accounts hold primary groups only)', () => {
    const identity = { names: ['nginx'], declared: [], uid: 33, ranAs: { uids: [33], gids: [33] } };
    // ssl-cert (gid 111) may be a supplementary group of the service: never in its accounts.
    expect(accountsOf(identity)).toEqual({ uids: [33, 33], gids: [33] });
    expect(accountOwnership(entry(0, 111, 0o770), accountsOf(identity), 'write')).toBeUndefined();
    expect(accountOwnership(entry(0, 111, 0o640, false), accountsOf(identity), 'read')).toBeUndefined();
  });

  test('a group the view does not know counts for nothing', () => {
    expect(accountOwnership({ uid: 0, mode: 0o777, directory: true }, accounts, 'write')).toBeUndefined();
  });
});
