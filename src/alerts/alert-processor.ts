import type { AlertAcceptor } from '../core/incidents/alert-acceptor';
import type { AzurePort, BackupJob, VaultRef } from '../core/azure-port';
import { isCodedError } from '../core/errors';
import type { CodeIdentifier } from '../core/incidents/identify-alert-code';
import { jobErrorMessage, singleJobCode } from '../core/identify/job-code';
import { retryDelayMs } from '../core/incidents/delivery-policy';
import type { InboxEntry, SharedAlertInbox } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import type { Logger } from '../logger';
import type { AlertMetrics } from '../server/health/metrics';
import { type IntervalTimer, systemIntervalTimer } from '../storage/session-purge';

export interface AlertProcessorDeps {
  readonly inbox: Pick<SharedAlertInbox, 'listByStatus'>;
  readonly ledger: AlertAcceptor;
  readonly identifier: CodeIdentifier;
  readonly azure: AzurePort | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics?: AlertMetrics;
  /** Called after alerts were grouped (wakes the delivery worker). */
  readonly onGrouped?: () => void;
  /** Waits between job lookups Azure throttled or could not answer. */
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Retries of a throttled / unavailable job lookup before the alert is grouped as unidentified. Default 3. */
  readonly lookupRetries?: number;
  /** First retry delay; doubles each time (with jitter). Default 2 s. */
  readonly lookupRetryBaseMs?: number;
  /** How often waiting alerts are processed again when no new alert arrives (default 60 s); 0: never. */
  readonly retryIntervalMs?: number;
  readonly timer?: IntervalTimer;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Azure said "not now" rather than "no": worth asking again. */
function transient(error: unknown): boolean {
  return isCodedError(error, 'azure_throttled') || isCodedError(error, 'azure_unavailable');
}

/**
 * After the 202: alerts whose code neither the message nor the hints told wait in the inbox
 * for their job. The processor fetches the job through AzurePort, identifies the code from its
 * error strings and groups the alert. A throttled or unavailable lookup is retried a few times
 * with backoff; only when Azure cannot tell is the alert grouped as unidentified rather than held
 * forever. A run that fails (the store) is logged, and the waiting alerts are tried again on a timer.
 */
export class AlertProcessor {
  private busy: Promise<number> | undefined;
  private handle: unknown;
  private stopped = false;
  private stopWaiting: (() => void) | undefined;

  constructor(private readonly deps: AlertProcessorDeps) {}

  /** Retries waiting alerts every retryIntervalMs, so a failed run does not wait for the next alert. */
  start(): void {
    this.stopped = false;
    const interval = this.deps.retryIntervalMs ?? 60_000;
    if (this.handle !== undefined || interval <= 0) return;
    this.handle = (this.deps.timer ?? systemIntervalTimer).setInterval(() => void this.processPending(), interval);
  }

  /** Stops the timer and waits for a run under way (its backoff waits are cut short), so the store can close after. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.handle !== undefined) (this.deps.timer ?? systemIntervalTimer).clearInterval(this.handle);
    this.handle = undefined;
    this.stopWaiting?.();
    await this.busy;
  }

  /** Processes everything waiting; concurrent calls share one run. Never rejects: failures are logged; resolves with how many were grouped. */
  processPending(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.busy ??= this.run().finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async run(): Promise<number> {
    const { inbox, ledger, clock, logger, metrics } = this.deps;
    let processed = 0;
    // Entries that failed in this run (e.g. a row the store cannot write) are left for the next run, not retried in a loop.
    const skipped = new Set<string>();
    try {
      for (;;) {
        if (this.stopped) break;
        const pending = (await inbox.listByStatus('needs-job', 50 + skipped.size)).filter((e) => !skipped.has(e.id));
        if (pending.length === 0) break;
        for (const entry of pending) {
          if (this.stopped) break;
          try {
            const found = await this.lookUp(entry);
            if (found === 'stopped') break;
            const outcome = await ledger.groupPending(entry, found.message ? { ...entry.alert, message: found.message } : entry.alert, found.code, clock.now());
            if (outcome.kind === 'grouped' && outcome.opened) metrics?.incidentsOpened.inc();
            processed += 1;
          } catch (error) {
            skipped.add(entry.id);
            logger.error({ err: error, alertId: entry.id }, 'grouping a waiting alert failed; it will be tried again');
          }
        }
        this.deps.onGrouped?.();
      }
    } catch (error) {
      logger.error({ err: error }, 'processing waiting alerts failed; they will be tried again');
    }
    return processed;
  }

  /** The job's code and message; a throttled or unavailable Azure is asked again before giving up. */
  private async lookUp(entry: InboxEntry): Promise<{ code: string | null; message: string | undefined } | 'stopped'> {
    const { azure, identifier, logger } = this.deps;
    const alert = entry.alert;
    const vault = alert.vault;
    const message = alert.message;
    if (!azure || !alert.jobId || !vault.subscriptionId || !vault.resourceGroup) return { code: null, message };
    const ref: VaultRef = { subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup, name: vault.name };
    const retries = this.deps.lookupRetries ?? 3;
    for (let attempt = 0; ; attempt++) {
      let job: BackupJob;
      try {
        job = await azure.getBackupJob(ref, alert.jobId);
      } catch (error) {
        if (transient(error) && attempt < retries) {
          const delay = retryDelayMs(attempt + 1, undefined, this.deps.random ?? Math.random, { baseDelayMs: this.deps.lookupRetryBaseMs ?? 2_000, maxDelayMs: 60_000, maxAttempts: retries + 1 });
          logger.warn({ err: error, jobId: alert.jobId, attempt: attempt + 1, retryInMs: delay }, 'job lookup throttled or unavailable; asking again');
          if (!(await this.pause(delay))) return 'stopped';
          continue;
        }
        logger.warn({ err: error, jobId: alert.jobId }, 'job lookup failed; grouping the alert as unidentified');
        // The card says why the code is unknown (a missing role is named there), not only that it is.
        const unread = `The bot could not read backup job ${alert.jobId}: ${(error as Error).message}`;
        return { code: null, message: message ? `${message} (${unread})` : unread };
      }
      return { code: singleJobCode(job, identifier) ?? null, message: message ?? jobErrorMessage(job) };
    }
  }

  /** Waits `ms`; false when stop() cut the wait short (the alert stays waiting for the next start). */
  private async pause(ms: number): Promise<boolean> {
    if (this.stopped) return false;
    await Promise.race([(this.deps.sleep ?? realSleep)(ms), new Promise<void>((resolve) => (this.stopWaiting = resolve))]);
    this.stopWaiting = undefined;
    return !this.stopped;
  }
}
