/**
 * Each step of discover's loop on its own, over a state the test builds, with the fake session.
 */
import { describe, expect, test } from '@jest/globals';
import { execFailure, fakeContext, scriptedSession, traceOf } from '../testing/fake-session.js';
import { attempt, diagnose, initialState, observe, propose } from './discover-steps.js';

describe('discover steps', () => {
  test('observe fills the state with the traced accesses; propose folds them into a candidate', async () => {
    const { session, log } = scriptedSession({ traced: [{ ok: true, lines: traceOf('/usr/sbin/app', '/etc/app/app.conf') }], candidates: [] });
    const ctx = fakeContext(log);
    const state = initialState(session);
    await observe(session, ctx, state);
    expect(state.attempts).toEqual([{ start: 1, traced: true, sandboxed: false, ok: true }]);
    expect(state.collector.result().accesses.map((a) => a.path)).toContain('/etc/app/app.conf');
    const candidate = await propose(ctx, state);
    expect(candidate.dropin).toContain("/etc/app/app.conf");
    expect(state.tried.size).toBe(0);
  });

  test('attempt records the start; diagnose turns the named fix into a forced grant of the next candidate', async () => {
    const { session, log } = scriptedSession({
      traced: [{ ok: true, lines: traceOf('/usr/sbin/app') }],
      candidates: [{ started: false, working: false, diagnosis: execFailure('/usr/share/app/data.bin') }],
    });
    const ctx = fakeContext(log);
    const state = initialState(session);
    await observe(session, ctx, state);
    const first = await propose(ctx, state);
    const tried = await attempt(session, ctx, state, first);
    expect(tried.kind).toBe('failed');
    expect(state.tried.has(first.dropin)).toBe(true);
    expect(log.stops).toBe(1);
    if (tried.kind !== 'failed') return;
    expect(await diagnose(session, ctx, state, first, tried.diagnosis)).toEqual({ kind: 'retry' });
    expect(state.forced.map((e) => e.value)).toEqual(['/usr/share/app/data.bin']);
    expect((await propose(ctx, state)).dropin).toContain('BindReadOnlyPaths=/usr/share/app/data.bin');
  });
});
