import type { AzurePort } from '../../core/azure-port';
import type { Identifier } from '../../core/identify';
import type { Clock } from '../../core/ports';
import type { KnowledgeBase } from '../../core/knowledge/knowledge-base';
import type { Language } from '../../core/knowledge/schema';
import { ask } from '../../core/troubleshoot/ask';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { sessionButton } from '../../core/views/card-actions';
import { buildChooseCodeView, buildCodesView, buildHelpView, buildUnknownView } from '../../core/views/conversation-views';
import { buildTroubleshootView } from '../../core/views/troubleshoot-view';
import type { Logger } from '../../logger';
import type { SlackMessage } from './blocks/block-kit';
import { RunChecksVerb, checkLabels } from './blocks/check-report-blocks';
import { renderChooseCodeMessage, renderCodesMessage, renderHelpMessage, renderUnknownMessage } from './blocks/conversation-blocks';
import { renderTroubleshootMessage } from './blocks/troubleshoot-blocks';
import type { SlackMessenger, SlackPlace } from './slack-messenger';
import { plainTextOf, slackConversationId } from './slack-text';

/** "Run checks" needs Azure and the fix policy's word on read-only run commands. */
export interface SlackChecksDeps {
  readonly azure: AzurePort;
  /** When the checks ran (recorded on the session); default the system clock. */
  readonly clock?: Clock;
  readonly allowReadOnlyRunCommand: () => boolean;
  /** Per check; default 8000. */
  readonly timeoutInMs?: number;
}

export interface SlackConversationDeps {
  readonly knowledge: KnowledgeBase;
  readonly identifier: Identifier;
  readonly troubleshoot: TroubleshootService;
  readonly logger: Logger;
  readonly checks?: SlackChecksDeps;
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
export function renderSessionMessage(deps: Pick<SlackConversationDeps, 'knowledge' | 'checks'>, session: TroubleshootSession, actorName?: string): SlackMessage {
  const causeId = session.cursor < session.causeCount ? session.causeIds[session.cursor] : undefined;
  const runChecks = deps.checks !== undefined && session.target?.vm !== undefined && causeId !== undefined && session.outcome === undefined;
  const label = session.checks === undefined ? checkLabels.runChecks : checkLabels.runAgain;
  const extraActions = runChecks ? [sessionButton(label[session.language], RunChecksVerb, session.id)] : [];
  return renderTroubleshootMessage(buildTroubleshootView(deps.knowledge, session, { extraActions, ...(actorName ? { actorName } : {}) }));
}

/**
 * A person's message in, one answer out (Teams' behaviour): help, codes, a troubleshooting
 * message, "which one?" buttons, or the closest codes. A mention is answered in its thread;
 * a direct message at top level unless it was itself written in a thread.
 */
export async function answerMessage(message: SlackTextMessage, deps: SlackConversationDeps, messenger: SlackMessenger): Promise<void> {
  const text = plainTextOf(message.text);
  const threadTs = message.threadTs ?? (message.kind === 'mention' ? message.ts : undefined);
  const place: SlackPlace = { channel: message.channelId, ...(threadTs ? { threadTs } : {}) };
  // Slack gives no locale on events: the language follows the text.
  const outcome = ask(text, undefined, deps.identifier);
  const { knowledge } = deps;
  switch (outcome.kind) {
    case 'help':
      await messenger.post(place, renderHelpMessage(buildHelpView(outcome.language), outcome.language));
      return;
    case 'codes':
      await messenger.post(place, renderCodesMessage(buildCodesView(knowledge, outcome.language), outcome.language));
      return;
    case 'choose':
      await messenger.post(place, renderChooseCodeMessage(buildChooseCodeView(knowledge, outcome.codeIds, outcome.language), outcome.language));
      return;
    case 'unknown':
      await messenger.post(place, renderUnknownMessage(buildUnknownView(knowledge, outcome.closestCodeIds, outcome.language), outcome.language));
      return;
    case 'troubleshoot':
      await startSession({ codeId: outcome.codeId, language: outcome.language, teamId: message.teamId, channelId: message.channelId, userId: message.userId }, deps, (session) =>
        messenger.post(place, renderSessionMessage(deps, session)),
      );
      return;
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
