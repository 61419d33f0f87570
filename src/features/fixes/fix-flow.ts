import { z } from 'zod';
import type { AzurePort, VmRef } from '../../core/azure-port';
import type { Language, LocalizedText } from '../../core/knowledge/schema';
import type { Actor } from '../../core/remediation/actor';
import { FixCardWriter } from '../../core/remediation/fix-card-writer';
import type { FixDefinition } from '../../core/remediation/fix-catalogue';
import type { CardLocation, FixRequest } from '../../core/remediation/fix-request';
import { buildFixPlanView, buildFixRequestView, type FixCardView, FixVerbs } from '../../core/remediation/fix-view';
import type { PolicyState } from '../../core/remediation/policy';
import { type Refusal, type RefusalReason, standardRefusal } from '../../core/remediation/refusal';
import type { RemediationService, SweepResult } from '../../core/remediation/remediation-service';
import { resolveFixTarget } from '../../core/remediation/target-resolution';
import { type AzureDeadline, withDeadline } from '../../core/azure-lookup/azure-deadline';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { type CardButton, OpaqueIdSchema } from '../../core/views/card-actions';
import { type KnowledgeLookup, safeCause } from '../../core/views/knowledge-lookup';
import type { Logger } from '../../logger';
import type { Interaction } from '../interaction';
import type { Messenger } from '../messenger';

/**
 * The approved-fix flow as every channel sees it: fix buttons under a cause, plan, request,
 * approve / reject, the per-viewer refresh, the run in the background with its card kept on
 * the newest state, and the troubleshooting card moved on by the verdict.
 *
 * Channels parse the press (the schemas below), prove who pressed, and render the replies.
 * Everything a payload names is reloaded here and re-checked by the remediation service:
 * policy, scope, state, expiry and the presser's identity.
 */
const opaqueId = OpaqueIdSchema;
const lang = z.enum(['en', 'pl']).optional();
export const PlanPayloadSchema = z.object({ v: z.literal(1), sessionId: opaqueId, fixId: z.string().regex(/^[a-z0-9-]{1,64}$/), lang }).strict();
export const RequestIdPayloadSchema = z.object({ v: z.literal(1), requestId: opaqueId, lang }).strict();
export type PlanPayload = z.infer<typeof PlanPayloadSchema>;
export type RequestIdPayload = z.infer<typeof RequestIdPayloadSchema>;

/**
 * How a reply is shown. 'reply': a new message next to the pressed one. 'replace': the pressed
 * message, for everyone. 'presser': only the person who pressed. 'shared': the presser sees
 * it at once, and the shared message is written by the flow (always its newest state).
 */
export interface FixReply {
  readonly show: 'reply' | 'replace' | 'presser' | 'shared';
  readonly view: FixCardView;
  /** The request while it waits for a decision: channels that can refresh per viewer do. */
  readonly pending?: FixRequest;
  /** For a new message ('reply', or 'replace' without a message to replace): its id, once posted. */
  readonly onPosted?: (messageId: string) => Promise<void>;
}

export interface FixFlowDeps {
  readonly remediation: RemediationService;
  readonly troubleshoot: TroubleshootService;
  readonly knowledge: KnowledgeLookup;
  readonly azure: AzurePort;
  readonly logger: Logger;
  readonly messenger: Messenger;
}

/** What the module's sweep and shutdown need of the flow. */
export type FixActions = Pick<FixFlow, 'idle' | 'applySweep'>;

const refusedTitle: LocalizedText = { en: 'Action refused', pl: 'Akcję odrzucono' };

export class FixFlow {
  private readonly running = new Set<Promise<void>>();
  private readonly fixedListeners: ((request: FixRequest) => void)[] = [];
  private readonly writer: FixCardWriter;

  constructor(private readonly deps: FixFlowDeps) {
    // Every write of a request's shared card goes through here: the newest state always lands last.
    this.writer = new FixCardWriter(
      async (request, step) => {
        if (!request.card?.activityId) return;
        await deps.messenger.update(request.card, this.sharedOutbound(request, step));
      },
      (error, request) => deps.logger.warn({ err: error, requestId: request.id }, 'fix card update failed'),
    );
  }

  get policy(): PolicyState {
    return this.deps.remediation.policyState();
  }

  /** The fix buttons under the current cause of a troubleshooting card that names a VM. */
  offers(session: TroubleshootSession, causeId: string | undefined, language: Language): CardButton[] {
    if (!causeId || !session.target?.vm) return [];
    const cause = safeCause(this.deps.knowledge, causeId);
    // Where the card already knows the VM's subscription and group, the policy's scope is judged too.
    const { vm, subscriptionId, resourceGroup } = session.target;
    const known = subscriptionId && resourceGroup ? { vm: { subscriptionId, resourceGroup, name: vm } } : undefined;
    return (cause?.fixes ?? []).flatMap((fixId): CardButton[] => {
      const offer = this.deps.remediation.offer(fixId, known, undefined);
      if (!offer) return [];
      const disabled = !offer.enabled ? (language === 'pl' ? ' (wyłączone)' : ' (disabled)') : '';
      return [{ title: `🔧 ${offer.fix.title[language]}${disabled}`, verb: FixVerbs.plan, data: { v: 1, sessionId: session.id, fixId } }];
    });
  }

  /** Called when a fix is proven by a backup (the fleet digest then shows the VM recovered). */
  onFixed(listener: (request: FixRequest) => void): void {
    this.fixedListeners.push(listener);
  }

  private notifyFixed(request: FixRequest): void {
    for (const listener of this.fixedListeners) {
      try {
        listener(request);
      } catch (error) {
        this.deps.logger.warn({ err: error, requestId: request.id }, 'a fixed-VM listener failed');
      }
    }
  }

  /** The fix buttons of a cause for a known VM (the fleet digest's rows), judged like `offers`. */
  offersForCause(causeId: string, vm: VmRef, language: Language): { fixId: string; title: string; enabled: boolean }[] {
    const cause = safeCause(this.deps.knowledge, causeId);
    return (cause?.fixes ?? []).flatMap((fixId) => {
      const offer = this.deps.remediation.offer(fixId, { vm }, undefined);
      return offer ? [{ fixId, title: offer.fix.title[language], enabled: offer.enabled }] : [];
    });
  }

  /** The plan: a new message under the troubleshooting card, which stays as it is. */
  async plan(i: Interaction, payload: PlanPayload): Promise<FixReply> {
    return withDeadline(fixPressBudgetMs, (deadline) => this.planWithin(i, payload, deadline));
  }

  private async planWithin(i: Interaction, payload: PlanPayload, deadline: AzureDeadline): Promise<FixReply> {
    const found = await this.sessionTarget(i, payload, 'plan', deadline);
    if (!found.ok) return found.reply;
    const planned = await this.deps.remediation.plan({ fixId: payload.fixId, target: found.target, actor: i.actor, language: found.session.language, sessionId: found.session.id, codeId: found.session.codeId, causeId: found.cause.id, deadline });
    if (!planned.ok) return this.refusal(planned.refusal, found.session.language);
    // Its message id is remembered: only that message may become the request's card.
    const sessionId = found.session.id;
    return { show: 'reply', view: buildFixPlanView(planned.value, sessionId, found.session.language), onPosted: async (messageId) => void (await this.deps.troubleshoot.attachPlan(sessionId, { messageId, fixId: payload.fixId })) };
  }

  /** The request: replaces the plan with the pending request everyone sees. */
  async request(i: Interaction, payload: PlanPayload): Promise<FixReply> {
    return withDeadline(fixPressBudgetMs, (deadline) => this.requestWithin(i, payload, deadline));
  }

  private async requestWithin(i: Interaction, payload: PlanPayload, deadline: AzureDeadline): Promise<FixReply> {
    const found = await this.sessionTarget(i, payload, 'request', deadline);
    if (!found.ok) return found.reply;
    // Request this fix is on the plan, a message of its own. Pressed on the troubleshooting card it
    // never came from us, and the request card must not take that message's place.
    if (i.place.activityId !== undefined && i.place.activityId === found.session.activityId) {
      return this.refuse(i, 'request', 'tampered', { fixId: payload.fixId, detail: 'request pressed on the troubleshooting card' });
    }
    // The request card takes the place of the plan of this fix it was pressed on, once, and of
    // nothing else: a press naming any other message (a forged one, another fix's plan, a plan
    // already turned into a request, one posted before plans were remembered) gets a new message.
    const onPlan = i.place.activityId !== undefined && (found.session.plans ?? []).some((p) => p.messageId === i.place.activityId && p.fixId === payload.fixId);
    const { activityId: pressed, ...elsewhere } = i.place;
    const card: CardLocation = onPlan ? i.place : elsewhere;
    const requested = await this.deps.remediation.request({ fixId: payload.fixId, target: found.target, actor: i.actor, language: found.session.language, sessionId: found.session.id, codeId: found.session.codeId, causeId: found.cause.id, card, deadline });
    const language = found.session.language;
    if (!requested.ok) {
      const open = requested.request;
      // One open fix per VM: point to the open one. Its card is only offered where it lives, in this chat.
      if (requested.refusal.reason === 'already-requested' && open && open.card?.conversationId === i.place.conversationId) {
        const show: CardButton = { title: language === 'pl' ? 'Pokaż otwarte zlecenie' : 'Show the open request', verb: FixVerbs.view, data: { v: 1, requestId: open.id } };
        return { show: 'presser', view: fixNoticeView(refusedTitle, requested.refusal.message, language, [show]) };
      }
      return this.refusal(requested.refusal, language);
    }
    const request = requested.value;
    if (onPlan && pressed !== undefined) {
      await this.forgetPlan(found.session.id, pressed);
      return { show: 'replace', view: this.sharedView(request), pending: request };
    }
    // Without a plan to replace it is posted, and remembered once it has an id.
    const onPosted = async (messageId: string): Promise<void> => void (await this.deps.remediation.attachCard(request.id, { ...card, activityId: messageId }));
    return { show: pressed === undefined ? 'replace' : 'reply', view: this.sharedView(request), pending: request, onPosted };
  }

  /** The request exists whatever happens here: a plan left remembered only lets one more press replace it. */
  private async forgetPlan(sessionId: string, messageId: string): Promise<void> {
    try {
      await this.deps.troubleshoot.forgetPlan(sessionId, messageId);
    } catch (error) {
      this.deps.logger.warn({ err: error, sessionId }, 'could not mark the fix plan as requested');
    }
  }

  /** Approve or reject. An approved fix starts at once, whatever the chat does with the card. */
  async decide(i: Interaction, kind: 'approve' | 'reject', payload: RequestIdPayload): Promise<FixReply> {
    const { remediation } = this.deps;
    const requestId = payload.requestId;
    const before = await remediation.get(requestId);
    // The pressed message must be this request's card: an id carried into another chat, or onto another message, is forged.
    const elsewhere = before?.card && before.card.conversationId !== i.place.conversationId ? 'request of another conversation' : before?.card?.activityId && i.place.activityId && before.card.activityId !== i.place.activityId ? 'request pressed on another message' : undefined;
    if (elsewhere) return this.refuse(i, kind, 'tampered', { requestId, detail: elsewhere });
    let result: Awaited<ReturnType<typeof remediation.approve>>;
    try {
      result = kind === 'approve' ? await remediation.approve(requestId, i.actor) : await remediation.reject(requestId, i.actor);
    } catch (error) {
      // The decision could not be recorded (an approval the audit log did not take ends the request): the card shows where it stands.
      const current = await remediation.get(requestId).catch(() => undefined);
      if (current) this.writer.push(current);
      throw error;
    }
    if (!result.ok) {
      const current = result.request;
      if (!current) return this.refusal(result.refusal, i.language);
      // Everyone should see that it expired.
      if (current.state === 'expired') this.writer.push(current);
      return { show: 'presser', view: this.personalView(current, i.actor, result.refusal.message) };
    }
    const request = result.value;
    // A slow or hung channel delays the card, never the change in Azure. The writer drops this
    // "approved" state if the run has already moved the request on.
    if (kind === 'approve') this.inBackground(request.id, (onProgress) => remediation.runApproved(request.id, onProgress));
    this.writer.push(request);
    return { show: 'shared', view: this.sharedView(request) };
  }

  /**
   * One person's own view (Universal Actions refresh, or "Show the open request"). A genuine
   * refresh changes nothing and is not audited; an id that is not this conversation's is.
   */
  async view(i: Interaction, payload: RequestIdPayload): Promise<FixReply> {
    const request = await this.deps.remediation.get(payload.requestId);
    if (!request || (request.card && request.card.conversationId !== i.place.conversationId)) {
      return this.refuse(i, 'view', 'unknown-request', { requestId: payload.requestId, ...(request ? { detail: 'request of another conversation' } : {}) });
    }
    // "Show the open request" answers on another message than the request's card. A decision
    // pressed there would be refused as pressed on another message (decide), so none is offered:
    // the view says where to approve instead.
    if (request.card?.activityId !== undefined && i.place.activityId !== undefined && request.card.activityId !== i.place.activityId) {
      const view = this.personalView(request, i.actor, request.state === 'requested' ? decideOnTheCard : undefined);
      return { show: 'presser', view: { ...view, actions: view.actions.filter((a) => a.verb !== FixVerbs.approve && a.verb !== FixVerbs.reject) } };
    }
    return { show: 'presser', view: this.personalView(request, i.actor), ...(request.state === 'requested' ? { pending: request } : {}) };
  }

  /** A press refused before the service saw it (malformed or tampered data, no proven identity): audited like any other. */
  async refuse(i: Interaction, action: string, reason: RefusalReason, context: { requestId?: string; fixId?: string; detail?: string } = {}): Promise<FixReply> {
    const refused = await this.deps.remediation.refuseAtEdge(action, i.actor, standardRefusal(reason), context);
    return this.refusal(refused.refusal, i.language);
  }

  /** Resolves when every fix started here has finished and its card is written (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running]);
    await this.writer.idle();
  }

  /** Shows what a sweep did on the cards and carries on the resumable requests in the background. */
  async applySweep(result: SweepResult): Promise<void> {
    for (const request of [...result.expired, ...result.interrupted]) this.writer.push(request);
    for (const request of result.resumable) this.inBackground(request.id, (onProgress) => this.deps.remediation.resume(request.id, onProgress));
    // Each write is bounded by the chat deadline: the sweep is not held longer than that.
    await this.writer.idle();
  }

  /** The request card everyone sees. While pending it keeps Approve / Reject: the server decides who may press. */
  sharedView(request: FixRequest, step?: LocalizedText): FixCardView {
    return fixRequestView(request, this.fixOf(request), this.policy, step ? { step } : {});
  }

  personalView(request: FixRequest, viewer: Actor, notice?: LocalizedText): FixCardView {
    return fixRequestView(request, this.fixOf(request), this.policy, { viewer, ...(notice ? { notice } : {}) });
  }

  private sharedOutbound(request: FixRequest, step?: LocalizedText) {
    return { kind: 'fix' as const, view: this.sharedView(request, step), language: request.language, ...(request.state === 'requested' ? { pending: request } : {}) };
  }

  private fixOf(request: FixRequest): FixDefinition {
    return this.deps.remediation.catalogue.require(request.fixId);
  }

  private refusal(r: Refusal, language: Language): FixReply {
    return { show: 'presser', view: fixNoticeView(refusedTitle, r.message, language) };
  }

  private inBackground(requestId: string, run: (onProgress: (request: FixRequest, step?: LocalizedText) => Promise<void>) => Promise<FixRequest | undefined>): void {
    const task = (async () => {
      const final = await run(async (request, step) => this.writer.push(request, step));
      if (final) await this.advanceSession(final);
    })()
      .catch((error: unknown) => this.deps.logger.error({ err: error, requestId }, 'fix run failed'))
      .finally(() => this.running.delete(task));
    this.running.add(task);
  }

  /**
   * After a verdict the troubleshooting session moves on: fixed, or the next cause. Only a
   * backup that ran to its end is a verdict; `unverified` (Azure error, timeout, restart)
   * says nothing about the cause, so the session stays where it is.
   */
  private async advanceSession(request: FixRequest): Promise<void> {
    if (request.state === 'verified-fixed') this.notifyFixed(request);
    if (!request.sessionId) return;
    if (request.state !== 'verified-fixed' && request.state !== 'still-failing') return;
    // Requests stored before `unverified` existed ended still-failing with these results.
    if (request.state === 'still-failing' && request.verification?.result !== 'failed') return;
    // The verdict is about the fix's cause: if someone moved the card on while the fix ran (or
    // ended the session), the verdict must not mark another cause fixed or ruled out.
    const loaded = await this.deps.troubleshoot.load(request.sessionId);
    if (loaded.kind !== 'ok') return;
    const causeIndex = request.causeId === undefined ? -1 : loaded.session.causeIds.indexOf(request.causeId);
    const stepped = await this.deps.troubleshoot.step(request.sessionId, { kind: request.state === 'verified-fixed' ? 'fixed' : 'still-failing' }, causeIndex >= 0 ? causeIndex : undefined);
    if (stepped.kind !== 'ok' || !stepped.session.activityId) return;
    const place: CardLocation = { ...(request.card ?? { conversationId: stepped.session.conversationId }), conversationId: stepped.session.conversationId, activityId: stepped.session.activityId };
    try {
      await this.deps.messenger.update(place, { kind: 'session', session: stepped.session, ...(request.state === 'verified-fixed' ? { verifiedByBackup: true } : {}) });
    } catch (error) {
      this.deps.logger.warn({ err: error, sessionId: stepped.session.id }, 'session card update failed');
    }
  }

  /** The session behind a plan or request press, and the VM it names, all from the server's own records. */
  private async sessionTarget(i: Interaction, payload: PlanPayload, action: string, deadline: AzureDeadline) {
    const loaded = await this.deps.troubleshoot.load(payload.sessionId);
    if (loaded.kind !== 'ok') return { ok: false as const, reply: await this.refuse(i, action, 'unknown-session', { fixId: payload.fixId }) };
    const session: TroubleshootSession = loaded.session;
    // A session id pressed from another conversation never came from our card.
    if (session.conversationId !== i.place.conversationId) return { ok: false as const, reply: await this.refuse(i, action, 'tampered', { fixId: payload.fixId, detail: 'session of another conversation' }) };
    const causeId = session.cursor < session.causeCount ? session.causeIds[session.cursor] : undefined;
    const cause = causeId ? safeCause(this.deps.knowledge, causeId) : undefined;
    if (!cause || !cause.fixes.includes(payload.fixId)) return { ok: false as const, reply: await this.refuse(i, action, 'fix-not-offered', { fixId: payload.fixId }) };
    const resolved = await resolveFixTarget(this.deps.azure, session.target, deadline);
    if (!resolved.ok) {
      const r = standardRefusal('target-unresolved', resolved.detail ? { en: resolved.detail, pl: resolved.detail } : undefined);
      const refused = await this.deps.remediation.refuseAtEdge(action, i.actor, r, { fixId: payload.fixId, detail: resolved.reason });
      return { ok: false as const, reply: this.refusal(refused.refusal, session.language) };
    }
    return { ok: true as const, session, cause, target: resolved.target };
  }
}

/**
 * A plan or request press is a chat turn (a Teams invoke is cut off after about 15 s): finding the
 * VM and reading what the fix's preconditions need share this budget, so a slow Azure gives a plan
 * that says Azure did not answer, in time, rather than an error card and a late reply.
 */
const fixPressBudgetMs = 9_000;

const decideOnTheCard: LocalizedText = {
  en: 'Approve or reject it on the request card in this chat.',
  pl: 'Zatwierdź lub odrzuć je na karcie zlecenia w tym czacie.',
};

/**
 * A fix request's view. Without a viewer it is the view everyone sees (while pending it keeps
 * Approve / Reject: the server decides who may press); with one, that person's own view
 * (approvers see Approve / Reject, everyone else the status).
 */
export function fixRequestView(request: FixRequest, fix: FixDefinition, policy: PolicyState, options: { viewer?: Actor; step?: LocalizedText; notice?: LocalizedText } = {}): FixCardView {
  const view = buildFixRequestView(request, fix, { policy, ...(options.viewer ? { viewer: options.viewer } : {}), ...(options.step ? { step: options.step } : {}), ...(options.notice ? { notice: options.notice } : {}) });
  if (options.viewer) return view;
  const data = { v: 1, requestId: request.id };
  const actions: CardButton[] =
    request.state === 'requested'
      ? [
          { title: request.language === 'pl' ? 'Zatwierdź' : 'Approve', verb: FixVerbs.approve, data, style: 'positive' },
          { title: request.language === 'pl' ? 'Odrzuć' : 'Reject', verb: FixVerbs.reject, data, style: 'destructive' },
        ]
      : [];
  return { ...view, actions };
}

/** A one-message fix view (a refusal, a notice): only a heading and a status. */
export function fixNoticeView(title: LocalizedText, text: LocalizedText, language: Language, actions: CardButton[] = []): FixCardView {
  return {
    heading: title[language],
    status: text[language],
    statusColor: 'attention',
    facts: [],
    summary: '',
    hasOperations: false,
    operations: [],
    changes: '',
    undo: '',
    labels: { operations: '', changes: '', undo: '' },
    hasProblems: false,
    problems: [],
    hasOutput: false,
    output: '',
    hasNotice: false,
    notice: '',
    actions,
  };
}
