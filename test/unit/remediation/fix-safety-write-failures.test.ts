import { CodedError } from '../../../src/core/errors';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { type FixRequest, locksToRestore } from '../../../src/core/remediation/fix-request';
import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import type { RemediationService } from '../../../src/core/remediation/remediation-service';
import { approvedFix, alice, bob, ManualClock, RecordingAzure, SequenceIds, SUB, testLiveness, testService, until, vm } from './fixtures';

const LOCK_RG = 'AzureBackupRG_westeurope_1';
const originalLock = [['keep', 'CanNotDelete', 'do not delete', `/subscriptions/${SUB}/resourceGroups/${LOCK_RG}`]];
const lockState = (azure: RecordingAzure) => azure.locks.map((l) => [l.name, l.level, l.notes, l.scope]);

/** A store whose next compare-and-swap matching `when` throws (a transient outage / 503 / lost answer). */
class FlakyStore extends InMemoryFixRequestStore {
  failWhen: ((r: FixRequest) => boolean) | undefined;
  override async compareAndSwap(request: FixRequest, expectedVersion: number): Promise<FixRequest | undefined> {
    if (this.failWhen?.(request)) {
      this.failWhen = undefined;
      throw new Error('store unavailable (503)');
    }
    return super.compareAndSwap(request, expectedVersion);
  }
}

/** An audit log whose append of one action fails once, or hangs until released. */
class FlakyAudit extends InMemoryAuditLog {
  failOnce: string | undefined;
  hang: { action: string; until: Promise<void>; reached: boolean } | undefined;
  /** The next append of this action lands, then its answer is lost. */
  landThenFail: string | undefined;
  override async append(event: AuditEvent): Promise<void> {
    if (this.landThenFail === event.action) {
      this.landThenFail = undefined;
      await super.append(event);
      throw new Error('audit write timed out (it landed)');
    }
    if (this.failOnce === event.action) {
      this.failOnce = undefined;
      throw new Error('audit table unavailable');
    }
    if (this.hang && this.hang.action === event.action && !this.hang.reached) {
      this.hang.reached = true;
      await this.hang.until;
    }
    return super.append(event);
  }
}

function world(osType: 'Windows' | 'Linux' = 'Windows') {
  const clock = new ManualClock();
  const azure = new RecordingAzure(osType);
  const store = new FlakyStore();
  const audit = new FlakyAudit();
  const ids = new SequenceIds();
  const sleep = async (ms: number) => void clock.advance(ms);
  const instance = (instanceId: string) => testService({ clock, azure, store, audit, ids, instanceId, sleep });
  return { clock, azure, store, audit, a: instance('instance-a'), b: instance('instance-b') };
}

const approved = (w: ReturnType<typeof world>, fixId: string): Promise<FixRequest> => approvedFix(w.a, fixId);
const runCommands = (w: ReturnType<typeof world>): string[] => w.azure.calls.filter((c) => c.startsWith('runCommand'));

/** A request for the agent restart by Alice, not yet decided; its id. */
async function requested(w: ReturnType<typeof world>): Promise<string> {
  const r = await w.a.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en' });
  if (!r.ok) throw new Error(r.refusal.reason);
  return r.value.id;
}

/** Approved by Bob and on the audit log, but the store failed every try of taking the "not audited" mark off; its id. */
async function approvedButKeptMarked(w: ReturnType<typeof world>): Promise<string> {
  const id = await requested(w);
  const realSwap = w.store.compareAndSwap.bind(w.store);
  w.store.compareAndSwap = async (request, expectedVersion) => {
    if (request.state === 'approved' && !request.approvalUnaudited) throw new Error('store unavailable (503)');
    return realSwap(request, expectedVersion);
  };
  expect((await w.a.approve(id, bob)).ok).toBe(true);
  w.store.compareAndSwap = realSwap;
  return id;
}

/** The identity may read locks but not write them: removal and put-back are both 403. */
function forbidLockWrites(w: ReturnType<typeof world>): void {
  w.azure.deleteResourceGroupLock = async () => {
    throw forbidden();
  };
  w.azure.createResourceGroupLock = async () => {
    throw forbidden();
  };
}

/** Three sweeps of instance B, each after a run would be judged silent. */
async function sweepsPastStale(w: ReturnType<typeof world>): Promise<void> {
  for (let i = 0; i < 3; i++) {
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    await w.b.sweep();
  }
}

/** Past the resume grace, instance B sweeps and carries on whatever it may; what the sweep found. */
async function resumeAfterGrace(w: ReturnType<typeof world>): Promise<Awaited<ReturnType<RemediationService['sweep']>>> {
  w.clock.advance(testLiveness.resumeGraceMs + 1_000);
  const swept = await w.b.sweep();
  await Promise.all(swept.resumable.map((x) => w.b.resume(x.id)));
  return swept;
}

const actionsOf = async (w: ReturnType<typeof world>, requestId: string): Promise<string[]> => (await w.audit.list({ limit: 500 })).filter((e) => e.requestId === requestId).map((e) => e.action);

const forbidden = () => new CodedError('azure_forbidden', "The bot's identity needs Owner or User Access Administrator", { status: 403, azureCode: 'AuthorizationFailed' });

describe('fix safety when a store or audit write fails or hangs', () => {
  it('a lock the bot may not remove (403) was never lifted: the request ends failed, with no false "lock not restored"', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    forbidLockWrites(w);
    const out = await w.a.runApproved(r.id);
    expect(lockState(w.azure)).toEqual(originalLock); // the lock was never touched
    await sweepsPastStale(w);
    const stored = await w.store.get(r.id);
    const trail = (await w.audit.list({ limit: 100 })).map((e) => `${e.action}: ${e.detail}`);
    // Expected: the fix failed (403), nothing to put back, the request final, the VM free for another request.
    expect({ returned: out?.state, stored: stored?.state, falseAlarms: trail.filter((t) => t.startsWith('fix.lock-not-restored')).length }).toEqual({ returned: 'failed', stored: 'failed', falseAlarms: 0 });
  });

  it('a removal the bot may not make (403), whose check of the locks then fails, was still never lifted: the request ends failed', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    forbidLockWrites(w);
    const realList = w.azure.listResourceGroupLocks.bind(w.azure);
    let listings = 0;
    w.azure.listResourceGroupLocks = async (...args: Parameters<typeof realList>) => {
      // The run's first listing (to record the locks) works; the check after the refusal does not.
      if ((listings += 1) === 2) throw new CodedError('azure_unavailable', 'ARM answered 503', { status: 503 });
      return realList(...args);
    };
    await w.a.runApproved(r.id);
    await sweepsPastStale(w);
    expect(lockState(w.azure)).toEqual(originalLock);
    expect((await w.store.get(r.id))?.state).toBe('failed');
    expect(await actionsOf(w, r.id)).not.toContain('fix.lock-not-restored');
  });

  it('a removal refused although the lock is gone (a retry of a removal whose answer was lost) counts as lifted: the lock is put back', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    const realDelete = w.azure.deleteResourceGroupLock.bind(w.azure);
    w.azure.deleteResourceGroupLock = async (sub, rg, name) => {
      await realDelete(sub, rg, name);
      throw new CodedError('azure_conflict', 'Another operation is in progress on the lock', { status: 409, azureCode: 'Conflict' });
    };
    const out = await w.a.runApproved(r.id);
    expect(out?.state).toBe('failed');
    expect(lockState(w.azure)).toEqual(originalLock);
    expect(locksToRestore((await w.store.get(r.id)) as FixRequest)).toEqual([]);
  });

  it('a removal refused as a conflict while an earlier try of it is still under way is put back, so the lock is not left off when that try lands', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    const realDelete = w.azure.deleteResourceGroupLock.bind(w.azure);
    const realList = w.azure.listResourceGroupLocks.bind(w.azure);
    let inFlight: (() => Promise<void>) | undefined;
    w.azure.deleteResourceGroupLock = async (sub, rg, name) => {
      inFlight = () => realDelete(sub, rg, name);
      throw new CodedError('azure_conflict', 'Another operation is in progress on the lock', { status: 409, azureCode: 'Conflict' });
    };
    // The lock is still listed, and only then does the earlier try land.
    w.azure.listResourceGroupLocks = async (...args: Parameters<typeof realList>) => {
      const seen = await realList(...args);
      const landing = inFlight;
      inFlight = undefined;
      if (landing) await landing();
      return seen;
    };
    await w.a.runApproved(r.id);
    await sweepsPastStale(w);
    expect(lockState(w.azure)).toEqual(originalLock);
    expect((await w.store.get(r.id))?.state).toBe('failed');
  });

  it('a run another instance ended while a lock removal went unanswered keeps putting the lock back until that removal can no longer land', async () => {
    const clock = new ManualClock();
    const azure = new RecordingAzure('Windows');
    const store = new FlakyStore();
    const audit = new FlakyAudit();
    const ids = new SequenceIds();
    let landLate: (() => Promise<void>) | undefined;
    // Time passes at once; the unanswered removal lands during the run's second wait.
    const sleep = async (ms: number) => {
      clock.advance(ms);
      if (ms >= 2_000 && landLate) {
        const landing = landLate;
        landLate = undefined;
        await landing();
      }
    };
    const a = testService({ clock, azure, store, audit, ids, instanceId: 'instance-a', sleep });
    const b = testService({ clock, azure, store, audit, ids, instanceId: 'instance-b', sleep });
    const r = await approvedFix(a, 'clear-restore-points-behind-lock');
    const realSwap = store.compareAndSwap.bind(store);
    const realDelete = azure.deleteResourceGroupLock.bind(azure);
    azure.deleteResourceGroupLock = async (sub, rg, name) => {
      landLate = () => realDelete(sub, rg, name);
      // Meanwhile another instance's sweep ends the request (the run's heartbeats did not get through).
      const current = (await store.get(r.id)) as FixRequest;
      await realSwap({ ...current, state: 'failed', runner: { instanceId: 'instance-b', heartbeatAt: clock.now().toISOString() } }, current.version);
      throw new CodedError('azure_unavailable', 'the removal was sent; no answer came', { status: 504 });
    };
    await a.runApproved(r.id);
    expect(landLate).toBeUndefined();
    for (let i = 0; i < 3; i++) {
      clock.advance(testLiveness.staleAfterMs + 1_000);
      await b.sweep();
    }
    expect(azure.locks.map((l) => [l.name, l.level, l.notes, l.scope])).toEqual(originalLock);
  });

  it('a fix that put its lock back succeeds and is verified even when marking the lock restored failed once', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    // One transient store error on the write that marks the put-back lock restored.
    w.store.failWhen = (req) => (req.locks ?? []).some((l) => l.restored);
    const out = await w.a.runApproved(r.id);
    expect(lockState(w.azure)).toEqual(originalLock); // the lock is back
    expect(w.azure.collections).toEqual([]); // the fix did its job
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    const swept = await w.b.sweep();
    await Promise.all(swept.resumable.map((x) => w.b.resume(x.id)));
    const stored = await w.store.get(r.id);
    const actions = await actionsOf(w, r.id);
    expect({ returned: out?.state, stored: stored?.state, lockNotRestored: actions.includes('fix.lock-not-restored'), succeededAudited: actions.includes('fix.succeeded') }).toEqual({
      returned: expect.stringMatching(/succeeded|verified-fixed/),
      stored: 'verified-fixed',
      lockNotRestored: false,
      succeededAudited: true,
    });
  });

  it('a fix that put its lock back succeeds and is verified even when the store refuses every try of the "restored" mark', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    // The store is down for longer than the run's retries, for that write only.
    const realSwap = w.store.compareAndSwap.bind(w.store);
    w.store.compareAndSwap = async (request, expectedVersion) => {
      if (request.state === 'executing' && (request.locks ?? []).some((l) => l.restored)) throw new Error('store unavailable (503)');
      return realSwap(request, expectedVersion);
    };
    const out = await w.a.runApproved(r.id);
    expect(lockState(w.azure)).toEqual(originalLock);
    expect(out?.state).toMatch(/succeeded|verified-fixed/);
    expect(locksToRestore((await w.store.get(r.id)) as FixRequest)).toEqual([]);
    const actions = await actionsOf(w, r.id);
    expect(actions).toContain('fix.succeeded');
    expect(actions).not.toContain('fix.lock-not-restored');
  });

  it('a write that landed although the store answered "conflict" (its SDK retried it) counts as the run having written it: the fix runs once and ends succeeded', async () => {
    const w = world();
    const r = await approved(w, 'restart-windows-agent');
    const realSwap = w.store.compareAndSwap.bind(w.store);
    let executingWrites = 0;
    w.store.compareAndSwap = async (request, expectedVersion) => {
      // Time passes between writes, so each heartbeat differs from the last.
      w.clock.advance(5);
      const next = await realSwap(request, expectedVersion);
      // The run's check that it still holds the request lands, but the answer says conflict.
      if (request.state === 'executing' && (executingWrites += 1) === 2) return undefined;
      return next;
    };
    const out = await w.a.runApproved(r.id);
    expect(runCommands(w)).toHaveLength(1);
    expect(out?.state).toMatch(/succeeded|verif/);
    const details = (await w.audit.list({ limit: 100 })).filter((e) => e.requestId === r.id).map((e) => e.detail);
    expect(details.join('\n')).not.toMatch(/finished after/);
  });

  it('a write that landed, whose answer was lost and whose re-read failed too, is not applied twice', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    const realSwap = w.store.compareAndSwap.bind(w.store);
    const realGet = w.store.get.bind(w.store);
    let lost = false;
    let failGet = false;
    w.store.compareAndSwap = async (request, expectedVersion) => {
      const next = await realSwap(request, expectedVersion);
      if (!lost && (request.locks ?? []).length > 0) {
        lost = true;
        failGet = true;
        throw new Error('connection reset after the write');
      }
      return next;
    };
    w.store.get = async (id) => {
      if (failGet) {
        failGet = false;
        throw new Error('store unavailable (503)');
      }
      return realGet(id);
    };
    await w.a.runApproved(r.id);
    expect(lost).toBe(true);
    expect(((await realGet(r.id))?.locks ?? []).map((l) => l.name)).toEqual(['keep']);
    expect(lockState(w.azure)).toEqual(originalLock);
  });

  it('the heartbeat runs while the first audit write hangs: another instance does not judge the run silent', async () => {
    const clock = new ManualClock();
    const azure = new RecordingAzure('Windows');
    const store = new FlakyStore();
    const audit = new FlakyAudit();
    const ids = new SequenceIds();
    const beats: (() => void)[] = [];
    const every = (_ms: number, beat: () => void) => {
      beats.push(beat);
      return () => beats.splice(beats.indexOf(beat), 1);
    };
    const a = testService({ clock, azure, store, audit, ids, instanceId: 'instance-a', every });
    const b = testService({ clock, azure, store, audit, ids, instanceId: 'instance-b' });
    const requested = await a.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en' });
    if (!requested.ok) throw new Error('request');
    await a.approve(requested.value.id, bob);
    let release: (() => void) | undefined;
    audit.hang = { action: 'fix.execution-started', until: new Promise<void>((resolve) => (release = resolve)), reached: false };
    const run = a.runApproved(requested.value.id);
    await until(() => audit.hang?.reached === true, 'execution-started audit reached');
    for (let i = 0; i < 6; i++) {
      clock.advance(testLiveness.heartbeatMs);
      for (const beat of [...beats]) beat();
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect((await b.sweep()).interrupted).toEqual([]);
    release?.();
    await run;
    expect(azure.calls.filter((c) => c.startsWith('runCommand'))).toHaveLength(1);
  });

  it('a run another instance ended after it recorded its locks lifts none of them, and the fix does nothing', async () => {
    const w = world();
    const r = await approved(w, 'clear-restore-points-behind-lock');
    // Right after the run records its locks, another instance's sweep (judging it silent) ends the request.
    const realSwap = w.store.compareAndSwap.bind(w.store);
    let tookOver = false;
    w.store.compareAndSwap = async (request, expectedVersion) => {
      const next = await realSwap(request, expectedVersion);
      if (next && !tookOver && (request.locks ?? []).length > 0) {
        tookOver = true;
        await realSwap({ ...next, state: 'failed', runner: { instanceId: 'instance-b', heartbeatAt: w.clock.now().toISOString() } }, next.version);
      }
      return next;
    };
    await w.a.runApproved(r.id);
    expect(tookOver).toBe(true);
    expect(w.azure.calls.filter((c) => c.startsWith('deleteLock'))).toEqual([]);
    expect(lockState(w.azure)).toEqual(originalLock);
    expect(w.azure.collections).not.toEqual([]);
  });

  it('an approval the audit cannot record ends the request, not run: no fix runs without its approval in the audit', async () => {
    const w = world();
    const id = await requested(w);
    w.audit.failOnce = 'fix.approved';
    await expect(w.a.approve(id, bob)).rejects.toThrow('audit table unavailable');
    const ended = await w.store.get(id);
    expect(ended?.state).toBe('failed');
    expect(ended?.execution?.summary.en).toContain('could not be written to the audit log');
    expect(await w.a.runApproved(id)).toBeUndefined();
    w.clock.advance(testLiveness.resumeGraceMs + 1_000);
    expect((await w.b.sweep()).resumable).toEqual([]);
    expect(runCommands(w)).toEqual([]);
    // Once the audit log is back, the fix can be requested and approved again.
    const again = await w.a.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en' });
    expect(again.ok && (await w.a.approve(again.value.id, bob)).ok).toBe(true);
  });

  it('an approval whose audit write hangs past the resume grace is never run: the sweep ends it as not on record', async () => {
    const w = world();
    const id = await requested(w);
    let finish: (() => void) | undefined;
    w.audit.hang = { action: 'fix.approved', until: new Promise<void>((resolve) => (finish = resolve)), reached: false };
    const approving = w.a.approve(id, bob);
    await until(() => w.audit.hang?.reached === true, 'approval audit reached');
    expect(await w.a.runApproved(id)).toBeUndefined();
    w.clock.advance(testLiveness.resumeGraceMs + 1_000);
    const swept = await w.b.sweep();
    expect(swept.resumable).toEqual([]);
    expect(swept.interrupted.map((x) => x.id)).toEqual([id]);
    finish?.();
    await approving;
    expect(runCommands(w)).toEqual([]);
    expect((await w.store.get(id))?.state).toBe('failed');
  });

  it('an audited approval whose "not audited" mark could not be taken off once still runs, and is not ended as unaudited', async () => {
    const w = world();
    const id = await requested(w);
    w.store.failWhen = (req) => req.state === 'approved' && !req.approvalUnaudited;
    const approval = await w.a.approve(id, bob);
    expect(approval.ok).toBe(true);
    await w.a.runApproved(id);
    expect(runCommands(w)).toHaveLength(1);
    expect(await actionsOf(w, id)).not.toContain('fix.abandoned');
  });

  it('an audited approval the store kept marked (it failed every try) is carried on by the sweep, which finds it on the audit log', async () => {
    const w = world();
    const id = await approvedButKeptMarked(w);
    expect(await w.a.runApproved(id)).toBeUndefined();
    await resumeAfterGrace(w);
    expect(runCommands(w)).toHaveLength(1);
    expect(await actionsOf(w, id)).not.toContain('fix.abandoned');
  });

  it('a sweep that cannot read the audit log leaves a marked approval for the next sweep, neither ending nor running it', async () => {
    const w = world();
    const id = await approvedButKeptMarked(w);
    const realList = w.audit.list.bind(w.audit);
    w.audit.list = async () => {
      throw new Error('audit table unavailable');
    };
    w.clock.advance(testLiveness.resumeGraceMs + 1_000);
    const swept = await w.b.sweep();
    expect([swept.resumable, swept.interrupted]).toEqual([[], []]);
    expect((await w.store.get(id))?.state).toBe('approved');
    w.audit.list = realList;
    const next = await w.b.sweep();
    await Promise.all(next.resumable.map((x) => w.b.resume(x.id)));
    expect(runCommands(w)).toHaveLength(1);
  });

  it('an approval whose unmarking landed though its answer was lost is told to the approver as made, and runs once', async () => {
    const w = world();
    const id = await requested(w);
    const realSwap = w.store.compareAndSwap.bind(w.store);
    let lost = false;
    w.store.compareAndSwap = async (request, expectedVersion) => {
      const next = await realSwap(request, expectedVersion);
      if (!lost && request.state === 'approved' && !request.approvalUnaudited) {
        lost = true;
        throw new Error('connection reset after the write');
      }
      return next;
    };
    const approval = await w.a.approve(id, bob);
    expect(approval.ok && approval.value.approvalUnaudited).toBeUndefined();
    await w.a.runApproved(id);
    await resumeAfterGrace(w);
    expect(runCommands(w)).toHaveLength(1);
  });

  it('an approval whose audit entry landed though its answer was lost is made, not ended as unaudited', async () => {
    const w = world();
    const id = await requested(w);
    w.audit.landThenFail = 'fix.approved';
    const approval = await w.a.approve(id, bob);
    expect(approval.ok && approval.value.approvalUnaudited).toBeUndefined();
    await w.a.runApproved(id);
    expect(runCommands(w)).toHaveLength(1);
    expect(await actionsOf(w, id)).not.toContain('fix.abandoned');
  });

  it('an audited approval kept marked is found on the audit log behind hundreds of refused presses', async () => {
    const w = world();
    const id = await approvedButKeptMarked(w);
    for (let i = 0; i < 501; i++) await w.a.approve(id, bob);
    await resumeAfterGrace(w);
    expect(runCommands(w)).toHaveLength(1);
    expect(await actionsOf(w, id)).not.toContain('fix.abandoned');
  });

  it('a marked approval the sweep can never check against the audit log ends once its approval window has passed, and frees the VM', async () => {
    const w = world();
    const id = await approvedButKeptMarked(w);
    w.audit.list = async () => {
      throw new Error('audit listing not permitted');
    };
    for (let i = 0; i < 20; i++) {
      w.clock.advance(10 * 60_000);
      await w.b.sweep();
    }
    expect((await w.store.get(id))?.state).toBe('failed');
    expect(runCommands(w)).toEqual([]);
    expect((await w.a.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en' })).ok).toBe(true);
  });

  it('fifty approvals of one request at once: one approval on record, one run', async () => {
    const w = world();
    const id = await requested(w);
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? w.a : w.b).approve(id, bob)));
    expect(results.filter((x) => x.ok)).toHaveLength(1);
    const approvedOne = results.find((x) => x.ok);
    expect(approvedOne?.ok && approvedOne.value.approvalUnaudited).toBeUndefined();
    await w.a.runApproved(id);
    const actions = await actionsOf(w, id);
    expect(actions.filter((a) => a === 'fix.approved')).toHaveLength(1);
    expect(runCommands(w)).toHaveLength(1);
  });

  it('a run whose start the audit log cannot take ends at once as not run, and changes nothing', async () => {
    const w = world();
    const r = await approved(w, 'restart-windows-agent');
    w.audit.failOnce = 'fix.execution-started';
    const out = await w.a.runApproved(r.id);
    expect(out?.state).toBe('failed');
    expect(out?.execution?.summary.en).toContain('Not run');
    expect(runCommands(w)).toEqual([]);
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    expect((await w.b.sweep()).interrupted).toEqual([]);
  });

  it('one store error on the final write neither loses the outcome nor leaves the request to the sweep', async () => {
    const w = world();
    const r = await approved(w, 'restart-windows-agent');
    w.store.failWhen = (req) => req.state === 'succeeded';
    const out = await w.a.runApproved(r.id);
    expect(runCommands(w)).toHaveLength(1);
    expect(out?.state).toMatch(/succeeded|verif/);
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    expect((await w.b.sweep()).interrupted).toEqual([]);
    const actions = await actionsOf(w, r.id);
    expect(actions).toContain('fix.succeeded');
    expect(actions).not.toContain('fix.interrupted');
  });

  it('a store write whose answer was lost but which landed is not written twice, and the run goes on', async () => {
    const w = world();
    const r = await approved(w, 'restart-windows-agent');
    const realSwap = w.store.compareAndSwap.bind(w.store);
    let lost = false;
    w.store.compareAndSwap = async (request, expectedVersion) => {
      const next = await realSwap(request, expectedVersion);
      if (!lost && request.state === 'succeeded') {
        lost = true;
        throw new Error('connection reset after the write');
      }
      return next;
    };
    const out = await w.a.runApproved(r.id);
    expect(lost).toBe(true);
    expect(out?.state).toMatch(/succeeded|verif/);
    const actions = await actionsOf(w, r.id);
    expect(actions.filter((a) => a === 'fix.succeeded')).toHaveLength(1);
    const details = (await w.audit.list({ limit: 100 })).filter((e) => e.requestId === r.id).map((e) => e.detail);
    expect(details.join('\n')).not.toMatch(/interrupted|finished after/);
  });

  it('a run whose first audit write hangs, and which another instance ends meanwhile as not run, runs nothing', async () => {
    const w = world();
    const r = await approved(w, 'restart-windows-agent');
    let release: (() => void) | undefined;
    w.audit.hang = { action: 'fix.execution-started', until: new Promise<void>((resolve) => (release = resolve)), reached: false };
    const run = w.a.runApproved(r.id);
    await until(() => w.audit.hang?.reached === true, 'execution-started audit reached');
    w.clock.advance(testLiveness.staleAfterMs + 1_000);
    const swept = await w.b.sweep();
    expect(swept.interrupted.map((x) => x.id)).toEqual([r.id]);
    const ended = await w.store.get(r.id);
    expect(ended?.execution?.summary.en).toContain('It was not run again');
    release?.();
    await run;
    // The request is final ("interrupted ... not run again") and its open key released, yet:
    expect(runCommands(w)).toEqual([]);
  });
});
