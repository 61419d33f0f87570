import type { AzurePort, BackupJob, ResourceLock, RestorePointCollection } from '../azure-port';
import { CodedError, asCodedError } from '../errors';
import type { Language, LocalizedText } from '../knowledge/schema';
import type { Clock, IdGenerator } from '../ports';
import { describeActor, type Actor } from './actor';
import { redactSecrets, systemActor, type AuditAction, type AuditOutcome } from './audit';
import { executors, restoreLock, type LockJournal } from './executors';
import type { FixCatalogue, FixDefinition } from './fix-catalogue';
import { applyFixEvent, describeLock, isApprovalExpired, locksToRestore, newFixRequest, openRequestKey, type CardLocation, type ExecutionOutcome, type FixRequest, type FixRequestEvent, type FixRunner, type JournaledLock } from './fix-request';
import { describeTarget, type FixTarget } from './fix-target';
import { approvalExpiryMs, decideApproval, decideRequest, isFixEnabled, isResourceGroupInScope, type PolicyState } from './policy';
import type { AzureDeadline } from '../azure-lookup/azure-deadline';
import { evaluatePreconditions, gatherFacts, type PreconditionFailure } from './preconditions';
import type { AuditLog, FixRequestStore } from './ports';
import { standardRefusal, type Refusal } from './refusal';
import { verifyWithBackup } from './verification';

/**
 * The approved-fix flow: plan, request, approve / reject, execute once, verify, audit.
 * Channels call it with the identity the channel proved and an opaque request id; every
 * call reloads the request and re-checks policy, scope, state and expiry here.
 */
export interface RemediationDeps {
  readonly catalogue: FixCatalogue;
  /** Read on every call, so a reloaded policy applies at once. */
  readonly policy: () => PolicyState;
  readonly store: FixRequestStore;
  readonly audit: AuditLog;
  readonly azure: AzurePort;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  /** Waits ms; must resolve early when the signal aborts (shutdown). */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly identifyCode: (job: BackupJob) => string | undefined;
  readonly verification?: { readonly pollIntervalMs: number; readonly timeoutMs: number };
  /** This process's name in a request's `runner` (default: a fresh id per service). */
  readonly instanceId?: string;
  /** Heartbeats of running fixes and when the sweep resumes or marks them; default: no heartbeat timer. */
  readonly liveness?: Partial<Liveness>;
  /** How long one card update may take before the run stops waiting for it (default 15 s). */
  readonly chatDeadlineMs?: number;
}

/**
 * How instances tell a live run from one cut off by a restart. A running execution or
 * verification refreshes `runner.heartbeatAt`; one whose heartbeat is older than
 * `staleAfterMs` (and that this instance is not running) is treated as interrupted.
 */
export interface Liveness {
  readonly heartbeatMs: number;
  readonly staleAfterMs: number;
  /** How long an approved (or applied, unverified) request may sit before the sweep carries it on. */
  readonly resumeGraceMs: number;
  /** Calls fn every ms until the returned function is called (a timer outside the core). */
  readonly every: (ms: number, fn: () => void) => () => void;
}

export const defaultLiveness: Liveness = { heartbeatMs: 20_000, staleAfterMs: 90_000, resumeGraceMs: 30_000, every: () => () => undefined };

/** What one sweep found and did; the channel updates the cards and runs `resumable` in the background. */
export interface SweepResult {
  /** Pending requests whose approval window ended, now expired (by this sweep). */
  readonly expired: FixRequest[];
  /** Executions or verifications cut off by a restart, now marked (never re-run). */
  readonly interrupted: FixRequest[];
  /** Approved but never started, applied but never verified, or a verification job to follow again. */
  readonly resumable: FixRequest[];
}

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: Refusal; readonly request?: FixRequest };

export interface FixRequestInput {
  readonly fixId: string;
  readonly target: FixTarget;
  readonly actor: Actor;
  readonly language: Language;
  readonly sessionId?: string;
  readonly codeId?: string;
  readonly causeId?: string;
  readonly card?: CardLocation;
  /** The chat turn's budget for the Azure reads the plan makes (a press must be answered in time). */
  readonly deadline?: AzureDeadline;
}

export interface FixPlan {
  readonly fix: FixDefinition;
  readonly target: FixTarget;
  readonly preconditionFailures: readonly PreconditionFailure[];
  readonly expiresInMinutes: number;
  readonly needsSecondPerson: boolean;
  /** The restore point collections the fix would delete (only for fixes that delete them). */
  readonly collections?: readonly RestorePointCollection[];
  /** The locks on their resource groups now (only for fixes that lift locks). */
  readonly locks?: readonly ResourceLock[];
}

export interface FixOffer {
  readonly fix: FixDefinition;
  readonly enabled: boolean;
  /** Why it is disabled (policy missing, disabled, out of scope...). */
  readonly disabledReason?: LocalizedText;
}

export type ProgressListener = (request: FixRequest, step?: LocalizedText) => Promise<void>;

/**
 * The listener as the service calls it: `push` returns at once, so a card update (slow, hung
 * or failing) never stands between two Azure operations, never holds a lock off and never
 * stops a verdict being written. Updates go out one at a time in order, each bounded by a
 * deadline; while one is out only the newest of those waiting is kept (the card shows the
 * latest state, not every step). `drained` resolves when nothing is waiting.
 */
export class ProgressFeed {
  private next: { request: FixRequest; step?: LocalizedText } | undefined;
  private sending: Promise<void> | undefined;

  constructor(
    private readonly listener: ProgressListener | undefined,
    private readonly bounded: (work: Promise<void>) => Promise<void>,
  ) {}

  push(request: FixRequest, step?: LocalizedText): void {
    if (!this.listener) return;
    this.next = { request, ...(step ? { step } : {}) };
    this.sending ??= this.pump();
  }

  drained(): Promise<void> {
    return this.sending ?? Promise.resolve();
  }

  private async pump(): Promise<void> {
    try {
      while (this.next) {
        const { request, step } = this.next;
        this.next = undefined;
        try {
          await this.bounded(Promise.resolve().then(() => this.listener?.(request, step)));
        } catch {
          // A missed card update is only that: see above.
        }
      }
    } finally {
      this.sending = undefined;
    }
  }
}

const DEFAULT_VERIFICATION = { pollIntervalMs: 15_000, timeoutMs: 2 * 60 * 60_000 };
const DEFAULT_CHAT_DEADLINE_MS = 15_000;

/**
 * The only writer of a request while this instance runs it: heartbeats and the outcome go
 * through one queue, so they never race each other; once a write loses (another instance
 * marked the run interrupted) nothing more is written.
 */
class RunHold {
  private queue: Promise<unknown> = Promise.resolve();
  private lostIt = false;

  constructor(
    private readonly store: FixRequestStore,
    private current: FixRequest,
    /** Waits between the tries of a write the store failed (not one it refused). */
    private readonly sleep: (ms: number) => Promise<void>,
  ) {}

  get lost(): boolean {
    return this.lostIt;
  }

  /** The request as this run last wrote it. */
  get latest(): FixRequest {
    return this.current;
  }

  update(change: (request: FixRequest) => FixRequest): Promise<FixRequest | undefined> {
    const run = this.queue.then(async () => {
      /** What this write tried to store on top of the current version: one whose answer was lost may be there. */
      const tried: FixRequest[] = [];
      let failures = 0;
      for (let attempt = 0; attempt < maxRunWriteRetries && !this.lostIt; attempt++) {
        const wanted = change(this.current);
        tried.push(wanted);
        let next: FixRequest | undefined;
        let failure: { readonly error: unknown } | undefined;
        try {
          next = await this.store.compareAndSwap(wanted, this.current.version);
        } catch (error) {
          failure = { error };
        }
        if (next) {
          this.current = next;
          return next;
        }
        if (failure) {
          // The store failed (an outage, a lost answer): what the run did must still be written, so
          // the write is tried again, after reading whether an earlier try landed after all.
          if (failures >= storeFailureDelaysMs.length) throw failure.error;
          await this.sleep(storeFailureDelaysMs[failures] as number);
          failures += 1;
          attempt -= 1;
        }
        // Refused, or failed: either way the store may hold one of this write's own tries (a retry of a
        // write that landed is refused as a conflict, by the store or by its SDK's own retry).
        const stored = failure ? await this.store.get(this.current.id).catch(() => undefined) : await this.store.get(this.current.id);
        if (stored && stored.version === this.current.version + 1 && tried.some((t) => sameRequest(stored, t))) {
          this.current = stored;
          return stored;
        }
        if (failure) continue;
        // Someone else wrote the request. Only metadata (the card it now lives on) leaves it this
        // run's: same state, same runner, same heartbeat. Then the change applies on top of it.
        if (!stored || !stillThisRun(stored, this.current)) this.lostIt = true;
        else {
          this.current = stored;
          tried.length = 0;
        }
      }
      this.lostIt = true;
      return undefined;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The request without the "approval not audited yet" mark. */
function withoutAuditMark(request: FixRequest): FixRequest {
  const { approvalUnaudited: _mark, ...rest } = request;
  return rest;
}

/** Why an approval that never reached the audit log ended. */
const notOnRecord: LocalizedText = {
  en: 'Not run: the approval could not be written to the audit log. Request the fix again.',
  pl: 'Nie uruchomiono: nie udało się zapisać zatwierdzenia w dzienniku audytu. Zleć poprawkę ponownie.',
};

/** Waits between the tries of a decision's follow-up write that the store failed. */
const storeRetryDelayMs = 250;

/** The request with every journaled lock marked back on. */
function allLocksBack(request: FixRequest): FixRequest {
  return request.locks ? { ...request, locks: request.locks.map((l) => (l.restored ? l : { ...l, restored: true })) } : request;
}

/** The stored request is the one a write meant to store (its version aside). */
function sameRequest(stored: FixRequest, wanted: FixRequest): boolean {
  return JSON.stringify({ ...stored, version: 0 }) === JSON.stringify({ ...wanted, version: 0 });
}

/** Backing off between the tries of a run's write that the store failed: about 7 s in all, well inside a heartbeat's staleness. */
const storeFailureDelaysMs = [250, 1_000, 2_000, 4_000];

function idsIn(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Backing off between the put-backs of a run that lost its request: about ten minutes in all. */
const takeoverRestoreDelaysMs = [0, 2_000, 5_000, 15_000, 30_000, 60_000, 120_000, 180_000, 240_000];

/** Writes of a running fix that meet someone else's metadata write, retried on top of it. */
const maxRunWriteRetries = 5;

function stillThisRun(stored: FixRequest, ours: FixRequest): boolean {
  return stored.state === ours.state && stored.runner?.instanceId === ours.runner?.instanceId && stored.runner?.heartbeatAt === ours.runner?.heartbeatAt;
}

/** The request ids this service makes (see OpaqueIdSchema): anything else in a press is not looked up. */
const wellFormedRequestId = /^[A-Za-z0-9_-]{8,64}$/;

/** A refusal's audit line stays one line whatever the press carried (a name, a reason, key names). */
const auditDetailChars = 2_000;
function boundedDetail(text: string): string {
  return text.length > auditDetailChars ? `${text.slice(0, auditDetailChars - 1)}…` : text;
}

export class RemediationService {
  private readonly instanceId: string;
  private readonly liveness: Liveness;
  /** Requests this instance is running now: never judged interrupted, whatever their heartbeat says. */
  private readonly active = new Set<string>();
  /** Aborted by stop(): Azure calls in flight get it, verification polls end at once. */
  private readonly shutdown = new AbortController();

  constructor(private readonly deps: RemediationDeps) {
    this.instanceId = deps.instanceId ?? deps.ids.next();
    this.liveness = { ...defaultLiveness, ...deps.liveness };
  }

  /**
   * Shutdown: nothing new starts; Azure operations in flight are aborted; an execution cut off
   * is recorded as interrupted (never re-run); a verification stops polling and stays
   * `verifying` with its job id, its heartbeat lapses, and the next start's sweep follows the
   * job again. The caller waits for the runs to return (FixActions.idle), which is quick.
   */
  stop(): void {
    this.shutdown.abort();
  }

  get stopping(): boolean {
    return this.shutdown.signal.aborted;
  }

  get catalogue(): FixCatalogue {
    return this.deps.catalogue;
  }

  policyState(): PolicyState {
    return this.deps.policy();
  }

  async get(requestId: string): Promise<FixRequest | undefined> {
    return this.deps.store.get(requestId);
  }

  /**
   * How a fix button should look for this person and VM (no Azure calls, no audit). Without a
   * resolved target (a card names the VM before Azure has been asked where it lives) only the
   * policy's switch for the fix can be judged; scope and preconditions are checked at the plan.
   */
  offer(fixId: string, target: FixTarget | undefined, actor: Actor | undefined): FixOffer | undefined {
    const fix = this.deps.catalogue.get(fixId);
    if (!fix) return undefined;
    const state = this.deps.policy();
    if (state.kind === 'missing') return { fix, enabled: false, disabledReason: state.howToEnable };
    if (!target) {
      if (!isFixEnabled(state.policy, fix.id)) return { fix, enabled: false, disabledReason: standardRefusal('fix-disabled').message };
      return { fix, enabled: true };
    }
    if (actor) {
      const decision = decideRequest(state, fix, actor, target);
      if (!decision.allowed) return { fix, enabled: false, disabledReason: decision.refusal.message };
    } else {
      // Without a person only the fix and the scope matter; who may ask is checked when they ask.
      if (!isFixEnabled(state.policy, fix.id)) return { fix, enabled: false, disabledReason: standardRefusal('fix-disabled').message };
      if (!isResourceGroupInScope(state.policy, target.vm.subscriptionId, target.vm.resourceGroup)) return { fix, enabled: false, disabledReason: standardRefusal('out-of-scope').message };
    }
    return { fix, enabled: true };
  }

  /** The plan card: checks the person, the fix, the scope and the VM's preconditions. */
  async plan(input: FixRequestInput): Promise<Result<FixPlan>> {
    const fix = this.deps.catalogue.get(input.fixId);
    if (!fix) return this.refused('plan', input.actor, standardRefusal('unknown-fix'), { fixId: input.fixId, target: input.target });
    const state = this.deps.policy();
    const decision = decideRequest(state, fix, input.actor, input.target);
    if (!decision.allowed) return this.refused('plan', input.actor, decision.refusal, { fixId: fix.id, target: input.target });
    const facts = await gatherFacts(this.deps.azure, input.target, fix, input.deadline);
    const failures = evaluatePreconditions(fix, facts);
    const policy = state.kind === 'loaded' ? state.policy : undefined;
    return {
      ok: true,
      value: {
        fix,
        target: input.target.osType || !facts.vmStatus?.osType ? input.target : { ...input.target, osType: facts.vmStatus.osType },
        preconditionFailures: failures,
        expiresInMinutes: policy?.approvalExpiryMinutes ?? 30,
        needsSecondPerson: policy ? policy.twoPersonRule === 'all' || fix.risk === 'high' : true,
        ...(facts.collections ? { collections: facts.collections } : {}),
        ...(facts.locks ? { locks: facts.locks } : {}),
      },
    };
  }

  /** Creates the request (after re-checking everything the plan checked). */
  async request(input: FixRequestInput): Promise<Result<FixRequest>> {
    const planned = await this.plan(input);
    if (!planned.ok) return planned;
    const { fix, target, preconditionFailures, collections, locks } = planned.value;
    if (preconditionFailures.length > 0) {
      const detail = { en: preconditionFailures.map((f) => f.message.en).join(' '), pl: preconditionFailures.map((f) => f.message.pl).join(' ') };
      return this.refused('request', input.actor, standardRefusal('precondition-failed', detail), { fixId: fix.id, target });
    }
    const state = this.deps.policy();
    const expiryMs = state.kind === 'loaded' ? approvalExpiryMs(state.policy) : 30 * 60_000;
    // A second press of Request (a double click, a replayed card, a second instance) must not queue
    // the same change twice: the store refuses a second open request with the same key, atomically.
    const openKey = openRequestKey(target);
    const request = newFixRequest({
      id: this.deps.ids.next(),
      correlationId: this.deps.ids.next(),
      fixId: fix.id,
      target,
      requester: input.actor,
      language: input.language,
      now: this.deps.clock.now(),
      expiryMs,
      ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
      ...(input.codeId !== undefined ? { codeId: input.codeId } : {}),
      ...(input.causeId !== undefined ? { causeId: input.causeId } : {}),
      ...(input.card !== undefined ? { card: input.card } : {}),
      openKey,
      ...(collections || locks ? { planned: { ...(collections ? { collections } : {}), ...(locks ? { locks } : {}) } } : {}),
    });
    const created = await this.createOnce(request);
    if (!created.ok) {
      const holder = created.holder;
      const refusal = standardRefusal('already-requested', holder ? this.describeOpenRequest(holder) : undefined);
      return this.refused('request', input.actor, refusal, holder ? { request: holder, detail: `open request ${holder.id} (${holder.fixId}, ${holder.state})` } : { fixId: fix.id, target });
    }
    const stored = created.value;
    await this.record(stored, 'fix.requested', 'ok', input.actor, `${describeActor(input.actor)} requested ${fix.id} (${fix.risk} risk) on ${describeTarget(target)}`);
    return { ok: true, value: stored };
  }

  /**
   * Creates the request unless another open request holds its key. A holder whose approval
   * window has ended only blocks until it is expired, which is done here (once) before one retry.
   */
  private async createOnce(request: FixRequest): Promise<{ ok: true; value: FixRequest } | { ok: false; holder?: FixRequest }> {
    for (let attempt = 0; ; attempt++) {
      try {
        return { ok: true, value: await this.deps.store.create(request) };
      } catch (error) {
        const coded = asCodedError(error);
        const holderId = coded.details.openRequestId;
        if (coded.code !== 'store_conflict' || coded.details.openKey === undefined) throw error;
        const holder = typeof holderId === 'string' ? await this.deps.store.get(holderId) : undefined;
        if (attempt === 0 && holder && isApprovalExpired(holder, this.deps.clock.now())) {
          await this.expireIfDue(holder);
          continue;
        }
        return { ok: false, ...(holder ? { holder } : {}) };
      }
    }
  }

  /** "Restart the agent, requested by Alex at 10:02 UTC, awaiting approval": the open request a refusal points to. */
  private describeOpenRequest(holder: FixRequest): LocalizedText {
    const fix = this.deps.catalogue.get(holder.fixId);
    const who = holder.requester.displayName ?? holder.requester.userId;
    const at = holder.createdAt.replace('T', ' ').slice(0, 16);
    const state = { en: holder.state === 'requested' ? 'awaiting approval' : holder.state, pl: holder.state === 'requested' ? 'czeka na zatwierdzenie' : holder.state };
    return {
      en: `Open: "${fix?.title.en ?? holder.fixId}", requested by ${who} at ${at} UTC, ${state.en}.`,
      pl: `Otwarte: „${fix?.title.pl ?? holder.fixId}”, zlecone przez ${who} o ${at} UTC, ${state.pl}.`,
    };
  }

  /** Remembers where the fix card is, so later decisions update it in place. */
  async attachCard(requestId: string, card: CardLocation): Promise<FixRequest | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.deps.store.get(requestId);
      if (!current) return undefined;
      const next = await this.deps.store.compareAndSwap({ ...current, card }, current.version);
      if (next) return next;
    }
    return this.deps.store.get(requestId);
  }

  async approve(requestId: string, actor: Actor): Promise<Result<FixRequest>> {
    return this.decide(requestId, actor, { type: 'approve', by: actor });
  }

  async reject(requestId: string, actor: Actor, reason?: string): Promise<Result<FixRequest>> {
    return this.decide(requestId, actor, { type: 'reject', by: actor, ...(reason ? { reason } : {}) });
  }

  private async decide(requestId: string, actor: Actor, event: Extract<FixRequestEvent, { type: 'approve' | 'reject' }>): Promise<Result<FixRequest>> {
    const action = event.type;
    const request = await this.deps.store.get(requestId);
    if (!request) return this.refused(action, actor, standardRefusal('unknown-request'), { requestId });
    const fix = this.deps.catalogue.get(request.fixId);
    if (!fix) return this.refused(action, actor, standardRefusal('unknown-fix'), { request });
    if (request.state !== 'requested') return this.refused(action, actor, standardRefusal('not-pending'), { request });
    const now = this.deps.clock.now();
    if (isApprovalExpired(request, now)) {
      const expired = (await this.expireIfDue(request)) ?? (await this.deps.store.get(requestId));
      return this.refused(action, actor, standardRefusal('expired'), { request: expired ?? request });
    }
    const decision = decideApproval(this.deps.policy(), fix, request, actor, action);
    if (!decision.allowed) return this.refused(action, actor, decision.refusal, { request });
    const approving = action === 'approve';
    const decided = applyFixEvent(request, event, now);
    // An approval takes the request marked as not yet audited, so nothing runs it before the audit
    // log holds who approved it; the mark goes once the entry is written.
    const next = await this.deps.store.compareAndSwap(approving ? { ...decided, approvalUnaudited: true } : decided, request.version);
    if (!next) {
      // Someone else decided between our read and our write: a double click, a second approver, another instance.
      const current = (await this.deps.store.get(requestId)) ?? request;
      return this.refused(action, actor, standardRefusal('not-pending'), { request: current });
    }
    const verb = approving ? 'approved' : 'rejected';
    try {
      await this.record(next, approving ? 'fix.approved' : 'fix.rejected', 'ok', actor, `${describeActor(actor)} ${verb} ${fix.id} on ${describeTarget(next.target)}${event.type === 'reject' && event.reason ? `: ${event.reason}` : ''}`);
    } catch (error) {
      if (approving) {
        // The entry may have landed though its answer was lost. Nothing can run the request meanwhile
        // (the mark); an audit log that cannot be read leaves it to the sweep.
        const onRecord = await this.approvalOnRecord(next).catch(() => undefined);
        if (onRecord) return { ok: true, value: await this.markApprovalAudited(requestId, next) };
        if (onRecord === false) await this.endUnauditedApproval(requestId).catch(() => undefined);
      }
      throw error;
    }
    return { ok: true, value: approving ? await this.markApprovalAudited(requestId, next) : next };
  }

  /**
   * Takes the "not audited" mark off an approval whose audit entry is written. Never throws: the
   * approval is on record, and a mark a store failure left is taken off by the sweep, which finds
   * the entry in the audit log.
   */
  private async markApprovalAudited(requestId: string, approved: FixRequest): Promise<FixRequest> {
    let current: FixRequest | undefined = approved;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (!current?.approvalUnaudited) return current ?? approved;
      try {
        const next = await this.deps.store.compareAndSwap(withoutAuditMark(current), current.version);
        if (next) return next;
      } catch {
        // The write may have landed: read what is there.
        await this.deps.sleep(storeRetryDelayMs * (attempt + 1)).catch(() => undefined);
      }
      current = await this.deps.store.get(requestId).catch(() => current);
    }
    return current ?? approved;
  }

  /** A marked approval whose fix.approved entry is in the audit log after all: the mark is taken off. */
  private async approvalOnRecord(request: FixRequest): Promise<boolean> {
    // From a little before the approval (clocks differ between instances): the refusals of later presses share the request's correlation id.
    const since = new Date(Date.parse(request.decidedAt ?? request.createdAt) - 5 * 60_000);
    const entries = await this.deps.audit.list({ correlationId: request.correlationId, since, limit: 10_000 });
    return entries.some((e) => e.requestId === request.id && e.action === 'fix.approved');
  }

  /**
   * Ends, not run, an approval that never reached the audit log (its write failed, or the process
   * stopped before it): nothing would say who allowed the fix. It can be requested again.
   */
  private async endUnauditedApproval(requestId: string, summary: LocalizedText = notOnRecord): Promise<FixRequest | undefined> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.deps.store.get(requestId);
      if (!current || current.state !== 'approved' || !current.approvalUnaudited) return undefined;
      const ended = await this.deps.store.compareAndSwap(applyFixEvent(withoutAuditMark(current), { type: 'abandon', outcome: { summary, errorCode: 'audit_unavailable' } }, this.deps.clock.now()), current.version);
      if (!ended) continue;
      // Best effort: the audit log has just failed, or is where the approval never arrived.
      await this.record(ended, 'fix.abandoned', 'failed', systemActor, summary.en, 'audit_unavailable').catch(() => undefined);
      return ended;
    }
    return undefined;
  }

  /**
   * The one place a pending request past its window becomes `expired` (a late approval, a
   * Request press blocked by it, the sweep). Returns the expired request when this call won
   * the compare-and-swap (and audited it), else undefined.
   */
  private async expireIfDue(request: FixRequest): Promise<FixRequest | undefined> {
    if (!isApprovalExpired(request, this.deps.clock.now())) return undefined;
    const next = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'expire' }, this.deps.clock.now()), request.version);
    if (next) await this.record(next, 'fix.expired', 'ok', systemActor, `Approval window of ${request.fixId} on ${describeTarget(request.target)} ended at ${request.expiresAt}`);
    return next;
  }

  /**
   * Runs an approved fix. The approved -> executing compare-and-swap is the exactly-once
   * gate: whoever loses it (a second approver, another bot instance, a sweep) gets undefined
   * and runs nothing. Policy, scope and the approval's age are checked once more first: an
   * approval made before a policy change, or long before an outage ended, is not acted on.
   */
  async execute(requestId: string, listener?: ProgressListener, note = ''): Promise<FixRequest | undefined> {
    return this.withFeed(listener, (feed) => this.executeWith(requestId, feed, note));
  }

  private async executeWith(requestId: string, feed: ProgressFeed, note: string): Promise<FixRequest | undefined> {
    // Shutting down: an approved request stays approved and the next start's sweep runs it.
    if (this.stopping) return undefined;
    const request = await this.deps.store.get(requestId);
    if (!request || request.state !== 'approved' || request.approvalUnaudited) return undefined;
    const now = this.deps.clock.now();
    const blocker = this.executionBlocker(request, now);
    if (blocker) {
      const abandoned = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'abandon', outcome: { summary: blocker, errorCode: 'abandoned' } }, now), request.version);
      if (!abandoned) return undefined;
      await this.record(abandoned, 'fix.abandoned', 'failed', systemActor, blocker.en, 'abandoned');
      feed.push(abandoned);
      return abandoned;
    }
    const executing = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'start-execution', runner: this.runner() }, now), request.version);
    if (!executing) return undefined;
    const fix = this.deps.catalogue.require(executing.fixId);
    const hold = new RunHold(this.deps.store, executing, (ms) => this.deps.sleep(ms));
    // The heartbeat starts with the run, before any write that may be slow: a run waiting on the
    // audit is never judged silent by another instance's sweep.
    const stopHeartbeat = this.startHeartbeat(executing.id, hold);
    let outcome: ExecutionOutcome;
    let succeeded: boolean;
    /** Locks the run could not put back, or put back after a removal Azure never answered. */
    let offAfterRun: string[] = [];
    /** Of those, the ones put back after a removal Azure never answered (it may still carry it out). */
    let unconfirmedAfterRun: string[] = [];
    try {
      try {
        await this.record(executing, 'fix.execution-started', 'ok', systemActor, `Running ${fix.id} on ${describeTarget(executing.target)}: ${fix.operations.map((o) => o.kind).join(', ')}${note}`);
      } catch (error) {
        // Nothing has changed in Azure: the request ends now as not run, not 90 s later as "unknown".
        const summary = { en: `Not run: the start of ${fix.id} could not be written to the audit log. Request the fix again.`, pl: `Nie uruchomiono: nie udało się zapisać rozpoczęcia ${fix.id} w dzienniku audytu. Zleć poprawkę ponownie.` };
        const ended = await hold.update((current) => applyFixEvent(current, { type: 'fail', outcome: { summary, errorCode: 'audit_unavailable' } }, this.deps.clock.now())).catch(() => undefined);
        if (!ended) throw error;
        await this.record(ended, 'fix.failed', 'failed', systemActor, summary.en, 'audit_unavailable').catch(() => undefined);
        feed.push(ended);
        return ended;
      }
      feed.push(executing);
      // Nothing has changed in Azure yet. A run that lost its request meanwhile (another instance
      // judged it silent and ended it as "not run") runs nothing: that instance's word stays true.
      if (!(await hold.update((current) => ({ ...current, runner: this.runner() })))) return undefined;
      try {
        const policy = this.deps.policy();
        outcome = await executors[fix.id]({
          azure: this.deps.azure,
          fix,
          target: executing.target,
          inScope: (sub, rg) => policy.kind === 'loaded' && isResourceGroupInScope(policy.policy, sub, rg),
          progress: (step) => feed.push(hold.latest, step),
          journal: this.lockJournal(hold),
          abortSignal: this.shutdown.signal,
          ...(executing.planned ? { approved: executing.planned } : {}),
        });
        succeeded = true;
      } catch (error) {
        const coded = asCodedError(error);
        offAfterRun = [...idsIn(coded.details.stillOff), ...idsIn(coded.details.unconfirmedLocks)];
        unconfirmedAfterRun = idsIn(coded.details.unconfirmedLocks);
        const azureCode = typeof coded.details.azureCode === 'string' ? coded.details.azureCode : undefined;
        outcome = this.stopping
          ? // Cut off by our own shutdown: what Azure did is unknown, exactly as after a crash.
            { ...interruptedOutcome(executing.target, 'shutdown'), output: coded.message }
          : {
              summary: { en: `The fix failed: ${coded.message}`, pl: `Poprawka nie powiodła się: ${coded.message}` },
              errorCode: azureCode ?? coded.code,
            };
        succeeded = false;
      }
      // A fix that succeeded put back every lock it lifted (an unanswered removal or a failed put-back
      // fails it): its word stands even where the journal's "restored" mark could not be written.
      const unrestored = succeeded ? [] : locksToRestore(hold.latest);
      if (unrestored.length > 0 && !hold.lost) {
        // A lock is still off: the request is not finished until it is back. It stays executing with
        // its outcome, the heartbeat stops, and the sweep keeps putting the locks back, then ends it.
        const written = await hold.update((current) => ({ ...current, execution: outcome, updatedAt: this.deps.clock.now().toISOString() }));
        if (!written) return await this.takenOverWithLocksOff(requestId, hold.latest, offAfterRun, unconfirmedAfterRun, succeeded, outcome);
        const parked = written;
        const missing = locksToRestore(parked).filter((l) => !l.unconfirmed);
        if (missing.length > 0) {
          await this.record(parked, 'fix.lock-not-restored', 'failed', systemActor, `LOCK NOT RESTORED: ${missing.map(describeLock).join('; ')}. ${outcome.summary.en}`, 'lock_not_restored');
          feed.push(parked, { en: 'A lock could not be put back yet; the bot keeps trying.', pl: 'Nie udało się jeszcze przywrócić blokady; bot próbuje dalej.' });
        } else {
          const which = locksToRestore(parked).map(describeLock).join('; ');
          await this.record(parked, 'fix.lock-not-restored', 'failed', systemActor, `Lock put back, but Azure never answered its removal, which it may still carry out: ${which}. The recovery puts it back once more before the request ends. ${outcome.summary.en}`, 'lock_unconfirmed');
          feed.push(parked, { en: 'The lock is back; the bot puts it back once more in a few minutes, in case Azure carries out the lost removal late.', pl: 'Blokada wróciła; bot przywróci ją jeszcze raz za kilka minut, na wypadek gdyby Azure wykonał utraconą operację usunięcia z opóźnieniem.' });
        }
        return parked;
      }
      const finished = hold.lost ? undefined : await hold.update((current) => applyFixEvent(succeeded ? allLocksBack(current) : current, succeeded ? { type: 'succeed', outcome } : { type: 'fail', outcome }, this.deps.clock.now()));
      if (!finished) return await this.takenOverWithLocksOff(requestId, hold.latest, offAfterRun, unconfirmedAfterRun, succeeded, outcome);
      const interrupted = outcome.errorCode === 'interrupted';
      await this.record(finished, succeeded ? 'fix.succeeded' : interrupted ? 'fix.interrupted' : 'fix.failed', succeeded ? 'ok' : 'failed', systemActor, interrupted ? `${outcome.summary.en} (${outcome.output ?? ''})` : outcome.summary.en, outcome.errorCode);
      feed.push(finished);
      return finished;
    } finally {
      stopHeartbeat();
    }
  }

  /** The journal of the locks a run lifts, kept on the request through the run's single writer. */
  private lockJournal(hold: RunHold): LockJournal {
    return {
      recorded: async (locks) => {
        const next = await hold.update((current) => ({ ...current, locks: [...(current.locks ?? []), ...locks] }));
        // Nothing has been removed yet: without the record written, nothing may be.
        if (!next) throw new CodedError('store_conflict', 'The fix request was taken over by another instance before its locks were recorded; nothing was changed', { requestId: hold.latest.id });
      },
      stillHeld: async () => {
        if (!(await hold.update((current) => ({ ...current, runner: this.runner() })))) {
          throw new CodedError('store_conflict', 'The fix request was ended by another instance before its locks were removed; no lock was lifted', { requestId: hold.latest.id });
        }
      },
      restored: async (lockIds) => {
        const ids = new Set(lockIds);
        await hold.update((current) => ({ ...current, locks: (current.locks ?? []).map((l) => (ids.has(l.id) ? { ...l, restored: true } : l)) }));
      },
      putBackUnconfirmed: async (lockIds) => {
        const ids = new Set(lockIds);
        await hold.update((current) => ({ ...current, locks: (current.locks ?? []).map((l) => (ids.has(l.id) ? { ...l, unconfirmed: true } : l)) }));
      },
    };
  }

  /** Proves the fix with a backup and records fixed / still failing (with the identified code). */
  async verify(requestId: string, listener?: ProgressListener): Promise<FixRequest | undefined> {
    return this.withFeed(listener, (feed) => this.verifyWith(requestId, feed));
  }

  private async verifyWith(requestId: string, feed: ProgressFeed): Promise<FixRequest | undefined> {
    if (this.stopping) return undefined;
    const request = await this.deps.store.get(requestId);
    if (!request || request.state !== 'succeeded') return undefined;
    const jobId = request.execution?.backupJobId;
    const verifying = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'start-verification', ...(jobId ? { jobId } : {}), runner: this.runner() }, this.deps.clock.now()), request.version);
    if (!verifying) return undefined;
    await this.record(verifying, 'fix.verification-started', 'ok', systemActor, jobId ? `Following backup job ${jobId}` : `Triggering a verification backup of ${describeTarget(verifying.target)}`);
    feed.push(verifying);
    return this.followVerification(verifying, feed);
  }

  /** Polls the verification backup (triggering it first when there is no job yet) and records the verdict. */
  private async followVerification(verifying: FixRequest, feed: ProgressFeed): Promise<FixRequest> {
    const hold = new RunHold(this.deps.store, verifying, (ms) => this.deps.sleep(ms));
    const stopHeartbeat = this.startHeartbeat(verifying.id, hold);
    try {
      const settings = this.deps.verification ?? DEFAULT_VERIFICATION;
      const outcome = await verifyWithBackup(
        verifying.target,
        {
          azure: this.deps.azure,
          clock: this.deps.clock,
          sleep: this.deps.sleep,
          pollIntervalMs: settings.pollIntervalMs,
          timeoutMs: settings.timeoutMs,
          identifyCode: this.deps.identifyCode,
          signal: this.shutdown.signal,
          // Recorded at once: after a restart the job is followed again instead of guessed at.
          onJobStarted: async (startedJobId) => {
            await hold.update((current) => ({ ...current, verification: { result: 'pending', jobId: startedJobId }, updatedAt: this.deps.clock.now().toISOString() })).catch(() => undefined);
          },
        },
        verifying.verification?.jobId,
      );
      if (outcome.result === 'pending') {
        // Stopped by shutdown: nothing decided. The request stays verifying with its job id; once
        // the heartbeat lapses the next start's sweep follows the job again (resume).
        return (await this.deps.store.get(verifying.id)) ?? verifying;
      }
      const done = await hold.update((current) => applyFixEvent(current, { type: 'verified', outcome }, this.deps.clock.now()));
      const fixed = outcome.result === 'fixed';
      const detail = fixed
        ? `Verification backup ${outcome.jobId ?? ''} succeeded`
        : outcome.result === 'failed'
          ? `Verification failed: ${outcome.code ?? ''} ${outcome.message ?? ''}`.trim()
          : `Could not verify (${outcome.result}): ${outcome.message ?? ''}; the fix itself succeeded${outcome.jobId ? `; backup job ${outcome.jobId}` : ''}`;
      if (!done) return await this.finishedTooLate(verifying.id, fixed, detail, outcome.code);
      const action = fixed ? 'fix.verified-fixed' : done.state === 'still-failing' ? 'fix.still-failing' : 'fix.unverified';
      await this.record(done, action, fixed ? 'ok' : 'failed', systemActor, detail, outcome.code ?? (done.state === 'unverified' ? outcome.result : undefined));
      feed.push(done);
      return done;
    } finally {
      stopHeartbeat();
    }
  }

  /**
   * Execute, then verify if the fix succeeded. Returns the final request (once its last card
   * update went out or ran past its deadline), or undefined if another caller owns the run.
   */
  async runApproved(requestId: string, listener?: ProgressListener, note = ''): Promise<FixRequest | undefined> {
    return this.withFeed(listener, (feed) => this.runApprovedWith(requestId, feed, note));
  }

  private async runApprovedWith(requestId: string, feed: ProgressFeed, note: string): Promise<FixRequest | undefined> {
    const executed = await this.executeWith(requestId, feed, note);
    if (!executed) return undefined;
    if (executed.state !== 'succeeded') return executed;
    return (await this.verifyWith(requestId, feed)) ?? executed;
  }

  /** Runs `work` with a progress feed for `listener`, and waits for its last card update (bounded). */
  private async withFeed<T>(listener: ProgressListener | undefined, work: (feed: ProgressFeed) => Promise<T>): Promise<T> {
    const feed = new ProgressFeed(listener, (update) => this.bounded(update));
    try {
      return await work(feed);
    } finally {
      await feed.drained();
    }
  }

  /** Waits for a chat call no longer than the chat deadline; a late one is left to finish on its own. */
  private async bounded(work: Promise<void>): Promise<void> {
    const deadline = new AbortController();
    const late = this.deps.sleep(this.deps.chatDeadlineMs ?? DEFAULT_CHAT_DEADLINE_MS, deadline.signal).then(() => {
      throw new CodedError('chat_timeout', 'A card update did not finish within the chat deadline');
    });
    late.catch(() => undefined);
    try {
      await Promise.race([work, late]);
    } finally {
      deadline.abort();
    }
  }

  /**
   * After a restart (or on another instance): finds what was left half-way. Pending requests
   * past their window expire; executions whose runner went silent first get back every lock
   * they lifted, then are marked interrupted and NOT re-run (the Azure operation may have
   * happened); verifications without a recorded job are marked unverified; everything that can
   * safely go on is returned as `resumable` for `resume()`, whose compare-and-swap lets only
   * one instance carry each on.
   */
  async sweep(): Promise<SweepResult> {
    const expired: FixRequest[] = [];
    const interrupted: FixRequest[] = [];
    const resumable: FixRequest[] = [];
    const now = () => this.deps.clock.now();
    for (const request of await this.deps.store.listByState('requested', 500)) {
      const next = await this.expireIfDue(request);
      if (next) expired.push(next);
    }
    for (const request of await this.deps.store.listByState('executing', 500)) {
      if (!this.isStale(request, now())) continue;
      const next = await this.recoverExecution(request);
      if (next) interrupted.push(next);
    }
    for (const request of await this.deps.store.listByState('verifying', 500)) {
      if (!this.isStale(request, now())) continue;
      if (request.verification?.jobId) {
        resumable.push(request);
        continue;
      }
      const outcome = { result: 'interrupted' as const, message: `the bot restarted before the verification backup of ${request.target.vm.name} was recorded. Check the backup jobs of ${describeTarget(request.target)}.` };
      const next = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'verified', outcome }, now()), request.version);
      if (!next) continue;
      await this.record(next, 'fix.unverified', 'failed', systemActor, `Could not verify: ${outcome.message}`, 'interrupted');
      interrupted.push(next);
    }
    const graceMs = this.liveness.resumeGraceMs;
    for (const state of ['approved', 'succeeded'] as const) {
      for (const request of await this.deps.store.listByState(state, 500)) {
        if (this.active.has(request.id)) continue;
        const since = Date.parse(state === 'approved' ? (request.decidedAt ?? request.updatedAt) : request.updatedAt);
        if (now().getTime() - since < graceMs) continue;
        if (!request.approvalUnaudited) {
          resumable.push(request);
          continue;
        }
        // Past its approval window it would not run anyway: it ends without asking the audit log.
        const blocker = this.executionBlocker(request, now());
        if (blocker) {
          const ended = await this.endUnauditedApproval(request.id, blocker);
          if (ended) interrupted.push(ended);
          continue;
        }
        // An audit log that cannot be read now leaves the question to the next sweep.
        const onRecord = await this.approvalOnRecord(request).catch(() => undefined);
        if (onRecord === undefined) continue;
        if (onRecord) {
          // Audited, but the write that takes the mark off failed: it goes now, and the request carries on.
          if (await this.deps.store.compareAndSwap(withoutAuditMark(request), request.version).catch(() => undefined)) resumable.push(request);
        } else {
          const ended = await this.endUnauditedApproval(request.id);
          if (ended) interrupted.push(ended);
        }
      }
    }
    return { expired, interrupted, resumable };
  }

  /**
   * An execution nobody runs any more: puts back every lock it recorded and did not mark
   * restored (idempotently: the same lock, PUT again), then ends it. While any lock cannot be
   * put back the request stays open and the next sweep tries again; it is audited each time.
   * Returns the ended request, or undefined when it stays open or another instance won.
   */
  private async recoverExecution(request: FixRequest): Promise<FixRequest | undefined> {
    const now = () => this.deps.clock.now();
    const pending = locksToRestore(request);
    const back: JournaledLock[] = [];
    const failures: string[] = [];
    for (const lock of pending) {
      try {
        await restoreLock(this.deps.azure, lock);
        back.push(lock);
      } catch (error) {
        failures.push(`${describeLock(lock)}: ${asCodedError(error).message}`);
      }
    }
    for (const lock of back) {
      const why = lock.unconfirmed ? 'once more: Azure never answered its removal, which it may have carried out after the run put it back' : 'which the interrupted run had lifted';
      await this.record(request, 'fix.lock-restored', 'ok', systemActor, `Put back lock ${describeLock(lock)} (${lock.id}), ${why}`);
    }
    const restoredIds = new Set(back.map((l) => l.id));
    const locks = request.locks?.map((l) => (restoredIds.has(l.id) ? { ...l, restored: true } : l));
    if (failures.length > 0) {
      await this.record(request, 'fix.lock-not-restored', 'failed', systemActor, `LOCK NOT RESTORED, retrying on the next sweep: ${failures.join('; ')}`, 'lock_not_restored');
      if (back.length > 0) await this.deps.store.compareAndSwap({ ...request, ...(locks ? { locks } : {}) }, request.version);
      return undefined;
    }
    // A run parked by its own failed restore ends with its own outcome; one cut off by a crash, as interrupted.
    const base = request.execution ?? interruptedOutcome(request.target, 'restart', pending);
    const outcome: ExecutionOutcome =
      request.execution && back.length > 0
        ? { ...base, summary: { en: `${base.summary.en} The recovery has since put back: ${back.map(describeLock).join('; ')}.`, pl: `${base.summary.pl} Odzyskiwanie przywróciło od tego czasu: ${back.map(describeLock).join('; ')}.` } }
        : base;
    const next = await this.deps.store.compareAndSwap(applyFixEvent({ ...request, ...(locks ? { locks } : {}) }, { type: 'fail', outcome }, now()), request.version);
    if (!next) return undefined;
    if (request.execution) await this.record(next, 'fix.failed', 'failed', systemActor, outcome.summary.en, outcome.errorCode);
    else await this.record(next, 'fix.interrupted', 'failed', systemActor, `${outcome.summary.en} (last heartbeat ${this.heartbeatOf(request)})`, 'interrupted');
    return next;
  }

  /**
   * Carries on a request the sweep found: runs an approved one (once: the usual
   * compare-and-swap), verifies an applied one, or follows a verification job again.
   * Returns the final request, or undefined when someone else carries it on.
   */
  async resume(requestId: string, listener?: ProgressListener): Promise<FixRequest | undefined> {
    return this.withFeed(listener, async (feed) => {
      if (this.stopping) return undefined;
      const request = await this.deps.store.get(requestId);
      if (!request) return undefined;
      switch (request.state) {
        case 'approved':
          return this.runApprovedWith(requestId, feed, ' (resumed: approved before a restart, never started)');
        case 'succeeded':
          return this.verifyWith(requestId, feed);
        case 'verifying': {
          const jobId = request.verification?.jobId;
          if (!jobId || !this.isStale(request, this.deps.clock.now())) return undefined;
          const taken = await this.deps.store.compareAndSwap({ ...request, runner: this.runner(), updatedAt: this.deps.clock.now().toISOString() }, request.version);
          if (!taken) return undefined;
          await this.record(taken, 'fix.resumed', 'ok', systemActor, `Following verification backup job ${jobId} of ${describeTarget(taken.target)} again after a restart`);
          feed.push(taken);
          return this.followVerification(taken, feed);
        }
        default:
          return undefined;
      }
    });
  }

  /** Why an approved request must not run now, or undefined when it may. */
  private executionBlocker(request: FixRequest, now: Date): LocalizedText | undefined {
    const fix = this.deps.catalogue.get(request.fixId);
    if (!fix || !request.decidedBy) return { en: 'Not run: the fix is no longer in the catalogue. Request it again.', pl: 'Nie uruchomiono: tej poprawki nie ma już w katalogu. Zleć ją ponownie.' };
    const state = this.deps.policy();
    const decision = decideApproval(state, fix, request, request.decidedBy, 'approve');
    if (!decision.allowed) {
      return { en: `Not run: the fix policy no longer allows it. ${decision.refusal.message.en}`, pl: `Nie uruchomiono: polityka poprawek już na to nie pozwala. ${decision.refusal.message.pl}` };
    }
    const windowMs = state.kind === 'loaded' ? approvalExpiryMs(state.policy) : 30 * 60_000;
    const approvedAt = Date.parse(request.decidedAt ?? request.updatedAt);
    if (now.getTime() - approvedAt > windowMs) {
      return {
        en: `Not run: it was approved at ${new Date(approvedAt).toISOString()}, but the bot could not start it within the approval window. Check ${request.target.vm.name} and request the fix again.`,
        pl: `Nie uruchomiono: zatwierdzono ją ${new Date(approvedAt).toISOString()}, ale bot nie mógł jej uruchomić w czasie ważności zatwierdzenia. Sprawdź ${request.target.vm.name} i zleć poprawkę ponownie.`,
      };
    }
    return undefined;
  }

  private runner(): FixRunner {
    return { instanceId: this.instanceId, heartbeatAt: this.deps.clock.now().toISOString() };
  }

  private heartbeatOf(request: FixRequest): string {
    return request.runner?.heartbeatAt ?? request.executedAt ?? request.updatedAt;
  }

  /** A run nobody has vouched for lately: not ours, and its heartbeat is older than staleAfterMs. */
  private isStale(request: FixRequest, now: Date): boolean {
    if (this.active.has(request.id)) return false;
    return now.getTime() - Date.parse(this.heartbeatOf(request)) > this.liveness.staleAfterMs;
  }

  private startHeartbeat(requestId: string, hold: RunHold): () => void {
    this.active.add(requestId);
    const cancel = this.liveness.every(this.liveness.heartbeatMs, () => {
      void hold.update((current) => ({ ...current, runner: this.runner() })).catch(() => undefined);
    });
    return () => {
      cancel();
      this.active.delete(requestId);
    };
  }

  /**
   * The run lost the request to another instance's sweep (it judged the run silent and ended it).
   * That sweep saw the locks still on, so no sweep will look again: locks this run left off (or put
   * back after a removal Azure never answered) are put back by the run itself, then the real
   * outcome is audited.
   */
  private async takenOverWithLocksOff(requestId: string, journaled: FixRequest, lockIds: readonly string[], unconfirmedIds: readonly string[], succeeded: boolean, outcome: ExecutionOutcome): Promise<FixRequest> {
    if (lockIds.length > 0) await this.putBackAfterTakeover(journaled, lockIds, unconfirmedIds);
    return this.finishedTooLate(requestId, succeeded, outcome.summary.en, outcome.errorCode);
  }

  /**
   * Locks a run lifted and could not put back after it lost the request to another instance's
   * sweep: that sweep saw them still on and ended the request, so no sweep will look again. The
   * run retries them itself, backing off (stopped only by shutdown), and audits the result.
   */
  private async putBackAfterTakeover(request: FixRequest, lockIds: readonly string[], unconfirmedIds: readonly string[]): Promise<void> {
    let left = (request.locks ?? []).filter((l) => lockIds.includes(l.id));
    // A lock whose removal Azure never answered is put back again until that removal can no longer
    // land (the stale delay, as the recovery of a parked run waits), not only once.
    const lateRemoval = new Set(unconfirmedIds);
    /** Locks whose latest put-back succeeded. */
    const backNow = new Set<string>();
    let waitedMs = 0;
    for (const delayMs of takeoverRestoreDelaysMs) {
      if (left.length === 0 || this.stopping) break;
      await this.deps.sleep(delayMs, this.shutdown.signal).catch(() => undefined);
      waitedMs += delayMs;
      const again: JournaledLock[] = [];
      for (const lock of left) {
        try {
          await restoreLock(this.deps.azure, lock);
          backNow.add(lock.id);
          if (lateRemoval.has(lock.id) && waitedMs < this.liveness.staleAfterMs) again.push(lock);
          else await this.record(request, 'fix.lock-restored', 'ok', systemActor, `Put back lock ${describeLock(lock)} (${lock.id}), which this run had lifted after another instance ended the request`);
        } catch {
          backNow.delete(lock.id);
          again.push(lock);
        }
      }
      left = again;
    }
    const off = left.filter((l) => !backNow.has(l.id));
    const unsure = left.filter((l) => backNow.has(l.id));
    if (off.length > 0) {
      await this.record(request, 'fix.lock-not-restored', 'failed', systemActor, `LOCK NOT RESTORED, recreate it by hand: ${off.map(describeLock).join('; ')} (the request had been ended by another instance while this run held the lock off)`, 'lock_not_restored');
    }
    if (unsure.length > 0) {
      await this.record(request, 'fix.lock-not-restored', 'failed', systemActor, `Lock put back, but Azure never answered its removal, which may still be carried out: check that it is on: ${unsure.map(describeLock).join('; ')} (the bot stopped before it could put it back once more)`, 'lock_unconfirmed');
    }
  }

  /** The run ended after another instance had marked it interrupted: the real outcome is still audited. */
  private async finishedTooLate(requestId: string, ok: boolean, detail: string, reason?: string): Promise<FixRequest> {
    const current = await this.deps.store.get(requestId);
    if (!current) throw new CodedError('store_conflict', `Fix request ${requestId} disappeared while it ran`, { requestId });
    await this.record(current, ok ? 'fix.succeeded' : 'fix.failed', ok ? 'ok' : 'failed', systemActor, `${detail} (finished after the run had been marked interrupted; the request stays ${current.state})`, reason);
    return current;
  }

  /** For refusals found at the edge (malformed or tampered card data): audited like any other. */
  async refuseAtEdge(action: string, actor: Actor, refusal: Refusal, context: { requestId?: string; fixId?: string; target?: FixTarget; detail?: string } = {}): Promise<{ ok: false; refusal: Refusal; request?: FixRequest }> {
    // The id came from the press: one that cannot be ours is not looked up, and the audit says so instead of quoting it.
    const { requestId: pressed, ...rest } = context;
    const requestId = pressed !== undefined && wellFormedRequestId.test(pressed) ? pressed : undefined;
    const request = requestId ? await this.deps.store.get(requestId) : undefined;
    const notOurs = pressed !== undefined && requestId === undefined ? `request id of ${pressed.length} characters, not one of ours` : undefined;
    const detail = [rest.detail, notOurs].filter((part) => part !== undefined).join('; ');
    return this.refused(action, actor, refusal, { ...rest, ...(requestId ? { requestId } : {}), ...(request ? { request } : {}), ...(detail ? { detail } : {}) });
  }

  private async refused(
    action: string,
    actor: Actor,
    refusal: Refusal,
    context: { request?: FixRequest; requestId?: string; fixId?: string; target?: FixTarget; detail?: string },
  ): Promise<{ ok: false; refusal: Refusal; request?: FixRequest }> {
    const request = context.request;
    const target = request?.target ?? context.target;
    const fixId = request?.fixId ?? context.fixId;
    await this.deps.audit.append({
      id: this.deps.ids.next(),
      at: this.deps.clock.now().toISOString(),
      correlationId: request?.correlationId ?? this.deps.ids.next(),
      action: 'fix.refused',
      outcome: 'refused',
      actor,
      ...(fixId ? { fixId } : {}),
      ...((request?.id ?? context.requestId) ? { requestId: request?.id ?? context.requestId } : {}),
      ...(target ? { target: target.vm } : {}),
      detail: redactSecrets(boundedDetail(`Refused ${action} by ${describeActor(actor)}: ${refusal.reason}${context.detail ? ` (${context.detail})` : ''}`)),
      reason: refusal.reason,
    });
    return { ok: false, refusal, ...(request ? { request } : {}) };
  }

  private async record(request: FixRequest, action: AuditAction, outcome: AuditOutcome, actor: Actor, detail: string, reason?: string): Promise<void> {
    await this.deps.audit.append({
      id: this.deps.ids.next(),
      at: this.deps.clock.now().toISOString(),
      correlationId: request.correlationId,
      action,
      outcome,
      actor,
      fixId: request.fixId,
      requestId: request.id,
      target: request.target.vm,
      // Azure error messages and typed reasons end up here: never a credential.
      detail: redactSecrets(detail),
      ...(reason ? { reason } : {}),
    });
  }
}

/**
 * An execution cut off before its outcome was known: marked, never re-run. Where the run had
 * lifted locks, the text names each lock where it lives (its own resource group), not the VM's.
 */
function interruptedOutcome(target: FixTarget, by: 'restart' | 'shutdown', locksPutBack: readonly JournaledLock[] = []): ExecutionOutcome {
  const where = describeTarget(target);
  const why = by === 'restart' ? { en: 'the bot restarted while the fix ran', pl: 'bot został ponownie uruchomiony w trakcie poprawki' } : { en: 'the bot was shut down while the fix ran', pl: 'bota zatrzymano w trakcie poprawki' };
  const locks = locksPutBack.map(describeLock).join('; ');
  return {
    summary: {
      en: `Interrupted: ${why.en}, so whether the Azure operation finished is unknown. It was not run again.${locks ? ` Every lock it had lifted is back as it was: ${locks}.` : ''} Check ${where} and request the fix again if it is still needed.`,
      pl: `Przerwano: ${why.pl}, więc nie wiadomo, czy operacja w Azure się zakończyła. Nie uruchomiono jej ponownie.${locks ? ` Każda zdjęta przez nią blokada wróciła w niezmienionej postaci: ${locks}.` : ''} Sprawdź ${where} i w razie potrzeby zleć poprawkę ponownie.`,
    },
    errorCode: 'interrupted',
  };
}
