import { decideReadOnlyRunCommand, decideSubscriptionChange, isOperator, missingPolicy, parsePolicy } from '../../../src/core/remediation/policy';
import { alice, bob, loadedPolicy, mallory, policyJson, SUB } from './fixtures';

const carol = { channel: 'msteams' as const, userId: '29:carol', aadObjectId: 'dddddddd-0000-0000-0000-000000000004' };
const inScope = { subscriptionId: SUB, resourceGroup: 'rg-prod-web' };

describe('operators in the fix policy', () => {
  test('operators are the operators list plus every requester and approver; unknown groups are refused', () => {
    const state = loadedPolicy({ groups: { operators: [`aad:${alice.aadObjectId}`], oncall: [`teams:${carol.userId}`] }, requesters: ['group:operators'], approvers: [`aad:${bob.aadObjectId}`], operators: ['group:oncall'] });
    if (state.kind !== 'loaded') throw new Error('expected a policy');
    expect([alice, bob, carol, mallory].map((a) => isOperator(state.policy, a))).toEqual([true, true, true, false]);
    expect(() => parsePolicy(policyJson({ operators: ['group:nobody'] }), 'p.json')).toThrow(/operators\.0: unknown group "nobody"/);
    // Optional: an existing policy without the list still loads.
    expect(loadedPolicy()).toMatchObject({ kind: 'loaded', policy: { operators: [] } });
  });

  test('subscriptions: open without a policy, operators only with one, with a bilingual answer', () => {
    expect(decideSubscriptionChange(undefined, mallory)).toEqual({ allowed: true });
    expect(decideSubscriptionChange(missingPolicy, mallory)).toEqual({ allowed: true });
    expect(decideSubscriptionChange(loadedPolicy(), alice)).toEqual({ allowed: true });
    const refused = decideSubscriptionChange(loadedPolicy(), mallory);
    expect(refused.allowed).toBe(false);
    if (!refused.allowed) {
      expect(refused.message.en).toMatch(/^Only operators may subscribe/);
      expect(refused.message.pl).toMatch(/^Tylko operatorzy/);
    }
  });

  test('read-only run commands: only with a policy allowing them, for an operator, on a VM in scope', () => {
    const allowing = loadedPolicy({ allowReadOnlyRunCommands: true });
    expect(decideReadOnlyRunCommand(allowing, alice, inScope)).toEqual({ allowed: true });
    expect(decideReadOnlyRunCommand(undefined, alice, inScope).allowed).toBe(false);
    expect(decideReadOnlyRunCommand(loadedPolicy(), alice, inScope).allowed).toBe(false);
    expect(decideReadOnlyRunCommand(allowing, mallory, inScope)).toMatchObject({ allowed: false, message: { en: expect.stringMatching(/^Only operators may/) } });
    expect(decideReadOnlyRunCommand(allowing, alice, { subscriptionId: SUB, resourceGroup: 'rg-finance' })).toMatchObject({ allowed: false, message: { en: expect.stringContaining('outside') } });
  });
});
