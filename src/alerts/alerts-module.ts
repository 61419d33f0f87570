import type restify from 'restify';
import type { AzurePort, VaultRef } from '../core/azure-port';
import { AlertLedger } from '../core/incidents/accept-alert';
import { type AlertAcceptor, transactionalAcceptor } from '../core/incidents/alert-acceptor';
import type { SharedStateStores } from '../core/incidents/ports';
import { SharedAlertLedger } from '../core/incidents/shared-alert-ledger';
import type { TransactionalSharedStores } from '../core/incidents/transactional-shared-stores';
import { type AlertTimeBounds, defaultMaxAheadMs } from '../core/incidents/alert-time';
import { codeIdentifierOf, memoizedIdentifier, type CodeIdentifier } from '../core/incidents/identify-alert-code';
import type { Clock, IdGenerator } from '../core/ports';
import { DeliveryWorker, type IncidentSender, IncidentSenders } from '../features/incidents/delivery-worker';
import { durably } from '../storage/sqlite-database';
import { SubscriptionCommands } from '../features/incidents/subscription-commands';
import type { PolicyState } from '../core/remediation/policy';
import { createAlertAuthenticator } from '../server/alerts/alert-auth';
import { registerAlertRoute } from '../server/alerts/alerts-route';
import { registerHealthRoutes, type ReadinessReport } from '../server/health/health-routes';
import { type AlertMetrics, type StateTableRequests, createAlertMetrics } from '../server/health/metrics';
import { SqliteAlertInbox } from '../storage/sqlite-alert-inbox';
import { SqliteIncidentStore } from '../storage/sqlite-incident-store';
import { SqliteOutbox } from '../storage/sqlite-outbox';
import { SqliteSubscriptionStore } from '../storage/sqlite-subscription-store';
import { sqliteImmediateUnitOfWork, sqliteSharedStores } from '../storage/sqlite-shared-stores';
import { AlertIntake } from './alert-intake';
import { AlertProcessor } from './alert-processor';
import { JobPoller } from './job-poller';
import { LogSearchReader } from './log-search-reader';
import type { BackupJobLogs } from '../core/incidents/log-search-alert';
import type { Leadership } from '../storage/blob-lease';
import type { IntervalTimer } from '../storage/session-purge';
import type { AppParts } from '../app-parts';


export interface AlertsOptions {
  readonly ids: IdGenerator;
  readonly clock?: Clock;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Azure, for job lookups and the poller; undefined: webhook only. */
  readonly azure?: AzurePort;
  readonly watchedVaults?: readonly VaultRef[];
  /** The Log Analytics workspace log search alerts are answered from; undefined: they become one incident saying so. */
  readonly logs?: BackupJobLogs;
  /** Replaces the channels' senders (benchmarks measuring the path without a chat service). */
  readonly sender?: IncidentSender;
  /** Start the delivery worker and the poller with the app (default true; tests drive them by hand). */
  readonly startWorkers?: boolean;
  /** The timer that retries alerts still waiting for their job (tests drive it by hand). */
  readonly processorTimer?: IntervalTimer;
  /**
   * Scale-out (STATE_STORE=blob): the job poller runs only while this instance leads, so several
   * instances never poll the same vaults. The delivery worker runs everywhere: it claims each
   * entry of the shared outbox before sending it.
   */
  readonly leadership?: Leadership;
  /**
   * STATE_STORE=blob: every record of the alert path on the shared store (Azure Tables), so any
   * instance takes any alert, command or delivery. Undefined: the app's SQLite file.
   */
  readonly sharedState?: Omit<SharedStateStores, 'seenEvents'>;
  /** The shared state's table requests, counted by its stores; shown on /metrics. */
  readonly stateTableRequests?: StateTableRequests;
  /** The fix policy, which names the operators who may subscribe (read on every command). */
  readonly policy?: () => PolicyState | undefined;
}

export interface AlertsModule {
  readonly intake: AlertIntake;
  readonly processor: AlertProcessor;
  readonly delivery: DeliveryWorker;
  /** Where incident messages go, per channel: the composition root registers each configured channel. */
  readonly senders: IncidentSenders;
  /** `subscribe` / `unsubscribe` / `subscriptions`, for every channel. */
  readonly subscriptionCommands: SubscriptionCommands;
  readonly poller: JobPoller | undefined;
  readonly metrics: AlertMetrics;
  /** The records the alert path works on (SQLite or Azure Tables), shared by every instance on the store. */
  readonly state: Omit<SharedStateStores, 'seenEvents'>;
  /** STATE_STORE=sqlite: the same records as the SQLite file's synchronous stores (tests and tools read them directly). */
  readonly sqlite: SqliteAlertStores | undefined;
  readonly identifier: CodeIdentifier;
  registerRoutes(server: restify.Server): void;
  readiness(): Promise<ReadinessReport>;
  start(): void;
  stop(): Promise<void>;
}

/** The alert path's tables in the app's SQLite file. */
export interface SqliteAlertStores {
  readonly incidents: SqliteIncidentStore;
  readonly inbox: SqliteAlertInbox;
  readonly outbox: SqliteOutbox;
  readonly subscriptions: SqliteSubscriptionStore;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * The alert path wired onto an App: stores on the app's SQLite file or the shared store, POST /api/alerts,
 * /readyz, /metrics, the processor, the outbox worker, the job poller, the subscription
 * commands and the "Troubleshoot <vm>" button.
 */
export function createAlertsModule(app: AppParts, options: AlertsOptions): AlertsModule {
  const settings = app.config.alerts;
  // Parsed and validated once in src/config.ts: a malformed entry stopped start-up rather than shrinking the watch list.
  const watchedVaults = options.watchedVaults ?? app.config.azure.watchedVaults;
  const clock = options.clock ?? app.clock;
  const identifier = memoizedIdentifier(codeIdentifierOf(app.identifier));
  const coalesceMs = settings.coalesceSeconds * 1000;
  const windowMs = settings.incidentWindowMinutes * 60_000;
  // An alert older than the poller's look-back is not news; one from the future is a wrong clock.
  const alertTimes: AlertTimeBounds = { maxAheadMs: defaultMaxAheadMs, maxAgeMs: settings.pollLookbackHours * 3_600_000 };
  const { state, sqlite, ledger } = options.sharedState
    ? { state: options.sharedState, sqlite: undefined, ledger: new SharedAlertLedger({ stores: options.sharedState, ids: options.ids, windowMs, coalesceMs, alertTimes }) }
    : sqliteAlertPath(app, clock, { ids: options.ids, windowMs, coalesceMs, alertTimes });
  const { inbox, outbox, subscriptions, incidents, watermarks } = state;
  const metrics = createAlertMetrics(() => outbox.depth(), options.stateTableRequests ? { stateTableRequests: options.stateTableRequests } : {});

  const senders = new IncidentSenders();
  const delivery = new DeliveryWorker({
    outbox,
    incidents,
    subscriptions,
    sender: options.sender ?? senders,
    clock,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
    logger: app.logger,
    metrics,
    coalesceMs,
    sendTimeoutMs: settings.deliveryTimeoutSeconds * 1000,
    catalogueMessage: (code, lang) => app.knowledge.codes.find((c) => c.id === code)?.messages[lang][0],
  });
  const processor = new AlertProcessor({
    inbox,
    ledger,
    identifier,
    azure: options.azure,
    clock,
    logger: app.logger,
    metrics,
    onGrouped: () => delivery.wake(),
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.random ? { random: options.random } : {}),
    ...(options.processorTimer ? { timer: options.processorTimer } : {}),
  });
  const intake = new AlertIntake({
    ledger,
    identifier,
    clock,
    canLookUpJobs: options.azure !== undefined,
    onCommitted: (outcomes) => {
      for (const o of outcomes) if (o.kind === 'grouped' && o.opened) metrics.incidentsOpened.inc();
      if (outcomes.some((o) => o.kind === 'pending')) void processor.processPending();
      delivery.wake();
    },
  });
  const poller =
    options.azure && settings.pollIntervalMinutes > 0
      ? new JobPoller({
          azure: options.azure,
          intake,
          watermarks,
          identifier,
          clock,
          logger: app.logger,
          vaults: watchedVaults,
          intervalMs: settings.pollIntervalMinutes * 60_000,
          initialLookbackMs: settings.pollLookbackHours * 3_600_000,
          maxJobDurationMs: settings.pollMaxJobHours * 3_600_000,
          metrics,
        })
      : undefined;

  const auth = createAlertAuthenticator({
    ...(settings.sharedSecret ? { sharedSecret: settings.sharedSecret } : {}),
    ...(settings.aadAudience.length > 0 && settings.aadIssuer.length > 0 ? { aad: { issuer: settings.aadIssuer, audience: settings.aadAudience, jwksUrl: settings.jwksUrl, allowedAppIds: settings.aadAllowedAppIds, requiredRole: settings.aadRequiredRole } } : {}),
  });
  if (!auth.configured) app.logger.warn('POST /api/alerts has no credentials configured (ALERTS_SHARED_SECRET or ALERTS_AAD_*): every alert will be refused');

  const subscriptionCommands = new SubscriptionCommands({
    subscriptions,
    ids: options.ids,
    clock,
    policy: options.policy ?? (() => undefined),
    // Incidents already open reach the new subscriber through the outbox, like any other card.
    subscribe: (subscription) => ledger.subscribe(subscription, clock.now()),
    onSubscribed: () => delivery.wake(),
  });

  let stopFollowing: (() => void) | undefined;

  const readiness = async (): Promise<ReadinessReport> => {
    const problems: string[] = [];
    let store: ReadinessReport['store'] = 'ok';
    let depth: number | null = null;
    let lastPollAt = poller?.lastStatus().lastPollAt;
    try {
      depth = await outbox.depth();
      // The poller runs on one instance (the lease holder); the others read when it last polled from the store.
      lastPollAt ??= await watermarks.lastPollAt();
    } catch {
      store = 'unreachable';
      problems.push(sqlite ? 'the SQLite store cannot be read' : 'the shared state store (Azure Tables) cannot be read');
    }
    const status = poller?.lastStatus();
    const azure: ReadinessReport['azure'] = !options.azure ? 'not-configured' : status?.azureReachable === undefined ? 'unknown' : status.azureReachable ? 'ok' : 'unreachable';
    if (azure === 'unreachable') problems.push(`Azure unreachable: ${status?.lastError ?? ''}`);
    else for (const unpolled of status?.unpolledVaults ?? []) problems.push(`${unpolled.what} not polled for failed jobs: ${unpolled.reason}`);
    return { ready: store === 'ok', store, outboxDepth: depth, lastPollAt: lastPollAt?.toISOString() ?? null, azure, problems };
  };

  return {
    intake,
    processor,
    delivery,
    senders,
    subscriptionCommands,
    poller,
    metrics,
    state,
    sqlite,
    identifier,
    registerRoutes(server) {
      registerAlertRoute(server, { intake, logSearch: new LogSearchReader({ intake, logs: options.logs, logger: app.logger }), auth, maxBodyBytes: settings.maxBodyBytes, bodyTimeoutMs: app.config.http.bodyTimeoutSeconds * 1000, clock, logger: app.logger, metrics, alertTimes });
      registerHealthRoutes(server, { metrics, readiness });
    },
    readiness,
    start() {
      delivery.start();
      if (options.leadership && poller) {
        stopFollowing?.();
        stopFollowing = options.leadership.onChange((leader) => (leader ? poller.start() : poller.stop()));
        if (options.leadership.isLeader()) poller.start();
      } else {
        poller?.start();
      }
      // Alerts that waited for their job when the process stopped; then retried on a timer.
      processor.start();
      void processor.processPending();
    },
    async stop() {
      stopFollowing?.();
      stopFollowing = undefined;
      poller?.stop();
      // Everything that writes to the store has finished before App.close() closes it.
      await Promise.all([poller?.settled(), processor.stop(), delivery.stop()]);
    },
  };
}

/**
 * STATE_STORE=sqlite: the ledger accepts each batch in one transaction, flushed to disk (what
 * a 202 promises), and everything else reads and writes the same tables through the shared
 * ports, each compare-and-swap in a transaction of its own.
 */
function sqliteAlertPath(app: AppParts, clock: Clock, settings: { ids: IdGenerator; windowMs: number; coalesceMs: number; alertTimes: AlertTimeBounds }): { state: TransactionalSharedStores; sqlite: SqliteAlertStores; ledger: AlertAcceptor } {
  const db = app.db;
  const sqlite: SqliteAlertStores = { incidents: new SqliteIncidentStore(db), inbox: new SqliteAlertInbox(db), outbox: new SqliteOutbox(db, clock), subscriptions: new SqliteSubscriptionStore(db) };
  const ledger = new AlertLedger({ unitOfWork: sqliteImmediateUnitOfWork(db), ...sqlite, ...settings });
  return { state: sqliteSharedStores(db, clock), sqlite, ledger: transactionalAcceptor(ledger, (write) => durably(db, write)) };
}
