import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import { missingPolicy, type PolicyState } from '../../../src/core/remediation/policy';
import { RemediationService } from '../../../src/core/remediation/remediation-service';
import type { Actor } from '../../../src/core/remediation/actor';
import { alice, bob, loadCatalogue, loadedPolicy, mallory, ManualClock, RecordingAzure, SequenceIds, vm } from './fixtures';

function setup(options: { policy?: PolicyState; os?: 'Windows' | 'Linux' } = {}) {
  const clock = new ManualClock();
  const azure = new RecordingAzure(options.os ?? 'Windows');
  const store = new InMemoryFixRequestStore();
  const audit = new InMemoryAuditLog();
  let policy = options.policy ?? loadedPolicy();
  const service = new RemediationService({
    catalogue: loadCatalogue(),
    policy: () => policy,
    store,
    audit,
    azure,
    clock,
    ids: new SequenceIds(),
    sleep: async (ms) => clock.advance(ms),
    identifyCode: (job) => (job.errors[0]?.message.includes('VM Agent unable') ? 'UserErrorGuestAgentStatusUnavailable' : undefined),
    verification: { pollIntervalMs: 10_000, timeoutMs: 60 * 60_000 },
  });
  return { service, azure, store, audit, clock, setPolicy: (p: PolicyState) => (policy = p) };
}

async function requested(s: ReturnType<typeof setup>, fixId = 'restart-windows-agent', actor: Actor = alice) {
  const result = await s.service.request({ fixId, target: { vm }, actor, language: 'en', sessionId: 'sess-1', causeId: 'windows-agent-unresponsive' });
  if (!result.ok) throw new Error(`request refused: ${result.refusal.reason}`);
  return result.value;
}

describe('remediation service', () => {
  it('runs the whole loop: request, approval, one execution, verification backup, fixed, every step audited', async () => {
    const s = setup();
    const r = await requested(s);
    expect(r.state).toBe('requested');
    const approved = await s.service.approve(r.id, bob);
    expect(approved.ok).toBe(true);
    const steps: string[] = [];
    const done = await s.service.runApproved(r.id, async (req, step) => {
      steps.push(step ? step.en : req.state);
    });
    expect(done?.state).toBe('verified-fixed');
    expect(done?.verification).toMatchObject({ result: 'fixed', jobId: 'job-1' });
    expect(s.azure.calls).toEqual(['runCommand:Restart-Service WindowsAzureGuestAgent', 'triggerBackup']);
    expect(steps[0]).toBe('executing');
    expect(steps).toContain('verified-fixed');
    const actions = (await s.audit.list()).map((e) => e.action).reverse();
    expect(actions).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']);
    const entries = await s.audit.list({ vm: 'VM-WEB-01' });
    expect(new Set(entries.map((e) => e.correlationId))).toEqual(new Set([r.correlationId]));
    expect(entries.find((e) => e.action === 'fix.approved')?.actor.aadObjectId).toBe(bob.aadObjectId);
  });

  it('reports still failing with the identified code when the verification backup fails', async () => {
    const s = setup();
    const r = await requested(s);
    s.azure.failNextBackup = 'VM Agent unable to communicate with Azure Backup';
    await s.service.approve(r.id, bob);
    const done = await s.service.runApproved(r.id);
    expect(done).toMatchObject({ state: 'still-failing', verification: { result: 'failed', code: 'UserErrorGuestAgentStatusUnavailable' } });
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.still-failing', reason: 'UserErrorGuestAgentStatusUnavailable' });
  });

  it('retry-backup follows the backup it started instead of starting a second one', async () => {
    const s = setup();
    const r = await requested(s, 'retry-backup');
    await s.service.approve(r.id, bob);
    const done = await s.service.runApproved(r.id);
    expect(done?.state).toBe('verified-fixed');
    expect(s.azure.calls).toEqual(['triggerBackup']);
  });

  it('executes exactly once however many approvals race', async () => {
    const s = setup();
    const r = await requested(s);
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const res = await s.service.approve(r.id, i % 2 ? bob : alice);
        return res.ok ? s.service.runApproved(r.id) : undefined;
      }),
    );
    expect(results.filter((x) => x !== undefined)).toHaveLength(1);
    expect(s.azure.calls.filter((c) => c.startsWith('runCommand'))).toHaveLength(1);
    const refusals = (await s.audit.list()).filter((e) => e.action === 'fix.refused');
    expect(refusals).toHaveLength(19);
    expect(new Set(refusals.map((e) => e.reason))).toEqual(new Set(['not-pending']));
  });

  it('refuses a second request for the same VM while the first is open, whatever the fix or session, naming the open one, and audits it', async () => {
    const s = setup();
    const first = await requested(s);
    const again = await s.service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: bob, language: 'en', sessionId: 'sess-2' });
    expect(again).toMatchObject({ ok: false, refusal: { reason: 'already-requested' }, request: { id: first.id } });
    if (again.ok) throw new Error('accepted');
    expect(again.refusal.message.en).toContain('Restart the Windows guest agent');
    expect(again.refusal.message.en).toContain('requested by Alice');
    expect(again.refusal.message.en).toContain('awaiting approval');
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.refused', reason: 'already-requested', requestId: first.id, actor: { aadObjectId: bob.aadObjectId } });
    // Another fix on the same VM, from a card without a session, is refused the same way.
    expect(await s.service.request({ fixId: 'retry-backup', target: { vm: { ...vm, name: vm.name.toUpperCase() } }, actor: bob, language: 'en' })).toMatchObject({ ok: false, refusal: { reason: 'already-requested' }, request: { id: first.id } });
    // Another VM may have its own; the same VM again once the first has expired.
    expect((await s.service.request({ fixId: 'restart-windows-agent', target: { vm: { ...vm, name: 'vm-other-01' } }, actor: alice, language: 'en' })).ok).toBe(true);
    s.clock.advance(31 * 60_000);
    expect((await requested(s)).state).toBe('requested');
  });

  it('refuses self-approval of a high-risk fix, audits it, and lets a second person approve', async () => {
    const s = setup();
    const r = await requested(s, 'reinstall-backup-extension');
    const self = await s.service.approve(r.id, alice);
    expect(self).toMatchObject({ ok: false, refusal: { reason: 'self-approval' } });
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.refused', reason: 'self-approval', actor: { aadObjectId: alice.aadObjectId } });
    expect((await s.service.get(r.id))?.state).toBe('requested');
    expect((await s.service.approve(r.id, bob)).ok).toBe(true);
  });

  it('lets the requester approve a low-risk fix when they are an approver', async () => {
    const s = setup();
    const r = await requested(s);
    expect((await s.service.approve(r.id, alice)).ok).toBe(true);
  });

  it('expires a request after the approval window (injected clock), once, and refuses the late approval', async () => {
    const s = setup();
    const r = await requested(s);
    s.clock.advance(30 * 60_000);
    const late = await s.service.approve(r.id, bob);
    expect(late).toMatchObject({ ok: false, refusal: { reason: 'expired' } });
    expect((await s.service.get(r.id))?.state).toBe('expired');
    const again = await s.service.approve(r.id, bob);
    expect(again).toMatchObject({ ok: false, refusal: { reason: 'not-pending' } });
    const actions = (await s.audit.list()).map((e) => `${e.action}:${e.reason ?? ''}`);
    expect(actions.filter((a) => a.startsWith('fix.expired'))).toHaveLength(1);
    expect(actions).toContain('fix.refused:expired');
    expect(s.azure.calls).toEqual([]);
  });

  it('sweeps pending requests whose window ended', async () => {
    const s = setup();
    await requested(s);
    s.clock.advance(10 * 60_000);
    const other = await s.service.request({ fixId: 'restart-windows-agent', target: { vm: { ...vm, name: 'vm-other-01' } }, actor: alice, language: 'en' });
    expect(other.ok).toBe(true);
    s.clock.advance(21 * 60_000);
    expect((await s.service.sweep()).expired).toHaveLength(1);
  });

  it('refuses unknown ids, replays, outsiders and out-of-scope targets, auditing each', async () => {
    const s = setup();
    expect(await s.service.approve('forged-id', bob)).toMatchObject({ ok: false, refusal: { reason: 'unknown-request' } });
    expect(await s.service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: mallory, language: 'en' })).toMatchObject({ ok: false, refusal: { reason: 'not-requester' } });
    expect(await s.service.request({ fixId: 'restart-windows-agent', target: { vm: { ...vm, resourceGroup: 'rg-finance' } }, actor: alice, language: 'en' })).toMatchObject({
      ok: false,
      refusal: { reason: 'out-of-scope' },
    });
    const r = await requested(s);
    expect(await s.service.approve(r.id, mallory)).toMatchObject({ ok: false, refusal: { reason: 'not-approver' } });
    await s.service.approve(r.id, bob);
    await s.service.runApproved(r.id);
    expect(await s.service.approve(r.id, bob)).toMatchObject({ ok: false, refusal: { reason: 'not-pending' } });
    expect(await s.service.runApproved(r.id)).toBeUndefined();
    const reasons = (await s.audit.list()).filter((e) => e.action === 'fix.refused').map((e) => e.reason);
    expect(reasons.sort()).toEqual(['not-approver', 'not-pending', 'not-requester', 'out-of-scope', 'unknown-request']);
    expect(s.azure.calls.filter((c) => c.startsWith('runCommand'))).toHaveLength(1);
  });

  it('re-checks the policy at approval: a policy change after the request wins', async () => {
    const s = setup();
    const r = await requested(s);
    s.setPolicy(loadedPolicy({ enabledFixes: ['retry-backup'] }));
    expect(await s.service.approve(r.id, bob)).toMatchObject({ ok: false, refusal: { reason: 'fix-disabled' } });
    s.setPolicy(missingPolicy);
    expect(await s.service.approve(r.id, bob)).toMatchObject({ ok: false, refusal: { reason: 'policy-missing' } });
  });

  it('shows fixes disabled without a policy, with how to enable them', () => {
    const s = setup({ policy: missingPolicy });
    const offer = s.service.offer('restart-windows-agent', { vm }, alice);
    expect(offer).toMatchObject({ enabled: false });
    expect(offer?.disabledReason?.en).toContain('FIX_POLICY_FILE');
  });

  it('offers an enabled fix on a card whose VM is not resolved yet, and a policy-disabled one as disabled', () => {
    const s = setup({ policy: loadedPolicy({ enabledFixes: ['retry-backup'] }) });
    expect(s.service.offer('retry-backup', undefined, undefined)).toMatchObject({ enabled: true });
    const disabled = s.service.offer('restart-windows-agent', undefined, undefined);
    expect(disabled).toMatchObject({ enabled: false });
    expect(disabled?.disabledReason).toBeDefined();
  });

  it('refuses a fix whose preconditions fail (Linux fix on a Windows VM) before creating a request', async () => {
    const s = setup({ os: 'Windows' });
    const res = await s.service.request({ fixId: 'restart-linux-agent', target: { vm }, actor: alice, language: 'pl' });
    expect(res.ok).toBe(false);
    if (!res.ok) {
      expect(res.refusal.reason).toBe('precondition-failed');
      expect(res.refusal.message.pl).toContain('Linux');
    }
  });

  it('records a failed fix with the error and puts the lock back when the collection delete fails', async () => {
    const s = setup();
    s.azure.failCollectionDelete = true;
    const r = await requested(s, 'clear-restore-points-behind-lock');
    await s.service.approve(r.id, bob);
    const done = await s.service.runApproved(r.id);
    expect(done?.state).toBe('failed');
    expect(done?.execution?.summary.en).toContain('Locks restored: keep');
    expect(s.azure.calls).toEqual(['deleteLock:keep', 'deleteRestorePointCollection:AzureBackup_vm-web-01_1234', 'createLock:keep:CanNotDelete:do not delete']);
    expect(s.azure.locks.map((l) => [l.name, l.level, l.notes])).toEqual([['keep', 'CanNotDelete', 'do not delete']]);
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.failed', outcome: 'failed' });
  });
});
