import type { BackupJob } from '../azure-port';

// One identification for every path (incident cards, questions, fix verification): src/core/identify/job-code.ts.
export { identifyJobCode, jobErrorMessage, type CodeSource, type JobCode } from '../identify/job-code';

/** When the job failed: its end, else its start. */
export function jobTime(job: BackupJob): Date | undefined {
  return job.endTime ?? job.startTime;
}
