import { describe, expect, test } from '@jest/globals';
import { reloadFailure } from './discover-session.js';

const running = { ActiveState: 'active', Result: 'success' };

describe('a reload under the candidate', () => {
  test('accepted, then the probe fails: said as such, never "reload failed: success"', () => {
    const said = reloadFailure({ exitCode: 0, stderr: '' }, running, 'the probe `true` failed (exit 1)');
    expect(said).toBe('reload under the candidate was accepted, but afterwards the probe `true` failed (exit 1)');
    expect(said).not.toMatch(/: success$/);
  });

  test('accepted, then the service is gone', () => {
    expect(reloadFailure({ exitCode: 0, stderr: '' }, { ActiveState: 'failed', Result: 'exit-code' }, undefined)).toBe(
      'reload under the candidate was accepted, but the service is failed afterwards (result exit-code)',
    );
  });

  test('the job itself failed, with systemctl\'s words or its exit code', () => {
    expect(reloadFailure({ exitCode: 1, stderr: 'Job for x.service failed.\n' }, running, undefined)).toBe('reload failed under the candidate: Job for x.service failed.');
    expect(reloadFailure({ exitCode: 1, stderr: '' }, running, undefined)).toBe('reload failed under the candidate: systemctl reload exited with 1');
  });

  test('a reload that worked', () => {
    expect(reloadFailure({ exitCode: 0, stderr: '' }, running, undefined)).toBeUndefined();
  });
});
