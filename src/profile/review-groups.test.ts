import { describe, expect, test } from '@jest/globals';
import type { ReviewItem } from './review.js';
import { effectiveDefault, groupOf, isBroadDirectory, overviewLines, planReview, reasonWithoutLines, whyAsked } from './review-groups.js';

const item = (path: string, extra: Partial<ReviewItem> = {}): ReviewItem => ({
  path,
  proposed: 'read-only',
  reason: 'read by pid 7 (line 3): ' + path,
  sensitive: false,
  optional: false,
  defaultAnswer: { kind: 'read-only' },
  ...extra,
});

describe('review by exception', () => {
  test('groups: program and libraries, configuration, writable, sensitive, baseline, other', () => {
    expect(groupOf(item('/usr/sbin/nginx'))).toBe('program');
    expect(groupOf(item('/usr/lib/x86_64-linux-gnu/libpcre2-8.so.0'))).toBe('program');
    expect(groupOf(item('/etc/nginx'))).toBe('configuration');
    expect(groupOf(item('/usr/share/zoneinfo', { reason: 'baseline: time zones' }))).toBe('baseline');
    expect(groupOf(item('/var/log/nginx', { proposed: 'writable' }))).toBe('writable');
    expect(groupOf(item('/etc/ssl/private/k.pem', { sensitive: true }))).toBe('sensitive');
    expect(groupOf(item('/srv/www/index.html'))).toBe('data');
  });

  test('asked: writable grants, broad directories, secrets, anything dangerous; the rest accepted', () => {
    expect(whyAsked(item('/etc/nginx/nginx.conf'))).toBeUndefined();
    expect(whyAsked(item('/usr/lib/x86_64-linux-gnu'))).toBeUndefined();
    expect(whyAsked(item('/lib', { reason: 'baseline: dynamic libraries' }))).toBeUndefined();
    expect(whyAsked(item('/etc'))).toBe('a broad directory');
    expect(whyAsked(item('/var/lib/app', { proposed: 'writable' }))).toBe('writable');
    for (const broad of ['/etc', '/var/lib', '/usr/share', '/run', '/opt']) expect(isBroadDirectory(broad)).toBe(true);
    expect(whyAsked(item('/etc/shadow', { sensitive: true }))).toBe('sensitive');
    expect(whyAsked(item('/etc/sudoers.d', { dangerous: 'grants root' }))).toBe('dangerous: grants root');
    expect(effectiveDefault(item('/etc/sudoers.d', { proposed: 'writable', defaultAnswer: { kind: 'writable' }, dangerous: 'grants root' }))).toEqual({ kind: 'deny' });
    const plan = planReview([item('/etc/nginx/nginx.conf'), item('/var/lib/app', { proposed: 'writable' }), item('/etc/shadow', { sensitive: true }), item('/etc/sudoers.d', { dangerous: 'x' })]);
    expect(plan.ask.map((i) => i.path)).toEqual(['/etc/sudoers.d', '/etc/shadow', '/var/lib/app']);
    expect(plan.accept.map((i) => i.path)).toEqual(['/etc/nginx/nginx.conf']);
    expect(overviewLines(plan).join('\n')).toMatch(/\? \/var\/lib\/app {2}\[writable\]/);
  });

  test('a reason loses the journal line number and pid', () => {
    expect(reasonWithoutLines('written by pid 812 (line 47): /run/nginx.pid')).toBe('written: /run/nginx.pid');
  });
});
