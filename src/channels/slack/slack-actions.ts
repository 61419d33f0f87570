import { z } from 'zod';
import { FixVerbs } from '../../core/remediation/fix-view';
import { type FixFlow, type FixReply, PlanPayloadSchema, RequestIdPayloadSchema } from '../../features/fixes/fix-flow';
import type { Interaction } from '../../features/interaction';
import { renderFixMessage } from './blocks/fix-blocks';
import type { Language } from '../../core/knowledge/schema';
import type { StepAction, TroubleshootSession } from '../../core/troubleshoot/session';
import { describeDataKeys, EmptyPayloadSchema, GoToPayloadSchema, SessionPayloadSchema, StartPayloadSchema, StepPayloadSchema, Verbs } from '../../core/views/card-actions';
import { buildCodesView, buildErrorView, buildExpiredView, buildHelpView, buildInvalidActionView, buildMovedOnView, buildSessionNotFoundView } from '../../core/views/conversation-views';
import { safeFindCode } from '../../core/views/knowledge-lookup';
import type { SlackMessage } from './blocks/block-kit';
import { safeError } from './bolt-logger';
import { LinkActionId, verbOfActionId } from './blocks/buttons';
import { RunChecksVerb } from '../../features/checks/run-checks-flow';
import { renderCodesMessage, renderHelpMessage, renderNoticeMessage } from './blocks/conversation-blocks';
import { type SlackConversationDeps, renderQuestionAnswer, renderSessionMessage, slackActor, startSession } from './slack-conversation';
import { troubleshootJobVerb } from '../../core/questions';
import { TroubleshootJobPayloadSchema } from '../../features/questions/question-flow';
import { troubleshootVerb } from '../../core/incidents/incident-view';
import { TroubleshootIncidentPayloadSchema, troubleshootIncidentVm } from '../../features/incidents/troubleshoot-incident';
import { slackTime } from './blocks/question-blocks';
import { SweepVerbs } from '../../core/sweep/sweep-digest-view';
import { SweepFixPayloadSchema, SweepVmPayloadSchema } from '../../features/sweep/sweep-flow';
import type { SlackMessenger, SlackPlace } from './slack-messenger';
import { slackConversationId } from './slack-text';
import { PostedPickers } from './posted-pickers';
import { SeenOnce } from '../../core/seen-once';

/** A button press (block_actions), reduced to what the handlers may rely on. */
export interface SlackPress {
  readonly teamId: string;
  readonly channelId: string;
  readonly userId: string;
  /** Display only, never an identity. */
  readonly userName?: string;
  /** The message holding the pressed button: the one to update. */
  readonly messageTs?: string;
  readonly threadTs?: string;
  readonly actionId: string;
  readonly value?: string;
  /** The interaction's own id (trigger_id and action): a press delivered twice carries the same one. */
  readonly pressId?: string;
}

/**
 * What a press answers: 'update' rewrites the pressed message (every viewer sees it),
 * 'reply' posts a new message in the thread, 'ephemeral' tells only the presser (used when
 * the press is refused, so a forged value can never overwrite a shared message).
 */
type PressResult =
  | {
      readonly kind: 'update' | 'reply' | 'ephemeral';
      readonly message: SlackMessage;
      readonly onPosted?: (ts: string) => Promise<void>;
      /** With 'ephemeral': the pressed message rewritten too, as its own record now shows it (it had stale buttons). */
      readonly refreshed?: SlackMessage;
      /** With 'update': the message to rewrite, when the server knows it (a session's own); else the pressed one. */
      readonly ts?: string;
    }
  /** Nothing to send from the press: the shared message is written by its owner (a fix card's writer). */
  | { readonly kind: 'none' };

interface PressContext<P> {
  readonly press: SlackPress;
  readonly payload: P;
  readonly language: Language;
  readonly conversationId: string;
}

type PressHandler<P> = (ctx: PressContext<P>) => Promise<PressResult>;

interface Registration {
  readonly schema: z.ZodType<unknown>;
  readonly handler: PressHandler<unknown>;
  /** Answers a press whose value is not this verb's; verbs that audit every refused press (the fix buttons) give one. */
  readonly refuse?: PressRefusal;
}

/** A refused press: its context carries the value as it came (an empty object when it was not one) and why it was refused. */
type PressRefusal = (ctx: PressContext<Record<string, unknown>>, detail: string) => Promise<PressResult>;

/**
 * The buttons' verbs and what each does, the same verbs and payloads as the Teams card.
 * Nothing in a button value is trusted beyond its shape: a session is reloaded, checked to
 * belong to this channel, and stepped through TroubleshootService.
 */
export class SlackActions {
  private readonly registry = new Map<string, Registration>();
  /** Presses already handled here: Slack does not redeliver presses, but a replayed or proxied one runs once. */
  private readonly handledPresses = new SeenOnce(10_000);

  constructor(
    private readonly deps: SlackConversationDeps,
    private readonly pickers: PostedPickers = new PostedPickers(),
  ) {
    const step = (toAction: (payload: { index?: number; reopen?: true }) => StepAction) => async (ctx: PressContext<{ sessionId: string; index?: number; at?: number; reopen?: true }>) => this.step(ctx, toAction(ctx.payload));
    this.register(Verbs.next, StepPayloadSchema, step(() => ({ kind: 'next' })));
    this.register(Verbs.previous, StepPayloadSchema, step((p) => (p.reopen ? { kind: 'reopen' } : { kind: 'previous' })));
    this.register(Verbs.fixed, StepPayloadSchema, step(() => ({ kind: 'fixed' })));
    this.register(Verbs.stillFailing, StepPayloadSchema, step(() => ({ kind: 'still-failing' })));
    this.register(Verbs.goTo, GoToPayloadSchema, step((p) => ({ kind: 'go-to', index: p.index ?? 0 })));
    this.register(Verbs.start, StartPayloadSchema, (ctx) => this.start(ctx));
    this.register(Verbs.help, EmptyPayloadSchema, async (ctx) => ({ kind: 'reply', message: renderHelpMessage(buildHelpView(ctx.language), ctx.language) }));
    this.register(Verbs.codes, EmptyPayloadSchema, async (ctx) => ({ kind: 'reply', message: renderCodesMessage(buildCodesView(this.deps.knowledge, ctx.language), ctx.language) }));
    this.register(RunChecksVerb, SessionPayloadSchema, (ctx) => this.runChecks(ctx));
    const questions = deps.questions;
    if (questions) {
      this.register(troubleshootJobVerb, TroubleshootJobPayloadSchema, async (ctx) => {
        const { press } = ctx;
        const interaction: Interaction = { actor: slackActor(press.teamId, press.userId, press.userName), language: ctx.language, place: { channel: 'slack', conversationId: ctx.conversationId } };
        // The session's message is this press's reply; its ts is attached once Slack has posted it.
        const answer = await questions.troubleshootJob(interaction, ctx.payload, { formatTime: slackTime }, async () => undefined);
        if (answer.kind !== 'session') return { kind: 'reply', message: renderQuestionAnswer(answer, ctx.language) };
        const session = answer.session;
        return { kind: 'reply', message: renderSessionMessage(this.deps, session), onPosted: (ts) => questions.attachSession(session, ts) };
      });
    }
    const incidents = deps.incidents;
    if (incidents) {
      this.register(troubleshootVerb, TroubleshootIncidentPayloadSchema, async (ctx) => {
        const { press } = ctx;
        const interaction: Interaction = { actor: slackActor(press.teamId, press.userId, press.userName), language: ctx.language, place: { channel: 'slack', conversationId: ctx.conversationId } };
        const session = await troubleshootIncidentVm({ incidents, troubleshoot: this.deps.troubleshoot }, interaction, ctx.payload);
        if (!session) return invalid(ctx.language);
        // The troubleshooting message is a reply in the incident message's thread; its ts is attached once posted.
        return { kind: 'reply', message: renderSessionMessage(this.deps, session), onPosted: (ts) => this.deps.troubleshoot.attachActivity(session, ts).then(() => undefined) };
      });
    }
    const sweep = deps.sweep;
    if (sweep) {
      this.register(SweepVerbs.troubleshoot, SweepVmPayloadSchema, async (ctx) => {
        const answer = await sweep.troubleshoot(this.interactionOf(ctx), ctx.payload);
        if (answer.kind === 'notice') return { kind: 'ephemeral', message: renderNoticeMessage(answer.view, ctx.language) };
        const session = answer.session;
        // The troubleshooting message is a reply next to the digest, which stays as it is; its ts is attached once posted.
        return { kind: 'reply', message: renderSessionMessage(this.deps, session), onPosted: (ts) => sweep.attachSession(session, ts) };
      });
      const digestFixes = deps.fixes;
      if (digestFixes) {
        this.register(
          SweepVerbs.fix,
          SweepFixPayloadSchema,
          async (ctx) => {
            const answer = await sweep.planFix(this.interactionOf(ctx), ctx.payload);
            if (answer.kind === 'notice') return { kind: 'ephemeral', message: renderNoticeMessage(answer.view, ctx.language) };
            const message = renderFixMessage(answer.reply.view, ctx.language);
            // The plan is a new message (Request this fix then turns it into the request); a refusal is the presser's alone.
            const posted = answer.reply.onPosted;
            return answer.reply.show === 'presser' ? { kind: 'ephemeral', message } : { kind: 'reply', message, ...(posted ? { onPosted: posted } : {}) };
          },
          // A fix press whose value is not a digest row's is tampering: refused and audited like the fix buttons'.
          async (ctx, detail) => ({ kind: 'ephemeral', message: renderFixMessage((await digestFixes.refuse(this.interactionOf(ctx), 'plan', 'tampered', { detail: `sweep row: ${detail}` })).view, ctx.language) }),
        );
      }
    }
    const fixes = deps.fixes;
    if (fixes) {
      const anyObject = z.record(z.string(), z.unknown());
      // A value that is not even a JSON object (or longer than any of ours) is tampering too: refused and audited.
      const refuse =
        (action: string): PressRefusal =>
        async (ctx, detail) =>
          ({ kind: 'ephemeral', message: renderFixMessage((await fixes.refuse(this.fixInteraction(ctx), action, 'tampered', { detail })).view, ctx.language) });
      this.register(FixVerbs.plan, anyObject, (ctx) => this.fixPress(fixes, ctx, PlanPayloadSchema, 'plan', (i, p) => fixes.plan(i, p)), refuse('plan'));
      this.register(FixVerbs.request, anyObject, (ctx) => this.fixPress(fixes, ctx, PlanPayloadSchema, 'request', (i, p) => fixes.request(i, p)), refuse('request'));
      this.register(FixVerbs.approve, anyObject, (ctx) => this.fixPress(fixes, ctx, RequestIdPayloadSchema, 'approve', (i, p) => fixes.decide(i, 'approve', p)), refuse('approve'));
      this.register(FixVerbs.reject, anyObject, (ctx) => this.fixPress(fixes, ctx, RequestIdPayloadSchema, 'reject', (i, p) => fixes.decide(i, 'reject', p)), refuse('reject'));
      this.register(FixVerbs.view, anyObject, (ctx) => this.fixPress(fixes, ctx, RequestIdPayloadSchema, 'view', (i, p) => fixes.view(i, p)), refuse('view'));
    }
  }

  /**
   * A fix button: the press becomes an Interaction (the signed team and user ids are the actor,
   * the channel and message the place), the flow decides, and its reply is rendered as Block Kit.
   * Data that does not match the verb's schema is tampering: refused and audited.
   */
  private async fixPress<P>(fixes: FixFlow, ctx: PressContext<Record<string, unknown>>, schema: z.ZodType<P>, action: string, run: (i: Interaction, payload: P) => Promise<FixReply>): Promise<PressResult> {
    const { press } = ctx;
    const interaction = this.fixInteraction(ctx);
    const parsed = schema.safeParse(ctx.payload);
    let reply: FixReply;
    if (parsed.success) reply = await run(interaction, parsed.data);
    else {
      const requestId = typeof ctx.payload['requestId'] === 'string' ? ctx.payload['requestId'] : undefined;
      reply = await fixes.refuse(interaction, action, 'tampered', { ...(requestId ? { requestId } : {}), detail: `button value keys: ${describeDataKeys(ctx.payload)}` });
    }
    const message = renderFixMessage(reply.view, ctx.language);
    const posted = reply.onPosted ? { onPosted: reply.onPosted } : {};
    switch (reply.show) {
      case 'reply':
        return { kind: 'reply', message, ...posted };
      case 'replace':
        return press.messageTs ? { kind: 'update', message } : { kind: 'reply', message, ...posted };
      case 'presser':
        return { kind: 'ephemeral', message };
      case 'shared':
        return { kind: 'none' };
    }
  }

  /** A fix press as an Interaction: the signed team and user ids are the actor, the channel and pressed message the place. */
  private fixInteraction(ctx: PressContext<unknown>): Interaction {
    const { press } = ctx;
    return {
      actor: slackActor(press.teamId, press.userId, press.userName),
      language: ctx.language,
      place: { channel: 'slack', conversationId: ctx.conversationId, ...(press.messageTs ? { activityId: press.messageTs } : {}), ...(press.threadTs ? { threadId: press.threadTs } : {}) },
    };
  }

  private interactionOf(ctx: PressContext<unknown>): Interaction {
    const { press } = ctx;
    return { actor: slackActor(press.teamId, press.userId, press.userName), language: ctx.language, place: { channel: 'slack', conversationId: ctx.conversationId, ...(press.threadTs ? { threadId: press.threadTs } : {}) } };
  }

  /** Handles one press; never throws (a failure becomes a message to the presser). */
  async handle(press: SlackPress, messenger: SlackMessenger): Promise<void> {
    const verb = verbOfActionId(press.actionId);
    if (verb === LinkActionId) return; // Slack opened the link itself; the press only needs its ack.
    if (press.pressId !== undefined && !this.handledPresses.firstTime(press.pressId)) {
      this.deps.logger.info({ verb, channel: press.channelId }, 'slack press already handled; ignoring the repeat');
      return;
    }
    const data = parseValue(press.value);
    const requested = data?.['lang'];
    const language: Language = requested === 'pl' || requested === 'en' ? requested : 'en';
    // Where the presser is: a note only they see shows there, in the channel or in the thread they pressed in.
    const place: SlackPlace = { channel: press.channelId, ...(press.threadTs ? { threadTs: press.threadTs } : {}) };

    let result: PressResult;
    const registration = this.registry.get(verb);
    const parsed = registration && data ? registration.schema.safeParse(data) : undefined;
    const conversationId = slackConversationId(press.teamId, press.channelId);
    try {
      if (!registration || !parsed?.success) {
        this.deps.logger.warn({ verb, channel: press.channelId }, 'slack press rejected: unknown verb or malformed value');
        result = registration?.refuse ? await registration.refuse({ press, payload: data ?? {}, language, conversationId }, data ? `button value keys: ${describeDataKeys(data)}` : malformedValue(press.value)) : invalid(language);
      } else {
        result = await registration.handler({ press, payload: parsed.data, language, conversationId });
      }
    } catch (error) {
      this.deps.logger.error({ err: safeError(error), verb }, 'slack press failed');
      result = { kind: 'ephemeral', message: renderNoticeMessage(buildErrorView(language), language) };
    }
    await this.deliver(result, press, place, messenger);
  }

  private register<P>(verb: string, schema: z.ZodType<P>, handler: PressHandler<P>, refuse?: PressRefusal): void {
    this.registry.set(verb, { schema, handler: handler as PressHandler<unknown>, ...(refuse ? { refuse } : {}) });
  }

  private async deliver(result: PressResult, press: SlackPress, place: SlackPlace, messenger: SlackMessenger): Promise<void> {
    if (result.kind === 'none') return;
    const updated = result.kind === 'update' ? (result.ts ?? press.messageTs) : undefined;
    if (updated !== undefined) {
      await messenger.update(press.channelId, updated, result.message);
    } else if (result.kind === 'ephemeral') {
      await messenger.ephemeral(place, press.userId, result.message);
      if (result.refreshed && press.messageTs) await messenger.update(press.channelId, press.messageTs, result.refreshed);
    } else {
      // A reply belongs with the message pressed: in its thread, or starting one under a top-level message
      // (an incident, the digest). A direct message's replies stay at top level, as the conversation does.
      const threadTs = press.threadTs ?? (isDirectMessage(press.channelId) ? undefined : press.messageTs);
      const ts = await messenger.post({ channel: press.channelId, ...(threadTs ? { threadTs } : {}) }, result.message);
      if (ts && result.onPosted) await result.onPosted(ts);
    }
  }

  private async loadOwn(ctx: PressContext<{ sessionId: string }>): Promise<{ session: TroubleshootSession } | { refusal: PressResult }> {
    const loaded = await this.deps.troubleshoot.load(ctx.payload.sessionId);
    if (loaded.kind === 'not-found') return { refusal: { kind: 'ephemeral', message: renderNoticeMessage(buildSessionNotFoundView(ctx.language), ctx.language) } };
    // Session ids never travel between conversations: one from elsewhere is treated as forged.
    if (loaded.session.conversationId !== ctx.conversationId) return { refusal: invalid(ctx.language) };
    if (loaded.kind === 'expired') return { refusal: expiredNotice(loaded.session, ctx.press, this.deps.troubleshoot.ttlHours) };
    return { session: loaded.session };
  }

  private async step(ctx: PressContext<{ sessionId: string; at?: number }>, action: StepAction): Promise<PressResult> {
    const own = await this.loadOwn(ctx);
    if ('refusal' in own) return own.refusal;
    const stepped = await this.deps.troubleshoot.step(ctx.payload.sessionId, action, ctx.payload.at);
    if (stepped.kind === 'moved') {
      // Someone else's press got there first, or this one was delivered twice: nothing moves, the presser hears why.
      // A fixed session's own message is drawn again as it stands: a Reopen drawn by an earlier
      // version (a plain Previous, stale on a fixed session) gives way to today's.
      const lang = stepped.session.language;
      const ownFixedCard = ctx.press.messageTs !== undefined && ctx.press.messageTs === stepped.session.activityId && stepped.session.outcome === 'fixed';
      return { kind: 'ephemeral', message: renderNoticeMessage(buildMovedOnView(lang), lang), ...(ownFixedCard ? { refreshed: renderSessionMessage(this.deps, stepped.session) } : {}) };
    }
    if (stepped.kind !== 'ok') return invalid(own.session.language);
    // The session's own message, wherever the press came from: a press naming another message cannot overwrite it.
    return { kind: 'update', message: renderSessionMessage(this.deps, stepped.session, ctx.press.userName), ...sessionMessage(stepped.session) };
  }

  private async start(ctx: PressContext<{ codeId: string }>): Promise<PressResult> {
    const code = safeFindCode(this.deps.knowledge, ctx.payload.codeId);
    if (!code) return invalid(ctx.language);
    const { press } = ctx;
    // Only a "which code?" message this instance posted is replaced; a code press naming any other message gets a new one.
    const replaced = press.messageTs !== undefined && this.pickers.has(press.channelId, press.messageTs) ? press.messageTs : undefined;
    const session = await startSession(
      { codeId: code.id, language: ctx.language, teamId: press.teamId, channelId: press.channelId, userId: press.userId, ...(replaced ? { ts: replaced } : {}) },
      this.deps,
      async () => replaced,
    );
    const message = renderSessionMessage(this.deps, session);
    if (replaced) return { kind: 'update', message, ts: replaced };
    return { kind: 'reply', message, onPosted: (ts) => this.deps.troubleshoot.attachActivity(session, ts).then(() => undefined) };
  }

  private async runChecks(ctx: PressContext<{ sessionId: string }>): Promise<PressResult> {
    const checks = this.deps.checks;
    if (checks === undefined) return invalid(ctx.language);
    const { press } = ctx;
    const answer = await checks.run({ actor: slackActor(press.teamId, press.userId, press.userName), language: ctx.language, place: { channel: 'slack', conversationId: ctx.conversationId } }, ctx.payload.sessionId);
    // The verdicts live on the session, so the troubleshooting message carries them from now on (Next, Previous, a restart).
    if (answer.kind === 'checked') return { kind: 'update', message: renderSessionMessage(this.deps, answer.session), ...sessionMessage(answer.session) };
    const message = renderNoticeMessage(answer.view, ctx.language);
    // Only an expired session rewrites its own message; "which VM?" and refusals are the presser's own business.
    return answer.show === 'replace' && answer.session !== undefined ? expiredNotice(answer.session, press, this.deps.troubleshoot.ttlHours) : { kind: 'ephemeral', message };
  }
}

/** An ended session is everyone's news on the session's own message; pressed anywhere else, only the presser hears it. */
function expiredNotice(session: TroubleshootSession, press: SlackPress, ttlHours: number): PressResult {
  const lang = session.language;
  const message = renderNoticeMessage(buildExpiredView(lang, ttlHours), lang);
  return press.messageTs !== undefined && press.messageTs === session.activityId ? { kind: 'update', message } : { kind: 'ephemeral', message };
}

/** The message a session's presses rewrite: its own, once known. */
function sessionMessage(session: TroubleshootSession): { readonly ts?: string } {
  return session.activityId !== undefined ? { ts: session.activityId } : {};
}

/** Slack's direct-message channel ids start with D. */
function isDirectMessage(channelId: string): boolean {
  return channelId.startsWith('D');
}

function invalid(language: Language): PressResult {
  return { kind: 'ephemeral', message: renderNoticeMessage(buildInvalidActionView(language), language) };
}

/** Why a button value could not be read at all (what the audit records; never the value itself). */
function malformedValue(value: string | undefined): string {
  if (value === undefined) return 'button value missing';
  if (value.length > maxValueChars) return `button value of ${value.length} characters, over Slack's ${maxValueChars}`;
  return 'button value is not a JSON object';
}

/** Slack's limit on a button's value: nothing longer came from a message of ours. */
const maxValueChars = 2000;

function parseValue(value: string | undefined): Record<string, unknown> | undefined {
  if (value === undefined || value.length > maxValueChars) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
