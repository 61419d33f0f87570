import { isCodedError } from '../../../src/core/errors';
import { applyFixEvent, canApply, FixRequestStates, isApprovalExpired, newFixRequest, type FixRequest, type FixRequestEvent } from '../../../src/core/remediation/fix-request';
import { alice, bob, vm } from './fixtures';

const t0 = new Date('2026-03-01T10:00:00Z');
const base = newFixRequest({ id: 'r1', correlationId: 'c1', fixId: 'restart-windows-agent', target: { vm }, requester: alice, language: 'en', now: t0, expiryMs: 30 * 60_000 });
const ok = { summary: { en: 'done', pl: 'gotowe' } };

const events: Record<string, FixRequestEvent> = {
  approve: { type: 'approve', by: bob },
  reject: { type: 'reject', by: bob, reason: 'not now' },
  expire: { type: 'expire' },
  'start-execution': { type: 'start-execution' },
  succeed: { type: 'succeed', outcome: ok },
  fail: { type: 'fail', outcome: { ...ok, errorCode: 'azure_failed' } },
  'start-verification': { type: 'start-verification', jobId: 'job-1' },
  verified: { type: 'verified', outcome: { result: 'fixed', jobId: 'job-1' } },
};

/** The only legal moves, as the issue draws them. */
const legal: Record<string, string[]> = {
  requested: ['approve', 'reject', 'expire'],
  approved: ['start-execution'],
  executing: ['succeed', 'fail'],
  succeeded: ['start-verification'],
  verifying: ['verified'],
  rejected: [],
  expired: [],
  failed: [],
  'verified-fixed': [],
  'still-failing': [],
  unverified: [],
};

function inState(state: FixRequest['state']): FixRequest {
  return { ...base, state };
}

describe('fix request state machine', () => {
  it('starts requested, with the approval window from the policy', () => {
    expect(base.state).toBe('requested');
    expect(base.expiresAt).toBe('2026-03-01T10:30:00.000Z');
  });

  it.each(FixRequestStates.map((s) => [s]))('from %s allows exactly the legal events', (state) => {
    for (const [name, event] of Object.entries(events)) {
      const expected = legal[state]?.includes(name) ?? false;
      expect({ state, name, allowed: canApply(inState(state), event.type) }).toEqual({ state, name, allowed: expected });
      if (!expected) {
        try {
          applyFixEvent(inState(state), event, t0);
          throw new Error('expected refusal');
        } catch (error) {
          expect(isCodedError(error, 'fix_request_invalid')).toBe(true);
        }
      }
    }
  });

  it('walks the happy path to verified-fixed, recording who decided and what happened', () => {
    let r = applyFixEvent(base, events.approve!, new Date(t0.getTime() + 60_000));
    expect(r).toMatchObject({ state: 'approved', decidedBy: bob, decidedAt: '2026-03-01T10:01:00.000Z' });
    r = applyFixEvent(r, events['start-execution']!, t0);
    expect(r.state).toBe('executing');
    r = applyFixEvent(r, events.succeed!, t0);
    expect(r).toMatchObject({ state: 'succeeded', execution: ok });
    r = applyFixEvent(r, events['start-verification']!, t0);
    expect(r).toMatchObject({ state: 'verifying', verification: { result: 'pending', jobId: 'job-1' } });
    r = applyFixEvent(r, events.verified!, t0);
    expect(r.state).toBe('verified-fixed');
  });

  it('ends still-failing with the identified code when the verification backup fails', () => {
    const r = applyFixEvent(inState('verifying'), { type: 'verified', outcome: { result: 'failed', code: 'UserErrorGuestAgentStatusUnavailable', jobId: 'j' } }, t0);
    expect(r).toMatchObject({ state: 'still-failing', verification: { code: 'UserErrorGuestAgentStatusUnavailable' } });
  });

  it('ends unverified, not still-failing, when the verification backup could not be followed to its end', () => {
    for (const result of ['timed-out', 'error', 'interrupted'] as const) {
      expect(applyFixEvent(inState('verifying'), { type: 'verified', outcome: { result } }, t0).state).toBe('unverified');
    }
  });

  it('records a rejection and its reason; failed execution is final', () => {
    expect(applyFixEvent(base, events.reject!, t0)).toMatchObject({ state: 'rejected', rejectionReason: 'not now', decidedBy: bob });
    expect(applyFixEvent(inState('executing'), events.fail!, t0)).toMatchObject({ state: 'failed', execution: { errorCode: 'azure_failed' } });
  });

  it('cannot be approved once the approval window has ended', () => {
    const late = new Date(t0.getTime() + 30 * 60_000);
    expect(isApprovalExpired(base, new Date(late.getTime() - 1))).toBe(false);
    expect(isApprovalExpired(base, late)).toBe(true);
    expect(() => applyFixEvent(base, events.approve!, late)).toThrow(/expired/);
    expect(applyFixEvent(base, events.expire!, late).state).toBe('expired');
  });
});
