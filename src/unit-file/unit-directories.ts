/**
 * Where systemd puts a unit's RuntimeDirectory=, StateDirectory=, CacheDirectory=, LogsDirectory= and
 * ConfigurationDirectory= (as a system service): `StateDirectory=app` is /var/lib/app.
 */
import type { ByteString } from '../core/model.js';

export type UnitDirectorySetting =
  'RuntimeDirectory' | 'StateDirectory' | 'CacheDirectory' | 'LogsDirectory' | 'ConfigurationDirectory';

export const UNIT_DIRECTORY_BASES: Readonly<Record<UnitDirectorySetting, ByteString>> = {
  RuntimeDirectory: '/run',
  StateDirectory: '/var/lib',
  CacheDirectory: '/var/cache',
  LogsDirectory: '/var/log',
  ConfigurationDirectory: '/etc',
};

export const UNIT_DIRECTORY_SETTINGS = Object.keys(UNIT_DIRECTORY_BASES) as UnitDirectorySetting[];
