import { describe, expect, test } from '@jest/globals';
import { declaredWritable, ownedByServiceAccount, ownReason } from './ownership.js';

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
  test('nobody and root own nothing for a service, however it ran', () => {
    const identity = { names: ['dnsd'], declared: [], ranAs: { uids: [65534, 120], gids: [65534, 130] } };
    expect(ownedByServiceAccount({ uid: 65534, gid: 65534, mode: 0o770 }, identity, 0o020)).toBeUndefined();
    expect(ownedByServiceAccount({ uid: 0, gid: 0, mode: 0o770 }, identity, 0o020)).toBeUndefined();
    expect(ownedByServiceAccount({ uid: 120, gid: 0, mode: 0o700 }, identity, 0o020)).toBe('owned by the user the service runs as');
    expect(ownedByServiceAccount({ uid: 0, gid: 130, mode: 0o750 }, identity, 0o020)).toBeUndefined();
    expect(ownedByServiceAccount({ uid: 0, gid: 130, mode: 0o770 }, identity, 0o020)).toBe('owned by the group the service runs as');
  });
});
