import type { Reply } from './routes';
import type { SimulatorState } from './state';

/**
 * The Log Analytics query API (POST /v1/workspaces/{workspaceId}/query) for log search alerts on
 * backup jobs: it does not run KQL; a query that reads the backup jobs tables is answered with the
 * scenario's failed backup jobs inside the request's timespan, as rows of AddonAzureBackupJobs in the
 * documented response shape ({ tables: [{ name, columns: [{ name, type }], rows }] }).
 * Other queries get the same table with no rows, plus any rows a test planted for text in the query
 * (`state.logRows`: what a query reading other tables of the workspace would return).
 */
export function isLogAnalyticsQuery(method: string, segments: readonly string[]): boolean {
  return method === 'POST' && segments.length === 4 && segments[0]?.toLowerCase() === 'v1' && segments[1]?.toLowerCase() === 'workspaces' && segments[3]?.toLowerCase() === 'query';
}

const columns = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'JobUniqueId', type: 'string' },
  { name: 'JobOperation', type: 'string' },
  { name: 'JobStatus', type: 'string' },
  { name: 'JobFailureCode', type: 'string' },
  { name: 'JobStartDateTime', type: 'datetime' },
  { name: 'JobDurationInSecs', type: 'real' },
  { name: 'BackupManagementType', type: 'string' },
  { name: 'BackupItemUniqueId', type: 'string' },
  { name: 'ResourceId', type: 'string' },
] as const;

const backupTables = /addonazurebackupjobs|azurebackupoperations|coreazurebackup/i;

/** "start/end" (ISO 8601 interval); a bare duration ("PT1H") counts back from now. */
function timespanOf(text: unknown, now: number): { from: number; to: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const [a, b] = text.split('/');
  const from = a ? Date.parse(a) : Number.NaN;
  const to = b ? Date.parse(b) : Number.NaN;
  if (!Number.isNaN(from) && !Number.isNaN(to)) return { from, to };
  return { from: 0, to: now };
}

export function answerLogAnalyticsQuery(state: SimulatorState, body: unknown): Reply {
  const request = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const query = request['query'];
  if (typeof query !== 'string' || query.trim().length === 0) {
    return { status: 400, body: { error: { code: 'BadArgumentError', message: 'The request had some invalid properties', innererror: { code: 'QueryValidationError', message: 'The query is missing.' } } } };
  }
  const now = Date.now();
  const span = timespanOf(request['timespan'], now) ?? { from: 0, to: now };
  const rows: unknown[][] = [];
  if (backupTables.test(query)) {
    for (const vault of state.vaults) {
      for (const job of vault.jobs) {
        const end = (job.endTime ?? job.startTime).getTime();
        if (job.status !== 'Failed' || job.operation !== 'Backup' || end < span.from || end > span.to) continue;
        // Log Analytics keeps resource ids upper-cased, and BackupItemUniqueId as "<region>;<vault guid>;<container>".
        rows.push([
          new Date(end).toISOString(),
          job.id,
          job.operation,
          job.status,
          job.error?.code ?? 'None',
          job.startTime.toISOString(),
          Math.round((end - job.startTime.getTime()) / 1000),
          'IaaSVM',
          `${vault.location.toLowerCase()};${vault.name.toLowerCase()};iaasvmcontainerv2;${job.vmResourceGroup.toLowerCase()};${job.vmName.toLowerCase()}`,
          vault.id.toUpperCase(),
        ]);
      }
    }
  }
  for (const planted of state.logRows) if (query.includes(planted.contains)) rows.push(...planted.rows);
  return { status: 200, body: { tables: [{ name: 'PrimaryResult', columns, rows }] } };
}
