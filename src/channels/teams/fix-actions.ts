import type { z } from 'zod';
import type { Language, LocalizedText } from '../../core/knowledge/schema';
import type { Actor } from '../../core/remediation/actor';
import type { FixDefinition } from '../../core/remediation/fix-catalogue';
import type { CardLocation, FixRequest } from '../../core/remediation/fix-request';
import { type FixCardView, FixVerbs } from '../../core/remediation/fix-view';
import { type PolicyState, groupMembers } from '../../core/remediation/policy';
import { type CardButton, describeDataKeys } from '../../core/views/card-actions';
import { type FixFlow, type FixReply, fixNoticeView, fixRequestView, PlanPayloadSchema, RequestIdPayloadSchema } from '../../features/fixes/fix-flow';
import type { Interaction } from '../../features/interaction';
import type { AdaptiveCardJson } from './card-renderer';
import { renderFixCard } from './fix-cards';
import type { CardActionContext, CardActionRefusal, CardActionResult } from './routing-types';
import { teamsActor } from './teams-actor';
import type { TeamsBot } from './teams-bot';

/**
 * The approved-fix flow on Teams cards: the flow itself is channel-neutral (FixFlow); this
 * file parses Teams presses, proves who pressed (the activity's `from.aadObjectId`, never the
 * display name) and renders the flow's replies as Adaptive Cards. Anything unexpected in the
 * card data is refused as tampering and audited.
 */
/** The Teams place of a press: the conversation and the pressed message. */
function placeOf(ctx: CardActionContext<unknown>): CardLocation {
  return { channel: 'msteams', conversationId: ctx.conversation.id, ...(ctx.activityId ? { activityId: ctx.activityId } : {}), ...(ctx.conversation.serviceUrl ? { serviceUrl: ctx.conversation.serviceUrl } : {}) };
}

export function registerFixActions(bot: TeamsBot, flow: FixFlow): void {
  const render = (reply: FixReply): CardActionResult => {
    const card = teamsFixCard(reply.view, reply.pending, flow.policy);
    const posted = reply.onPosted ? { onPosted: reply.onPosted } : {};
    switch (reply.show) {
      case 'reply':
        return { card, mode: 'reply', ...posted };
      case 'replace':
        return { card, ...posted };
      case 'presser':
        return { card, mode: 'respond' };
      case 'shared':
        return { card, mode: 'shared-elsewhere' };
    }
  };

  /** Validates card data and the presser's identity; anything else in the data is tampering, refused and audited. */
  const parse = async <T>(ctx: CardActionContext<unknown>, schema: z.ZodType<T>, action: string): Promise<{ ok: true; value: T; interaction: Interaction } | { ok: false; result: CardActionResult }> => {
    const interaction: Interaction = { actor: teamsActor(ctx.sender), language: ctx.language, place: placeOf(ctx) };
    const parsed = schema.safeParse(ctx.payload);
    const raw = (ctx.payload ?? {}) as Record<string, unknown>;
    const requestId = typeof raw['requestId'] === 'string' ? raw['requestId'] : undefined;
    // The policy and the audit name people by their Entra object id: a press without one cannot be judged.
    if (!ctx.sender.aadObjectId) {
      return { ok: false, result: render(await flow.refuse(interaction, action, 'unverified-identity', { ...(parsed.success && requestId ? { requestId } : {}), detail: 'no from.aadObjectId on the activity' })) };
    }
    if (parsed.success) return { ok: true, value: parsed.data, interaction };
    return { ok: false, result: render(await flow.refuse(interaction, action, 'tampered', { ...(requestId ? { requestId } : {}), detail: `card data keys: ${describeDataKeys(raw)}` })) };
  };

  // A fix button under the current cause of every troubleshooting card that names a VM.
  bot.registerTroubleshootActions((session, causeId, language) => flow.offers(session, causeId, language));

  /** Card data that is not even an object: tampering all the same, refused and audited. */
  const refuseMalformed =
    (action: string): CardActionRefusal =>
    async (ctx, detail) =>
      render(await flow.refuse({ actor: teamsActor(ctx.sender), language: ctx.language, place: placeOf(ctx) }, action, 'tampered', { detail }));

  /** One fix verb: its data parsed and its presser proven (else refused and audited), then the flow decides. */
  const registerFix = <P>(verb: string, schema: z.ZodType<P>, action: string, run: (i: Interaction, payload: P) => Promise<FixReply>): void => {
    bot.registerCardAction(
      verb,
      async (ctx) => {
        const parsed = await parse(ctx, schema, action);
        return parsed.ok ? render(await run(parsed.interaction, parsed.value)) : parsed.result;
      },
      undefined,
      refuseMalformed(action),
    );
  };
  registerFix(FixVerbs.plan, PlanPayloadSchema, 'plan', (i, p) => flow.plan(i, p));
  registerFix(FixVerbs.request, PlanPayloadSchema, 'request', (i, p) => flow.request(i, p));
  for (const kind of ['approve', 'reject'] as const) registerFix(FixVerbs[kind], RequestIdPayloadSchema, kind, (i, p) => flow.decide(i, kind, p));
  // Universal Actions refresh: each viewer's own card.
  registerFix(FixVerbs.view, RequestIdPayloadSchema, 'view', (i, p) => flow.view(i, p));
}

/** A fix view as a Teams card; while pending, Universal Actions refresh it per viewer. */
export function teamsFixCard(view: FixCardView, pending: FixRequest | undefined, policy: PolicyState): AdaptiveCardJson {
  if (!pending) return renderFixCard('fix-request', view);
  const refresh: CardButton = { title: pending.language === 'pl' ? 'Odśwież' : 'Refresh', verb: FixVerbs.view, data: { v: 1, requestId: pending.id } };
  return renderFixCard('fix-request', view, { button: refresh, userIds: refreshUserIdsFor(pending, policy) });
}

/** A fix request's card (see fixRequestView): the shared one, or one person's own. */
export function fixRequestCard(request: FixRequest, fix: FixDefinition, policy: PolicyState, options: { viewer?: Actor; step?: LocalizedText; notice?: LocalizedText } = {}): AdaptiveCardJson {
  return teamsFixCard(fixRequestView(request, fix, policy, options), request.state === 'requested' ? request : undefined, policy);
}

/** A one-message fix card (a refusal, a notice). */
export function fixNoticeCard(title: LocalizedText, text: LocalizedText, language: Language, actions: CardButton[] = []): AdaptiveCardJson {
  return renderFixCard('fix-request', fixNoticeView(title, text, language, actions));
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
    const members = state.policy.approvers.flatMap((p) => (p.startsWith('group:') ? groupMembers(state.policy, p.slice('group:'.length)) : [p]));
    for (const m of members) if (m.startsWith('teams:')) ids.add(m.slice(6));
  }
  return ids.size > 1 ? [...ids] : [];
}
