import type { AzurePort, BackupJob, ProtectedVm } from '../azure-port';
import { asCodedError, type CodedError } from '../errors';
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
  /** Injected so tests run the polling loop without waiting; must resolve early when `signal` aborts. */
  readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly pollIntervalMs: number;
  readonly timeoutMs: number;
  /** The error code of a failed job (identification from its messages). */
  readonly identifyCode: (job: BackupJob) => string | undefined;
  readonly onProgress?: (job: BackupJob) => Promise<void>;
  /** Called as soon as the triggered backup has a job id, so a restart can follow it instead of guessing. */
  readonly onJobStarted?: (jobId: string) => Promise<void>;
  /** Shutdown: stop polling at once and report `pending` (the job is followed again after the restart). */
  readonly signal?: AbortSignal;
  /** How many transient Azure errors (throttling, 5xx, network) in a row one read survives (default 3). */
  readonly transientRetries?: number;
}

const runningStatuses = new Set(['inprogress', 'cancelling', 'notstarted', 'queued']);
const successStatuses = new Set(['completed', 'completedwithwarnings']);
const DEFAULT_TRANSIENT_RETRIES = 3;

/** Throttling, a 5xx or a dropped connection: worth asking again; anything else is an answer. */
export function isTransientAzureError(error: CodedError): boolean {
  if (error.details.aborted === true) return false;
  return error.code === 'azure_throttled' || error.code === 'azure_unavailable';
}

class Stopped extends Error {}

/**
 * Returns the verdict, or `{ result: 'pending' }` (with the job id when there is one) when
 * `signal` aborted first: nothing is decided and the caller leaves the request verifying.
 */
export async function verifyWithBackup(target: FixTarget, options: VerificationOptions, existingJobId?: string): Promise<VerificationOutcome> {
  const { azure, signal } = options;
  const call = signal ? { abortSignal: signal } : {};
  const retries = options.transientRetries ?? DEFAULT_TRANSIENT_RETRIES;
  const stopIfAborted = (): void => {
    if (signal?.aborted) throw new Stopped();
  };
  /** A read, asked again after a pause when Azure answers with a transient error. */
  const read = async <T>(op: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      stopIfAborted();
      try {
        return await op();
      } catch (error) {
        stopIfAborted();
        const coded = asCodedError(error);
        if (attempt >= retries || !isTransientAzureError(coded)) throw coded;
        await options.sleep(Math.max(options.pollIntervalMs, 1), signal);
      }
    }
  };
  let item: ProtectedVm | undefined;
  let jobId = existingJobId;
  try {
    item = await read(() => findProtectedVm(azure, target));
    if (!item) return { result: 'error', message: `${target.vm.name} is not protected by a vault the bot can see` };
    const protectedItem = item;
    if (jobId === undefined) {
      stopIfAborted();
      // Not retried: a second trigger could start a second backup.
      jobId = (await azure.triggerBackup(protectedItem, call)).jobId;
      await options.onJobStarted?.(jobId);
    }
    const followed = jobId;
    const started = options.clock.now().getTime();
    // Bounded by polls too, so a frozen clock cannot loop forever.
    const maxPolls = Math.ceil(options.timeoutMs / Math.max(options.pollIntervalMs, 1)) + 1;
    for (let poll = 1; ; poll++) {
      const job = await read(() => azure.getBackupJob(protectedItem.vault, followed, call));
      const status = job.status.toLowerCase();
      if (successStatuses.has(status)) return { jobId: followed, result: 'fixed', message: `Backup job ${followed}: ${job.status}` };
      if (!runningStatuses.has(status) && status !== 'failed') {
        // Cancelled (or a status this version does not know): the backup did not run to its end,
        // so it says nothing about the fix either way.
        return { jobId: followed, result: 'error', message: `Backup job ${followed} ended ${job.status} before it could prove anything; run a backup to verify the fix` };
      }
      if (!runningStatuses.has(status)) {
        const code = options.identifyCode(job);
        const message = job.errors[0]?.message ?? job.dynamicErrorMessage ?? `Backup job ${followed}: ${job.status}`;
        return { jobId: followed, result: 'failed', message, ...(code ? { code } : {}) };
      }
      await options.onProgress?.(job);
      if (poll >= maxPolls || options.clock.now().getTime() - started >= options.timeoutMs) {
        return { jobId: followed, result: 'timed-out', message: `Backup job ${followed} still ${job.status} after ${Math.round(options.timeoutMs / 60_000)} min` };
      }
      await options.sleep(options.pollIntervalMs, signal);
    }
  } catch (error) {
    if (error instanceof Stopped || signal?.aborted) return { result: 'pending', ...(jobId ? { jobId } : {}) };
    const coded = asCodedError(error);
    return { result: 'error', message: coded.message, ...(jobId ? { jobId } : {}), ...(typeof coded.details.azureCode === 'string' ? { code: coded.details.azureCode } : {}) };
  }
}
