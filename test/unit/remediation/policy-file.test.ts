import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideApproval, decideRequest } from '../../../src/core/remediation/policy';
import { loadPolicyFile } from '../../../src/remediation/policy-file';
import { loadCatalogue, repoRoot } from './fixtures';

describe('policy file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('without FIX_POLICY_FILE, fixes are disabled with how to enable them', () => {
    const state = loadPolicyFile(undefined);
    expect(state.kind).toBe('missing');
    if (state.kind === 'missing') expect(state.howToEnable.en).toContain('FIX_POLICY_FILE');
  });

  it('a missing file or broken JSON stops start-up with the file and the place', () => {
    expect(() => loadPolicyFile(join(dir, 'nope.json'))).toThrow(/nope\.json, which does not exist/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "version": 1,\n  "requesters": [\n}');
    expect(() => loadPolicyFile(broken)).toThrow(/broken\.json is not valid JSON \(line 4/);
    const invalid = join(dir, 'invalid.json');
    writeFileSync(invalid, JSON.stringify({ version: 1, enabledFixes: [], requesters: ['bob'], approvers: ['aad:x'], scope: { subscriptions: ['*'], resourceGroups: ['*'] } }));
    expect(() => loadPolicyFile(invalid)).toThrow(/invalid\.json: requesters\.0/);
  });

  it("the demo policy lets the Agents Playground's current user (user-id-0) request and approve a low-risk fix, but not self-approve a high-risk one", () => {
    const state = loadPolicyFile(join(repoRoot, 'config/demo-policy.json'));
    const alex = { channel: 'msteams' as const, userId: 'user-id-0', aadObjectId: '00000000-0000-0000-0000-0000000000020', displayName: 'Alex Wilber' };
    const megan = { channel: 'msteams' as const, userId: 'user-id-1', aadObjectId: '00000000-0000-0000-0000-0000000000021' };
    const catalogue = loadCatalogue();
    const target = { vm: { subscriptionId: '6a1f0c3e-1b2d-4e5f-8a9b-0c1d2e3f4a5b', resourceGroup: 'rg-anything', name: 'vm1' } };
    const low = catalogue.require('restart-windows-agent');
    const high = catalogue.require('reinstall-backup-extension');
    expect(decideRequest(state, low, alex, target).allowed).toBe(true);
    expect(decideApproval(state, low, { requester: alex, target }, alex, 'approve').allowed).toBe(true);
    expect(decideApproval(state, high, { requester: alex, target }, alex, 'approve').allowed).toBe(false);
    expect(decideApproval(state, high, { requester: alex, target }, megan, 'approve').allowed).toBe(true);
  });
});
