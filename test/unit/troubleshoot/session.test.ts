import { applyStep, isAtEscalation, isExpired, newSession, type TroubleshootSession } from '../../../src/core/troubleshoot/session';

const hour = 3_600_000;
const t0 = new Date('2026-01-01T10:00:00Z');
const later = (ms: number) => new Date(t0.getTime() + ms);

function session(causeIds = ['a', 'b', 'c']): TroubleshootSession {
  return newSession({ id: 'sess-12345678', codeId: 'UserErrorGuestAgentStatusUnavailable', causeIds, language: 'en', conversationId: 'c1', createdBy: 'aad-1', now: t0, ttlMs: 24 * hour });
}

describe('a troubleshooting session', () => {
  test('starts at the first of the code\'s causes, with who and when', () => {
    const s = session();
    expect(s).toMatchObject({ cursor: 0, causeCount: 3, causeIds: ['a', 'b', 'c'], createdBy: 'aad-1', createdAt: t0.toISOString(), expiresAt: later(24 * hour).toISOString() });
    expect(s.outcome).toBeUndefined();
  });

  test('Next walks the causes in order and then reaches escalation, never past it', () => {
    let s = session();
    s = applyStep(s, { kind: 'next' }, t0, hour);
    expect(s.cursor).toBe(1);
    s = applyStep(applyStep(s, { kind: 'next' }, t0, hour), { kind: 'next' }, t0, hour);
    expect(isAtEscalation(s)).toBe(true);
    expect(s.outcome).toBe('escalated');
    expect(applyStep(s, { kind: 'next' }, t0, hour).cursor).toBe(3);
  });

  test('Previous goes back, stops at the first cause, and reopens an escalated session', () => {
    let s = session();
    expect(applyStep(s, { kind: 'previous' }, t0, hour).cursor).toBe(0);
    for (let i = 0; i < 3; i += 1) s = applyStep(s, { kind: 'still-failing' }, t0, hour);
    expect(s.outcome).toBe('escalated');
    s = applyStep(s, { kind: 'previous' }, t0, hour);
    expect(s.cursor).toBe(2);
    expect(s.outcome).toBeUndefined();
  });

  test('"Still failing" rules the cause out and moves on; after the last cause it escalates', () => {
    let s = session();
    s = applyStep(s, { kind: 'still-failing' }, t0, hour);
    expect(s.cursor).toBe(1);
    expect(s.evidence).toEqual({ a: 'ruled-out' });
    s = applyStep(applyStep(s, { kind: 'still-failing' }, t0, hour), { kind: 'still-failing' }, t0, hour);
    expect(s.evidence).toEqual({ a: 'ruled-out', b: 'ruled-out', c: 'ruled-out' });
    expect(s.outcome).toBe('escalated');
    expect(isAtEscalation(s)).toBe(true);
  });

  test('"This fixed it" records which cause fixed it; stepping back reopens', () => {
    let s = applyStep(session(), { kind: 'next' }, t0, hour);
    s = applyStep(s, { kind: 'fixed' }, t0, hour);
    expect(s).toMatchObject({ outcome: 'fixed', fixedByCauseIndex: 1, cursor: 1 });
    s = applyStep(s, { kind: 'previous' }, t0, hour);
    expect(s.outcome).toBeUndefined();
    expect(s.fixedByCauseIndex).toBeUndefined();
  });

  test('Reopen of a fixed session goes back to the cause it credited; fixed at escalation, it reopens the escalation', () => {
    let s = applyStep(applyStep(session(), { kind: 'next' }, t0, hour), { kind: 'fixed' }, t0, hour);
    s = applyStep(s, { kind: 'reopen' }, t0, hour);
    expect(s).toMatchObject({ cursor: 1 });
    expect(s.outcome).toBeUndefined();
    expect(s.fixedByCauseIndex).toBeUndefined();
    let e = applyStep(applyStep(applyStep(applyStep(session(), { kind: 'next' }, t0, hour), { kind: 'next' }, t0, hour), { kind: 'next' }, t0, hour), { kind: 'fixed' }, t0, hour);
    e = applyStep(e, { kind: 'reopen' }, t0, hour);
    expect(e).toMatchObject({ cursor: 3, outcome: 'escalated' });
  });

  test('go-to jumps to a cause and refuses an index outside the list', () => {
    expect(applyStep(session(), { kind: 'go-to', index: 2 }, t0, hour).cursor).toBe(2);
    expect(() => applyStep(session(), { kind: 'go-to', index: 3 }, t0, hour)).toThrow(RangeError);
    expect(() => applyStep(session(), { kind: 'go-to', index: -1 }, t0, hour)).toThrow(RangeError);
  });

  test('every step slides the expiry; a session left alone past it is expired', () => {
    const s = applyStep(session(), { kind: 'next' }, later(20 * hour), 24 * hour);
    expect(s.expiresAt).toBe(later(44 * hour).toISOString());
    expect(isExpired(s, later(43 * hour))).toBe(false);
    expect(isExpired(s, later(44 * hour))).toBe(true);
  });

  test('transitions are pure: the input session is unchanged', () => {
    const s = session();
    const copy = JSON.stringify(s);
    applyStep(s, { kind: 'still-failing' }, t0, hour);
    expect(JSON.stringify(s)).toBe(copy);
  });

  test('a code without causes cannot start a session', () => {
    expect(() => session([])).toThrow(RangeError);
  });
});
