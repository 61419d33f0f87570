import { ActivityHandler, ActivityTypes, type InvokeResponse, TurnContext } from 'botbuilder';
import type { z } from 'zod';
import type { Identifier } from '../../core/identify';
import type { Language } from '../../core/knowledge/schema';
import type { PolicyState } from '../../core/remediation/policy';
import { ask, chooseLanguage, languageOf, readablePart } from '../../core/troubleshoot/ask';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import {
  buildChooseCodeView,
  buildCodesView,
  buildErrorView,
  buildHelpView,
  buildInvalidActionView,
  buildAlreadyHandledView,
  buildUnknownView,
  buildWelcomeView,
} from '../../core/views/conversation-views';
import { describeDataKeys } from '../../core/views/card-actions';
import type { KnowledgeLookup } from '../../core/views/knowledge-lookup';
import { type TroubleshootActionProvider, buildTroubleshootView } from '../../core/views/troubleshoot-view';
import { SeenOnce } from '../../core/seen-once';
import type { IdentityGateConfig } from '../../config';
import type { Logger } from '../../logger';
import { type CardMessenger, turnMessenger } from './card-messenger';
import { type AdaptiveCardJson, renderCard } from './card-renderer';
import { fitCard } from './fit-card';
import { type ShapeProblem, activityShapeProblem, shapeProblemText } from './activity-shape';
import type {
  CardActionContext,
  CardActionHandler,
  CardActionRegistration,
  CardActionRefusal,
  CardActionResult,
  CommandHandler,
  CommandMatcher,
  ConversationInfo,
  Sender,
} from './routing-types';
import { teamsTime, utcOffsetMinutesOf } from './local-time';
import { registerBuiltInCardActions } from './troubleshoot-actions';

export interface TeamsBotDeps {
  readonly knowledge: KnowledgeLookup;
  readonly identifier: Identifier;
  readonly troubleshoot: TroubleshootService;
  readonly logger: Logger;
  /** Which activities are handled at all (channel and tenant); default: every activity (unit tests, local mode). */
  readonly identityGate?: IdentityGateConfig;
}

/** Why an activity was ignored before any handler saw it. */
export type GateVerdict = { readonly admitted: true } | { readonly admitted: false; readonly reason: 'channel' | 'tenant' };

/**
 * The entry check. Teams proves who the user is (`from.aadObjectId`) only for activities it sends;
 * Web Chat or Direct Line clients write `from` themselves, and a tenant we do not serve is not
 * our users. Such activities are ignored before any handler: no reply, only a log line.
 */
export function admitActivity(gate: IdentityGateConfig | undefined, activity: Pick<TurnContext['activity'], 'channelId' | 'conversation' | 'channelData'>): GateVerdict {
  if (gate === undefined) return { admitted: true };
  if (gate.teamsOnly && activity.channelId !== 'msteams') return { admitted: false, reason: 'channel' };
  if (gate.allowedTenantIds.length === 0) return { admitted: true };
  const channelData: unknown = activity.channelData;
  const dataTenant = isRecord(channelData) && isRecord(channelData['tenant']) ? channelData['tenant']['id'] : undefined;
  const tenants = [activity.conversation?.tenantId, typeof dataTenant === 'string' ? dataTenant : undefined].filter((t): t is string => t !== undefined && t !== '');
  // Both places must agree with the list: a tenant only in one of them, or none at all, is not ours.
  const allowed = tenants.length > 0 && tenants.every((t) => gate.allowedTenantIds.includes(t.toLowerCase()));
  return allowed ? { admitted: true } : { admitted: false, reason: 'tenant' };
}

const invokeCardType = 'application/vnd.microsoft.card.adaptive';
const invokeMessageType = 'application/vnd.microsoft.activity.message';

/**
 * The botbuilder layer, kept thin: activities in, domain calls, rendered cards out.
 *
 * Extension points (for checks, alerts, remediation):
 * - `registerCardAction(verb, handler, payloadSchema?)`: a button verb and what it does.
 * - `registerCommand(matcher, handler)`: a text command, checked before identification.
 * - `registerTroubleshootActions(provider)`: extra buttons on the troubleshooting card.
 * - `renderSessionCard(session)`: the current troubleshooting card for a session.
 */
export class TeamsBot extends ActivityHandler {
  private readonly cardActions = new Map<string, CardActionRegistration<unknown>>();
  private readonly commands: { readonly matcher: CommandMatcher; readonly handler: CommandHandler }[] = [];
  private readonly troubleshootProviders: TroubleshootActionProvider[] = [];
  private policyProvider: () => PolicyState | undefined = () => undefined;
  /** Activity ids are unique per press, so remembering the last 10,000 catches any redelivery. */
  private readonly handledPresses = new SeenOnce(10_000);
  /**
   * The "which code?" cards this instance posted (conversation and message id). Only such a card is
   * replaced by the troubleshooting card a code button starts: a press naming any other message as
   * its own (forged, or a card another instance posted) gets its card as a new message instead.
   */
  private readonly postedPickers = new SeenOnce(10_000);

  constructor(private readonly deps: TeamsBotDeps) {
    super();
    registerBuiltInCardActions(this, deps);

    this.onMessage(async (context, next) => {
      await this.handleMessage(context);
      await next();
    });

    this.onMembersAdded(async (context, next) => {
      const botAdded = (context.activity.membersAdded ?? []).some((m) => m.id === context.activity.recipient?.id);
      if (botAdded) {
        const language = chooseLanguage('en', context.activity.locale);
        await turnMessenger(context).send(renderCard('welcome', buildWelcomeView(language)));
      }
      await next();
    });
  }

  /**
   * Registers what a card button does. The verb is the Action.Execute verb (and `verb` in the
   * Action.Submit fallback's data). The payload is validated by `payloadSchema` before the
   * handler runs; an unknown verb or a payload that fails it gets the "no longer valid" card.
   */
  registerCardAction<P>(verb: string, handler: CardActionHandler<P>, payloadSchema?: z.ZodType<P>, refuse?: CardActionRefusal): void {
    if (this.cardActions.has(verb)) throw new Error(`card action ${verb} is already registered`);
    this.cardActions.set(verb, { handler, ...(payloadSchema ? { payload: payloadSchema } : {}), ...(refuse ? { refuse } : {}) } as CardActionRegistration<unknown>);
  }

  /** Registers a text command, tried in registration order before identification. */
  registerCommand(matcher: CommandMatcher, handler: CommandHandler): void {
    this.commands.push({ matcher, handler });
  }

  /** Adds buttons under the current cause of every troubleshooting card (e.g. "Check on Azure"). */
  registerTroubleshootActions(provider: TroubleshootActionProvider): void {
    this.troubleshootProviders.push(provider);
  }

  /**
   * Where the fix policy comes from (it names the operators). Set once the remediation module
   * exists; until then, and without Azure, there is no policy.
   */
  usePolicy(provider: () => PolicyState | undefined): void {
    this.policyProvider = provider;
  }

  /** The fix policy as it is now (re-read on every call, never cached on a card). */
  policyState(): PolicyState | undefined {
    return this.policyProvider();
  }

  hasCardAction(verb: string): boolean {
    return this.cardActions.has(verb);
  }

  renderSessionCard(session: TroubleshootSession, actorName?: string, options: { readonly verifiedByBackup?: boolean } = {}): AdaptiveCardJson {
    const causeId = session.cursor < session.causeCount ? session.causeIds[session.cursor] : undefined;
    const extraActions = this.troubleshootProviders.flatMap((p) => p(session, causeId, session.language));
    return renderCard(
      'troubleshoot',
      buildTroubleshootView(this.deps.knowledge, session, {
        extraActions,
        formatTime: teamsTime,
        ...(actorName ? { actorName } : {}),
        ...(options.verifiedByBackup ? { verifiedByBackup: true } : {}),
      }),
    );
  }

  /** Starts a session for a code and posts its card (or replaces `replaceActivityId` with it). */
  async startSession(
    input: { codeId: string; language: Language; sender: Sender; conversation: ConversationInfo; target?: TroubleshootSession['target'] },
    messenger: CardMessenger,
  ): Promise<TroubleshootSession> {
    return this.deps.troubleshoot.start(
      {
        codeId: input.codeId,
        language: input.language,
        conversationId: input.conversation.id,
        createdBy: input.sender.aadObjectId ?? input.sender.id,
        ...(input.target ? { target: input.target } : {}),
      },
      (session) => messenger.send(this.renderSessionCard(session)),
    );
  }

  protected override async onTurnActivity(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const shape = activityShapeProblem(activity);
    if (shape?.handling === 'ignore') {
      this.deps.logger.warn({ field: shape.field, reason: shape.reason, channelId: activity.channelId, activityType: activity.type }, 'activity ignored: no sender or conversation to answer');
      return;
    }
    const verdict = admitActivity(this.deps.identityGate, activity);
    if (!verdict.admitted) {
      this.deps.logger.warn(
        { reason: verdict.reason, channelId: activity.channelId, tenantId: activity.conversation?.tenantId, activityType: activity.type, conversationId: activity.conversation?.id, fromId: activity.from?.id },
        'activity ignored: not from Teams in an allowed tenant',
      );
      return;
    }
    if (shape) {
      await this.answerMalformed(context, shape);
      return;
    }
    await super.onTurnActivity(context);
  }

  /** A message hears what was wrong; an invoke gets a 400 naming the field; anything else is logged only. */
  private async answerMalformed(context: TurnContext, problem: ShapeProblem): Promise<void> {
    const activity = context.activity;
    this.deps.logger.warn({ field: problem.field, reason: problem.reason, activityType: activity.type, conversationId: activity.conversation.id }, 'malformed activity refused');
    // The reply inherits the activity's locale: a broken one would make the connector refuse the answer too.
    if (problem.field === 'locale') activity.locale = undefined;
    if (activity.type === ActivityTypes.Message) await context.sendActivity(shapeProblemText(problem));
    else if (activity.type === ActivityTypes.Invoke) {
      await context.sendActivity({ type: ActivityTypes.InvokeResponse, value: { status: 400, body: { error: 'malformed_activity', field: problem.field, reason: problem.reason } } });
    }
  }

  protected override async onInvokeActivity(context: TurnContext): Promise<InvokeResponse> {
    // The app declares card buttons only (no messaging extension, task module or search): any other invoke
    // is the sender's mistake, answered with what is supported rather than botbuilder's bare 501.
    if (context.activity.name !== 'adaptiveCard/action') {
      return { status: 400, body: { error: 'unsupported_invoke', field: 'name', reason: `${JSON.stringify(String(context.activity.name).slice(0, 100))} is not answered here: Backup Doctor answers adaptiveCard/action (its card buttons) only` } };
    }
    const value: unknown = context.activity.value;
    const action = isRecord(value) && isRecord(value['action']) ? value['action'] : undefined;
    const verb = action && typeof action['verb'] === 'string' ? action['verb'] : '';
    const result = await this.dispatchCardAction(context, verb, action?.['data'], 'invoke');
    return { status: 200, body: result };
  }

  private async handleMessage(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const messenger = turnMessenger(context);
    // Action.Submit fallback: old clients send the card's data as a message value.
    if (isRecord(activity.value) && typeof activity.value['verb'] === 'string' && !activity.text?.trim()) {
      await this.dispatchCardAction(context, activity.value['verb'], activity.value, 'submit');
      return;
    }

    const { text, cut } = readablePart(mentionFreeText(context));
    const sender = senderOf(context);
    const conversation = conversationOf(context);

    for (const command of this.commands) {
      const match = command.matcher instanceof RegExp ? text.match(command.matcher) : null;
      const matched = command.matcher instanceof RegExp ? match !== null : command.matcher(text);
      if (!matched) continue;
      const language = languageOf(text, activity.locale);
      const utcOffsetMinutes = utcOffsetMinutesOf(activity);
      await command.handler({
        text,
        match,
        language,
        ...(activity.locale ? { locale: activity.locale } : {}),
        ...(utcOffsetMinutes !== undefined ? { utcOffsetMinutes } : {}),
        sender,
        conversation,
        messenger,
      });
      return;
    }

    const outcome = ask(text, activity.locale, this.deps.identifier);
    const { knowledge } = this.deps;
    switch (outcome.kind) {
      case 'help':
        await messenger.send(renderCard('help', buildHelpView(outcome.language)));
        return;
      case 'codes':
        await messenger.send(renderCard('codes', buildCodesView(knowledge, outcome.language)));
        return;
      case 'choose':
        this.rememberPicker(conversation.id, await messenger.send(renderCard('choose-code', buildChooseCodeView(knowledge, outcome.codeIds, outcome.language))));
        return;
      case 'unknown':
        this.rememberPicker(conversation.id, await messenger.send(renderCard('unknown-code', buildUnknownView(knowledge, outcome.closestCodeIds, outcome.language, { cut }))));
        return;
      case 'troubleshoot':
        await this.startSession({ codeId: outcome.codeId, language: outcome.language, sender, conversation }, messenger);
        return;
    }
  }

  /** Whether this message is a "which code?" card this instance posted in the conversation. */
  isPostedPicker(conversationId: string, activityId: string): boolean {
    return this.postedPickers.has(`${conversationId}|${activityId}`);
  }

  private rememberPicker(conversationId: string, activityId: string | undefined): void {
    if (activityId !== undefined) this.postedPickers.firstTime(`${conversationId}|${activityId}`);
  }

  /**
   * Runs a card action and writes its card: the answer to the invoke, and an update of the
   * pressed message so every viewer sees the same state. Never throws: a bad press gets a card.
   */
  private async dispatchCardAction(context: TurnContext, verb: string, rawData: unknown, via: 'invoke' | 'submit'): Promise<{ statusCode: number; type: string; value: unknown }> {
    const activity = context.activity;
    const messenger = turnMessenger(context);
    const data = isRecord(rawData) ? Object.fromEntries(Object.entries(rawData).filter(([k]) => k !== 'verb')) : undefined;
    const requested = data?.['lang'];
    const language: Language = requested === 'pl' || requested === 'en' ? requested : chooseLanguage('en', activity.locale);
    // A press delivered twice (the same activity) runs once: starting a session or posting a card twice would show two.
    if (activity.id && !this.handledPresses.firstTime(`${activity.conversation?.id ?? ''}|${activity.id}`)) {
      this.deps.logger.info({ verb, via, activityId: activity.id }, 'card action delivered again; already handled');
      return { statusCode: 200, type: invokeCardType, value: fitCard(renderCard('notice', buildAlreadyHandledView(language))) };
    }
    const registration = this.cardActions.get(verb);
    const parsed = registration && data ? (registration.payload ? registration.payload.safeParse(data) : { success: true as const, data }) : undefined;

    const contextWith = <P>(payload: P): CardActionContext<P> => ({
      verb,
      payload,
      sender: senderOf(context),
      language,
      conversation: conversationOf(context),
      ...(activity.replyToId ? { activityId: activity.replyToId } : {}),
      via,
      messenger,
    });

    let result: CardActionResult;
    try {
      if (!registration || !parsed || !parsed.success) {
        this.deps.logger.warn({ verb, via, conversationId: activity.conversation?.id }, 'card action rejected: unknown verb or malformed payload');
        // Answered to the presser alone: a forged or stale press must not overwrite the pressed message.
        result = registration?.refuse
          ? await registration.refuse(contextWith(data ?? {}), data ? `card data keys: ${describeDataKeys(data)}` : `card data is ${rawData === null ? 'null' : Array.isArray(rawData) ? 'an array' : typeof rawData}, not an object`)
          : { card: renderCard('notice', buildInvalidActionView(language)), mode: 'respond' };
      } else {
        result = await registration.handler(contextWith(parsed.data));
      }
    } catch (error) {
      this.deps.logger.error({ err: error, verb, via }, 'card action failed');
      result = { card: renderCard('notice', buildErrorView(language)), mode: 'respond' };
    }

    // The invoke answer carries the card too: it is held to the same size limit as a message.
    result = { ...result, card: fitCard(result.card) };
    try {
      if ((result.mode === 'respond' || result.mode === 'shared-elsewhere') && via === 'invoke') return { statusCode: 200, type: invokeCardType, value: result.card };
      if (result.mode === 'shared-elsewhere') return { statusCode: 200, type: invokeCardType, value: result.card };
      const target = result.activityId ?? activity.replyToId;
      if (result.mode === 'reply' || result.mode === 'respond' || !target) {
        const id = await messenger.send(result.card);
        if (id && result.onPosted) await result.onPosted(id);
        return result.mode === 'reply' ? { statusCode: 200, type: invokeMessageType, value: '' } : { statusCode: 200, type: invokeCardType, value: result.card };
      }
      try {
        await messenger.update(target, result.card);
      } catch (error) {
        // The invoke answer still shows the new card to the presser; log why others may not see it.
        this.deps.logger.warn({ err: error, verb, activityId: target }, 'updateActivity failed');
      }
      return { statusCode: 200, type: invokeCardType, value: result.card };
    } finally {
      runAfterSend(result, this.deps.logger, verb);
    }
  }
}

export function mentionFreeText(context: TurnContext): string {
  const activity = context.activity;
  // removeRecipientMention strips "<at>Bot</at>" when the mention names this bot.
  const text = activity.entities?.some((e) => e.type === 'mention') ? TurnContext.removeRecipientMention(activity) : activity.text;
  return (text ?? '')
    .replace(/<at>[^<]*<\/at>/gi, ' ')
    .replace(/&nbsp;/g, ' ')
    .trim();
}

export function senderOf(context: TurnContext): Sender {
  const from = context.activity.from ?? { id: 'unknown' };
  return { id: from.id, ...(from.aadObjectId ? { aadObjectId: from.aadObjectId } : {}), ...(from.name ? { name: from.name } : {}) };
}

export function conversationOf(context: TurnContext): ConversationInfo {
  const c = context.activity.conversation;
  return {
    id: c?.id ?? '',
    ...(c?.conversationType ? { type: c.conversationType } : {}),
    ...(c?.tenantId ? { tenantId: c.tenantId } : {}),
    ...(context.activity.serviceUrl ? { serviceUrl: context.activity.serviceUrl } : {}),
  };
}

function runAfterSend(result: CardActionResult, logger: Logger, verb: string): void {
  try {
    result.afterSend?.();
  } catch (error) {
    logger.error({ err: error, verb }, 'card action follow-up failed');
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
