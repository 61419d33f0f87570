import { App as BoltApp, type BlockAction, HTTPReceiver, type types as SlackTypes, webApi } from '@slack/bolt';
import type restify from 'restify';
import type { Clock } from '../../core/ports';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { SqliteDatabase } from '../../storage/sqlite-database';
import type { SlackMessage } from './blocks/block-kit';
import { boltLogger, safeError } from './bolt-logger';
import type { Messenger } from '../../features/messenger';
import { slackFeatureMessenger } from './slack-feature-messenger';
import type { IncidentSender } from '../../features/incidents/delivery-worker';
import { slackIncidentSender } from './slack-incident-sender';
import type { DigestSender } from '../../features/sweep/digest-senders';
import { slackDigestSender } from './slack-digest-sender';
import { PostedPickers } from './posted-pickers';
import { SlackActions } from './slack-actions';
import { type SlackConversationDeps, answerMessage, renderSessionMessage } from './slack-conversation';
import { type SlackMessenger, webApiMessenger } from './slack-messenger';
import { mountSlackRoute, slackEventsPath } from './slack-route';
import { type SeenSlackEvents, SqliteSeenEvents } from './sqlite-seen-events';
import { ListenerWork } from './listener-work';

export interface SlackSettings {
  readonly signingSecret: string;
  readonly botToken: string;
  /** Web API base URL (tests: a loopback fake); default https://slack.com/api/. */
  readonly apiUrl?: string;
  /** Deadline of one Web API call (default 15 s): a Slack that never answers delays a message, never a turn. */
  readonly callTimeoutMs?: number;
  /** How long a request to /api/slack/events may take to send its body (default 10 s, then 408). */
  readonly bodyTimeoutMs?: number;
}

export interface SlackChannelDeps extends SlackConversationDeps {
  readonly db: SqliteDatabase;
  readonly clock: Clock;
  /** Default: the slack_seen_events table in the SQLite file (one instance, or instances sharing the file). */
  readonly seenEvents?: SeenSlackEvents;
}

const noSlashCommands = 'Backup Doctor has no slash commands. Mention @Backup Doctor in a channel with an error code, an error message or a question such as "why did the backup of vm-sql01 fail?", or send it a direct message. / Backup Doctor nie ma poleceń z ukośnikiem: wspomnij @Backup Doctor z kodem lub komunikatem błędu albo napisz do niego wiadomość prywatną.';

/**
 * Slack beside Teams on the same server: Bolt verifies each request (HMAC over the raw body,
 * 5-minute window), turns it into an event or a press, and the handlers here make the same
 * domain calls as the Teams bot and render the same view models as Block Kit.
 *
 * Seams for later features: `messenger` posts and updates without a request in sight (the
 * future alert / incident path to Slack), and `renderSession` is the current troubleshooting
 * message of any session (a fix flow can replace it the same way).
 */
export interface SlackChannel {
  readonly bolt: BoltApp;
  /** Posts, updates and ephemeral messages with the bot token, outside any request. */
  readonly messenger: SlackMessenger;
  /** Where the features update Slack messages outside a press (a fix's progress and verdict). */
  readonly featureMessenger: Messenger;
  /** Incident messages from the outbox. */
  readonly incidentSender: IncidentSender;
  /** The scheduled fleet digest. */
  readonly digestSender: DigestSender;
  registerRoutes(server: restify.Server): void;
  renderSession(session: TroubleshootSession): SlackMessage;
  /**
   * Waits, at most `limitMs`, for the events and presses already acknowledged to Slack to finish
   * their work; false when some were still running. For shutdown, after the HTTP server closed.
   */
  settled(limitMs: number): Promise<boolean>;
}

export function createSlackChannel(settings: SlackSettings, deps: SlackChannelDeps): SlackChannel {
  const logger = boltLogger(deps.logger);
  const receiver = new HTTPReceiver({
    signingSecret: settings.signingSecret,
    endpoints: slackEventsPath,
    // Ack first, then work: Slack wants an answer within 3 s, checks and Web API calls may take longer.
    processBeforeResponse: false,
    logger,
  });
  const clientOptions: webApi.WebClientOptions = {
    ...(settings.apiUrl ? { slackApiUrl: settings.apiUrl } : {}),
    logger,
    // A few quick retries; Slack's default (10 over half an hour) would hold a button press far too long.
    retryConfig: { retries: 3, factor: 2, minTimeout: 200, maxTimeout: 2000 },
    timeout: settings.callTimeoutMs ?? 15_000,
  };

  // auth.test tells Bolt who the bot is (so it ignores its own messages). It runs once, in the
  // background: an event is never held waiting for it, and a Slack outage at start-up is not fatal.
  const client = new webApi.WebClient(settings.botToken, clientOptions);
  let identity: { botId?: string; botUserId?: string } = {};
  let identifying: Promise<void> | undefined;
  const identify = (): void => {
    if (identity.botUserId !== undefined || identifying !== undefined) return;
    identifying = client.auth
      .test({ token: settings.botToken })
      .then((r) => {
        identity = { ...(r.bot_id ? { botId: r.bot_id } : {}), ...(r.user_id ? { botUserId: r.user_id } : {}) };
      })
      .catch((error: unknown) => deps.logger.warn({ err: safeError(error) }, 'slack auth.test failed; will retry on the next event'))
      .finally(() => {
        identifying = undefined;
      });
  };

  const bolt = new BoltApp({
    receiver,
    logger,
    clientOptions,
    authorize: async () => {
      identify();
      return { botToken: settings.botToken, ...identity };
    },
  });
  const seen = deps.seenEvents ?? new SqliteSeenEvents(deps.db, deps.clock);
  const pickers = new PostedPickers();
  const actions = new SlackActions(deps, pickers);
  const messengerOf = (client: webApi.WebClient): SlackMessenger => webApiMessenger(client);

  bolt.error(async (error) => {
    deps.logger.error({ err: safeError(error) }, 'slack listener failed');
  });

  // First, so it covers every listener's whole run, which goes on after Slack has its ack.
  const listenerWork = new ListenerWork();
  bolt.use(async ({ next }) => listenerWork.track(next));

  // At-least-once delivery: a retried event (x-slack-retry-num) is acknowledged and dropped. A press
  // (its trigger id is unique to it) is claimed in the same store, so a signed press replayed within
  // its 5 minutes runs once here, after a restart, and on another instance alike.
  bolt.use(async (args) => {
    const { body, next } = args;
    const eventId = 'event_id' in body && typeof body.event_id === 'string' ? body.event_id : undefined;
    const pressId = body.type === 'block_actions' && 'trigger_id' in body && typeof body.trigger_id === 'string' ? `press:${body.trigger_id}` : undefined;
    const key = eventId ?? pressId;
    if (key !== undefined && !(await seen.firstDelivery(key))) {
      deps.logger.info({ eventId, pressId }, 'slack event or press already handled; ignoring the repeat');
      // A press is acknowledged by its listener, which does not run for a repeat: Slack still gets its answer.
      if ('ack' in args && typeof args.ack === 'function') await (args.ack as () => Promise<void>)();
      return;
    }
    await next();
  });

  bolt.event('app_mention', async ({ event, body, client }) => {
    if (event.bot_id !== undefined || event.user === undefined) return;
    await answerMessage(
      {
        teamId: body.team_id,
        channelId: event.channel,
        userId: event.user,
        text: event.text,
        ts: event.ts,
        ...(event.thread_ts ? { threadTs: event.thread_ts } : {}),
        kind: 'mention',
      },
      deps,
      messengerOf(client),
      pickers,
    );
  });

  // Direct messages only: in channels the bot answers mentions (app_mention), never every message.
  bolt.event('message', async ({ event, body, client }) => {
    if (!isPersonMessage(event) || event.channel_type !== 'im' || ('bot_id' in event && event.bot_id !== undefined)) return;
    await answerMessage(
      {
        teamId: body.team_id,
        channelId: event.channel,
        userId: event.user,
        text: event.text ?? '',
        ts: event.ts,
        ...(event.thread_ts ? { threadTs: event.thread_ts } : {}),
        kind: 'direct',
      },
      deps,
      messengerOf(client),
      pickers,
    );
  });

  bolt.action<BlockAction>(/.*/, async ({ ack, body, action, client }) => {
    await ack();
    if (action.type !== 'button' || body.channel === undefined) return;
    const teamId = body.team?.id ?? body.user.team_id ?? '';
    const messageTs = body.message?.ts ?? stringField(body.container, 'message_ts');
    const threadTs = stringField(body.message ?? {}, 'thread_ts') ?? stringField(body.container, 'thread_ts');
    await actions.handle(
      {
        teamId,
        channelId: body.channel.id,
        userId: body.user.id,
        ...(body.user.username ? { userName: body.user.username } : {}),
        ...(messageTs ? { messageTs } : {}),
        ...(threadTs ? { threadTs } : {}),
        actionId: action.action_id,
        ...(action.value !== undefined ? { value: action.value } : {}),
        ...(body.trigger_id ? { pressId: `${body.trigger_id}|${action.action_id}|${action.action_ts}` } : {}),
      },
      messengerOf(client),
    );
  });

  // The app's manifest declares no slash command, modal or shortcut; one configured by hand in the
  // app's settings still gets an answer within Slack's 3 s, not a 404 and an error in the log.
  bolt.command(/.*/, async ({ ack, command }) => {
    deps.logger.info({ command: command.command.slice(0, 40), teamId: command.team_id }, 'slack slash command answered: the bot has none');
    await ack({ response_type: 'ephemeral', text: noSlashCommands });
  });
  bolt.view(/.*/, async ({ ack }) => {
    await ack();
  });
  bolt.shortcut(/.*/, async ({ ack }) => {
    await ack();
  });

  return {
    bolt,
    messenger: webApiMessenger(client),
    featureMessenger: slackFeatureMessenger(webApiMessenger(client), deps),
    // Rate-limited calls are refused, not waited out inside the call: the outbox retries after Retry-After.
    incidentSender: slackIncidentSender(new webApi.WebClient(settings.botToken, { ...clientOptions, rejectRateLimitedCalls: true })),
    digestSender: slackDigestSender(new webApi.WebClient(settings.botToken, clientOptions)),
    registerRoutes: (server) => mountSlackRoute(server, receiver, settings.signingSecret, { ...(settings.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: settings.bodyTimeoutMs } : {}) }),
    renderSession: (session) => renderSessionMessage(deps, session),
    settled: (limitMs) => listenerWork.settled(limitMs),
  };
}

function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

type PersonMessage = SlackTypes.GenericMessageEvent | SlackTypes.FileShareMessageEvent | SlackTypes.ThreadBroadcastMessageEvent;

/**
 * A message a person wrote: plain, with a file (a screenshot of the error), or also sent to the
 * channel from a thread. Other subtypes are edits, deletions and system notices, not questions.
 */
function isPersonMessage(event: SlackTypes.MessageEvent): event is PersonMessage {
  return event.subtype === undefined || event.subtype === 'file_share' || event.subtype === 'thread_broadcast';
}
