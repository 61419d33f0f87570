import type { AzurePort, BackupJob, VaultRef } from '../core/azure-port';
import type { BackupAlert } from '../core/incidents/backup-alert';
import { normaliseJobId } from '../core/incidents/backup-alert';
import { type CodeIdentifier, identifyJobCode, jobMessage } from '../core/incidents/identify-alert-code';
import type { PollerWatermarkStore } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import type { Logger } from '../logger';
import type { AlertIntake } from './alert-intake';

export interface JobPollerDeps {
  readonly azure: AzurePort;
  readonly intake: AlertIntake;
  readonly watermarks: PollerWatermarkStore;
  readonly identifier: CodeIdentifier;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The vaults to watch; empty means every vault the identity can see (listVaults). */
  readonly vaults: readonly VaultRef[];
  readonly intervalMs: number;
  /** How far back the first poll of a vault looks. */
  readonly initialLookbackMs: number;
  /** Each poll re-reads this much before the watermark: jobs end late, and the inbox dedupes on job id. */
  readonly overlapMs?: number;
}

export interface PollStatus {
  readonly lastPollAt?: Date;
  readonly lastError?: string;
  readonly azureReachable?: boolean;
}

export function jobToAlert(job: BackupJob, identifier: CodeIdentifier, now: Date): BackupAlert {
  const code = identifyJobCode(job, identifier);
  const message = jobMessage(job);
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

  lastStatus(): PollStatus {
    return this.status;
  }

  /** One poll of every vault; returns how many failed jobs were new. Overlapping calls share one run. */
  pollOnce(): Promise<number> {
    this.running ??= this.poll().finally(() => (this.running = undefined));
    return this.running;
  }

  private async poll(): Promise<number> {
    const { azure, intake, watermarks, identifier, clock, logger } = this.deps;
    let fresh = 0;
    try {
      const vaults = this.deps.vaults.length > 0 ? this.deps.vaults : await azure.listVaults();
      for (const vault of vaults) {
        const key = `${vault.subscriptionId}/${vault.resourceGroup}/${vault.name}`.toLowerCase();
        const to = clock.now();
        const mark = watermarks.get(key);
        const from = mark ? new Date(mark.getTime() - (this.deps.overlapMs ?? 10 * 60_000)) : new Date(to.getTime() - this.deps.initialLookbackMs);
        const jobs = await azure.listFailedBackupJobs(vault, { from, to });
        const alerts = jobs.filter((j) => j.status === 'Failed').map((j) => jobToAlert(j, identifier, to));
        if (alerts.length > 0) fresh += intake.acceptNow(alerts).filter((o) => o.kind !== 'duplicate').length;
        watermarks.set(key, to);
      }
      this.status = { lastPollAt: clock.now(), azureReachable: true };
    } catch (error) {
      logger.warn({ err: error }, 'job poll failed');
      this.status = { ...this.status, lastError: (error as Error).message, azureReachable: false };
    }
    return fresh;
  }
}
