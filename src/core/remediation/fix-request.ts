import { CodedError } from '../errors';
import type { Language, LocalizedText } from '../knowledge/schema';
import type { Actor } from './actor';
import type { FixId } from './fix-catalogue';
import type { FixTarget } from './fix-target';
import type { ResourceLock, RestorePointCollection } from '../azure-port';

/**
 * A fix request and its life:
 *
 *   requested -> approved | rejected | expired
 *   approved  -> executing | failed (abandoned: policy changed, or approved too long ago to run unattended)
 *   executing -> succeeded | failed (also: interrupted by a restart, never re-run)
 *   succeeded -> verifying
 *   verifying -> verified-fixed | still-failing | unverified (the backup could not be followed:
 *                an Azure error, a timeout, or a restart before its job was known)
 *
 * Only a backup that ran to its end judges the cause: `still-failing` moves the session to the
 * next cause, `unverified` leaves it where it is.
 *
 * Transitions are pure; the store applies them with compare-and-swap on `version`, so of
 * two approvers, a double click or two bot instances exactly one wins each step.
 */
export const FixRequestStates = ['requested', 'approved', 'rejected', 'expired', 'executing', 'succeeded', 'failed', 'verifying', 'verified-fixed', 'still-failing', 'unverified'] as const;
export type FixRequestState = (typeof FixRequestStates)[number];

export const finalStates: ReadonlySet<FixRequestState> = new Set(['rejected', 'expired', 'failed', 'verified-fixed', 'still-failing', 'unverified']);

/** Not final: the request still holds its open-request key (see `openRequestKey`). */
export function isOpenState(state: FixRequestState): boolean {
  return !finalStates.has(state);
}

export interface ExecutionOutcome {
  readonly summary: LocalizedText;
  /** Raw output (run command stdout/stderr, SDK error), shown verbatim. */
  readonly output?: string;
  /** Set when the fix itself started a backup (retry-backup): verification follows it instead of starting another. */
  readonly backupJobId?: string;
  readonly errorCode?: string;
}

export interface VerificationOutcome {
  readonly jobId?: string;
  /**
   * `pending` while the verification backup runs. `fixed` / `failed`: the backup ended.
   * `timed-out`, `error` (Azure could not be asked) and `interrupted` (the bot restarted before
   * the backup's job id was recorded) say nothing about the cause: the request ends `unverified`.
   */
  readonly result: 'pending' | 'fixed' | 'failed' | 'timed-out' | 'error' | 'interrupted';
  /** The identified error code of a failed backup, when there is one. */
  readonly code?: string;
  readonly message?: string;
}

/** Where the fix card lives, so every decision can update it in place. */
export interface CardLocation {
  /** Absent on places stored before Slack had fixes: those are Teams'. */
  readonly channel?: 'msteams' | 'slack';
  readonly conversationId: string;
  /** The message (Teams activity id, Slack ts). */
  readonly activityId?: string;
  readonly serviceUrl?: string;
  /** Slack: the thread the message sits in. */
  readonly threadId?: string;
}

/**
 * Which bot instance is running the execution or verification, and when it last said so.
 * Another instance (or the same one after a restart) treats a run whose heartbeat is stale
 * as interrupted, and never as something to run again.
 */
export interface FixRunner {
  readonly instanceId: string;
  readonly heartbeatAt: string;
}

/** What a plan found in Azure that its operations name. */
export interface PlannedResources {
  readonly collections?: readonly RestorePointCollection[];
  readonly locks?: readonly ResourceLock[];
}

export interface FixRequest {
  /** Opaque and unguessable: the only thing a card carries. */
  readonly id: string;
  readonly version: number;
  readonly fixId: FixId;
  readonly state: FixRequestState;
  readonly target: FixTarget;
  readonly requester: Actor;
  readonly language: Language;
  /** Ties every audit entry of this request together. */
  readonly correlationId: string;
  readonly sessionId?: string;
  readonly codeId?: string;
  readonly causeId?: string;
  readonly card?: CardLocation;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly updatedAt: string;
  readonly decidedBy?: Actor;
  readonly decidedAt?: string;
  readonly rejectionReason?: string;
  readonly executedAt?: string;
  readonly execution?: ExecutionOutcome;
  readonly verification?: VerificationOutcome;
  readonly runner?: FixRunner;
  /**
   * One open request per target VM, whatever session, channel or instance it came from. The
   * store enforces it (a second create with the same key while this one is open is refused),
   * so two Request presses racing through their Azure checks create one request, and two
   * changes never run on one VM at the same time.
   */
  readonly openKey?: string;
  /**
   * Resource-group locks the fix recorded before removing them, written to the store before
   * the first removal. Whatever happens next (a failed delete, a shutdown, a kill -9), the
   * recovery puts back every lock not marked restored, identically.
   */
  readonly locks?: readonly JournaledLock[];
  /**
   * What the plan read in Azure when the request was made (the collections it would delete, the
   * locks on their resource group then), so the approver's card names them rather than placeholders.
   */
  readonly planned?: PlannedResources;
  /**
   * Approved, but the approval is not on the audit log yet (it is written right after the approval
   * takes the request). Nothing runs a request that carries this; the sweep ends one that kept it.
   */
  readonly approvalUnaudited?: true;
}

/** A lock a fix lifted, as it was, and whether it is back. */
export interface JournaledLock {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly level: string;
  readonly notes?: string;
  /** The lock's own ARM id: where it was and must be again. */
  readonly id: string;
  readonly restored: boolean;
  /**
   * Put back at once after a removal whose answer was lost (a timeout, a reset, a shutdown): ARM
   * may still carry that removal out after the put-back, so the lock is not counted restored until
   * the recovery has put it back once more, after the run.
   */
  readonly unconfirmed?: boolean;
}

/** Locks a request removed and has not yet put back. */
export function locksToRestore(request: FixRequest): JournaledLock[] {
  return (request.locks ?? []).filter((l) => !l.restored);
}

/** "name (level) on resource group rg, subscription sub": where a lock lives, for cards and the audit. */
export function describeLock(lock: JournaledLock): string {
  return `${lock.name} (${lock.level}${lock.notes ? `, notes "${lock.notes}"` : ''}) on resource group ${lock.resourceGroup} (subscription ${lock.subscriptionId})`;
}

/**
 * The deterministic key of "an open fix on this VM", case-insensitive in the VM's names.
 * Not per fix or per session: two different changes on one VM at once are no safer than two
 * copies of the same one.
 */
export function openRequestKey(target: FixTarget): string {
  const vm = target.vm;
  return ['vm', vm.subscriptionId.toLowerCase(), vm.resourceGroup.toLowerCase(), vm.name.toLowerCase()].join('/');
}

export type FixRequestEvent =
  | { readonly type: 'approve'; readonly by: Actor }
  | { readonly type: 'reject'; readonly by: Actor; readonly reason?: string }
  | { readonly type: 'expire' }
  | { readonly type: 'start-execution'; readonly runner?: FixRunner }
  | { readonly type: 'abandon'; readonly outcome: ExecutionOutcome }
  | { readonly type: 'succeed'; readonly outcome: ExecutionOutcome }
  | { readonly type: 'fail'; readonly outcome: ExecutionOutcome }
  | { readonly type: 'start-verification'; readonly jobId?: string; readonly runner?: FixRunner }
  | { readonly type: 'verified'; readonly outcome: VerificationOutcome };

const allowedFrom: Readonly<Record<FixRequestEvent['type'], readonly FixRequestState[]>> = {
  approve: ['requested'],
  reject: ['requested'],
  expire: ['requested'],
  'start-execution': ['approved'],
  abandon: ['approved'],
  succeed: ['executing'],
  fail: ['executing'],
  'start-verification': ['succeeded'],
  verified: ['verifying'],
};

export interface NewFixRequestInput {
  readonly id: string;
  readonly correlationId: string;
  readonly fixId: FixId;
  readonly target: FixTarget;
  readonly requester: Actor;
  readonly language: Language;
  readonly now: Date;
  readonly expiryMs: number;
  readonly sessionId?: string;
  readonly codeId?: string;
  readonly causeId?: string;
  readonly card?: CardLocation;
  readonly openKey?: string;
  readonly planned?: PlannedResources;
}

export function newFixRequest(input: NewFixRequestInput): FixRequest {
  const now = input.now.toISOString();
  return {
    id: input.id,
    version: 0,
    fixId: input.fixId,
    state: 'requested',
    target: input.target,
    requester: input.requester,
    language: input.language,
    correlationId: input.correlationId,
    createdAt: now,
    updatedAt: now,
    expiresAt: new Date(input.now.getTime() + input.expiryMs).toISOString(),
    ...(input.sessionId !== undefined ? { sessionId: input.sessionId } : {}),
    ...(input.codeId !== undefined ? { codeId: input.codeId } : {}),
    ...(input.causeId !== undefined ? { causeId: input.causeId } : {}),
    ...(input.card !== undefined ? { card: input.card } : {}),
    ...(input.openKey !== undefined ? { openKey: input.openKey } : {}),
    ...(input.planned !== undefined ? { planned: input.planned } : {}),
  };
}

/** A pending request past its expiry can no longer be approved. */
export function isApprovalExpired(request: FixRequest, now: Date): boolean {
  return request.state === 'requested' && Date.parse(request.expiresAt) <= now.getTime();
}

export function canApply(request: FixRequest, type: FixRequestEvent['type']): boolean {
  return allowedFrom[type].includes(request.state);
}

/** Applies one event; an event the state does not allow is a `fix_request_invalid` error. Same version out: the store bumps it. */
export function applyFixEvent(request: FixRequest, event: FixRequestEvent, now: Date): FixRequest {
  if (!canApply(request, event.type)) {
    throw new CodedError('fix_request_invalid', `A fix request in state "${request.state}" cannot take "${event.type}"`, { requestId: request.id, state: request.state, event: event.type });
  }
  if (event.type === 'approve' && isApprovalExpired(request, now)) {
    throw new CodedError('fix_request_invalid', 'The fix request expired before it was approved', { requestId: request.id, state: request.state, event: event.type });
  }
  const at = now.toISOString();
  const base = { ...request, updatedAt: at };
  switch (event.type) {
    case 'approve':
      return { ...base, state: 'approved', decidedBy: event.by, decidedAt: at };
    case 'reject':
      return { ...base, state: 'rejected', decidedBy: event.by, decidedAt: at, ...(event.reason ? { rejectionReason: event.reason } : {}) };
    case 'expire':
      return { ...base, state: 'expired' };
    case 'start-execution':
      return { ...base, state: 'executing', executedAt: at, ...(event.runner ? { runner: event.runner } : {}) };
    case 'abandon':
      return { ...base, state: 'failed', execution: event.outcome };
    case 'succeed':
      return { ...base, state: 'succeeded', execution: event.outcome };
    case 'fail':
      return { ...base, state: 'failed', execution: event.outcome };
    case 'start-verification':
      return { ...base, state: 'verifying', verification: { result: 'pending', ...(event.jobId ? { jobId: event.jobId } : {}) }, ...(event.runner ? { runner: event.runner } : {}) };
    case 'verified':
      if (event.outcome.result === 'pending') throw new CodedError('fix_request_invalid', 'A verification outcome cannot be pending', { requestId: request.id });
      return { ...base, state: verdictState(event.outcome.result), verification: event.outcome };
  }
}

/** Only a backup that ended judges the fix; anything else leaves it unverified. */
function verdictState(result: Exclude<VerificationOutcome['result'], 'pending'>): FixRequestState {
  switch (result) {
    case 'fixed':
      return 'verified-fixed';
    case 'failed':
      return 'still-failing';
    case 'timed-out':
    case 'error':
    case 'interrupted':
      return 'unverified';
  }
}
