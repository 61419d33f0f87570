import type { Actor } from '../../../src/core/remediation/actor';
import { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import type { FixRequest } from '../../../src/core/remediation/fix-request';
import type { PolicyState } from '../../../src/core/remediation/policy';
import { alice, bob, loadedPolicy, ManualClock, RecordingAzure, SequenceIds, testService, vm } from './fixtures';

/** Timers driven by hand: `tick()` fires every live interval once. */
class ManualEvery {
  private readonly live = new Set<() => void>();
  every = (_ms: number, fn: () => void): (() => void) => {
    this.live.add(fn);
    return () => this.live.delete(fn);
  };
  tick(): void {
    for (const fn of [...this.live]) fn();
  }
  get count(): number {
    return this.live.size;
  }
}


/** Two bot instances (two services) over one store, one Azure, one clock. */
function world(options: { policy?: PolicyState } = {}) {
  const clock = new ManualClock();
  const azure = new RecordingAzure('Windows');
  const store = new InMemoryFixRequestStore();
  const audit = new InMemoryAuditLog();
  const ids = new SequenceIds();
  let policy = options.policy ?? loadedPolicy();
  const instance = (instanceId: string, every = new ManualEvery()) => ({
    every,
    service: testService({ clock, azure, store, audit, ids, instanceId, policy: () => policy, every: every.every }),
  });
  return { clock, azure, store, audit, a: instance('instance-a'), b: instance('instance-b'), setPolicy: (p: PolicyState) => (policy = p) };
}

async function approvedRequest(w: ReturnType<typeof world>, fixId = 'restart-windows-agent', approver: Actor = bob): Promise<FixRequest> {
  const r = await w.a.service.request({ fixId, target: { vm }, actor: alice, language: 'en' });
  if (!r.ok) throw new Error(r.refusal.reason);
  const approved = await w.a.service.approve(r.value.id, approver);
  if (!approved.ok) throw new Error(approved.refusal.reason);
  return approved.value;
}

/** What a crash leaves behind: the request as it was written, with a runner that will never beat again. */
async function force(w: ReturnType<typeof world>, id: string, change: (r: FixRequest) => FixRequest): Promise<FixRequest> {
  const current = await w.store.get(id);
  if (!current) throw new Error('missing');
  const next = await w.store.compareAndSwap(change(current), current.version);
  if (!next) throw new Error('conflict');
  return next;
}

const actions = async (w: ReturnType<typeof world>, id: string) => (await w.audit.list({ limit: 500 })).filter((e) => e.requestId === id).map((e) => e.action).reverse();
const runCommands = (w: ReturnType<typeof world>) => w.azure.calls.filter((c) => c.startsWith('runCommand')).length;

describe('expiry sweep', () => {
  it('expires each pending request past its window once, audits it, and leaves younger ones pending, across two instances', async () => {
    const w = world();
    const old = await w.a.service.request({ fixId: 'restart-windows-agent', target: { vm }, actor: alice, language: 'en' });
    w.clock.advance(20 * 60_000);
    const young = await w.a.service.request({ fixId: 'restart-windows-agent', target: { vm: { ...vm, name: 'vm-other-01' } }, actor: alice, language: 'en' });
    if (!old.ok || !young.ok) throw new Error('refused');
    w.clock.advance(11 * 60_000);
    const [ra, rb] = await Promise.all([w.a.service.sweep(), w.b.service.sweep()]);
    expect([...ra.expired, ...rb.expired].map((r) => r.id)).toEqual([old.value.id]);
    expect((await w.store.get(old.value.id))?.state).toBe('expired');
    expect((await w.store.get(young.value.id))?.state).toBe('requested');
    expect((await actions(w, old.value.id)).filter((a) => a === 'fix.expired')).toHaveLength(1);
    expect((await w.a.service.sweep()).expired).toEqual([]);
  });
});

describe('crash recovery', () => {
  it('runs an approved request that never started exactly once, after the grace period, whichever instance sweeps', async () => {
    const w = world();
    const r = await approvedRequest(w);
    w.clock.advance(10_000);
    expect((await w.a.service.sweep()).resumable).toEqual([]);
    w.clock.advance(25_000);
    const [sa, sb] = await Promise.all([w.a.service.sweep(), w.b.service.sweep()]);
    expect(sa.resumable.map((x) => x.id)).toEqual([r.id]);
    expect(sb.resumable.map((x) => x.id)).toEqual([r.id]);
    const finals = await Promise.all([w.a.service.resume(r.id), w.b.service.resume(r.id), w.a.service.resume(r.id)]);
    expect(finals.filter((f) => f !== undefined)).toHaveLength(1);
    expect(runCommands(w)).toBe(1);
    expect((await w.store.get(r.id))?.state).toBe('verified-fixed');
    const trail = await actions(w, r.id);
    expect(trail).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']);
    expect((await w.audit.list({ limit: 500 })).find((e) => e.action === 'fix.execution-started')?.detail).toContain('resumed');
  });

  it('marks an execution cut off by a restart as failed "interrupted", never runs it again, and audits it', async () => {
    const w = world();
    const r = await approvedRequest(w);
    const stuck = await force(w, r.id, (x) => ({ ...x, state: 'executing', executedAt: w.clock.now().toISOString(), runner: { instanceId: 'crashed', heartbeatAt: w.clock.now().toISOString() } }));
    w.clock.advance(60_000);
    expect((await w.b.service.sweep()).interrupted).toEqual([]);
    w.clock.advance(31_000);
    const swept = await w.b.service.sweep();
    expect(swept.interrupted.map((x) => x.id)).toEqual([stuck.id]);
    expect(swept.resumable).toEqual([]);
    const after = await w.store.get(r.id);
    expect(after).toMatchObject({ state: 'failed', execution: { errorCode: 'interrupted' } });
    expect(after?.execution?.summary.en).toMatch(/^Interrupted: the bot restarted while the fix ran.*Check vm-web-01 .*request the fix again/);
    expect(after?.execution?.summary.pl).toContain('Sprawdź vm-web-01');
    expect(await w.b.service.resume(r.id)).toBeUndefined();
    expect(await w.a.service.runApproved(r.id)).toBeUndefined();
    expect(runCommands(w)).toBe(0);
    const entry = (await w.audit.list()).find((e) => e.action === 'fix.interrupted');
    expect(entry).toMatchObject({ outcome: 'failed', reason: 'interrupted', requestId: r.id, target: vm });
    // A second sweep finds nothing more to do.
    expect((await w.a.service.sweep()).interrupted).toEqual([]);
  });

  it('leaves a slow execution alone while its instance keeps beating, and marks it only once the beats stop', async () => {
    const w = world();
    const r = await approvedRequest(w);
    let release: (() => void) | undefined;
    const original = w.azure.runCommand.bind(w.azure);
    w.azure.runCommand = async (...args) => {
      await new Promise<void>((resolve) => (release = resolve));
      return original(...args);
    };
    const running = w.a.service.execute(r.id);
    await new Promise((resolve) => setImmediate(resolve));
    expect(w.a.every.count).toBe(1);
    for (let i = 0; i < 10; i++) {
      w.clock.advance(20_000);
      w.a.every.tick();
      await new Promise((resolve) => setImmediate(resolve));
      expect((await w.b.service.sweep()).interrupted).toEqual([]);
    }
    // The running instance itself never judges its own run.
    w.clock.advance(200_000);
    expect((await w.a.service.sweep()).interrupted).toEqual([]);
    // Another instance does once the heartbeat is stale; the run, when it ends, cannot overwrite that.
    expect((await w.b.service.sweep()).interrupted.map((x) => x.id)).toEqual([r.id]);
    release?.();
    const finished = await running;
    expect(finished?.state).toBe('failed');
    expect(w.a.every.count).toBe(0);
    const late = (await w.audit.list()).find((e) => e.action === 'fix.succeeded');
    expect(late?.detail).toContain('finished after the run had been marked interrupted');
  });

  it('follows a verification job again after a restart instead of starting another backup', async () => {
    const w = world();
    const r = await approvedRequest(w, 'retry-backup');
    const job = await w.azure.triggerBackup();
    await force(w, r.id, (x) => ({
      ...x,
      state: 'verifying',
      execution: { summary: { en: 'Backup started', pl: 'Kopia uruchomiona' }, backupJobId: job.jobId },
      verification: { result: 'pending', jobId: job.jobId },
      runner: { instanceId: 'crashed', heartbeatAt: w.clock.now().toISOString() },
    }));
    w.clock.advance(91_000);
    const swept = await w.b.service.sweep();
    expect(swept.resumable.map((x) => x.id)).toEqual([r.id]);
    const [one, two] = await Promise.all([w.b.service.resume(r.id), w.a.service.resume(r.id)]);
    expect([one, two].filter((x) => x !== undefined)).toHaveLength(1);
    expect((await w.store.get(r.id))).toMatchObject({ state: 'verified-fixed', verification: { result: 'fixed', jobId: job.jobId } });
    expect(w.azure.calls.filter((c) => c === 'triggerBackup')).toHaveLength(1);
    expect(await actions(w, r.id)).toEqual(expect.arrayContaining(['fix.resumed', 'fix.verified-fixed']));
  });

  it('marks a verification whose backup job was never recorded as not verified, with what to check', async () => {
    const w = world();
    const r = await approvedRequest(w);
    await force(w, r.id, (x) => ({ ...x, state: 'verifying', verification: { result: 'pending' }, runner: { instanceId: 'crashed', heartbeatAt: w.clock.now().toISOString() } }));
    w.clock.advance(91_000);
    const swept = await w.a.service.sweep();
    expect(swept.interrupted.map((x) => x.id)).toEqual([r.id]);
    const after = await w.store.get(r.id);
    expect(after).toMatchObject({ state: 'unverified', verification: { result: 'interrupted' } });
    expect(after?.verification?.message).toContain('Check the backup jobs of vm-web-01');
    expect((await w.audit.list())[0]).toMatchObject({ action: 'fix.unverified', reason: 'interrupted', requestId: r.id });
    expect(w.azure.calls).toEqual([]);
  });

  it('records the verification job id as soon as the backup starts, so a restart can follow it', async () => {
    const w = world();
    const r = await approvedRequest(w);
    const seen: (string | undefined)[] = [];
    const original = w.azure.getBackupJob.bind(w.azure);
    // Look at the store while the verification polls its job.
    w.azure.getBackupJob = async (vault, jobId) => {
      const stored = await w.store.get(r.id);
      seen.push(stored?.state === 'verifying' ? stored.verification?.jobId : undefined);
      return original(vault, jobId);
    };
    const done = await w.a.service.runApproved(r.id);
    expect(done?.state).toBe('verified-fixed');
    expect(seen[0]).toBe('job-1');
  });

  it('verifies a fix that was applied but never verified', async () => {
    const w = world();
    const r = await approvedRequest(w);
    await force(w, r.id, (x) => ({ ...x, state: 'succeeded', execution: { summary: { en: 'Agent restarted', pl: 'Agent uruchomiony ponownie' } } }));
    w.clock.advance(31_000);
    const swept = await w.b.service.sweep();
    expect(swept.resumable.map((x) => x.id)).toEqual([r.id]);
    expect((await w.b.service.resume(r.id))?.state).toBe('verified-fixed');
    expect(runCommands(w)).toBe(0);
  });
});

describe('execution re-checks the approval at the last moment', () => {
  it('does not run an approved fix once the policy no longer allows it: abandoned, audited, nothing changed in Azure', async () => {
    const w = world();
    const r = await approvedRequest(w);
    w.setPolicy(loadedPolicy({ enabledFixes: ['retry-backup'] }));
    const done = await w.a.service.runApproved(r.id);
    expect(done).toMatchObject({ state: 'failed', execution: { errorCode: 'abandoned' } });
    expect(done?.execution?.summary.en).toContain('no longer allows it');
    expect(w.azure.calls).toEqual([]);
    expect((await w.audit.list())[0]).toMatchObject({ action: 'fix.abandoned', outcome: 'failed' });
  });

  it('does not run an approval older than the approval window (e.g. found after a long outage)', async () => {
    const w = world();
    const r = await approvedRequest(w);
    w.clock.advance(31 * 60_000);
    const swept = await w.a.service.sweep();
    expect(swept.resumable.map((x) => x.id)).toEqual([r.id]);
    const done = await w.a.service.resume(r.id);
    expect(done).toMatchObject({ state: 'failed', execution: { errorCode: 'abandoned' } });
    expect(done?.execution?.summary.en).toContain('request the fix again');
    expect(w.azure.calls).toEqual([]);
  });
});

describe('audit lines never carry credentials', () => {
  it('masks SAS signatures, keys and bearer tokens that arrive in an Azure error', async () => {
    const w = world();
    const r = await approvedRequest(w);
    w.azure.runCommand = async () => {
      throw new Error('Upload to https://acct.blob.core.windows.net/x?sv=2022&sig=SECRETSIG123 failed; AccountKey=SECRETKEY==; Authorization: Bearer eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SECRETJWT');
    };
    await w.a.service.runApproved(r.id);
    const failed = (await w.audit.list()).find((e) => e.action === 'fix.failed');
    expect(failed?.detail).toContain('sig=***');
    expect(JSON.stringify(await w.audit.list({ limit: 500 }))).not.toMatch(/SECRET/);
  });
});
