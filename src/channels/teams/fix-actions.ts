import { z } from 'zod';
import type { AzurePort } from '../../core/azure-port';
import type { Language, LocalizedText } from '../../core/knowledge/schema';
import type { Actor } from '../../core/remediation/actor';
import type { FixDefinition } from '../../core/remediation/fix-catalogue';
import type { CardLocation, FixRequest } from '../../core/remediation/fix-request';
import { FixCardWriter } from '../../core/remediation/fix-card-writer';
import { buildFixPlanView, buildFixRequestView, FixVerbs } from '../../core/remediation/fix-view';
import { isPrincipal, type PolicyState } from '../../core/remediation/policy';
import { standardRefusal, type Refusal } from '../../core/remediation/refusal';
import type { RemediationService, SweepResult } from '../../core/remediation/remediation-service';
import { resolveFixTarget } from '../../core/remediation/target-resolution';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import type { CardButton } from '../../core/views/card-actions';
import { type KnowledgeLookup, safeCause } from '../../core/views/knowledge-lookup';
import type { Logger } from '../../logger';
import type { AdaptiveCardJson } from './card-renderer';
import { renderFixCard } from './fix-cards';
import type { CardActionContext, CardActionResult, Sender } from './routing-types';
import type { TeamsBot } from './teams-bot';

/**
 * The approved-fix flow on Teams cards. Card data carries only opaque ids; every press
 * reloads the request (or session) and the service re-checks policy, scope, state, expiry
 * and the presser's identity (the activity's `from.aadObjectId`, never the display name).
 * Anything unexpected in the card data is refused as tampering and audited.
 */
export interface FixActionsDeps {
  readonly remediation: RemediationService;
  readonly troubleshoot: TroubleshootService;
  readonly knowledge: KnowledgeLookup;
  readonly azure: AzurePort;
  readonly logger: Logger;
  /** Replaces a posted card outside the turn (progress, outcome, the session card): a proactive update. */
  readonly updateCard: (location: CardLocation, card: AdaptiveCardJson) => Promise<void>;
}

export interface FixActions {
  /** Resolves when every fix started from a card has finished (tests, graceful shutdown). */
  idle(): Promise<void>;
  /**
   * Shows what a sweep did on the cards (expired: "request again"; interrupted: what to check)
   * and carries on the resumable requests in the background.
   */
  applySweep(result: SweepResult): Promise<void>;
}

const opaqueId = z.string().regex(/^[A-Za-z0-9_-]{1,128}$/);
const lang = z.enum(['en', 'pl']).optional();
const PlanPayload = z.object({ v: z.literal(1), sessionId: opaqueId, fixId: z.string().regex(/^[a-z0-9-]{1,64}$/), lang }).strict();
const RequestIdPayload = z.object({ v: z.literal(1), requestId: opaqueId, lang }).strict();

export function actorOf(sender: Sender): Actor {
  return { channel: 'msteams', userId: sender.id, ...(sender.aadObjectId ? { aadObjectId: sender.aadObjectId } : {}), ...(sender.name ? { displayName: sender.name } : {}) };
}

export function registerFixActions(bot: TeamsBot, deps: FixActionsDeps): FixActions {
  const running = new Set<Promise<void>>();
  const { remediation } = deps;

  const notice = (title: LocalizedText, text: LocalizedText, language: Language, mode: CardActionResult['mode'] = 'respond'): CardActionResult => ({ card: fixNoticeCard(title, text, language), mode });
  const refusedTitle: LocalizedText = { en: 'Action refused', pl: 'Akcję odrzucono' };
  const refusal = (r: Refusal, language: Language): CardActionResult => notice(refusedTitle, r.message, language);

  /** The card everyone sees. While pending it keeps Approve / Reject (the server decides who may press). */
  const sharedCard = (request: FixRequest, options: { step?: LocalizedText; notice?: LocalizedText } = {}): AdaptiveCardJson =>
    fixRequestCard(request, remediation.catalogue.require(request.fixId), remediation.policyState(), options);

  /** One person's view: approvers see Approve / Reject, everyone else the status. */
  const personalCard = (request: FixRequest, viewer: Actor, extra?: LocalizedText): AdaptiveCardJson =>
    fixRequestCard(request, remediation.catalogue.require(request.fixId), remediation.policyState(), { viewer, ...(extra ? { notice: extra } : {}) });

  const update = async (request: FixRequest, card: AdaptiveCardJson): Promise<void> => {
    if (!request.card?.activityId) return;
    await deps.updateCard(request.card, card);
  };

  // Every write of a request's shared card goes through here: the newest state always lands last.
  const writer = new FixCardWriter(
    (request, step) => update(request, sharedCard(request, step ? { step } : {})),
    (error, request) => deps.logger.warn({ err: error, requestId: request.id }, 'fix card update failed'),
  );

  /**
   * After a verdict the troubleshooting session moves on: fixed, or the next cause. Only a
   * backup that ran to its end is a verdict; `unverified` (Azure error, timeout, restart)
   * says nothing about the cause, so the session stays where it is.
   */
  const advanceSession = async (request: FixRequest): Promise<void> => {
    if (!request.sessionId) return;
    if (request.state !== 'verified-fixed' && request.state !== 'still-failing') return;
    // Requests stored before `unverified` existed ended still-failing with these results.
    if (request.state === 'still-failing' && request.verification?.result !== 'failed') return;
    const stepped = await deps.troubleshoot.step(request.sessionId, { kind: request.state === 'verified-fixed' ? 'fixed' : 'still-failing' });
    if (stepped.kind !== 'ok' || !stepped.session.activityId) return;
    try {
      await deps.updateCard({ conversationId: stepped.session.conversationId, activityId: stepped.session.activityId, ...(request.card?.serviceUrl ? { serviceUrl: request.card.serviceUrl } : {}) }, bot.renderSessionCard(stepped.session, undefined, { verifiedByBackup: request.state === 'verified-fixed' }));
    } catch (error) {
      deps.logger.warn({ err: error, sessionId: stepped.session.id }, 'session card update failed');
    }
  };

  const inBackground = (requestId: string, run: (onProgress: (request: FixRequest, step?: LocalizedText) => Promise<void>) => Promise<FixRequest | undefined>): void => {
    const task = (async () => {
      const final = await run(async (request, step) => writer.push(request, step));
      if (final) await advanceSession(final);
    })()
      .catch((error: unknown) => deps.logger.error({ err: error, requestId }, 'fix run failed'))
      .finally(() => running.delete(task));
    running.add(task);
  };
  const runInBackground = (requestId: string): void => inBackground(requestId, (onProgress) => remediation.runApproved(requestId, onProgress));

  /** Validates card data; anything else in it is tampering, refused and audited. */
  const parse = async <T>(ctx: CardActionContext<unknown>, schema: z.ZodType<T>, action: string): Promise<{ ok: true; value: T } | { ok: false; result: CardActionResult }> => {
    const parsed = schema.safeParse(ctx.payload);
    // The policy and the audit name people by their Entra object id: a press without one cannot be judged.
    if (!ctx.sender.aadObjectId) {
      const raw = (ctx.payload ?? {}) as Record<string, unknown>;
      const requestId = parsed.success && typeof raw['requestId'] === 'string' ? raw['requestId'] : undefined;
      const r = standardRefusal('unverified-identity');
      await remediation.refuseAtEdge(action, actorOf(ctx.sender), r, { ...(requestId ? { requestId } : {}), detail: 'no from.aadObjectId on the activity' });
      return { ok: false, result: refusal(r, ctx.language) };
    }
    if (parsed.success) return { ok: true, value: parsed.data };
    const raw = (ctx.payload ?? {}) as Record<string, unknown>;
    const requestId = typeof raw['requestId'] === 'string' ? raw['requestId'] : undefined;
    const keys = Object.keys(raw).sort().join(',');
    const r = standardRefusal('tampered');
    await remediation.refuseAtEdge(action, actorOf(ctx.sender), r, { ...(requestId ? { requestId } : {}), detail: `card data keys: ${keys}` });
    return { ok: false, result: refusal(r, ctx.language) };
  };

  /** The session behind a plan or request press, and the VM it names, all from the server's own records. */
  const sessionTarget = async (ctx: CardActionContext<unknown>, payload: { sessionId: string; fixId: string }, action: string) => {
    const actor = actorOf(ctx.sender);
    const loaded = await deps.troubleshoot.load(payload.sessionId);
    if (loaded.kind !== 'ok') return { ok: false as const, result: refusal((await remediation.refuseAtEdge(action, actor, standardRefusal('unknown-session'), { fixId: payload.fixId })).refusal, ctx.language) };
    const session: TroubleshootSession = loaded.session;
    // A session id pressed from another conversation never came from our card.
    if (session.conversationId !== ctx.conversation.id) {
      return { ok: false as const, result: refusal((await remediation.refuseAtEdge(action, actor, standardRefusal('tampered'), { fixId: payload.fixId, detail: 'session of another conversation' })).refusal, ctx.language) };
    }
    const causeId = session.cursor < session.causeCount ? session.causeIds[session.cursor] : undefined;
    const cause = causeId ? safeCause(deps.knowledge, causeId) : undefined;
    if (!cause || !cause.fixes.includes(payload.fixId)) {
      return { ok: false as const, result: refusal((await remediation.refuseAtEdge(action, actor, standardRefusal('fix-not-offered'), { fixId: payload.fixId })).refusal, ctx.language) };
    }
    const resolved = await resolveFixTarget(deps.azure, session.target);
    if (!resolved.ok) {
      const r = standardRefusal('target-unresolved', resolved.detail ? { en: resolved.detail, pl: resolved.detail } : undefined);
      return { ok: false as const, result: refusal((await remediation.refuseAtEdge(action, actor, r, { fixId: payload.fixId, detail: resolved.reason })).refusal, session.language) };
    }
    return { ok: true as const, session, cause, target: resolved.target, actor };
  };

  // A fix button under the current cause of every troubleshooting card that names a VM.
  bot.registerTroubleshootActions((session, causeId, language) => {
    if (!causeId || !session.target?.vm) return [];
    const cause = safeCause(deps.knowledge, causeId);
    // Where the card already knows the VM's subscription and group, the policy's scope is judged too.
    const { vm, subscriptionId, resourceGroup } = session.target;
    const known = subscriptionId && resourceGroup ? { vm: { subscriptionId, resourceGroup, name: vm } } : undefined;
    return (cause?.fixes ?? []).flatMap((fixId): CardButton[] => {
      const offer = remediation.offer(fixId, known, undefined);
      if (!offer) return [];
      const disabled = !offer.enabled ? (language === 'pl' ? ' (wyłączone)' : ' (disabled)') : '';
      return [{ title: `🔧 ${offer.fix.title[language]}${disabled}`, verb: FixVerbs.plan, data: { v: 1, sessionId: session.id, fixId } }];
    });
  });

  bot.registerCardAction(FixVerbs.plan, async (ctx) => {
    const parsed = await parse(ctx, PlanPayload, 'plan');
    if (!parsed.ok) return parsed.result;
    const found = await sessionTarget(ctx, parsed.value, 'plan');
    if (!found.ok) return found.result;
    const planned = await remediation.plan({ fixId: parsed.value.fixId, target: found.target, actor: found.actor, language: found.session.language, sessionId: found.session.id, codeId: found.session.codeId, causeId: found.cause.id });
    if (!planned.ok) return refusal(planned.refusal, found.session.language);
    // The plan is a new message under the troubleshooting card, which stays as it is.
    return { card: renderFixCard('fix-request', buildFixPlanView(planned.value, found.session.id, found.session.language)), mode: 'reply' };
  });

  bot.registerCardAction(FixVerbs.request, async (ctx) => {
    const parsed = await parse(ctx, PlanPayload, 'request');
    if (!parsed.ok) return parsed.result;
    const found = await sessionTarget(ctx, parsed.value, 'request');
    if (!found.ok) return found.result;
    const card: CardLocation = { conversationId: ctx.conversation.id, ...(ctx.activityId ? { activityId: ctx.activityId } : {}), ...(ctx.conversation.serviceUrl ? { serviceUrl: ctx.conversation.serviceUrl } : {}) };
    const requested = await remediation.request({
      fixId: parsed.value.fixId,
      target: found.target,
      actor: found.actor,
      language: found.session.language,
      sessionId: found.session.id,
      codeId: found.session.codeId,
      causeId: found.cause.id,
      card,
    });
    if (!requested.ok) {
      const open = requested.request;
      // One open fix per VM: point to the open one. Its card is only shown here when it lives in this chat.
      if (requested.refusal.reason === 'already-requested' && open && open.card?.conversationId === ctx.conversation.id) {
        const language = found.session.language;
        const show: CardButton = { title: language === 'pl' ? 'Pokaż otwarte zlecenie' : 'Show the open request', verb: FixVerbs.view, data: { v: 1, requestId: open.id } };
        return { card: fixNoticeCard(refusedTitle, requested.refusal.message, language, [show]), mode: 'respond' };
      }
      return refusal(requested.refusal, found.session.language);
    }
    const request = requested.value;
    // The request card replaces the plan; without a message to replace it is posted and remembered.
    return ctx.activityId
      ? { card: sharedCard(request) }
      : { card: sharedCard(request), mode: 'reply', onPosted: async (activityId) => void (await remediation.attachCard(request.id, { ...card, activityId })) };
  });

  const decide = (kind: 'approve' | 'reject') => async (ctx: CardActionContext<unknown>): Promise<CardActionResult> => {
    const parsed = await parse(ctx, RequestIdPayload, kind);
    if (!parsed.ok) return parsed.result;
    const actor = actorOf(ctx.sender);
    const requestId = parsed.value.requestId;
    const before = await remediation.get(requestId);
    // The pressed message must be this request's card: an id carried into another chat, or onto another message, is forged.
    const elsewhere = before?.card && before.card.conversationId !== ctx.conversation.id ? 'request of another conversation' : before?.card?.activityId && ctx.activityId && before.card.activityId !== ctx.activityId ? 'request pressed on another message' : undefined;
    if (elsewhere) {
      const r = await remediation.refuseAtEdge(kind, actor, standardRefusal('tampered'), { requestId, detail: elsewhere });
      return refusal(r.refusal, ctx.language);
    }
    const result = kind === 'approve' ? await remediation.approve(requestId, actor) : await remediation.reject(requestId, actor);
    if (!result.ok) {
      const current = result.request;
      if (!current) return refusal(result.refusal, ctx.language);
      // Everyone should see that it expired.
      if (current.state === 'expired') writer.push(current);
      return { card: personalCard(current, actor, result.refusal.message), mode: 'respond' };
    }
    const request = result.value;
    // The fix starts now, whatever the chat does with this turn's card: a slow or hung channel
    // delays the card, never the change in Azure. The shared card is written by the writer,
    // which drops this "approved" state if the run has already moved the request on.
    if (kind === 'approve') runInBackground(request.id);
    writer.push(request);
    return { card: sharedCard(request), mode: 'shared-elsewhere' };
  };

  bot.registerCardAction(FixVerbs.approve, decide('approve'));
  bot.registerCardAction(FixVerbs.reject, decide('reject'));

  // Universal Actions refresh: each viewer's own card. A genuine refresh changes nothing and is
  // not audited; forged card data, or an id that is not this conversation's, is refused and audited.
  bot.registerCardAction(FixVerbs.view, async (ctx) => {
    const parsed = await parse(ctx, RequestIdPayload, 'view');
    if (!parsed.ok) return parsed.result;
    const request = await remediation.get(parsed.value.requestId);
    if (!request || (request.card && request.card.conversationId !== ctx.conversation.id)) {
      const r = await remediation.refuseAtEdge('view', actorOf(ctx.sender), standardRefusal('unknown-request'), { requestId: parsed.value.requestId, ...(request ? { detail: 'request of another conversation' } : {}) });
      return refusal(r.refusal, ctx.language);
    }
    return { card: personalCard(request, actorOf(ctx.sender)), mode: 'respond' };
  });

  return {
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
      await writer.idle();
    },
    async applySweep(result) {
      for (const request of [...result.expired, ...result.interrupted]) writer.push(request);
      // Each write is bounded by the chat deadline: the sweep is not held longer than that.
      await writer.idle();
      for (const request of result.resumable) inBackground(request.id, (onProgress) => remediation.resume(request.id, onProgress));
    },
  };
}

/**
 * A fix request's card. Without a viewer it is the card everyone sees (while pending it keeps
 * Approve / Reject: the server decides who may press); with one, that person's own view
 * (approvers see Approve / Reject, everyone else the status). While pending, Universal
 * Actions refresh it per viewer.
 */
export function fixRequestCard(request: FixRequest, fix: FixDefinition, policy: PolicyState, options: { viewer?: Actor; step?: LocalizedText; notice?: LocalizedText } = {}): AdaptiveCardJson {
  const view = buildFixRequestView(request, fix, { policy, ...(options.viewer ? { viewer: options.viewer } : {}), ...(options.step ? { step: options.step } : {}), ...(options.notice ? { notice: options.notice } : {}) });
  const pending = request.state === 'requested';
  const data = { v: 1, requestId: request.id };
  const actions: CardButton[] = options.viewer
    ? [...view.actions]
    : pending
      ? [
          { title: request.language === 'pl' ? 'Zatwierdź' : 'Approve', verb: FixVerbs.approve, data, style: 'positive' },
          { title: request.language === 'pl' ? 'Odrzuć' : 'Reject', verb: FixVerbs.reject, data, style: 'destructive' },
        ]
      : [];
  const refresh: CardButton = { title: request.language === 'pl' ? 'Odśwież' : 'Refresh', verb: FixVerbs.view, data };
  return renderFixCard('fix-request', { ...view, actions }, pending ? { button: refresh, userIds: refreshUserIdsFor(request, policy) } : undefined);
}

/** A one-message fix card (a refusal, a notice): the fix card's template with only a heading and a status. */
export function fixNoticeCard(title: LocalizedText, text: LocalizedText, language: Language, actions: CardButton[] = []): AdaptiveCardJson {
  return renderFixCard('fix-request', {
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
  });
}

/**
 * Teams user ids whose clients refresh the request card on their own (Universal Actions):
 * the requester and the approvers the policy names by Teams id, requester first. Teams
 * honours at most 60 (renderFixCard cuts the list there). With only the requester known the
 * list is left empty, so Teams refreshes everyone (chats of up to 60 members do so by default).
 */
export function refreshUserIdsFor(request: FixRequest, state: PolicyState): string[] {
  const ids = new Set<string>([request.requester.userId]);
  if (state.kind === 'loaded') {
    const members = state.policy.approvers.flatMap((p) => (p.startsWith('group:') ? (state.policy.groups[p.slice(6)] ?? []) : [p]));
    for (const m of members) if (m.startsWith('teams:')) ids.add(m.slice(6));
  }
  return ids.size > 1 ? [...ids] : [];
}

/**
 * Whether this person may read the audit: the requesters and approvers the policy names.
 * Without a policy nobody is named, so nobody reads it in chat (the audit command says how to
 * enable fixes instead); GET /api/audit with its key stays the way to export it.
 */
export function mayReadAudit(state: PolicyState, actor: Actor): boolean {
  if (state.kind === 'missing') return false;
  return isPrincipal(state.policy, actor, [...state.policy.requesters, ...state.policy.approvers]);
}
