import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import type { BackupJob, RestorePointCollection, VmRef } from '../../../src/core/azure-port';
import type { Actor } from '../../../src/core/remediation/actor';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { finalStates, type FixRequest } from '../../../src/core/remediation/fix-request';
import { RemediationService } from '../../../src/core/remediation/remediation-service';
import { SqliteAuditLog } from '../../../src/storage/sqlite-audit-log';
import { openSqliteDatabase, type SqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteFixRequestStore } from '../../../src/storage/sqlite-fix-request-store';
import { alice, bob, loadCatalogue, loadedPolicy, ManualClock, RecordingAzure, SequenceIds, testLiveness, vm } from '../../unit/remediation/fixtures';

/**
 * The fix-request state machine under any sequence of presses, expiries, Azure failures and
 * crashes, on the real SQLite store (a fresh file per run). A crash is a bot that stops in the
 * middle of whatever it was doing (its Azure call never returns, nothing is cleaned up) and a
 * new bot on the same file; what must hold at the end: no fix ran twice, every request is in a
 * final state, the audit ends each one, and no resource-group lock is left off.
 */

type Fault = 'none' | 'hang' | 'fail';

/** The recording Azure, with faults for the call that changes the VM and for the verification job read. */
class FaultyAzure extends RecordingAzure {
  /** What the next fix operation (run command, restore point collection delete) does. */
  fixFault: Fault = 'none';
  /** What the next backup job read does. */
  jobFault: Fault = 'none';
  fixOperations = 0;
  private hungNow: (() => void) | undefined;

  /** Resolves when a call has started hanging (the moment a crash cuts the bot off). */
  hung(): Promise<void> {
    return new Promise((resolve) => (this.hungNow = resolve));
  }

  private async faulty<T>(kind: 'fixFault' | 'jobFault', call: () => Promise<T>): Promise<T> {
    const fault = this[kind];
    this[kind] = 'none';
    if (fault === 'hang') {
      this.hungNow?.();
      return new Promise<T>(() => undefined);
    }
    if (fault === 'fail') throw Object.assign(new Error('Service Unavailable'), { statusCode: 503 });
    return call();
  }

  override runCommand(v: VmRef, command: { os: 'Windows' | 'Linux'; script: readonly string[] }) {
    this.fixOperations += 1;
    return this.faulty('fixFault', () => super.runCommand(v, command));
  }
  override deleteRestorePointCollection(c: RestorePointCollection) {
    this.fixOperations += 1;
    return this.faulty('fixFault', () => super.deleteRestorePointCollection(c));
  }
  override getBackupJob(vault: Parameters<RecordingAzure['getBackupJob']>[0], jobId: string): Promise<BackupJob> {
    return this.faulty('jobFault', () => super.getBackupJob(vault, jobId));
  }
}

type Step =
  | { kind: 'request' }
  | { kind: 'approve'; by: Actor }
  | { kind: 'reject' }
  | { kind: 'expire' }
  | { kind: 'run'; times: 1 | 2 }
  | { kind: 'fault'; on: 'fixFault' | 'jobFault'; fault: Exclude<Fault, 'none'> }
  | { kind: 'crash' };

/** One request's life as a person and the bot would drive it, with faults and crashes anywhere in it. */
const episode: fc.Arbitrary<Step[]> = fc
  .record({
    approve: fc.constantFrom<Actor | 'reject' | 'expire' | 'nothing'>(bob, bob, bob, alice, 'reject', 'expire', 'nothing'),
    fault: fc.option(fc.record({ on: fc.constantFrom<'fixFault' | 'jobFault'>('fixFault', 'jobFault'), fault: fc.constantFrom<'hang' | 'fail'>('hang', 'fail') }), { freq: 2 }),
    runs: fc.constantFrom<0 | 1 | 2>(0, 1, 1, 2),
    crash: fc.constantFrom<'never' | 'before-approval' | 'before-run' | 'after-run'>('never', 'before-approval', 'before-run', 'after-run', 'after-run'),
    extra: fc.array(fc.constantFrom<Step>({ kind: 'request' }, { kind: 'approve', by: bob }, { kind: 'reject' }, { kind: 'expire' }, { kind: 'run', times: 1 }, { kind: 'crash' }), { maxLength: 2 }),
  })
  .map(({ approve, fault, runs, crash, extra }) => {
    const steps: Step[] = [{ kind: 'request' }];
    if (crash === 'before-approval') steps.push({ kind: 'crash' });
    if (approve === 'reject' || approve === 'expire') steps.push({ kind: approve });
    else if (approve !== 'nothing') steps.push({ kind: 'approve', by: approve });
    if (fault) steps.push({ kind: 'fault', ...fault });
    if (crash === 'before-run') steps.push({ kind: 'crash' });
    if (runs > 0) steps.push({ kind: 'run', times: runs === 2 ? 2 : 1 });
    if (crash === 'after-run') steps.push({ kind: 'crash' });
    return [...steps, ...extra];
  });

const lifetimes = fc.array(episode, { minLength: 1, maxLength: 4 }).map((episodes) => episodes.flat());

/** One bot's life: a connection to the shared file and a service on it. */
interface Bot {
  readonly db: SqliteDatabase;
  readonly service: RemediationService;
}

const finalAuditActions = new Set(['fix.rejected', 'fix.expired', 'fix.failed', 'fix.abandoned', 'fix.interrupted', 'fix.verified-fixed', 'fix.still-failing', 'fix.unverified']);

async function play(fixId: string, steps: readonly Step[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'fix-properties-'));
  const file = join(dir, 'state.sqlite');
  const clock = new ManualClock();
  const ids = new SequenceIds();
  const azure = new FaultyAzure('Windows');
  const lockBefore = azure.locks.map((l) => `${l.name}:${l.level}:${l.notes ?? ''}`);
  const connections: SqliteDatabase[] = [];
  const start = (): Bot => {
    const db = openSqliteDatabase(file);
    connections.push(db);
    const service = new RemediationService({
      catalogue: loadCatalogue(),
      policy: () => loadedPolicy(),
      store: new SqliteFixRequestStore(db),
      audit: new SqliteAuditLog(db),
      azure,
      clock,
      ids,
      sleep: async (ms) => clock.advance(ms),
      identifyCode: () => undefined,
      verification: { pollIntervalMs: 10_000, timeoutMs: 60 * 60_000 },
      // No heartbeat timer: a run that is cut off goes silent, as a killed process does.
      liveness: { ...testLiveness, every: () => () => undefined },
    });
    return { db, service };
  };
  /** Runs a call that may hang in Azure: done when it ends or when it hangs (the bot is then stuck there). */
  const untilDoneOrHung = async (work: () => Promise<unknown>): Promise<void> => {
    const hung = azure.hung();
    await Promise.race([work(), hung]);
  };
  /** A restart: a new bot on the file, time past the stale window, the sweep, and every resumable request carried on. */
  const restart = async (): Promise<Bot> => {
    const next = start();
    clock.advance(testLiveness.staleAfterMs + testLiveness.resumeGraceMs + 1_000);
    const swept = await next.service.sweep();
    for (const request of swept.resumable) await untilDoneOrHung(() => next.service.resume(request.id));
    return next;
  };

  let bot = start();
  const created: string[] = [];
  const latest = (): string | undefined => created.at(-1);
  try {
    for (const s of steps) {
      const id = latest();
      switch (s.kind) {
        case 'request': {
          const r = await bot.service.request({ fixId, target: { vm }, actor: alice, language: 'en' });
          if (r.ok) created.push(r.value.id);
          break;
        }
        case 'approve':
          if (id) await bot.service.approve(id, s.by);
          break;
        case 'reject':
          if (id) await bot.service.reject(id, bob, 'not now');
          break;
        case 'expire':
          clock.advance(31 * 60_000);
          await bot.service.sweep();
          break;
        case 'run':
          if (id) await untilDoneOrHung(() => Promise.all(Array.from({ length: s.times }, () => bot.service.runApproved(id))));
          break;
        case 'fault':
          azure[s.on] = s.fault;
          break;
        case 'crash':
          bot = await restart();
          break;
      }
    }
    // Azure healthy again; the last bot crashes too and a new one sweeps until nothing is left half-way.
    azure.fixFault = 'none';
    azure.jobFault = 'none';
    for (let round = 0; round < 3; round++) {
      bot = await restart();
      clock.advance(31 * 60_000);
      await bot.service.sweep();
    }

    const store = new SqliteFixRequestStore(bot.db);
    const audit: AuditEvent[] = await new SqliteAuditLog(bot.db).list({ limit: 10_000 });
    const requests = (await Promise.all(created.map((id) => store.get(id)))).filter((r): r is FixRequest => r !== undefined);
    expect(requests).toHaveLength(created.length);
    let executions = 0;
    for (const request of requests) {
      expect(finalStates.has(request.state)).toBe(true);
      const mine = audit.filter((e) => e.requestId === request.id);
      const started = mine.filter((e) => e.action === 'fix.execution-started').length;
      expect(started).toBe(request.executedAt === undefined ? 0 : 1);
      executions += started;
      expect(mine.some((e) => finalAuditActions.has(e.action))).toBe(true);
      expect(mine.filter((e) => finalAuditActions.has(e.action))).toHaveLength(1);
    }
    // Each execution touched the VM at most once; nothing touched it outside an execution.
    expect(azure.fixOperations).toBeLessThanOrEqual(executions);
    // Every lock the fix lifted is back, identical.
    expect(azure.locks.map((l) => `${l.name}:${l.level}:${l.notes ?? ''}`)).toEqual(lockBefore);
  } finally {
    for (const db of connections) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fix requests under any sequence of presses, expiries, Azure faults and crashes (real SQLite)', () => {
  it.each(['restart-windows-agent', 'clear-restore-points-behind-lock'])('%s: never runs twice, always ends in a final state the audit records once', async (fixId) => {
    await fc.assert(
      fc.asyncProperty(lifetimes, (steps) => play(fixId, steps)),
      { numRuns: 30 },
    );
  });
});
