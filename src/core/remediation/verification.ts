import type { AzurePort, BackupJob, ProtectedVm } from '../azure-port';
import { asCodedError } from '../errors';
import type { Clock } from '../ports';
import type { VerificationOutcome } from './fix-request';
import type { FixTarget } from './fix-target';
import { findProtectedVm } from './preconditions';

/**
 * Proof that a fix worked: a backup that succeeds. Triggers one (or follows the one the fix
 * started), polls the job until it ends, and names the error code when it fails.
 */
export interface VerificationOptions {
  readonly azure: AzurePort;
  readonly clock: Clock;
  /** Injected so tests run the polling loop without waiting. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  /** The error code of a failed job (identification from its messages). */
  readonly identifyCode: (job: BackupJob) => string | undefined;
  readonly onProgress?: (job: BackupJob) => Promise<void>;
  /** Called as soon as the triggered backup has a job id, so a restart can follow it instead of guessing. */
  readonly onJobStarted?: (jobId: string) => Promise<void>;
}

const runningStatuses = new Set(['inprogress', 'cancelling', 'notstarted', 'queued']);
const successStatuses = new Set(['completed', 'completedwithwarnings']);

export async function verifyWithBackup(target: FixTarget, options: VerificationOptions, existingJobId?: string): Promise<VerificationOutcome> {
  const { azure } = options;
  let item: ProtectedVm | undefined;
  let jobId = existingJobId;
  try {
    item = await findProtectedVm(azure, target);
    if (!item) return { result: 'error', message: `${target.vm.name} is not protected by a vault the bot can see` };
    if (jobId === undefined) {
      jobId = (await azure.triggerBackup(item)).jobId;
      await options.onJobStarted?.(jobId);
    }
    const started = options.clock.now().getTime();
    // Bounded by polls too, so a frozen clock cannot loop forever.
    const maxPolls = Math.ceil(options.timeoutMs / Math.max(options.pollIntervalMs, 1)) + 1;
    for (let poll = 1; ; poll++) {
      const job = await azure.getBackupJob(item.vault, jobId);
      const status = job.status.toLowerCase();
      if (successStatuses.has(status)) return { jobId, result: 'fixed', message: `Backup job ${jobId}: ${job.status}` };
      if (!runningStatuses.has(status)) {
        const code = options.identifyCode(job);
        const message = job.errors[0]?.message ?? job.dynamicErrorMessage ?? `Backup job ${jobId}: ${job.status}`;
        return { jobId, result: 'failed', message, ...(code ? { code } : {}) };
      }
      await options.onProgress?.(job);
      if (poll >= maxPolls || options.clock.now().getTime() - started >= options.timeoutMs) {
        return { jobId, result: 'timed-out', message: `Backup job ${jobId} still ${job.status} after ${Math.round(options.timeoutMs / 60_000)} min` };
      }
      await options.sleep(options.pollIntervalMs);
    }
  } catch (error) {
    const coded = asCodedError(error);
    return { result: 'error', message: coded.message, ...(jobId ? { jobId } : {}), ...(typeof coded.details.azureCode === 'string' ? { code: coded.details.azureCode } : {}) };
  }
}
