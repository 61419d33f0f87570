import type { AcceptOutcome } from '../core/incidents/accept-alert';
import { isCodedError } from '../core/errors';
import { type BackupJobLogs, failedBackupJobsQuery, failedJobAlerts, type LogSearchAlert, unreadLogSearchAlert } from '../core/incidents/log-search-alert';
import type { Logger } from '../logger';
import type { AlertIntake } from './alert-intake';

export type LogSearchOutcome =
  /** The query ran: each failed-job row went through the intake (new, or a duplicate of a job already seen). */
  | { readonly kind: 'jobs-read'; readonly failedJobs: number; readonly outcomes: readonly AcceptOutcome[] }
  /** The rows could not be read: the alert is kept as one incident whose message says why. */
  | { readonly kind: 'not-read'; readonly note: string; readonly outcome: AcceptOutcome };

export interface LogSearchReaderDeps {
  readonly intake: AlertIntake;
  /** Undefined: no workspace configured (LOG_ANALYTICS_WORKSPACE_ID). */
  readonly logs: BackupJobLogs | undefined;
  readonly logger: Logger;
}

/**
 * A log search alert on backup jobs carries no rows, so the bot runs the alert's own query over its
 * window to learn which jobs failed, reads those jobs from its own query of the backup jobs table, and
 * accepts each like a webhook alert (deduplicated on the job id, so a job the
 * poller or a built-in alert already brought is not counted twice). Whatever goes wrong, the alert
 * is never lost: it becomes one incident whose card says which setting or role is missing.
 */
export class LogSearchReader {
  constructor(private readonly deps: LogSearchReaderDeps) {}

  async read(search: LogSearchAlert): Promise<LogSearchOutcome> {
    const logs = this.deps.logs;
    if (!logs) {
      return this.keep(search, 'The failed backup jobs of this log search alert were not read: no Log Analytics workspace is configured. Set LOG_ANALYTICS_WORKSPACE_ID to the workspace the alert rule queries and give the bot\'s identity the Log Analytics Reader role on it.');
    }
    let named;
    let ours;
    try {
      named = failedJobAlerts(await logs.query(search.query, search.window), search);
      // The alert's query is the sender's text: it decides which jobs, and nothing it returns is shown.
      // Each job's vault, item, code and message come from the project's own query over the backup tables.
      ours = named.alerts.length > 0 ? failedJobAlerts(await logs.query(failedBackupJobsQuery, search.window), search).alerts : [];
    } catch (error) {
      this.deps.logger.warn({ err: error, alertRule: search.rule }, 'log search alert: the query could not be run');
      return this.keep(search, noteFor(error, logs.workspaceId));
    }
    const { unreadable } = named;
    if (named.alerts.length === 0 && unreadable > 0) {
      return this.keep(
        search,
        `The query of this log search alert returned ${unreadable} failed job row(s) without a job id, a vault or an item: keep JobUniqueId, ResourceId (the vault) and BackupItemUniqueId or BackupItemFriendlyName in the query's output.`,
      );
    }
    if (unreadable > 0) this.deps.logger.warn({ alertRule: search.rule, unreadable }, 'log search alert: failed job rows without a job id, vault or item were left out');
    const wanted = new Set(named.alerts.map((a) => a.jobId));
    const alerts = ours.filter((a) => wanted.has(a.jobId));
    const unknown = wanted.size - new Set(alerts.map((a) => a.jobId)).size;
    if (unknown > 0) {
      this.deps.logger.warn({ alertRule: search.rule, unknown }, 'log search alert: rows named jobs the backup jobs table does not hold as failed in the window; they were left out');
      if (alerts.length === 0) {
        return this.keep(
          search,
          `The query of this log search alert named ${unknown} failed job(s) that the AddonAzureBackupJobs table does not hold as failed backups in the alert's window, so nothing it returned was shown. Check that the query reads the backup reports' resource-specific tables.`,
        );
      }
    }
    const outcomes = alerts.length > 0 ? await this.deps.intake.acceptNow(alerts) : [];
    return { kind: 'jobs-read', failedJobs: alerts.length, outcomes };
  }

  private async keep(search: LogSearchAlert, note: string): Promise<LogSearchOutcome> {
    const [outcome] = await this.deps.intake.acceptNow([unreadLogSearchAlert(search, note)]);
    if (!outcome) throw new Error('the intake answered no outcome for the log search alert');
    return { kind: 'not-read', note, outcome };
  }
}

function noteFor(error: unknown, workspaceId: string): string {
  const prefix = 'The failed backup jobs of this log search alert were not read:';
  if (isCodedError(error, 'azure_forbidden')) {
    return `${prefix} the bot's identity needs the Log Analytics Reader role on workspace ${workspaceId} (LOG_ANALYTICS_WORKSPACE_ID). Assign it, then look at the alert's results in the portal until the next alert.`;
  }
  if (isCodedError(error, 'azure_unavailable')) return `${prefix} ${error.message}. Open the alert's results in the portal.`;
  if (isCodedError(error)) return `${prefix} ${error.message}.`;
  return `${prefix} the query on workspace ${workspaceId} failed.`;
}
