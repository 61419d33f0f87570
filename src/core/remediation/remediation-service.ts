import type { AzurePort, BackupJob } from '../azure-port';
import { CodedError, asCodedError } from '../errors';
import type { Language, LocalizedText } from '../knowledge/schema';
import type { Clock, IdGenerator } from '../ports';
import { describeActor, type Actor } from './actor';
import { systemActor, type AuditAction, type AuditOutcome } from './audit';
import { executors } from './executors';
import type { FixCatalogue, FixDefinition } from './fix-catalogue';
import { applyFixEvent, isApprovalExpired, newFixRequest, type CardLocation, type ExecutionOutcome, type FixRequest, type FixRequestEvent } from './fix-request';
import { describeTarget, type FixTarget } from './fix-target';
import { approvalExpiryMs, decideApproval, decideRequest, isFixEnabled, isResourceGroupInScope, type PolicyState } from './policy';
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
  readonly sleep: (ms: number) => Promise<void>;
  readonly identifyCode: (job: BackupJob) => string | undefined;
  readonly verification?: { readonly pollIntervalMs: number; readonly timeoutMs: number };
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
}

export interface FixPlan {
  readonly fix: FixDefinition;
  readonly target: FixTarget;
  readonly preconditionFailures: readonly PreconditionFailure[];
  readonly expiresInMinutes: number;
  readonly needsSecondPerson: boolean;
}

export interface FixOffer {
  readonly fix: FixDefinition;
  readonly enabled: boolean;
  /** Why it is disabled (policy missing, disabled, out of scope...). */
  readonly disabledReason?: LocalizedText;
}

export type ProgressListener = (request: FixRequest, step?: LocalizedText) => Promise<void>;

const DEFAULT_VERIFICATION = { pollIntervalMs: 15_000, timeoutMs: 2 * 60 * 60_000 };

export class RemediationService {
  constructor(private readonly deps: RemediationDeps) {}

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
    const facts = await gatherFacts(this.deps.azure, input.target, fix);
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
      },
    };
  }

  /** Creates the request (after re-checking everything the plan checked). */
  async request(input: FixRequestInput): Promise<Result<FixRequest>> {
    const planned = await this.plan(input);
    if (!planned.ok) return planned;
    const { fix, target, preconditionFailures } = planned.value;
    if (preconditionFailures.length > 0) {
      const detail = { en: preconditionFailures.map((f) => f.message.en).join(' '), pl: preconditionFailures.map((f) => f.message.pl).join(' ') };
      return this.refused('request', input.actor, standardRefusal('precondition-failed', detail), { fixId: fix.id, target });
    }
    const state = this.deps.policy();
    const expiryMs = state.kind === 'loaded' ? approvalExpiryMs(state.policy) : 30 * 60_000;
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
    });
    const stored = await this.deps.store.create(request);
    await this.record(stored, 'fix.requested', 'ok', input.actor, `${describeActor(input.actor)} requested ${fix.id} (${fix.risk} risk) on ${describeTarget(target)}`);
    return { ok: true, value: stored };
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
      const expired = await this.expire(request);
      return this.refused(action, actor, standardRefusal('expired'), { request: expired ?? request });
    }
    const decision = decideApproval(this.deps.policy(), fix, request, actor, action);
    if (!decision.allowed) return this.refused(action, actor, decision.refusal, { request });
    const next = await this.deps.store.compareAndSwap(applyFixEvent(request, event, now), request.version);
    if (!next) {
      // Someone else decided between our read and our write: a double click, a second approver, another instance.
      const current = (await this.deps.store.get(requestId)) ?? request;
      return this.refused(action, actor, standardRefusal('not-pending'), { request: current });
    }
    const verb = action === 'approve' ? 'approved' : 'rejected';
    await this.record(next, action === 'approve' ? 'fix.approved' : 'fix.rejected', 'ok', actor, `${describeActor(actor)} ${verb} ${fix.id} on ${describeTarget(next.target)}${event.type === 'reject' && event.reason ? `: ${event.reason}` : ''}`);
    return { ok: true, value: next };
  }

  /** Moves a pending request past its expiry to `expired` (once, audited). */
  async expire(request: FixRequest): Promise<FixRequest | undefined> {
    if (!isApprovalExpired(request, this.deps.clock.now())) return undefined;
    const next = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'expire' }, this.deps.clock.now()), request.version);
    if (next) await this.record(next, 'fix.expired', 'ok', systemActor, `Approval window of ${request.fixId} on ${describeTarget(request.target)} ended at ${request.expiresAt}`);
    return next ?? (await this.deps.store.get(request.id));
  }

  /** Expires every pending request whose approval window has ended; returns how many. */
  async expireDue(): Promise<number> {
    let count = 0;
    for (const request of await this.deps.store.listByState('requested', 500)) {
      if (isApprovalExpired(request, this.deps.clock.now()) && (await this.expire(request))?.state === 'expired') count++;
    }
    return count;
  }

  /**
   * Runs an approved fix. The approved -> executing compare-and-swap is the exactly-once
   * gate: whoever loses it (a second approver, another bot instance) gets undefined and runs nothing.
   */
  async execute(requestId: string, onProgress?: ProgressListener): Promise<FixRequest | undefined> {
    const request = await this.deps.store.get(requestId);
    if (!request || request.state !== 'approved') return undefined;
    const now = this.deps.clock.now();
    const executing = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'start-execution' }, now), request.version);
    if (!executing) return undefined;
    const fix = this.deps.catalogue.require(executing.fixId);
    await this.record(executing, 'fix.execution-started', 'ok', systemActor, `Running ${fix.id} on ${describeTarget(executing.target)}: ${fix.operations.map((o) => o.kind).join(', ')}`);
    await onProgress?.(executing);

    let outcome: ExecutionOutcome;
    let succeeded: boolean;
    try {
      const policy = this.deps.policy();
      outcome = await executors[fix.id]({
        azure: this.deps.azure,
        fix,
        target: executing.target,
        inScope: (sub, rg) => policy.kind === 'loaded' && isResourceGroupInScope(policy.policy, sub, rg),
        progress: async (step) => {
          await onProgress?.(executing, step);
        },
      });
      succeeded = true;
    } catch (error) {
      const coded = asCodedError(error);
      const azureCode = typeof coded.details.azureCode === 'string' ? coded.details.azureCode : undefined;
      outcome = {
        summary: { en: `The fix failed: ${coded.message}`, pl: `Poprawka nie powiodła się: ${coded.message}` },
        errorCode: azureCode ?? coded.code,
      };
      succeeded = false;
    }
    const finished = await this.deps.store.compareAndSwap(applyFixEvent(executing, succeeded ? { type: 'succeed', outcome } : { type: 'fail', outcome }, this.deps.clock.now()), executing.version);
    if (!finished) throw new CodedError('store_conflict', `Fix request ${requestId} changed while it was executing`, { requestId });
    await this.record(finished, succeeded ? 'fix.succeeded' : 'fix.failed', succeeded ? 'ok' : 'failed', systemActor, outcome.summary.en, outcome.errorCode);
    await onProgress?.(finished);
    return finished;
  }

  /** Proves the fix with a backup and records fixed / still failing (with the identified code). */
  async verify(requestId: string, onProgress?: ProgressListener): Promise<FixRequest | undefined> {
    const request = await this.deps.store.get(requestId);
    if (!request || request.state !== 'succeeded') return undefined;
    const jobId = request.execution?.backupJobId;
    const verifying = await this.deps.store.compareAndSwap(applyFixEvent(request, { type: 'start-verification', ...(jobId ? { jobId } : {}) }, this.deps.clock.now()), request.version);
    if (!verifying) return undefined;
    await this.record(verifying, 'fix.verification-started', 'ok', systemActor, jobId ? `Following backup job ${jobId}` : `Triggering a verification backup of ${describeTarget(verifying.target)}`);
    await onProgress?.(verifying);
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
      },
      jobId,
    );
    const done = await this.deps.store.compareAndSwap(applyFixEvent(verifying, { type: 'verified', outcome }, this.deps.clock.now()), verifying.version);
    if (!done) throw new CodedError('store_conflict', `Fix request ${requestId} changed while it was being verified`, { requestId });
    const fixed = outcome.result === 'fixed';
    await this.record(done, fixed ? 'fix.verified-fixed' : 'fix.still-failing', fixed ? 'ok' : 'failed', systemActor, fixed ? `Verification backup ${outcome.jobId ?? ''} succeeded` : `Verification ${outcome.result}: ${outcome.code ?? ''} ${outcome.message ?? ''}`.trim(), outcome.code);
    await onProgress?.(done);
    return done;
  }

  /** Execute, then verify if the fix succeeded. Returns the final request, or undefined if another caller owns the run. */
  async runApproved(requestId: string, onProgress?: ProgressListener): Promise<FixRequest | undefined> {
    const executed = await this.execute(requestId, onProgress);
    if (!executed) return undefined;
    if (executed.state !== 'succeeded') return executed;
    return (await this.verify(requestId, onProgress)) ?? executed;
  }

  /** For refusals found at the edge (malformed or tampered card data): audited like any other. */
  async refuseAtEdge(action: string, actor: Actor, refusal: Refusal, context: { requestId?: string; fixId?: string; target?: FixTarget; detail?: string } = {}): Promise<{ ok: false; refusal: Refusal; request?: FixRequest }> {
    const request = context.requestId ? await this.deps.store.get(context.requestId) : undefined;
    return this.refused(action, actor, refusal, { ...(request ? { request } : {}), ...context });
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
      detail: `Refused ${action} by ${describeActor(actor)}: ${refusal.reason}${context.detail ? ` (${context.detail})` : ''}`,
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
      detail,
      ...(reason ? { reason } : {}),
    });
  }
}
