import { CodedError } from '../../../src/core/errors';
import type { AzurePort, BackupJob } from '../../../src/core/azure-port';
import { executors } from '../../../src/core/remediation/executors';
import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import type { Actor } from '../../../src/core/remediation/actor';
import { abortableSleep } from '../../../src/remediation/create-remediation';
import { alice, bob, loadCatalogue, ManualClock, RecordingAzure, testLiveness, testService, vm } from './fixtures';

/**
 * Defects found in review of the approved-fix flow: verification errors were judged
 * "still failing", two Request presses made two requests, shutdown waited out verifications,
 * and a throwing progress callback could stop a fix half-way.
 */
function setup(options: { sleep?: (ms: number, signal?: AbortSignal) => Promise<void>; pollIntervalMs?: number; instanceId?: string; azure?: RecordingAzure; store?: InMemoryFixRequestStore; audit?: InMemoryAuditLog; clock?: ManualClock } = {}) {
  const clock = options.clock ?? new ManualClock();
  const azure = options.azure ?? new RecordingAzure('Windows');
  const store = options.store ?? new InMemoryFixRequestStore();
  const audit = options.audit ?? new InMemoryAuditLog();
  const service = testService({ clock, azure, store, audit, ...(options.sleep ? { sleep: options.sleep } : {}), ...(options.pollIntervalMs ? { pollIntervalMs: options.pollIntervalMs } : {}), ...(options.instanceId ? { instanceId: options.instanceId } : {}) });
  return { service, azure, store, audit, clock };
}

async function approved(s: ReturnType<typeof setup>, fixId = 'restart-windows-agent', approver: Actor = bob) {
  const r = await s.service.request({ fixId, target: { vm }, actor: alice, language: 'en', sessionId: 'sess-1' });
  if (!r.ok) throw new Error(`request refused: ${r.refusal.reason}`);
  const a = await s.service.approve(r.value.id, approver);
  if (!a.ok) throw new Error(`approval refused: ${a.refusal.reason}`);
  return a.value;
}

const unavailable = () => new CodedError('azure_unavailable', 'Azure is unavailable right now (tried to read backup job): ServiceUnavailable', { status: 503 });
const throttled = () => new CodedError('azure_throttled', 'Azure is throttling requests', { status: 429 });

describe('a verification that cannot be followed is "unverified", not "still failing"', () => {
  it('retries transient Azure errors while polling the verification job, then reports fixed', async () => {
    const s = setup();
    const r = await approved(s);
    const original = s.azure.getBackupJob.bind(s.azure);
    const failures = [unavailable(), throttled()];
    s.azure.getBackupJob = async (vault, jobId) => {
      const next = failures.shift();
      if (next) throw next;
      return original(vault, jobId);
    };
    const done = await s.service.runApproved(r.id);
    expect(done).toMatchObject({ state: 'verified-fixed', verification: { result: 'fixed' } });
  });

  it('gives up after a few transient errors in a row: unverified, audited fix.unverified, and the fix itself recorded as succeeded', async () => {
    const s = setup();
    const r = await approved(s);
    let polls = 0;
    s.azure.getBackupJob = async () => {
      polls++;
      throw unavailable();
    };
    const done = await s.service.runApproved(r.id);
    expect(done).toMatchObject({ state: 'unverified', verification: { result: 'error', jobId: 'job-1' } });
    expect(polls).toBe(4);
    const trail = (await s.audit.list({ limit: 100 })).map((e) => e.action).reverse();
    expect(trail).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.unverified']);
    expect(trail).not.toContain('fix.still-failing');
    expect((await s.audit.list())[0]?.detail).toContain('the fix itself succeeded');
  });

  it('does not retry an answer (a 403 is not transient)', async () => {
    const s = setup();
    const r = await approved(s);
    let polls = 0;
    s.azure.getBackupJob = async () => {
      polls++;
      throw new CodedError('azure_forbidden', 'The bot needs Backup Reader', { status: 403 });
    };
    expect((await s.service.runApproved(r.id))?.state).toBe('unverified');
    expect(polls).toBe(1);
  });

  it('a verification backup that does not end in time is unverified too', async () => {
    const s = setup();
    const r = await approved(s);
    s.azure.getBackupJob = async (_vault, jobId): Promise<BackupJob> => ({ id: jobId, vault: _vault, vmName: vm.name, operation: 'Backup', status: 'InProgress', errors: [] });
    const done = await s.service.runApproved(r.id);
    expect(done).toMatchObject({ state: 'unverified', verification: { result: 'timed-out' } });
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.unverified', reason: 'timed-out' });
  });

  it.each(['Cancelled', 'SomethingNew'])('a verification backup that ended %s did not run to its end: unverified, not still failing', async (status) => {
    const s = setup();
    const r = await approved(s);
    s.azure.getBackupJob = async (_vault, jobId): Promise<BackupJob> => ({ id: jobId, vault: _vault, vmName: vm.name, operation: 'Backup', status, errors: [] });
    const done = await s.service.runApproved(r.id);
    expect(done).toMatchObject({ state: 'unverified', verification: { result: 'error', message: expect.stringContaining(`ended ${status} before it could prove anything`) } });
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.unverified' });
  });
});

describe('one open request per session, fix and VM, however many presses race', () => {
  it('20 concurrent Request presses create one request; the other 19 are refused "already requested" and audited', async () => {
    const s = setup();
    const presses = await Promise.all(Array.from({ length: 20 }, (_, i) => s.service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: i % 2 ? alice : bob, language: 'en', sessionId: 'sess-1' })));
    const created = presses.filter((p) => p.ok);
    expect(created).toHaveLength(1);
    const id = created[0]?.ok ? created[0].value.id : '';
    for (const p of presses.filter((x) => !x.ok)) expect(p).toMatchObject({ ok: false, refusal: { reason: 'already-requested' }, request: { id } });
    expect(await s.store.listBySession('sess-1')).toHaveLength(1);
    const refusals = (await s.audit.list({ limit: 100 })).filter((e) => e.action === 'fix.refused');
    expect(refusals).toHaveLength(19);
    expect(new Set(refusals.map((e) => `${e.reason}:${e.requestId}`))).toEqual(new Set([`already-requested:${id}`]));
  });

  it('a rejected (final) request frees the key; an expired one frees it even before the sweep', async () => {
    const s = setup();
    const first = await s.service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en', sessionId: 'sess-1' });
    if (!first.ok) throw new Error('refused');
    await s.service.reject(first.value.id, bob, 'not now');
    const second = await s.service.request({ fixId: 'restart-windows-agent', target: { vm: { ...vm, name: 'VM-WEB-01' } }, actor: alice, language: 'en', sessionId: 'sess-1' });
    expect(second.ok).toBe(true);
    s.clock.advance(31 * 60_000);
    const third = await s.service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en', sessionId: 'sess-1' });
    expect(third.ok).toBe(true);
    if (second.ok) expect((await s.store.get(second.value.id))?.state).toBe('expired');
    expect((await s.audit.list({ limit: 100 })).filter((e) => e.action === 'fix.expired')).toHaveLength(1);
  });
});

describe('shutdown', () => {
  it('stop() ends a verification poll at once: the request stays verifying with its job id, and the next start follows the job again', async () => {
    const clock = new ManualClock();
    const store = new InMemoryFixRequestStore();
    const audit = new InMemoryAuditLog();
    const azure = new RecordingAzure('Windows');
    // Real timers and a poll interval far longer than the test: only the abort can end the wait.
    const a = setup({ clock, store, audit, azure, sleep: abortableSleep, pollIntervalMs: 10 * 60_000, instanceId: 'a' });
    const r = await approved(a);
    // Patched through the port's type: RecordingAzure does not declare the call options.
    const port: AzurePort = azure;
    const polled = new Promise<void>((resolve) => {
      const original = azure.getBackupJob.bind(azure);
      port.getBackupJob = async (vault, jobId) => {
        const job = await original(vault, jobId);
        resolve();
        return { ...job, status: 'InProgress' };
      };
    });
    const run = a.service.runApproved(r.id);
    await polled;
    const started = Date.now();
    a.service.stop();
    const left = await run;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(left).toMatchObject({ state: 'verifying', verification: { result: 'pending', jobId: 'job-1' } });
    expect((await store.get(r.id))?.state).toBe('verifying');
    // Nothing new starts on a stopping instance.
    expect(await a.service.resume(r.id)).toBeUndefined();

    // The next start: once the heartbeat has lapsed, the sweep resumes the same job.
    clock.advance(91_000);
    azure.getBackupJob = RecordingAzure.prototype.getBackupJob.bind(azure);
    const b = setup({ clock, store, audit, azure, instanceId: 'b' });
    expect((await b.service.sweep()).resumable.map((x) => x.id)).toEqual([r.id]);
    expect((await b.service.resume(r.id))?.state).toBe('verified-fixed');
    expect(azure.calls.filter((c) => c === 'triggerBackup')).toHaveLength(1);
  });

  it('stop() hands the abort signal to the Azure operation in flight; the run is recorded as interrupted, never re-run', async () => {
    const s = setup({ sleep: abortableSleep });
    const r = await approved(s);
    let signalled: AbortSignal | undefined;
    const entered = new Promise<void>((resolve) => {
      const port: AzurePort = s.azure;
      port.runCommand = (_vm, _command, options) =>
        new Promise((_resolve, reject) => {
          signalled = options?.abortSignal;
          resolve();
          options?.abortSignal?.addEventListener('abort', () => reject(new CodedError('azure_unavailable', 'aborted', { aborted: true })));
        });
    });
    const run = s.service.runApproved(r.id);
    await entered;
    expect(signalled).toBeDefined();
    s.service.stop();
    const done = await run;
    expect(done).toMatchObject({ state: 'failed', execution: { errorCode: 'interrupted' } });
    expect(done?.execution?.summary.en).toContain('shut down');
    expect((await s.audit.list())[0]).toMatchObject({ action: 'fix.interrupted', reason: 'interrupted' });
  });
});

describe('progress is only a card update', () => {
  it('a progress callback that always throws changes nothing: the fix runs, is verified and audited', async () => {
    const s = setup();
    const r = await approved(s);
    const done = await s.service.runApproved(r.id, async () => {
      throw new Error('Teams is down');
    });
    expect(done?.state).toBe('verified-fixed');
  });

  it('the lock fix writes each lock to the journal before removing it, and puts it back after a failed delete', async () => {
    const azure = new RecordingAzure('Windows');
    azure.failCollectionDelete = true;
    const fix = loadCatalogue().require('clear-restore-points-behind-lock');
    const order: string[] = [];
    const calls = azure.calls;
    const outcome = executors[fix.id]({
      azure,
      fix,
      target: { vm },
      inScope: () => true,
      progress: () => undefined,
      journal: {
        recorded: async (locks) => void order.push(`recorded:${locks.map((l) => l.name).join(',')} after ${calls.length} Azure calls:${calls.filter((c) => c.startsWith('deleteLock')).length} removals`),
        restored: async (ids) => void order.push(`restored:${ids.length}`),
        putBackUnconfirmed: async (ids) => void order.push(`put back unconfirmed:${ids.length}`),
        stillHeld: async () => undefined,
      },
    });
    await expect(outcome).rejects.toMatchObject({ message: expect.stringContaining('Locks restored: keep') });
    expect(order[0]).toMatch(/^recorded:keep after \d+ Azure calls:0 removals$/);
    expect(order[1]).toBe('restored:1');
    expect(azure.calls).toContain('createLock:keep:CanNotDelete:do not delete');
    expect(azure.locks.map((l) => [l.name, l.level, l.notes])).toEqual([['keep', 'CanNotDelete', 'do not delete']]);
  });

  it('through the service too: a throwing progress callback never leaves the resource group unlocked', async () => {
    const s = setup();
    const r = await approved(s, 'clear-restore-points-behind-lock');
    const done = await s.service.runApproved(r.id, async () => {
      throw new Error('card update failed');
    });
    expect(done?.state).toBe('verified-fixed');
    expect(s.azure.locks.map((l) => l.name)).toEqual(['keep']);
    expect(s.azure.collections).toEqual([]);
  });
});

describe('the request card attached while its fix runs', () => {
  it('costs the run nothing: the outcome is written, the verification backup runs, and a later sweep finds nothing to end', async () => {
    const clock = new ManualClock();
    const azure = new RecordingAzure('Windows');
    const store = new InMemoryFixRequestStore();
    const audit = new InMemoryAuditLog();
    const service = testService({ clock, azure, store, audit, instanceId: 'a' });
    const r = await service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en', card: { channel: 'msteams', conversationId: 'conv' } });
    if (!r.ok) throw new Error(r.refusal.reason);
    await service.approve(r.value.id, bob);
    // The run command waits until the card has been attached (an approval pressed before the post's answer came back).
    let release: (() => void) | undefined;
    const original = azure.runCommand.bind(azure);
    azure.runCommand = async (...args) => {
      await new Promise<void>((resolve) => (release = resolve));
      return original(...args);
    };
    const run = service.runApproved(r.value.id);
    for (let i = 0; i < 100 && !release; i++) await new Promise((resolve) => setImmediate(resolve));
    await service.attachCard(r.value.id, { channel: 'msteams', conversationId: 'conv', activityId: 'msg-1' });
    release?.();
    expect(await run).toMatchObject({ state: 'verified-fixed', card: { activityId: 'msg-1' } });
    clock.advance(testLiveness.staleAfterMs + 1_000);
    await testService({ clock, azure, store, audit, instanceId: 'b' }).sweep();
    expect(await store.get(r.value.id)).toMatchObject({ state: 'verified-fixed' });
    expect((await audit.list()).map((e) => e.action)).not.toContain('fix.interrupted');
  });
});
