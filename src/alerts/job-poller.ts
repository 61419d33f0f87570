import type { AzurePort, BackupJob, VaultRef } from '../core/azure-port';
import type { BackupAlert } from '../core/incidents/backup-alert';
import { normaliseJobId } from '../core/incidents/backup-alert';
import type { CodeIdentifier } from '../core/incidents/identify-alert-code';
import { jobErrorMessage, singleJobCode } from '../core/identify/job-code';
import type { SharedWatermarkStore } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import type { Logger } from '../logger';
import type { AlertMetrics } from '../server/health/metrics';
import type { AlertIntake } from './alert-intake';

export interface JobPollerDeps {
  readonly azure: AzurePort;
  readonly intake: AlertIntake;
  readonly watermarks: SharedWatermarkStore;
  readonly identifier: CodeIdentifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The vaults to watch; empty means every vault the identity can see (listVaults). */
  readonly vaults: readonly VaultRef[];
  readonly intervalMs: number;
  /** How far back the first poll of a vault looks for failures. */
  readonly initialLookbackMs: number;
  /**
   * The longest a backup job runs. Azure filters jobs by START time, so a job that was still running
   * at the last poll and failed since started before the watermark: every poll reads back this much
   * before the watermark, and the inbox's job-id dedupe keeps each failed job one entry. Default 24 h.
   */
  readonly maxJobDurationMs?: number;
  /** alertsReceived counts the failed jobs that were new (re-listed ones are not received again). */
  readonly metrics?: AlertMetrics;
}

/** What the last poll could not read (a vault, or every vault of a subscription), and why (Azure's own words: a missing role names it). */
export interface UnpolledVault {
  /** "vault rsv-prod-weu", "subscription <id>". */
  readonly what: string;
  readonly reason: string;
}

export interface PollStatus {
  readonly lastPollAt?: Date;
  readonly lastError?: string;
  readonly azureReachable?: boolean;
  /** Vaults the last poll could not read while it read others: their failed jobs wait for a poll that can. */
  readonly unpolledVaults?: readonly UnpolledVault[];
}

export function jobToAlert(job: BackupJob, identifier: CodeIdentifier, now: Date): BackupAlert {
  const code = singleJobCode(job, identifier);
  const message = jobErrorMessage(job);
  return {
    source: 'job-poller',
    condition: 'fired',
    vault: { name: job.vault.name, subscriptionId: job.vault.subscriptionId, resourceGroup: job.vault.resourceGroup },
    vm: { name: job.vmName, ...(job.vmResourceGroup ? { resourceGroup: job.vmResourceGroup } : {}), subscriptionId: job.vault.subscriptionId },
    jobId: normaliseJobId(job.id),
    ...(code ? { errorCode: code } : {}),
    ...(message ? { message } : {}),
    codeHints: [],
    occurredAt: job.endTime ?? job.startTime ?? now,
  };
}

/**
 * Every interval, per watched vault: failed backup jobs since the persisted watermark become
 * alerts through the same intake as the webhook (so a job seen by both is one inbox entry).
 */
export class JobPoller {
  private timer: NodeJS.Timeout | undefined;
  private status: PollStatus = {};
  private running: Promise<number> | undefined;

  constructor(private readonly deps: JobPollerDeps) {}

  start(): void {
    if (this.timer) return;
    void this.pollOnce();
    this.timer = setInterval(() => void this.pollOnce(), this.deps.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Resolves when a poll under way has finished (before the store closes). */
  async settled(): Promise<void> {
    await this.running;
  }

  lastStatus(): PollStatus {
    return this.status;
  }

  /** One poll of every vault; returns how many failed jobs were new. Overlapping calls share one run. */
  pollOnce(): Promise<number> {
    this.running ??= this.poll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async poll(): Promise<number> {
    const { azure, logger } = this.deps;
    let vaults: readonly VaultRef[];
    // One vault the identity may not read (another team's, no Backup Reader) or that keeps failing must not hide the others' failed jobs.
    const unpolled: UnpolledVault[] = [];
    try {
      vaults =
        this.deps.vaults.length > 0
          ? this.deps.vaults
          : await azure.listVaults({ onUnreadableSubscription: (subscriptionId, error) => unpolled.push({ what: `subscription ${subscriptionId}`, reason: (error as Error).message }) });
    } catch (error) {
      logger.warn({ err: error }, 'job poll failed: the vaults could not be listed');
      this.status = { ...this.status, lastError: (error as Error).message, azureReachable: false };
      return 0;
    }
    let fresh = 0;
    let vaultsFailed = 0;
    for (const vault of vaults) {
      try {
        fresh += await this.pollVault(vault);
      } catch (error) {
        logger.warn({ err: error, vault: vault.name }, 'job poll of a vault failed');
        unpolled.push({ what: `vault ${vault.name}`, reason: (error as Error).message });
        vaultsFailed += 1;
      }
    }
    const polledNone = vaults.length > 0 && vaultsFailed === vaults.length;
    this.status = polledNone
      ? { ...this.status, lastError: unpolled.map((u) => u.reason).join('; '), azureReachable: false, unpolledVaults: unpolled }
      : { lastPollAt: this.deps.clock.now(), azureReachable: true, ...(unpolled.length > 0 ? { unpolledVaults: unpolled } : {}) };
    return fresh;
  }

  /** The failed jobs of one vault since its watermark, accepted; returns how many were new. */
  private async pollVault(vault: VaultRef): Promise<number> {
    const { azure, intake, watermarks, identifier, clock } = this.deps;
    const key = `${vault.subscriptionId}/${vault.resourceGroup}/${vault.name}`.toLowerCase();
    const to = clock.now();
    const mark = await watermarks.get(key);
    const maxJobMs = this.deps.maxJobDurationMs ?? 24 * 3_600_000;
    // Failures since the watermark (the first time: within the lookback) of jobs that started up to maxJobMs earlier.
    const failedSince = mark ?? new Date(to.getTime() - this.deps.initialLookbackMs);
    const from = new Date(failedSince.getTime() - maxJobMs);
    const jobs = await azure.listFailedBackupJobs(vault, { from, to });
    const failed = jobs.filter((j) => j.status === 'Failed' && (mark !== undefined || (j.endTime ?? j.startTime ?? to).getTime() >= failedSince.getTime()));
    const alerts = failed.map((j) => jobToAlert(j, identifier, to));
    let fresh = 0;
    if (alerts.length > 0) {
      const added = (await intake.acceptNow(alerts)).filter((o) => o.kind !== 'duplicate');
      for (const o of added) this.deps.metrics?.alertsReceived.inc({ outcome: o.kind });
      fresh = added.length;
    }
    // From the value read: of two pollers overlapping at a lease handover, one records the window (the inbox keeps each job once).
    await watermarks.advance(key, mark, to, clock.now());
    return fresh;
  }
}
