import type { Actor } from '../../core/remediation/actor';
import type { FixFlow } from '../../features/fixes/fix-flow';
import type { Identifier } from '../../core/identify';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base';
import type { Language } from '../../core/knowledge/schema';
import { ask, languageOf, readablePart } from '../../core/troubleshoot/ask';
import type { Interaction } from '../../features/interaction';
import { AuditCommand, type AuditQuery } from '../../features/audit/audit-query';
import type { SubscriptionCommands } from '../../features/incidents/subscription-commands';
import type { SharedIncidentStore } from '../../core/incidents/ports';
import { renderAuditMessage } from './blocks/fix-blocks';
import type { QuestionAnswer, QuestionFlow } from '../../features/questions/question-flow';
import { renderFailedBackupsMessage, renderVaultStatusMessage, slackTime } from './blocks/question-blocks';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { buildChooseCodeView, buildCodesView, buildHelpView, buildUnknownView } from '../../core/views/conversation-views';
import { buildTroubleshootView } from '../../core/views/troubleshoot-view';
import type { Logger } from '../../logger';
import type { SlackMessage } from './blocks/block-kit';
import type { RunChecksFlow } from '../../features/checks/run-checks-flow';
import type { PostedPickers } from './posted-pickers';
import { renderChooseCodeMessage, renderCodesMessage, renderHelpMessage, renderNoticeMessage, renderTextMessage, renderUnknownMessage } from './blocks/conversation-blocks';
import { renderTroubleshootMessage } from './blocks/troubleshoot-blocks';
import type { SweepFlow } from '../../features/sweep/sweep-flow';
import { renderSweepDigestMessage, slackDigestFit } from './blocks/sweep-blocks';
import type { SlackMessenger, SlackPlace } from './slack-messenger';
import { plainTextOf, slackConversationId } from './slack-text';

export interface SlackConversationDeps {
  readonly knowledge: KnowledgeBase;
  readonly identifier: Identifier;
  readonly troubleshoot: TroubleshootService;
  readonly logger: Logger;
  /** "Run checks": needs Azure; the fix policy decides on read-only run commands per person. */
  readonly checks?: RunChecksFlow;
  /** The approved-fix flow: fix buttons on troubleshooting messages and the fix presses. */
  readonly fixes?: FixFlow;
  /** "Why did the backup of vm-x fail?", "failed backups today", "status of vault X". */
  readonly questions?: QuestionFlow;
  /** `audit [vm]`: for the people the fix policy names. */
  readonly audit?: AuditQuery;
  /** `subscribe` / `unsubscribe` / `subscriptions`: incident messages in this channel. */
  readonly subscriptions?: SubscriptionCommands;
  /** The incidents, for "Troubleshoot <vm>" on an incident message. */
  readonly incidents?: Pick<SharedIncidentStore, 'get'>;
  /** `at risk` / `health` (`zagrożone` / `kondycja`): the fleet digest and its buttons. */
  readonly sweep?: SweepFlow;
}

/**
 * The person behind a Slack event or press, as the policy names people: `slack:<team>/<user>`.
 * Slack signed the request, so the ids are Slack's word; the name is display only.
 */
export function slackActor(teamId: string, userId: string, userName?: string): Actor {
  return { channel: 'slack', userId: `${teamId}/${userId}`, ...(userName ? { displayName: userName } : {}) };
}

/** A message addressed to the bot: a mention in a channel or a direct message. */
export interface SlackTextMessage {
  readonly teamId: string;
  readonly channelId: string;
  readonly userId: string;
  /** As Slack sent it (mrkdwn, with the mention). */
  readonly text: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly kind: 'mention' | 'direct';
}

/**
 * The troubleshooting message for a session, with "Run checks" when the session names a VM
 * and Azure is configured (the same rule as the Teams card).
 */
export function renderSessionMessage(deps: Pick<SlackConversationDeps, 'knowledge' | 'checks' | 'fixes'>, session: TroubleshootSession, actorName?: string, options: { readonly verifiedByBackup?: boolean } = {}): SlackMessage {
  const causeId = session.cursor < session.causeCount ? session.causeIds[session.cursor] : undefined;
  const extraActions = [...(deps.checks?.offers(session, causeId, session.language) ?? []), ...(deps.fixes && session.outcome === undefined ? deps.fixes.offers(session, causeId, session.language) : [])];
  return renderTroubleshootMessage(buildTroubleshootView(deps.knowledge, session, { extraActions, ...(actorName ? { actorName } : {}), ...(options.verifiedByBackup ? { verifiedByBackup: true } : {}) }));
}

/**
 * A person's message in, one answer out (Teams' behaviour): help, codes, a troubleshooting
 * message, "which one?" buttons, or the closest codes. A mention is answered in its thread;
 * a direct message at top level unless it was itself written in a thread.
 */
export async function answerMessage(message: SlackTextMessage, deps: SlackConversationDeps, messenger: SlackMessenger, pickers?: PostedPickers): Promise<void> {
  const { text, cut } = readablePart(plainTextOf(message.text));
  const threadTs = message.threadTs ?? (message.kind === 'mention' ? message.ts : undefined);
  const place: SlackPlace = { channel: message.channelId, ...(threadTs ? { threadTs } : {}) };
  const interactionOf = (language: Language): Interaction => ({ actor: slackActor(message.teamId, message.userId), language, place: { channel: 'slack', conversationId: slackConversationId(message.teamId, message.channelId) } });
  if (deps.subscriptions?.recognises(text)) {
    // A subscription is the channel's (a DM's, in a DM): incident messages are new posts there, not in this thread.
    const answer = await deps.subscriptions.answer(interactionOf(languageOf(text, undefined)), text, {
      conversationKey: slackConversationId(message.teamId, message.channelId),
      reference: { channelId: 'slack', team: message.teamId, channel: message.channelId },
    });
    if (answer) {
      await messenger.post(place, renderTextMessage(answer.text, languageOf(text, undefined)));
      answer.afterSent?.();
    }
    return;
  }
  const auditMatch = deps.audit ? AuditCommand.exec(text) : null;
  if (deps.audit && auditMatch) {
    const interaction: Interaction = { actor: slackActor(message.teamId, message.userId), language: languageOf(text, undefined), place: { channel: 'slack', conversationId: slackConversationId(message.teamId, message.channelId) } };
    // Only the asker sees it: a direct message is theirs, and in a channel it is a note only they see.
    const answer = await deps.audit.answer(interaction, auditMatch[1], 'asker');
    const reply = answer.kind === 'audit' ? renderAuditMessage(answer.view, interaction.language) : renderTextMessage(answer.text, interaction.language);
    if (message.kind === 'direct') await messenger.post(place, reply);
    else await messenger.ephemeral(place, message.userId, reply);
    return;
  }
  const sweepLanguage = deps.sweep?.recognises(text);
  if (deps.sweep && sweepLanguage) {
    const answer = await deps.sweep.runNow(sweepLanguage, slackDigestFit);
    await messenger.post(place, answer.kind === 'digest' ? renderSweepDigestMessage(answer.view, sweepLanguage) : renderNoticeMessage(answer.view, sweepLanguage));
    return;
  }
  if (deps.questions?.recognises(text)) {
    // Slack gives no locale on events: the language follows the text.
    const interaction: Interaction = { actor: slackActor(message.teamId, message.userId), language: languageOf(text, undefined), place: { channel: 'slack', conversationId: slackConversationId(message.teamId, message.channelId) } };
    const answer = await deps.questions.ask(interaction, text, { formatTime: slackTime }, (session) => messenger.post(place, renderSessionMessage(deps, session)));
    if (answer && answer.kind !== 'session') await messenger.post(place, renderQuestionAnswer(answer, interaction.language));
    return;
  }
  // Slack gives no locale on events: the language follows the text.
  const outcome = ask(text, undefined, deps.identifier);
  const { knowledge } = deps;
  switch (outcome.kind) {
    case 'help':
      await messenger.post(place, renderHelpMessage(buildHelpView(outcome.language), outcome.language));
      return;
    // The code list stays (it is looked up again); a code pressed on it gets a new message.
    case 'codes':
      await messenger.post(place, renderCodesMessage(buildCodesView(knowledge, outcome.language), outcome.language));
      return;
    // The two "which code?" messages: a code pressed on one of them replaces it (see PostedPickers).
    case 'choose':
      pickers?.remember(message.channelId, await messenger.post(place, renderChooseCodeMessage(buildChooseCodeView(knowledge, outcome.codeIds, outcome.language), outcome.language)));
      return;
    case 'unknown':
      pickers?.remember(message.channelId, await messenger.post(place, renderUnknownMessage(buildUnknownView(knowledge, outcome.closestCodeIds, outcome.language, { cut }), outcome.language)));
      return;
    case 'troubleshoot':
      await startSession({ codeId: outcome.codeId, language: outcome.language, teamId: message.teamId, channelId: message.channelId, userId: message.userId }, deps, (session) =>
        messenger.post(place, renderSessionMessage(deps, session)),
      );
      return;
  }
}

/** A question's answer other than a session, as Block Kit. */
export function renderQuestionAnswer(answer: Exclude<QuestionAnswer, { kind: 'session' }>, language: Language): SlackMessage {
  switch (answer.kind) {
    case 'notice':
      return renderNoticeMessage(answer.view, language);
    case 'failed-backups':
      return renderFailedBackupsMessage(answer.view, language);
    case 'vault-status':
      return renderVaultStatusMessage(answer.view, language);
  }
}

/** Starts a session and stores it holding the ts of the message that shows it. */
export async function startSession(
  input: { codeId: string; language: Language; teamId: string; channelId: string; userId: string; ts?: string; target?: TroubleshootSession['target'] },
  deps: Pick<SlackConversationDeps, 'troubleshoot'>,
  publish: (session: TroubleshootSession) => Promise<string | undefined>,
): Promise<TroubleshootSession> {
  return deps.troubleshoot.start(
    {
      codeId: input.codeId,
      language: input.language,
      conversationId: slackConversationId(input.teamId, input.channelId),
      createdBy: input.userId,
      ...(input.target ? { target: input.target } : {}),
      ...(input.ts ? { activityId: input.ts } : {}),
    },
    publish,
  );
}
