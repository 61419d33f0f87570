import { CodedError } from '../../../src/core/errors';
import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import type { FixRequest } from '../../../src/core/remediation/fix-request';
import { approvedFix, ManualClock, RecordingAzure, SequenceIds, SUB, testLiveness, testService, until } from './fixtures';

/**
 * The lock fix lifts a resource-group lock for a moment. Whatever the chat or the process
 * does meanwhile, the lock must come back exactly as it was.
 */

const LOCK_RG = 'AzureBackupRG_westeurope_1';

function world(chatDeadlineMs = 15_000) {
  const clock = new ManualClock();
  const azure = new RecordingAzure('Windows');
  const store = new InMemoryFixRequestStore();
  const audit = new InMemoryAuditLog();
  const ids = new SequenceIds();
  // Verification polls pass at once; the chat deadline is a real timer so a hung card stays hung.
  const sleep = (ms: number, signal?: AbortSignal) =>
    ms === chatDeadlineMs
      ? new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, ms);
          signal?.addEventListener('abort', () => clearTimeout(timer));
        })
      : Promise.resolve(void clock.advance(ms));
  const instance = (instanceId: string) => testService({ clock, azure, store, audit, ids, instanceId, sleep, chatDeadlineMs });
  return { clock, azure, store, audit, a: instance('instance-a'), b: instance('instance-b') };
}

const approvedLockFix = (w: ReturnType<typeof world>): Promise<FixRequest> => approvedFix(w.a, 'clear-restore-points-behind-lock');

const lockState = (azure: RecordingAzure) => azure.locks.map((l) => [l.name, l.level, l.notes, l.scope]);
const originalLock = [['keep', 'CanNotDelete', 'do not delete', `/subscriptions/${SUB}/resourceGroups/${LOCK_RG}`]];

/** Once the run is stale, instance B's sweep: the lock is back as it was and the request has ended failed. */
async function sweptByAnotherInstance(w: ReturnType<typeof world>, requestId: string): Promise<FixRequest | undefined> {
  w.clock.advance(testLiveness.staleAfterMs + 1_000);
  await w.b.sweep();
  expect(lockState(w.azure)).toEqual(originalLock);
  const ended = await w.store.get(requestId);
  expect(ended?.state).toBe('failed');
  return ended;
}

describe('a hung chat never holds a lock off', () => {
  it('with every card update hanging, the lock fix removes the lock, deletes the collection and puts the lock back', async () => {
    const w = world(3_600_000);
    const r = await approvedLockFix(w);
    let updates = 0;
    let release: (() => void) | undefined;
    const hung = new Promise<void>((resolve) => (release = resolve));
    const run = w.a.runApproved(r.id, () => {
      updates += 1;
      return hung;
    });
    // The Azure work ends while the very first card update is still waiting for the chat.
    await until(() => w.azure.calls.includes('createLock:keep:CanNotDelete:do not delete'), 'the lock put back');
    expect(updates).toBe(1);
    expect(w.azure.calls).toEqual(['deleteLock:keep', 'deleteRestorePointCollection:AzureBackup_vm-web-01_1234', 'createLock:keep:CanNotDelete:do not delete', 'triggerBackup']);
    expect(lockState(w.azure)).toEqual(originalLock);
    expect(w.azure.collections).toEqual([]);
    release?.();
    // Then the card catches up with the newest state only, not every step it missed.
    const done = await run;
    expect(done?.state).toBe('verified-fixed');
    expect(updates).toBe(2);
  });

  it('a card update past the chat deadline is given up on: the run ends with its verdict', async () => {
    const w = world(5);
    const r = await approvedLockFix(w);
    const done = await w.a.runApproved(r.id, () => new Promise<void>(() => undefined));
    expect(done?.state).toBe('verified-fixed');
    expect(lockState(w.azure)).toEqual(originalLock);
  });
});

describe('recovery puts back every lock a cut-off run lifted', () => {
  /** What kill -9 between "lock removed" and "collection deleted" leaves: the journal says removed, Azure has no lock. */
  async function crashedAfterLockRemoval(w: ReturnType<typeof world>): Promise<FixRequest> {
    const r = await approvedLockFix(w);
    let stop: (() => void) | undefined;
    const parked = new Promise<void>((resolve) => (stop = resolve));
    const original = w.azure.deleteRestorePointCollection.bind(w.azure);
    // The collection delete never returns: the process "dies" here.
    w.azure.deleteRestorePointCollection = async () => parked;
    void w.a.runApproved(r.id);
    await until(() => w.azure.locks.length === 0, 'the lock removed');
    const stored = await w.store.get(r.id);
    expect(stored?.state).toBe('executing');
    expect(stored?.locks).toEqual([expect.objectContaining({ name: 'keep', level: 'CanNotDelete', notes: 'do not delete', resourceGroup: LOCK_RG, restored: false })]);
    w.azure.deleteRestorePointCollection = original;
    void stop;
    return stored as FixRequest;
  }

  it('another instance, once the run is stale, restores the identical lock, names its own resource group, and never runs the fix again', async () => {
    const w = world();
    const crashed = await crashedAfterLockRemoval(w);
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    const swept = await w.b.sweep();
    expect(swept.interrupted.map((x) => x.id)).toEqual([crashed.id]);
    expect(lockState(w.azure)).toEqual(originalLock);
    const ended = await w.store.get(crashed.id);
    expect(ended).toMatchObject({ state: 'failed', execution: { errorCode: 'interrupted' }, locks: [expect.objectContaining({ restored: true })] });
    expect(ended?.execution?.summary.en).toContain(`keep (CanNotDelete, notes "do not delete") on resource group ${LOCK_RG}`);
    const actions = (await w.audit.list()).filter((e) => e.requestId === crashed.id).map((e) => e.action);
    expect(actions).toContain('fix.lock-restored');
    expect(actions).toContain('fix.interrupted');
    // Idempotent: a second sweep puts nothing back again and runs nothing.
    const calls = w.azure.calls.length;
    await w.b.sweep();
    expect(w.azure.calls.length).toBe(calls);
  });

  it('a lock that cannot be put back keeps the request open and audited until a later sweep succeeds', async () => {
    const w = world();
    const crashed = await crashedAfterLockRemoval(w);
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    w.azure.failLockCreates = 1;
    expect((await w.b.sweep()).interrupted).toEqual([]);
    expect((await w.store.get(crashed.id))?.state).toBe('executing');
    expect((await w.audit.list())[0]).toMatchObject({ action: 'fix.lock-not-restored', outcome: 'failed', reason: 'lock_not_restored' });
    expect((await w.audit.list())[0]?.detail).toContain(LOCK_RG);
    expect(w.azure.locks).toEqual([]);
    const swept = await w.b.sweep();
    expect(swept.interrupted.map((x) => x.id)).toEqual([crashed.id]);
    expect(lockState(w.azure)).toEqual(originalLock);
  });

  it('a run whose own restore fails does not end: it stays open with its outcome until the sweep puts the lock back', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    w.azure.failCollectionDelete = true;
    w.azure.failLockCreates = 1;
    const parked = await w.a.runApproved(r.id);
    expect(parked?.state).toBe('executing');
    expect(parked?.execution?.summary.en).toContain('LOCK NOT RESTORED');
    expect(w.azure.locks).toEqual([]);
    const ended = await sweptByAnotherInstance(w, r.id);
    expect(ended?.execution?.summary.en).toContain('The recovery has since put back: keep');
  });

  it('a removal Azure never answered, carried out after the run put the lock back: the run leaves the request open, and the sweep puts the lock back once more', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    // The DELETE's answer is lost; Azure carries it out later, after the run's own put-back.
    let lateRemoval: (() => void) | undefined;
    const remove = w.azure.deleteResourceGroupLock.bind(w.azure);
    w.azure.deleteResourceGroupLock = async (s, rg, name) => {
      lateRemoval = () => void remove(s, rg, name);
      throw new CodedError('azure_unavailable', 'the connection was reset before Azure answered');
    };
    const parked = await w.a.runApproved(r.id);
    expect(parked?.state).toBe('executing');
    expect(lockState(w.azure)).toEqual(originalLock);
    expect((await w.audit.list()).find((e) => e.action === 'fix.lock-not-restored')?.detail).toContain('Azure never answered its removal');
    lateRemoval?.();
    expect(w.azure.locks).toEqual([]);
    const ended = await sweptByAnotherInstance(w, r.id);
    expect(ended?.locks?.every((l) => l.restored)).toBe(true);
    expect((await w.audit.list()).some((e) => e.action === 'fix.lock-restored' && e.detail.includes('once more'))).toBe(true);
  });

  it('a run taken over by another instance\'s sweep while it held the lock off puts the lock back itself, though its first put-back failed', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    // A stalls inside the removal (a paused process): its heartbeat lapses and B's sweep ends the request, the lock still on.
    let resume: (() => void) | undefined;
    const stalled = new Promise<void>((resolve) => (resume = resolve));
    const remove = w.azure.deleteResourceGroupLock.bind(w.azure);
    let reached = false;
    w.azure.deleteResourceGroupLock = async (...args) => {
      reached = true;
      await stalled;
      return remove(...args);
    };
    const run = w.a.runApproved(r.id);
    await until(() => reached, 'the run reaches the lock removal');
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    expect((await w.b.sweep()).interrupted.map((x) => x.id)).toEqual([r.id]);
    // A wakes, removes the lock, and its own put-back is throttled once.
    w.azure.failCollectionDelete = true;
    w.azure.failLockCreates = 1;
    resume?.();
    await run;
    expect(lockState(w.azure)).toEqual(originalLock);
    const trail = (await w.audit.list({ limit: 100 })).map((e) => `${e.action}: ${e.detail}`);
    expect(trail.some((t) => t.startsWith('fix.lock-restored') && t.includes('after another instance ended the request'))).toBe(true);
  });
});

describe('a run lifts and deletes only what the approver was shown', () => {
  it('the approved request names the lock and the collection the plan read', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    expect(r.planned?.locks?.map((l) => l.name)).toEqual(['keep']);
    expect(r.planned?.collections?.map((c) => c.name)).toEqual(['AzureBackup_vm-web-01_1234']);
  });

  it('a lock added to the group after the approval: nothing is removed or deleted, and the request ends failed saying why', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    const added = { id: `/subscriptions/${SUB}/resourceGroups/${LOCK_RG}/providers/Microsoft.Authorization/locks/audit-freeze`, name: 'audit-freeze', level: 'ReadOnly', scope: `/subscriptions/${SUB}/resourceGroups/${LOCK_RG}` };
    w.azure.locks = [...w.azure.locks, added];
    const done = await w.a.runApproved(r.id);
    expect(done?.state).toBe('failed');
    expect(done?.execution?.errorCode).toBe('fix_plan_changed');
    expect(done?.execution?.summary.en).toContain('audit-freeze');
    expect(done?.locks ?? []).toEqual([]);
    expect(w.azure.calls.filter((c) => /Lock|RestorePointCollection/.test(c))).toEqual([]);
    expect(w.azure.locks.map((l) => l.name)).toEqual(['keep', 'audit-freeze']);
    expect(w.azure.collections.map((c) => c.name)).toEqual(['AzureBackup_vm-web-01_1234']);
    const failed = (await w.audit.list()).find((e) => e.requestId === r.id && e.action === 'fix.failed');
    expect(failed).toMatchObject({ outcome: 'failed', reason: 'fix_plan_changed' });
    expect(failed?.detail).toContain('Request the fix again');
  });

  it('a restore point collection that appeared after the approval is not deleted: nothing is changed', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    w.azure.collections = [...w.azure.collections, { id: 'rpc2', name: 'AzureBackup_vm-web-01_5678', resourceGroup: LOCK_RG, subscriptionId: SUB, restorePointCount: 3 }];
    const done = await w.a.runApproved(r.id);
    expect(done?.execution?.errorCode).toBe('fix_plan_changed');
    expect(done?.execution?.summary.en).toContain('AzureBackup_vm-web-01_5678');
    expect(w.azure.calls.filter((c) => /Lock|RestorePointCollection/.test(c))).toEqual([]);
    expect(lockState(w.azure)).toEqual(originalLock);
    expect(w.azure.collections).toHaveLength(2);
  });

  it('a lock removed since the approval is fine: the run lifts what is left of what was approved', async () => {
    const w = world();
    const r = await approvedLockFix(w);
    w.azure.locks = [];
    const done = await w.a.runApproved(r.id);
    expect(done?.state).toBe('verified-fixed');
    expect(w.azure.collections).toEqual([]);
  });
});
