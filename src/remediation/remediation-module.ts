import type restify from 'restify';
import type { AzurePort } from '../core/azure-port';
import type { IdGenerator } from '../core/ports';
import { type FixActions, FixFlow } from '../features/fixes/fix-flow';
import { AuditQuery } from '../features/audit/audit-query';
import { ChannelMessengers } from '../features/messenger';
import type { PolicyState } from '../core/remediation/policy';
import type { Liveness, RemediationService } from '../core/remediation/remediation-service';
import { registerAuditRoute } from '../server/audit-route';
import { SqliteAuditLog } from '../storage/sqlite-audit-log';
import type { AuditEvent } from '../core/remediation/audit';
import type { AuditLog, FixRequestStore } from '../core/remediation/ports';
import type { Leadership } from '../storage/blob-lease';
import { createRemediation } from './create-remediation';
import { FixSweeper, realTimers, type SweepTimers } from './fix-sweeper';
import { loadPolicyFile } from './policy-file';
import { within } from '../core/within';
import type { AppParts } from '../app-parts';


export interface RemediationOptions {
  readonly azure: AzurePort;
  readonly ids: IdGenerator;
  /** Default: the file named by FIX_POLICY_FILE (none: fixes shown disabled). */
  readonly policy?: PolicyState;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Scale-out (STATE_STORE=blob): fix requests and the audit outside the SQLite file. */
  readonly stores?: RemediationStores;
  /** Scale-out: only the lease holder runs the sweep (expiry, crash recovery). */
  readonly leadership?: Leadership;
  /** The sweep's and the heartbeats' timers (tests inject their own). */
  readonly timers?: SweepTimers;
  /** Heartbeat, staleness and resume grace periods (tests shorten them); timers come from `timers`. */
  readonly liveness?: Partial<Omit<Liveness, 'every'>>;
  /** This process's name on the requests it runs (default: a fresh id). */
  readonly instanceId?: string;
  /** Start the sweep with the module (default true). */
  readonly startSweeper?: boolean;
  /** How long stop() waits for aborted runs to return (default 5 s). */
  readonly stopGraceMs?: number;
}

const STOP_GRACE_MS = 5_000;

/** Where fix requests and the audit live when not in the SQLite file. */
export interface RemediationStores {
  readonly fixRequests: FixRequestStore;
  readonly audit: AuditLog;
  /** Every audit entry oldest first, for GET /api/audit. */
  readonly auditEntries: (since?: Date) => Iterable<AuditEvent> | AsyncIterable<AuditEvent>;
}

export interface RemediationModule {
  readonly service: RemediationService;
  readonly audit: AuditLog;
  readonly actions: FixActions;
  /** The channel-neutral flow (Slack presses go to it too). */
  readonly flow: FixFlow;
  /** `audit [vm]` for every channel. */
  readonly auditQuery: AuditQuery;
  /** Where the flow's card updates go, per channel: the composition root registers each configured channel. */
  readonly messengers: ChannelMessengers;
  /** Expiry and crash recovery on a timer (FIX_SWEEP_SECONDS); `sweeper.sweep()` runs one now. */
  readonly sweeper: FixSweeper;
  registerRoutes(server: restify.Server): void;
  stop(): Promise<void>;
}

/** Fix buttons, approvals, the audit command and GET /api/audit, wired onto the bot. */
export function createRemediationModule(app: AppParts, options: RemediationOptions): RemediationModule {
  const policy = options.policy ?? loadPolicyFile(app.config.remediation.policyFile);
  if (policy.kind === 'missing') app.logger.info('no fix policy (FIX_POLICY_FILE): fixes are shown disabled');
  const timers = options.timers ?? realTimers;
  const every = (ms: number, fn: () => void): (() => void) => {
    const handle = timers.setInterval(fn, ms);
    return () => timers.clearInterval(handle);
  };
  const { service, audit } = createRemediation({
    db: app.db,
    azure: options.azure,
    fixes: app.knowledge.fixes,
    policy,
    identifier: app.identifier,
    clock: app.clock,
    ids: options.ids,
    ...(options.sleep ? { sleep: options.sleep } : {}),
    ...(options.stores ? { store: options.stores.fixRequests, audit: options.stores.audit } : {}),
    verification: { pollIntervalMs: app.config.remediation.verifyPollSeconds * 1000, timeoutMs: app.config.remediation.verifyTimeoutMinutes * 60_000 },
    liveness: { ...livenessFrom(app.config.remediation.heartbeatSeconds), ...options.liveness, every },
    chatDeadlineMs: app.config.chatTimeoutSeconds * 1000,
    ...(options.instanceId ? { instanceId: options.instanceId } : {}),
  });
  const messengers = new ChannelMessengers();
  const flow = new FixFlow({ remediation: service, troubleshoot: app.troubleshoot, knowledge: app.knowledge, azure: options.azure, logger: app.logger, messenger: messengers });
  const actions: FixActions = flow;
  const auditQuery = new AuditQuery({ audit, policy: () => service.policyState() });
  const sweeper = new FixSweeper({ service, actions, intervalMs: app.config.remediation.sweepSeconds * 1000, timers, logger: app.logger, ...(options.leadership ? { leadership: options.leadership } : {}) });
  if (options.startSweeper !== false) sweeper.start();
  return {
    service,
    audit,
    actions,
    flow,
    auditQuery,
    messengers,
    sweeper,
    registerRoutes(server) {
      registerAuditRoute(server, { apiKey: app.config.remediation.auditApiKey, entries: (since) => (options.stores ? options.stores.auditEntries(since) : sqliteEntries(audit, since)) });
    },
    async stop() {
      await sweeper.stop();
      // Azure calls in flight are aborted and verification polls end: the runs return at once, a
      // verification left `verifying` with its job id for the next start's sweep to follow again.
      service.stop();
      if (!(await within(actions.idle(), options.stopGraceMs ?? STOP_GRACE_MS))) app.logger.warn('fix runs still busy at shutdown; the next start recovers them');
    },
  };
}

/** A run is dead after 4.5 silent heartbeats; an approved request waits 1.5 heartbeats before the sweep starts it. */
function livenessFrom(heartbeatSeconds: number): Omit<Liveness, 'every'> {
  const heartbeatMs = heartbeatSeconds * 1000;
  return { heartbeatMs, staleAfterMs: heartbeatMs * 4.5, resumeGraceMs: heartbeatMs * 1.5 };
}

function sqliteEntries(audit: AuditLog, since?: Date): AsyncIterable<AuditEvent> | Iterable<AuditEvent> {
  // Without `stores` createRemediation always builds the SQLite log.
  return audit instanceof SqliteAuditLog ? audit.iterate(since) : [];
}
