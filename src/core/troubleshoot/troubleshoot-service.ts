import { CodedError, isCodedError } from '../errors';
import type { Language } from '../knowledge/schema';
import type { Clock, IdGenerator } from '../ports';
import { type KnowledgeLookup, orderedCausesOf, safeFindCode } from '../views/knowledge-lookup';
import { type CauseCheck, type SessionPlan, type SessionTarget, type StepAction, type TroubleshootSession, applyChecks, applyStep, isExpired, newSession } from './session';
import type { SessionStore } from './session-store';

/** Plans a session remembers: enough for every fix of a cause, pressed a few times over. */
const maxRememberedPlans = 20;

export type SessionResult =
  | { readonly kind: 'ok'; readonly session: TroubleshootSession }
  | { readonly kind: 'not-found' }
  | { readonly kind: 'expired'; readonly session: TroubleshootSession }
  /** The action does not fit the session (e.g. a cause index past the end). */
  | { readonly kind: 'invalid'; readonly session: TroubleshootSession }
  /** The press was made on a card showing another cause than the session's now: nothing was applied; `session` is the latest. */
  | { readonly kind: 'moved'; readonly session: TroubleshootSession };

/** Thrown inside a compare-and-swap when the session is no longer at the cause the press was made at. */
class SessionMovedOn extends Error {
  constructor(readonly session: TroubleshootSession) {
    super('the session has moved on from the pressed cause');
  }
}

export interface StartSessionInput {
  readonly codeId: string;
  readonly language: Language;
  readonly conversationId: string;
  readonly createdBy: string;
  readonly target?: SessionTarget;
  /** When the card replaces an existing message (a choose-code press), its id. */
  readonly activityId?: string;
}

export interface TroubleshootServiceDeps {
  readonly store: SessionStore;
  readonly knowledge: KnowledgeLookup;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly ttlMs: number;
}

/**
 * The troubleshooting use cases, channel-free: start a session for a code, step it, load it.
 * Channels call these and render the result; nothing here knows about cards.
 */
export class TroubleshootService {
  constructor(private readonly deps: TroubleshootServiceDeps) {}

  get ttlHours(): number {
    return this.deps.ttlMs / 3_600_000;
  }

  /**
   * Starts a session for a code. With `publish`, the session is stored before its card is sent and
   * the card's message id is attached after: a press on the card always finds its session (the
   * press can arrive before the send call has returned), and a store that fails leaves no card
   * whose buttons lead nowhere.
   */
  async start(input: StartSessionInput, publish?: (session: TroubleshootSession) => Promise<string | undefined>): Promise<TroubleshootSession> {
    const code = safeFindCode(this.deps.knowledge, input.codeId);
    if (!code) throw new CodedError('knowledge_reference_missing', `Unknown error code ${input.codeId}`, { codeId: input.codeId });
    const causeIds = orderedCausesOf(this.deps.knowledge, code).map((c) => c.id);
    const session = newSession({
      id: this.deps.ids.next(),
      codeId: code.id,
      causeIds,
      language: input.language,
      conversationId: input.conversationId,
      createdBy: input.createdBy,
      now: this.deps.clock.now(),
      ttlMs: this.deps.ttlMs,
      ...(input.target ? { target: input.target } : {}),
      ...(input.activityId ? { activityId: input.activityId } : {}),
    });
    const created = await this.deps.store.create(session);
    if (!publish) return created;
    const activityId = await publish(created);
    return activityId && activityId !== created.activityId ? this.attachActivity(created, activityId) : created;
  }

  /** Records which message shows the session's card, so later presses update it in place. */
  async attachActivity(session: TroubleshootSession, activityId: string): Promise<TroubleshootSession> {
    return this.mutate(session.id, (s) => ({ ...s, activityId }), session);
  }

  /** Records a fix plan posted for the session: the one kind of message a fix request may replace. */
  async attachPlan(sessionId: string, plan: SessionPlan): Promise<SessionResult> {
    return this.changePlans(sessionId, (plans) => [...plans.filter((p) => p.messageId !== plan.messageId), plan].slice(-maxRememberedPlans));
  }

  /** A plan that has become a request card is a plan no more: a later press on it posts anew. */
  async forgetPlan(sessionId: string, messageId: string): Promise<SessionResult> {
    return this.changePlans(sessionId, (plans) => plans.filter((p) => p.messageId !== messageId));
  }

  private async changePlans(sessionId: string, change: (plans: readonly SessionPlan[]) => SessionPlan[]): Promise<SessionResult> {
    const loaded = await this.load(sessionId);
    if (loaded.kind !== 'ok') return loaded;
    return { kind: 'ok', session: await this.mutate(sessionId, (s) => ({ ...s, plans: change(s.plans ?? []) }), loaded.session) };
  }

  async load(sessionId: string): Promise<SessionResult> {
    const session = await this.deps.store.get(sessionId);
    if (!session) return { kind: 'not-found' };
    if (isExpired(session, this.deps.clock.now())) return { kind: 'expired', session };
    return { kind: 'ok', session };
  }

  /**
   * Applies one step. With `expectedCursor` (the cause the pressed card showed), the step is
   * applied only while the session is still there, checked inside the compare-and-swap: two
   * concurrent presses of Next, or one press delivered twice, move the session once.
   */
  async step(sessionId: string, action: StepAction, expectedCursor?: number): Promise<SessionResult> {
    const loaded = await this.load(sessionId);
    if (loaded.kind !== 'ok') return loaded;
    if (action.kind === 'go-to' && (action.index < 0 || action.index >= loaded.session.causeCount)) return { kind: 'invalid', session: loaded.session };
    const now = this.deps.clock.now();
    const change = (s: TroubleshootSession): TroubleshootSession => {
      if (expectedCursor !== undefined && s.cursor !== expectedCursor) throw new SessionMovedOn(s);
      // "This fixed it" ends the session: every press but the fixed card's own Reopen comes from a
      // card as it was before (with or without the cause it showed), and Reopen applies only while
      // the session is fixed (a second Reopen must not step back a cause).
      if ((action.kind === 'reopen') !== (s.outcome === 'fixed')) throw new SessionMovedOn(s);
      return applyStep(s, action, now, this.deps.ttlMs);
    };
    try {
      return { kind: 'ok', session: await this.mutate(sessionId, change, loaded.session) };
    } catch (error) {
      if (error instanceof SessionMovedOn) return { kind: 'moved', session: error.session };
      throw error;
    }
  }

  /**
   * Records what a check run found: a verdict and one line of evidence per cause. A
   * compare-and-swap like every step, so a press racing with it is never lost; the cursor is
   * untouched (the card stays where the user is). An expired session is not revived.
   */
  async recordEvidence(sessionId: string, causes: Readonly<Record<string, CauseCheck>>, checkedAt: Date, options: { readonly target?: string } = {}): Promise<SessionResult> {
    const loaded = await this.load(sessionId);
    if (loaded.kind !== 'ok') return loaded;
    const now = this.deps.clock.now();
    const checks = { checkedAt: checkedAt.toISOString(), causes, ...(options.target !== undefined ? { target: options.target } : {}) };
    const session = await this.mutate(sessionId, (s) => applyChecks(s, checks, now, this.deps.ttlMs), loaded.session);
    return { kind: 'ok', session };
  }

  /**
   * Compare-and-swap with a bounded retry: two people pressing on one card both get their
   * step applied to the latest state instead of one being lost. `known` is the session as the
   * caller just read or wrote it: the first attempt swaps from it without reading it again, and a
   * conflict (it was stale) reads the latest.
   */
  private async mutate(sessionId: string, change: (s: TroubleshootSession) => TroubleshootSession, known?: TroubleshootSession): Promise<TroubleshootSession> {
    let current = known;
    for (let attempt = 0; attempt < 5; attempt += 1) {
      current ??= await this.deps.store.get(sessionId);
      if (!current) throw new CodedError('session_not_found', `Session ${sessionId} not found`, { sessionId });
      try {
        return await this.deps.store.compareAndSwap(change(current), current.version);
      } catch (error) {
        if (!isCodedError(error, 'store_conflict')) throw error;
      }
      current = undefined;
    }
    throw new CodedError('store_conflict', `Session ${sessionId} kept changing; giving up`, { sessionId });
  }
}
