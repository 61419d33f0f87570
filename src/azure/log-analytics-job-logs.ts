import type { TokenCredential } from '@azure/core-auth';
import { LogsQueryClient, LogsQueryResultStatus, type LogsTable } from '@azure/monitor-query-logs';
import { CodedError } from '../core/errors';
import type { BackupJobLogs, LogSearchAlert, LogTable } from '../core/incidents/log-search-alert';
import { trimTrailing } from '../core/trim-trailing';

export interface LogAnalyticsJobLogsOptions {
  readonly credential: TokenCredential;
  readonly workspaceId: string;
  /** The query API without /v1: https://api.loganalytics.io, or the simulator. */
  readonly endpoint: string;
  readonly ca?: string | Buffer;
  readonly timeoutInMs: number;
}

const role = 'Log Analytics Reader';

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Runs a log search alert's own query on the workspace through the real LogsQueryClient, and turns
 * its failures into CodedErrors that say what the operator should do (the role and its scope).
 */
export class LogAnalyticsJobLogs implements BackupJobLogs {
  readonly workspaceId: string;
  private readonly client: LogsQueryClient;

  constructor(private readonly options: LogAnalyticsJobLogsOptions) {
    this.workspaceId = options.workspaceId;
    this.client = new LogsQueryClient(options.credential, {
      endpoint: `${trimTrailing(options.endpoint, '/')}/v1`,
      ...(options.ca ? { tlsOptions: { ca: options.ca } } : {}),
      // A query that failed once is reported on the card at once; Azure Monitor does not wait for us.
      retryOptions: { maxRetries: 1 },
    });
  }

  async query(query: string, window: LogSearchAlert['window']): Promise<readonly LogTable[]> {
    const timeoutInMs = this.options.timeoutInMs;
    // LogsQueryClient passes requestOptions.timeout to the request but drops abortSignal, so the
    // deadline is also kept here: the webhook's caller never waits longer than the setting says.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timed-out'>((resolve) => {
      timer = setTimeout(() => resolve('timed-out'), timeoutInMs);
    });
    let result;
    try {
      const call = this.client.queryWorkspace(this.workspaceId, query, { startTime: window.from, endTime: window.to }, { serverTimeoutInSeconds: Math.max(1, Math.ceil(timeoutInMs / 1000)), requestOptions: { timeout: timeoutInMs } });
      call.catch(() => undefined);
      result = await Promise.race([call, deadline]);
    } catch (error) {
      throw this.translate(error, false);
    } finally {
      clearTimeout(timer);
    }
    if (result === 'timed-out') throw this.translate(undefined, true);
    if (result.status === LogsQueryResultStatus.Success) return result.tables.map(asTable);
    if (result.status === LogsQueryResultStatus.PartialFailure) {
      const message = result.partialError.message;
      throw new CodedError('azure_failed', `the query on Log Analytics workspace ${this.workspaceId} failed: ${message}`, { workspaceId: this.workspaceId, azureCode: result.partialError.code });
    }
    throw new CodedError('azure_failed', `the query on Log Analytics workspace ${this.workspaceId} failed`, { workspaceId: this.workspaceId });
  }

  private translate(error: unknown, timedOut: boolean): CodedError {
    const workspaceId = this.workspaceId;
    const seconds = Math.round(this.options.timeoutInMs / 1000);
    if (timedOut || field(error, 'name') === 'AbortError') {
      return new CodedError('azure_unavailable', `the query on Log Analytics workspace ${workspaceId} did not answer within ${seconds} s (LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS)`, { workspaceId, timeoutSeconds: seconds }, { cause: error });
    }
    const status = field(error, 'statusCode');
    const details = field(error, 'details');
    const azureCode = field(field(details, 'error'), 'code') ?? field(details, 'code') ?? field(error, 'code');
    const message = String(field(field(details, 'error'), 'message') ?? field(error, 'message') ?? error);
    if (status === 401 || status === 403) {
      return new CodedError('azure_forbidden', `the bot's identity needs ${role} on Log Analytics workspace ${workspaceId} to read the failed backup jobs`, { workspaceId, role, status, azureCode }, { cause: error });
    }
    if (status === 429 || (typeof status === 'number' && status >= 500) || status === undefined) {
      return new CodedError('azure_unavailable', `Log Analytics workspace ${workspaceId} could not be queried: ${message}`, { workspaceId, status, azureCode }, { cause: error });
    }
    return new CodedError('azure_failed', `the query on Log Analytics workspace ${workspaceId} failed: ${message}`, { workspaceId, status, azureCode }, { cause: error });
  }
}

function asTable(table: LogsTable): LogTable {
  return { columns: table.columnDescriptors.map((c) => c.name ?? ''), rows: table.rows };
}
