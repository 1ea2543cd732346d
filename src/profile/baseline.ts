/**
 * Paths nearly every dynamically linked service needs, bound even when a trace did not show them (a
 * short trace misses what a service reads later: time zones, locales, CA certificates). The list is the
 * one from the article bindscout grew out of (written for Debian/Ubuntu), plus the sockets systemd's own
 * documentation binds for logging and sd_notify.
 */
import type { ByteString } from '../core/model.js';

export interface BaselineEntry {
  path: ByteString;
  reason: string;
}

export const BASELINE: readonly BaselineEntry[] = [
  { path: '/lib', reason: 'baseline: dynamic libraries' },
  { path: '/lib64', reason: 'baseline: dynamic libraries and the ELF interpreter' },
  { path: '/usr/lib', reason: 'baseline: dynamic libraries' },
  { path: '/usr/lib64', reason: 'baseline: dynamic libraries and the ELF interpreter' },
  { path: '/etc/ld.so.cache', reason: 'baseline: dynamic linker cache' },
  { path: '/etc/ld.so.conf', reason: 'baseline: dynamic linker configuration' },
  { path: '/etc/ld.so.conf.d', reason: 'baseline: dynamic linker configuration' },
  { path: '/etc/bindresvport.blacklist', reason: 'baseline: ports bindresvport() must avoid' },
  { path: '/usr/share/zoneinfo', reason: 'baseline: time zone data' },
  { path: '/usr/share/locale', reason: 'baseline: message translations' },
  { path: '/etc/localtime', reason: 'baseline: local time zone' },
  { path: '/usr/share/common-licenses', reason: 'baseline: license texts' },
  { path: '/etc/ssl/certs', reason: 'baseline: CA certificates' },
  // /etc/ssl/certs is mostly symlinks into this directory; without it the hashed names dangle.
  { path: '/usr/share/ca-certificates', reason: 'baseline: targets of the /etc/ssl/certs symlinks' },
  { path: '/etc/alternatives', reason: 'baseline: Debian alternatives symlinks' },
  { path: '/dev/log', reason: 'baseline: syslog socket (journald)' },
  { path: '/run/systemd/journal/socket', reason: 'baseline: journald native socket' },
  { path: '/run/systemd/journal/stdout', reason: 'baseline: journald stdout socket' },
  { path: '/run/systemd/notify', reason: 'baseline: sd_notify socket (Type=notify)' },
];
