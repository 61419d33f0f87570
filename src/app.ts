import { CloudAdapter, ConfigurationBotFrameworkAuthentication, type TurnContext } from 'botbuilder';
import { DeadlineBotFrameworkAuthentication } from './channels/teams/connector-deadline';
import { randomFillSync } from 'node:crypto';
import { TeamsBot } from './channels/teams/teams-bot';
import { unanswerableActivity } from './channels/teams/activity-shape';
import { type AlertsModule, type AlertsOptions, createAlertsModule } from './alerts/alerts-module';
import { preloadCardTemplates } from './channels/teams/card-renderer';
import type { AlertsConfig, Config } from './config';
import { maxWindowMs as maxLogSearchWindowMs } from './core/incidents/log-search-alert';
import { createIdentifier, type Identifier } from './core/identify';
import type { KnowledgeBase } from './core/knowledge/knowledge-base';
import { type Clock, type IdGenerator, systemClock } from './core/ports';
import type { SessionStore } from './core/troubleshoot/session-store';
import { TroubleshootService } from './core/troubleshoot/troubleshoot-service';
import { loadKnowledgeBase } from './knowledge/load-knowledge-base';
import { type Logger, createLogger } from './logger';
import type { RouteRegistrar } from './server/create-server';
import { createStateTableRequests } from './server/health/metrics';
import { type SqliteDatabase, openSqliteDatabase } from './storage/sqlite-database';
import { SqliteSessionStore } from './storage/sqlite-session-store';
import { SqliteSweepStore } from './storage/sqlite-sweep-store';
import { FleetSweep, listedInventory, vaultInventory } from './features/sweep/fleet-sweep';
import { SweepFlow } from './features/sweep/sweep-flow';
import { ReadBudget } from './features/sweep/read-budget';
import { registerSweepActions, teamsDigestSender } from './channels/teams/sweep-actions';
import { DigestSenders } from './features/sweep/digest-senders';
import { ScheduledSweep } from './features/sweep/scheduled-sweep';
import { subscribedConversations } from './features/sweep/subscribed-conversations';
import { type IntervalTimer, type SessionPurge, startSessionPurge } from './storage/session-purge';
import { SqliteAlertHistory } from './storage/sqlite-alert-history';
import { type RemediationModule, type RemediationOptions, createRemediationModule } from './remediation/remediation-module';
import { loadPolicyFile } from './remediation/policy-file';
import { registerResourceQuestions } from './channels/teams/resource-questions';
import { registerFixActions } from './channels/teams/fix-actions';
import { registerAuditCommand } from './channels/teams/audit-command';
import { registerAuditUnavailableRoute } from './server/audit-route';
import { teamsMessenger } from './channels/teams/teams-messenger';
import { adapterCardSender, teamsIncidentSender } from './channels/teams/proactive-sender';
import { registerSubscriptionCommands } from './channels/teams/subscription-commands';
import { registerIncidentActions } from './channels/teams/incident-actions';
import { ConversationRateLimiter, slackChannelLimits, teamsConversationLimits } from './core/incidents/delivery-policy';
import { createResourceQuestions } from './core/questions';
import { QuestionFlow } from './features/questions/question-flow';
import { createAzurePortFromConfig, createBackupJobLogsFromConfig, createResourceGraphInventoryFromConfig } from './azure/azure-from-config';
import type { AzurePort } from './core/azure-port';
import { registerRunChecksAction } from './channels/teams/run-checks-action';
import { decideReadOnlyRunCommand } from './core/remediation/policy';
import { RunChecksFlow } from './features/checks/run-checks-flow';
import { type BlobState, type BlobStateOptions, createBlobState } from './storage/blob-state';
import { type SlackChannel, createSlackChannel } from './channels/slack/slack-channel';
import { createAzureStateStores, createAzureSweepStore, tableStateSettings } from './storage/azure-state-stores';
import type { AppParts } from './app-parts';

/**
 * Composition root: everything the bot is made of, built from a Config. Tests build it
 * in-process (port 0, temp SQLite file); main.ts and the demo build it from the environment.
 * Later features add themselves here (a route registrar, a card action, a command).
 */
export interface App {
  readonly config: Config;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly knowledge: KnowledgeBase;
  readonly identifier: Identifier;
  readonly db: SqliteDatabase;
  readonly sessions: SessionStore;
  readonly troubleshoot: TroubleshootService;
  readonly adapter: CloudAdapter;
  readonly bot: TeamsBot;
  /** What makes an activity unanswerable before the bot runs (the Teams channel's rule); /api/messages answers it with a 400 naming the field. */
  readonly activityProblem: (body: unknown) => { readonly field: string; readonly reason: string } | undefined;
  /** Extra HTTP routes (alerts, metrics...), added to the server by createServer. */
  readonly routes: RouteRegistrar[];
  /** POST /api/alerts, /readyz, /metrics, incident delivery, the job poller. */
  readonly alerts: AlertsModule;
  /** Approved fixes, the audit command and GET /api/audit; present when Azure is configured. */
  readonly remediation: RemediationModule | undefined;
  /** STATE_STORE=blob: sessions, fix requests and audit in Blob Storage, and the job poller's leader lease. */
  readonly blobState: BlobState | undefined;
  /** Slack (@slack/bolt on POST /api/slack/events); present when SLACK_SIGNING_SECRET and SLACK_BOT_TOKEN are set. */
  readonly slack: SlackChannel | undefined;
  /** Purges sessions expired more than SESSION_RETENTION_DAYS ago (SQLite sessions only); stopped by close(). */
  readonly sessionPurge: SessionPurge | undefined;
  /** Retention of alerts, past incidents and delivered messages (INCIDENT_RETENTION_DAYS). */
  readonly alertHistoryPurge: SessionPurge | undefined;
  /** Old fleet sweeps, kept as long as incidents. */
  readonly sweepPurge: SessionPurge;
  /** SWEEP_SCHEDULE: the scheduled fleet sweep and its digest (tests drive `tick()` by hand). */
  readonly scheduledSweep: ScheduledSweep | undefined;
  close(): Promise<void>;
}

export interface AppOverrides {
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly knowledge?: KnowledgeBase;
  readonly ids?: IdGenerator;
  /** Alert path options (Azure for job lookups and the poller, injected timers, a card sender). */
  readonly alerts?: Partial<AlertsOptions>;
  /** Fix options (policy, sleep, card updates); Azure defaults to the alerts' Azure. */
  readonly remediation?: Partial<RemediationOptions>;
  /** Azure for checks, questions, alerts and fixes; default: built from config (undefined in local mode without AZURE_ENDPOINT). */
  readonly azure?: AzurePort;
  /** STATE_STORE=blob: credential and lease timing (tests shorten the lease). */
  readonly blobState?: BlobStateOptions;
  /** The session purge's timer (tests drive it by hand). */
  readonly sessionPurgeTimer?: IntervalTimer;
}

/** How long shutdown waits for Slack presses already acknowledged (a Run checks reads Azure for a few seconds). */
const slackSettleMs = 10_000;

/**
 * 128-bit random ids in base64url. The entropy is drawn 4 KB at a time (one system call per 256
 * ids, as crypto.randomUUID does): an alert storm asks for several ids per alert.
 */
export const randomIds: IdGenerator = {
  next: () => {
    if (idOffset + idBytes > idEntropy.length) {
      randomFillSync(idEntropy);
      idOffset = 0;
    }
    const id = idEntropy.toString('base64url', idOffset, idOffset + idBytes);
    idOffset += idBytes;
    return id;
  },
};
const idBytes = 16;
const idEntropy = Buffer.alloc(4096);
let idOffset = idEntropy.length;

/**
 * A random id (as above) after the time it was made, in base-36 milliseconds, so that ids sort by
 * age. The alert path keys its rows by them: a storm's inserts then land on the last page of each
 * primary-key index, not on a random page per alert, and each commit writes fewer pages.
 */
export const timeOrderedIds: IdGenerator = {
  next: () => Date.now().toString(36).padStart(9, '0') + randomIds.next(),
};

export function createApp(config: Config, overrides: AppOverrides = {}): App {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const knowledge = overrides.knowledge ?? loadKnowledgeBase(config.knowledgeDir);
  preloadCardTemplates();
  const identifier = createIdentifier(knowledge);

  const db = openSqliteDatabase(config.stateFile);
  // STATE_STORE=blob: every deciding record is shared by every instance: sessions, fix requests, audit and the lease in blobs...
  const blobState = config.state.store === 'blob' ? createBlobState(config, { logger, ...overrides.blobState }) : undefined;
  // ...and the alert path's records and Slack's seen events on Azure Tables of the same account.
  const stateTableRequests = config.state.store === 'blob' ? createStateTableRequests() : undefined;
  const sharedState = stateTableRequests
    ? createAzureStateStores(tableStateSettings(config), {
        clock,
        observe: (table, operation, outcome) => stateTableRequests.inc({ table, operation, outcome }),
        ...(overrides.blobState?.credential ? { credential: overrides.blobState.credential } : {}),
      })
    : undefined;
  const sessions = blobState?.sessions ?? new SqliteSessionStore(db);
  // Expired sessions would pile up in the state file forever; blob sessions are left to the storage account's lifecycle rules.
  const sessionPurge =
    sessions instanceof SqliteSessionStore
      ? startSessionPurge({
          sessions,
          clock,
          retentionMs: config.sessionRetentionDays * 86_400_000,
          intervalMs: config.sessionPurgeIntervalMinutes * 60_000,
          logger,
          ...(overrides.sessionPurgeTimer ? { timer: overrides.sessionPurgeTimer } : {}),
        })
      : undefined;
  // In SQLite, ids that sort by age put each new session on the last page of the key index (a batch of turns then
  // writes that page once); blob names stay random, as Azure Storage spreads them best.
  const sessionIds = sessions instanceof SqliteSessionStore ? timeOrderedIds : randomIds;
  const troubleshoot = new TroubleshootService({ store: sessions, knowledge, clock, ids: overrides.ids ?? sessionIds, ttlMs: config.sessionTtlHours * 3_600_000 });

  const adapter = new CloudAdapter(new DeadlineBotFrameworkAuthentication(new ConfigurationBotFrameworkAuthentication(botAuthSettings(config)), config.chatTimeoutSeconds * 1000));
  adapter.onTurnError = async (context: TurnContext, error: Error) => {
    logger.error({ err: error, activityType: context.activity.type, conversationId: context.activity.conversation?.id }, 'turn failed');
    if (context.activity.type === 'message') {
      await context.sendActivity('Something went wrong on my side; nothing was changed. / Coś poszło nie tak po mojej stronie; niczego nie zmieniono.').catch(() => undefined);
    }
  };

  const bot = new TeamsBot({ knowledge, identifier, troubleshoot, logger, identityGate: config.identityGate });
  // The fleet sweep paces itself by the reads ARM says are left, which every answer reports.
  const readBudget = new ReadBudget({ clock, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref()) });
  const azure = overrides.azure ?? overrides.remediation?.azure ?? overrides.alerts?.azure ?? createAzurePortFromConfig(config, { onResponse: (response) => readBudget.observe(response) });
  const parts: AppParts = { config, db, clock, logger, identifier, knowledge, troubleshoot };
  const logs = createBackupJobLogsFromConfig(config);
  const alerts = createAlertsModule(
    parts,
    // The fix policy names the operators who may subscribe; read at each command, so the remediation module built below is seen.
    // Time-ordered ids for SQLite's B-trees; Azure Tables spreads random keys best (sequential keys are its append-only anti-pattern).
    { ids: overrides.ids ?? (sharedState ? randomIds : timeOrderedIds), ...(azure ? { azure } : {}), ...(logs ? { logs } : {}), ...(blobState ? { leadership: blobState.pollerLease } : {}), ...(sharedState && stateTableRequests ? { sharedState, stateTableRequests } : {}), policy: () => remediation?.service.policyState(), ...overrides.alerts },
  );
  // The alert path's history (alerts, past incidents, delivered messages) is purged with the sessions; undelivered messages stay.
  // On Azure Tables every instance may purge: a delete that finds the record changed or gone does nothing.
  const alertHistory = sharedState?.history ?? (alerts.sqlite ? new SqliteAlertHistory(db) : undefined);
  const alertHistoryPurge = alertHistory && startSessionPurge({
    sessions: alertHistory,
    clock,
    retentionMs: alertHistoryRetentionMs(config.alerts),
    intervalMs: config.sessionPurgeIntervalMinutes * 60_000,
    logger,
    what: 'alert history',
    ...(overrides.sessionPurgeTimer ? { timer: overrides.sessionPurgeTimer } : {}),
  });
  registerSubscriptionCommands(bot, alerts.subscriptionCommands, config.bot.MicrosoftAppId ?? '');
  registerIncidentActions(bot, { incidents: alerts.state.incidents, troubleshoot });
  // Incident cards on Teams: proactive sends within Teams' per-conversation limits.
  alerts.senders.register('msteams', teamsIncidentSender(adapterCardSender(adapter, config.bot.MicrosoftAppId ?? '')), new ConversationRateLimiter(teamsConversationLimits));
  const fixAzure = overrides.remediation?.azure ?? azure;
  const remediation = fixAzure
    ? createRemediationModule(parts, { ids: overrides.ids ?? randomIds, ...(blobState ? { stores: { fixRequests: blobState.fixRequests, audit: blobState.audit, auditEntries: (since?: Date) => blobState.audit.entries(since) }, leadership: blobState.pollerLease } : {}), ...overrides.remediation, azure: fixAzure })
    : undefined;
  // Without Azure there are no fixes to run, but a FIX_POLICY_FILE that names a missing or broken file is still a
  // mistake to stop on now, not one to find when Azure is connected.
  if (!remediation && !overrides.remediation?.policy) loadPolicyFile(config.remediation.policyFile);
  if (!remediation && config.remediation.auditApiKey) logger.warn('AUDIT_API_KEY is set but Azure is not configured: there are no fixes, so GET /api/audit answers 404 until AZURE_SUBSCRIPTION_IDS is set');
  // "Why did the backup of vm-sql01 fail?", "failed backups today", "status of vault X": need Azure.
  // Without Azure they are still recognised, and answered with what is missing.
  const questions = fixAzure ? createResourceQuestions({ azure: fixAzure, identifier, clock, watchedVaults: config.azure.watchedVaults }) : undefined;
  const questionFlow = new QuestionFlow({ questions, troubleshoot, logger });
  registerResourceQuestions(bot, questionFlow);
  const checksFlow = azure
    ? new RunChecksFlow({
        knowledge,
        troubleshoot,
        azure,
        clock,
        // Reading the guest (waagent.conf) is a run command: only where the fix policy allows read-only ones, for an operator, on a VM in its scope.
        allowReadOnlyRunCommand: (presser, vm) => decideReadOnlyRunCommand(remediation?.service.policyState(), presser, vm),
        logger,
      })
    : undefined;
  if (checksFlow) registerRunChecksAction(bot, checksFlow);
  if (remediation) {
    // The fix flow's Teams side: its presses and card updates, and the audit command.
    remediation.messengers.register('msteams', teamsMessenger(adapterCardSender(adapter, config.bot.MicrosoftAppId ?? ''), bot, () => remediation.service.policyState()));
    registerFixActions(bot, remediation.flow);
    registerAuditCommand(bot, remediation.auditQuery);
  }
  // The fleet health sweep ("at risk" / "health"): its results are kept like incidents, so a restart keeps the last digest.
  const sweepStore = sharedState ? createAzureSweepStore(tableStateSettings(config), overrides.blobState?.credential ? { credential: overrides.blobState.credential } : {}) : new SqliteSweepStore(db);
  // At fleet scale the inventory is one paged Resource Graph query across subscriptions; with an injected Azure (tests), the vault lists.
  const graph = fixAzure && !overrides.azure && !overrides.remediation?.azure && !overrides.alerts?.azure ? createResourceGraphInventoryFromConfig(config) : undefined;
  const fleetInventory = graph ? listedInventory(() => graph.listProtectedVms(config.azure.subscriptionIds), config.azure.watchedVaults, () => graph.listFleetState(config.azure.subscriptionIds), fixAzure ? (vault) => fixAzure.listProtectedVms(vault) : undefined) : fixAzure ? vaultInventory(fixAzure, config.azure.watchedVaults) : undefined;
  const fleetSweep = fixAzure && fleetInventory ? new FleetSweep({ azure: fixAzure, inventory: fleetInventory, store: sweepStore, clock, ids: overrides.ids ?? randomIds, logger, budget: readBudget }) : undefined;
  const sweepFlow = new SweepFlow({ sweep: fleetSweep, store: sweepStore, troubleshoot, logger, ...(remediation ? { fixes: remediation.flow } : {}) });
  // Sweeps are kept like incidents; the newest of each kind and those a digest shows stay whatever their age.
  const sweepPurge = startSessionPurge({
    sessions: { purgeExpiredBefore: (cutoff) => sweepStore.purgeFinishedBefore(cutoff) },
    clock,
    retentionMs: config.alerts.retentionDays * 86_400_000,
    intervalMs: config.sessionPurgeIntervalMinutes * 60_000,
    logger,
    what: 'fleet sweeps',
    ...(overrides.sessionPurgeTimer ? { timer: overrides.sessionPurgeTimer } : {}),
  });
  registerSweepActions(bot, sweepFlow, remediation?.flow, { cards: adapterCardSender(adapter, config.bot.MicrosoftAppId ?? ''), appId: config.bot.MicrosoftAppId ?? '', logger });
  const digestSenders = new DigestSenders();
  digestSenders.register('msteams', teamsDigestSender(adapterCardSender(adapter, config.bot.MicrosoftAppId ?? '')));
  // SWEEP_SCHEDULE: the instance that polls (the lease holder with several) sweeps and posts the digest to the subscribed conversations.
  const scheduledSweep =
    fleetSweep && config.sweepSchedule
      ? new ScheduledSweep({
          schedule: config.sweepSchedule,
          sweep: fleetSweep,
          flow: sweepFlow,
          store: sweepStore,
          senders: digestSenders,
          conversations: subscribedConversations({ ...(alerts.sqlite ? { all: () => alerts.sqlite?.subscriptions.list() ?? [] } : {}), shared: alerts.state.subscriptions }, config.azure.watchedVaults, sweepStore),
          clock,
          ids: overrides.ids ?? randomIds,
          logger,
          ...(blobState ? { leadership: blobState.pollerLease } : {}),
        })
      : undefined;
  // A fix proven by a backup shows on the scheduled digest at once: the VM is checked again and marked recovered.
  if (scheduledSweep && remediation) {
    remediation.flow.onFixed((request) => void scheduledSweep.afterFix(request.target.vm, request.target.vault).catch((error: unknown) => logger.warn({ err: error, requestId: request.id }, 'fleet digest not updated after a fix')));
  }
  // The fix policy names the operators (subscribe / unsubscribe); without remediation there is none.
  bot.usePolicy(() => remediation?.service.policyState());
  const slack =
    config.slack.enabled && config.slack.signingSecret && config.slack.botToken
      ? createSlackChannel(
          { signingSecret: config.slack.signingSecret, botToken: config.slack.botToken, callTimeoutMs: config.chatTimeoutSeconds * 1000, bodyTimeoutMs: config.http.bodyTimeoutSeconds * 1000, ...(config.slack.apiUrl ? { apiUrl: config.slack.apiUrl } : {}) },
          {
            knowledge,
            identifier,
            troubleshoot,
            logger,
            db,
            clock,
            ...(checksFlow ? { checks: checksFlow } : {}),
            ...(remediation ? { fixes: remediation.flow, audit: remediation.auditQuery } : {}),
            questions: questionFlow,
            subscriptions: alerts.subscriptionCommands,
            incidents: alerts.state.incidents,
            sweep: sweepFlow,
            // STATE_STORE=blob: event ids on Azure Tables, so a retry that reaches another instance is still answered once.
            ...(sharedState ? { seenEvents: sharedState.seenEvents } : {}),
          },
        )
      : undefined;
  // Incident messages on Slack: the same outbox, Slack's own limit of about one message a second per channel.
  if (slack) alerts.senders.register('slack', slack.incidentSender, new ConversationRateLimiter(slackChannelLimits));
  // Fix progress and verdicts on Slack messages go through Slack's own messenger.
  if (slack && remediation) remediation.messengers.register('slack', slack.featureMessenger);
  if (slack) digestSenders.register('slack', slack.digestSender);
  const app: App = {
    config,
    logger,
    clock,
    knowledge,
    identifier,
    db,
    sessions,
    troubleshoot,
    adapter,
    bot,
    activityProblem: unanswerableActivity,
    routes: [(server) => alerts.registerRoutes(server), (server: Parameters<RemediationModule['registerRoutes']>[0]) => (remediation ? remediation.registerRoutes(server) : registerAuditUnavailableRoute(server)), ...(slack ? [(server: Parameters<SlackChannel['registerRoutes']>[0]) => slack.registerRoutes(server)] : [])],
    alerts,
    remediation,
    blobState,
    slack,
    sessionPurge,
    alertHistoryPurge,
    sweepPurge,
    scheduledSweep,
    async close() {
      scheduledSweep?.stop();
      sessionPurge?.stop();
      alertHistoryPurge?.stop();
      sweepPurge.stop();
      // Released first, so another instance can take over the poller at once.
      await blobState?.pollerLease.stop();
      // Presses Slack already has its answer for may still write sessions or start a fix.
      if (slack && !(await slack.settled(slackSettleMs))) logger.warn('slack events still being handled at shutdown; their results may be lost');
      await remediation?.stop();
      await alerts.stop();
      db.close();
    },
  };
  if (overrides.alerts?.startWorkers !== false) {
    // Only an instance with a poller or fixes (their expiry and crash-recovery sweep) competes for the lease.
    if (alerts.poller || remediation || scheduledSweep) blobState?.pollerLease.start();
    alerts.start();
    scheduledSweep?.start();
  }
  return app;
}

/**
 * botbuilder's own settings. In local mode no app id is passed, which makes CloudAdapter accept
 * anonymous requests (the Agents Playground sends no token); production always has one (config
 * refuses to start without it), so the adapter validates every request's JWT.
 */
function botAuthSettings(config: Config): Record<string, string> {
  if (config.mode === 'local' && !config.bot.MicrosoftAppId) return {};
  const settings: Record<string, string> = { MicrosoftAppType: config.bot.MicrosoftAppType };
  if (config.bot.MicrosoftAppId) settings['MicrosoftAppId'] = config.bot.MicrosoftAppId;
  if (config.bot.MicrosoftAppPassword) settings['MicrosoftAppPassword'] = config.bot.MicrosoftAppPassword;
  if (config.bot.MicrosoftAppTenantId) settings['MicrosoftAppTenantId'] = config.bot.MicrosoftAppTenantId;
  return settings;
}

/**
 * How long received alerts are kept: INCIDENT_RETENTION_DAYS, but never less than any window in
 * which the same failure can be reported again, since an alert's record is what makes a repeat a
 * duplicate: the incident window, the job poller's re-read (a job stays listed for
 * POLL_MAX_JOB_HOURS after its start, read every POLL_INTERVAL_MINUTES), and a log search alert's
 * longest window (two days). An hour more covers a poll or a purge running late.
 */
export function alertHistoryRetentionMs(alerts: Pick<AlertsConfig, 'retentionDays' | 'incidentWindowMinutes' | 'pollMaxJobHours' | 'pollIntervalMinutes'>): number {
  const hour = 3_600_000;
  const pollerRereads = alerts.pollIntervalMinutes > 0 ? alerts.pollMaxJobHours * hour + alerts.pollIntervalMinutes * 60_000 : 0;
  return Math.max(alerts.retentionDays * 24 * hour, alerts.incidentWindowMinutes * 60_000 + hour, pollerRereads + hour, maxLogSearchWindowMs + hour);
}
