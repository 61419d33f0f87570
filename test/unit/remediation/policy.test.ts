import { isCodedError } from '../../../src/core/errors';
import { decideApproval, decideRequest, matchesPattern, missingPolicy, parsePolicy } from '../../../src/core/remediation/policy';
import type { FixTarget } from '../../../src/core/remediation/fix-target';
import { alice, bob, loadCatalogue, loadedPolicy, mallory, policyJson, SUB, vm } from './fixtures';

const catalogue = loadCatalogue();
const low = catalogue.require('restart-windows-agent');
const high = catalogue.require('clear-restore-points-behind-lock');
const target: FixTarget = { vm };

describe('fix policy', () => {
  it('applies defaults: 30-minute expiry, two-person rule for high risk, no read-only run commands', () => {
    const policy = parsePolicy(policyJson(), 'p.json');
    expect(policy.approvalExpiryMinutes).toBe(30);
    expect(policy.twoPersonRule).toBe('high-risk');
    expect(policy.allowReadOnlyRunCommands).toBe(false);
  });

  it('rejects a broken file with the path and the reason', () => {
    const bad = policyJson({ requesters: ['group:nobody', 'alice'], enabledFixes: ['rm-rf'], approvalExpiryMinutes: 0 });
    try {
      parsePolicy(bad, 'config/policy.json');
      throw new Error('expected a failure');
    } catch (error) {
      expect(isCodedError(error, 'config_invalid')).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain('config/policy.json: requesters.1');
      expect(message).toContain('config/policy.json: enabledFixes.0');
      expect(message).toContain('config/policy.json: approvalExpiryMinutes');
    }
    expect(() => parsePolicy(policyJson({ requesters: ['group:nobody'] }), 'p.json')).toThrow(/unknown group "nobody"/);
    expect(() => parsePolicy({ ...policyJson(), extra: true }, 'p.json')).toThrow(/p\.json/);
  });

  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('refuses "group:%s", which the file does not define, as an unknown group (not a name every object inherits)', (name) => {
    expect(() => parsePolicy(policyJson({ requesters: [`group:${name}`] }), 'p.json')).toThrow(`unknown group "${name}"`);
  });

  it('refuses a group named constructor or prototype, and never uses one named __proto__ (the parser drops that key)', () => {
    const withGroup = (name: string): Record<string, unknown> => {
      const base = policyJson();
      const groups = JSON.parse(`{"${name}": ["aad:00000000-0000-0000-0000-000000000001"], "operators": ${JSON.stringify((base['groups'] as Record<string, unknown>)['operators'])}}`) as Record<string, unknown>;
      return { ...base, groups, requesters: [`group:${name}`] };
    };
    expect(() => parsePolicy(withGroup('constructor'), 'p.json')).toThrow(/p\.json: groups\.constructor/);
    expect(() => parsePolicy(withGroup('prototype'), 'p.json')).toThrow(/p\.json: groups\.prototype/);
    expect(() => parsePolicy(withGroup('__proto__'), 'p.json')).toThrow('unknown group "__proto__"');
  });

  it('without a policy, no fix can be requested and the refusal says how to enable fixes', () => {
    const d = decideRequest(missingPolicy, low, alice, target);
    expect(d.allowed).toBe(false);
    if (!d.allowed) {
      expect(d.refusal.reason).toBe('policy-missing');
      expect(d.refusal.message.en).toContain('FIX_POLICY_FILE');
      expect(d.refusal.message.pl).toContain('FIX_POLICY_FILE');
    }
  });

  it('lets requesters ask by Entra object id, Teams id, Slack id or group, and nobody else', () => {
    expect(decideRequest(loadedPolicy(), low, alice, target).allowed).toBe(true);
    // Same display name as Alice, different object id: names are not identities.
    expect(decideRequest(loadedPolicy(), low, mallory, target)).toMatchObject({ allowed: false, refusal: { reason: 'not-requester' } });
    const byTeamsId = loadedPolicy({ requesters: ['teams:29:mallory'] });
    expect(decideRequest(byTeamsId, low, mallory, target).allowed).toBe(true);
    expect(decideRequest(byTeamsId, low, { ...mallory, channel: 'slack' }, target).allowed).toBe(false);
    const bySlack = loadedPolicy({ requesters: ['slack:U123'] });
    expect(decideRequest(bySlack, low, { channel: 'slack', userId: 'U123' }, target).allowed).toBe(true);
    expect(decideRequest(loadedPolicy({ requesters: [`aad:${alice.aadObjectId?.toUpperCase()}`] }), low, alice, target).allowed).toBe(true);
  });

  it('refuses disabled fixes and targets outside the subscriptions and resource-group patterns', () => {
    expect(decideRequest(loadedPolicy({ enabledFixes: ['retry-backup'] }), low, alice, target)).toMatchObject({ allowed: false, refusal: { reason: 'fix-disabled' } });
    expect(decideRequest(loadedPolicy(), low, alice, { vm: { ...vm, resourceGroup: 'rg-dev-web' } })).toMatchObject({ allowed: false, refusal: { reason: 'out-of-scope' } });
    expect(decideRequest(loadedPolicy(), low, alice, { vm: { ...vm, subscriptionId: '22222222-2222-2222-2222-222222222222' } })).toMatchObject({ allowed: false, refusal: { reason: 'out-of-scope' } });
    expect(decideRequest(loadedPolicy(), low, alice, { vm: { ...vm, resourceGroup: 'RG-PROD-DB' } }).allowed).toBe(true);
  });

  it('matches glob patterns case-insensitively and literally otherwise', () => {
    expect(matchesPattern('AzureBackupRG_westeurope_1', 'azurebackuprg_*')).toBe(true);
    expect(matchesPattern('rg-prod', 'rg-prod-*')).toBe(false);
    expect(matchesPattern('rgXprod', 'rg.prod')).toBe(false);
    expect(matchesPattern('rg1', 'rg?')).toBe(true);
    expect(matchesPattern(SUB, '*')).toBe(true);
  });

  it('enforces the two-person rule for high-risk fixes only (unless the policy says all)', () => {
    const request = { requester: alice, target };
    expect(decideApproval(loadedPolicy(), high, request, alice, 'approve')).toMatchObject({ allowed: false, refusal: { reason: 'self-approval' } });
    expect(decideApproval(loadedPolicy(), high, request, bob, 'approve').allowed).toBe(true);
    expect(decideApproval(loadedPolicy(), low, request, alice, 'approve').allowed).toBe(true);
    const lowUnderAll = decideApproval(loadedPolicy({ twoPersonRule: 'all' }), low, request, alice, 'approve');
    expect(lowUnderAll).toMatchObject({ allowed: false, refusal: { reason: 'self-approval' } });
    // A low-risk fix is refused because the policy wants a second person for every fix: the words must not call it high-risk.
    const message = lowUnderAll.allowed ? undefined : lowUnderAll.refusal.message;
    expect(message?.en).toContain('needs a second person');
    expect(`${message?.en} ${message?.pl}`).not.toMatch(/high-risk|wysokiego ryzyka/);
    // The same person on another client (no aad id on one side) is still recognised by the channel id.
    expect(decideApproval(loadedPolicy({ approvers: ['teams:29:alice'] }), high, request, { channel: 'msteams', userId: '29:alice' }, 'approve')).toMatchObject({ allowed: false, refusal: { reason: 'self-approval' } });
  });

  it('re-checks everything at approval time: approver list, scope, the requester still allowed', () => {
    const request = { requester: alice, target };
    expect(decideApproval(loadedPolicy(), low, request, mallory, 'approve')).toMatchObject({ allowed: false, refusal: { reason: 'not-approver' } });
    expect(decideApproval(loadedPolicy({ scope: { subscriptions: [SUB], resourceGroups: ['rg-dev-*'] } }), low, request, bob, 'approve')).toMatchObject({ allowed: false, refusal: { reason: 'out-of-scope' } });
    expect(decideApproval(loadedPolicy({ requesters: [`aad:${bob.aadObjectId}`] }), low, request, bob, 'approve')).toMatchObject({ allowed: false, refusal: { reason: 'not-requester' } });
    expect(decideApproval(missingPolicy, low, request, bob, 'approve')).toMatchObject({ allowed: false, refusal: { reason: 'policy-missing' } });
    // A requester may withdraw... no: only approvers decide, and rejecting your own request is allowed.
    expect(decideApproval(loadedPolicy(), high, request, alice, 'reject').allowed).toBe(true);
  });
});
