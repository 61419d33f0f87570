import { parseArmResource } from '../arm-id';
import { parseIsoInstant } from '../iso-instant';
import { parseContainerVm, parseVaultId, parseVmId } from './arm-ids';
import type { AlertCondition, BackupAlert } from './backup-alert';
import { normaliseJobId } from './backup-alert';
import { workloadFrom } from './backup-workload';

/**
 * A log search alert on backup jobs carries no rows: its failed jobs are only in the results of
 * its own query (alert-kinds.md). This module reads what the bot needs to run that query (the
 * query, its window, the workspace the rule watches) and turns each failed-job row of the results
 * into a BackupAlert, so the rows take the same path as webhook alerts (deduplicated on the job id).
 */
export interface LogSearchAlert {
  readonly query: string;
  readonly rule?: string;
  readonly alertId?: string;
  readonly condition: AlertCondition;
  readonly firedAt: Date;
  /** The time range the rule evaluated: windowStartTime/windowEndTime (V2), SearchIntervalStartTimeUtc/EndtimeUtc (V1), else windowSize before the fired time. */
  readonly window: { readonly from: Date; readonly to: Date };
  /** The rule's scope (alertTargetIDs[0]): usually the workspace, shown on the card when the rows cannot be read. */
  readonly target: { readonly name: string; readonly subscriptionId?: string; readonly resourceGroup?: string };
}

/** One table of a query's results, in the documented Log Analytics shape (columns by name, rows by position). */
export interface LogTable {
  readonly columns: readonly string[];
  readonly rows: ReadonlyArray<readonly unknown[]>;
}

type Json = Record<string, unknown>;

const asObject = (v: unknown): Json | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : undefined);
const asText = (v: unknown): string | undefined => (typeof v === 'string' && v.trim().length > 0 ? v.trim() : undefined);

/** Log alert times are UTC (the V1 fields say so in their names): a time without a zone is read as UTC, never in the server's zone. */
function asDate(v: unknown): Date | undefined {
  // The query client may hand a datetime column over already parsed.
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v;
  const t = asText(v);
  return t ? parseIsoInstant(t, { requireTime: true }) ?? parseV1LogAlertTime(t) : undefined;
}

/**
 * The V1 log alert's SearchIntervalStartTimeUtc / SearchIntervalEndtimeUtc are written the .NET
 * en-US way, "3/22/2019 1:36:31 PM" (alerts-common-schema, "Log alerts V1"): month first, a
 * 12-hour clock, UTC. Only that exact form is read; it is checked as an ISO instant after.
 */
function parseV1LogAlertTime(text: string): Date | undefined {
  const m = /^(\d{1,2})\/(\d{1,2})\/(\d{4}) (\d{1,2}):(\d{2}):(\d{2}) ([AP])M$/i.exec(text);
  if (!m) return undefined;
  const [, month, day, year, hour12, minute, second, half] = m as unknown as [string, string, string, string, string, string, string, string];
  const h = Number(hour12);
  if (h < 1 || h > 12) return undefined;
  const hour = (h % 12) + (half.toUpperCase() === 'P' ? 12 : 0);
  const two = (n: string | number): string => String(n).padStart(2, '0');
  return parseIsoInstant(`${year}-${two(month)}-${two(day)}T${two(hour)}:${minute}:${second}Z`);
}

/** "PT1H", "PT15M", "P1D", "PT30S": the windowSize of a V2 rule. */
function isoDurationMs(text: string | undefined): number | undefined {
  const m = text ? /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/i.exec(text) : null;
  if (!m || text === 'P' || text === 'PT') return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((x) => Number(x ?? 0)) as [number, number, number, number];
  const ms = (((d * 24 + h) * 60 + min) * 60 + s) * 1000;
  return ms > 0 && Number.isFinite(ms) ? ms : undefined;
}

const defaultWindowMs = 60 * 60_000;

/**
 * The longest window the bot reads: a log search alert rule evaluates at most two days. A longer
 * one in the payload (a typo, or a sender asking for years of logs) is cut to the two days before
 * its end, so the query stays cheap and the times stay dates.
 */
export const maxWindowMs = 2 * 24 * 3_600_000;

/** The query alerts' window; `classifyAlert` has already found the query. Undefined when the body lacks what every log alert has. */
export function readLogSearchAlert(body: unknown, query: string, rule: string | undefined): LogSearchAlert | undefined {
  const data = asObject(asObject(body)?.['data']);
  const essentials = asObject(data?.['essentials']);
  const context = asObject(data?.['alertContext']) ?? {};
  const firedAt = asDate(essentials?.['firedDateTime']);
  if (!essentials || !firedAt) return undefined;
  const condition = asObject(context['condition']) ?? {};
  const to = asDate(condition['windowEndTime']) ?? asDate(context['SearchIntervalEndtimeUtc']) ?? firedAt;
  const minutes = Number(context['SearchIntervalInMinutes']);
  const size = Math.min(maxWindowMs, isoDurationMs(asText(condition['windowSize'])) ?? (Number.isFinite(minutes) && minutes > 0 ? minutes * 60_000 : defaultWindowMs));
  const start = asDate(condition['windowStartTime']) ?? asDate(context['SearchIntervalStartTimeUtc']) ?? new Date(to.getTime() - size);
  const from = Math.abs(to.getTime() - start.getTime()) <= maxWindowMs ? start : new Date(to.getTime() - (start < to ? maxWindowMs : -maxWindowMs));
  const targets = essentials['alertTargetIDs'];
  const targetId = Array.isArray(targets) ? asText(targets[0]) : undefined;
  const parsed = targetId ? parseArmResource(targetId, 'Microsoft.OperationalInsights', 'workspaces') ?? parseVaultId(targetId) : undefined;
  const target = parsed
    ? { name: parsed.name, subscriptionId: parsed.subscriptionId, resourceGroup: parsed.resourceGroup }
    : { name: (targetId?.split('/').filter((s) => s.length > 0).pop() ?? rule ?? 'log search alert').slice(0, 200) };
  const alertId = asText(essentials['alertId']);
  return {
    query,
    ...(rule ? { rule } : {}),
    ...(alertId ? { alertId } : {}),
    condition: asText(essentials['monitorCondition'])?.toLowerCase() === 'resolved' ? 'resolved' : 'fired',
    firedAt,
    window: from.getTime() <= to.getTime() ? { from, to } : { from: to, to: from },
    target,
  };
}

/**
 * Column names as the Backup reports tables spell them (AddonAzureBackupJobs, CoreAzureBackup,
 * the legacy AzureDiagnostics columns with their _s suffix), compared without case or suffix, so
 * a query that projects or renames them still reads.
 */
const columnNames = {
  jobId: ['jobuniqueid', 'jobid'],
  status: ['jobstatus', 'status'],
  code: ['jobfailurecode', 'failurecode', 'errorcode'],
  vaultId: ['resourceid', 'vaultresourceid', '_resourceid'],
  vaultName: ['vaultname', 'backupvaultname'],
  itemName: ['backupitemfriendlyname', 'datasourcefriendlyname', 'vmname', 'vm', 'backupitemname'],
  itemId: ['backupitemuniqueid'],
  dataSourceId: ['datasourceresourceid', 'datasourceid', 'sourceresourceid'],
  workload: ['datasourcetype', 'backupitemtype', 'backupmanagementtype', 'workloadtype'],
  time: ['timegenerated', 'jobstartdatetime', 'starttime'],
  message: ['jobfailuremessage', 'errormessage'],
} as const;

type Column = keyof typeof columnNames;

function columnIndex(columns: readonly string[]): Partial<Record<Column, number>> {
  const folded = columns.map((c) => c.toLowerCase().replace(/_[a-z]$/, ''));
  const out: Partial<Record<Column, number>> = {};
  for (const key of Object.keys(columnNames) as Column[]) {
    for (const name of columnNames[key]) {
      const at = folded.indexOf(name);
      if (at >= 0) {
        out[key] = at;
        break;
      }
    }
  }
  return out;
}

/** BackupItemUniqueId: "<region>;<guid>;iaasvmcontainerv2;<rg>;<vm>" for a VM, the item's own name last for the others. */
function itemFromUniqueId(id: string): { name: string; resourceGroup?: string } | undefined {
  const vm = parseContainerVm(id);
  if (vm) return { name: vm.name, resourceGroup: vm.resourceGroup };
  const last = id.split(';').filter((s) => s.trim().length > 0).pop();
  return last ? { name: last.trim() } : undefined;
}

export interface FailedJobRows {
  readonly alerts: readonly BackupAlert[];
  /** Failed-job rows that name no job or no vault, so they cannot become an alert. */
  readonly unreadable: number;
}

/** Every failed-job row of the results as a BackupAlert (rows of another status are not failures and are left out). */
export function failedJobAlerts(tables: readonly LogTable[], search: LogSearchAlert): FailedJobRows {
  const alerts: BackupAlert[] = [];
  let unreadable = 0;
  for (const table of tables) {
    const at = columnIndex(table.columns);
    for (const row of table.rows) {
      const cell = (c: Column): unknown => (at[c] === undefined ? undefined : row[at[c]]);
      const status = asText(cell('status'));
      if (status !== undefined && status.toLowerCase() !== 'failed') continue;
      const alert = rowAlert(cell, search);
      if (alert) alerts.push(alert);
      else unreadable += 1;
    }
  }
  return { alerts, unreadable };
}

/** Log Analytics stores resource ids upper-cased; names are shown as Azure lists them (lower-case) rather than shouted. */
function shouted(name: string | undefined): string | undefined {
  return name !== undefined && name === name.toUpperCase() && name !== name.toLowerCase() ? name.toLowerCase() : name;
}

function rowAlert(cell: (c: Column) => unknown, search: LogSearchAlert): BackupAlert | undefined {
  const jobId = asText(cell('jobId'));
  const vaultId = asText(cell('vaultId'));
  const vault = vaultId ? parseVaultId(vaultId) : undefined;
  const vaultName = shouted(vault?.name ?? asText(cell('vaultName')));
  const dataSource = asText(cell('dataSourceId'));
  const vmId = dataSource ? parseVmId(dataSource) : undefined;
  const uniqueId = asText(cell('itemId'));
  const fromUnique = uniqueId ? itemFromUniqueId(uniqueId) : undefined;
  const itemName = vmId?.name ?? asText(cell('itemName')) ?? fromUnique?.name;
  if (!jobId || !vaultName || !itemName) return undefined;
  const workload = workloadFrom(asText(cell('workload')), uniqueId) ?? 'azure-vm';
  const resourceGroup = vmId?.resourceGroup ?? fromUnique?.resourceGroup;
  const code = asText(cell('code'));
  const message = asText(cell('message'));
  return {
    source: 'log-search',
    condition: 'fired',
    vault: { name: vaultName, ...(vault ? { subscriptionId: vault.subscriptionId.toLowerCase(), resourceGroup: shouted(vault.resourceGroup) ?? vault.resourceGroup } : {}) },
    vm: { name: itemName, ...(resourceGroup ? { resourceGroup } : {}), ...(vmId ? { subscriptionId: vmId.subscriptionId } : {}) },
    ...(workload === 'azure-vm' ? {} : { workload }),
    jobId: normaliseJobId(jobId),
    // Log Analytics writes "None" or an empty string where a job has no failure code.
    ...(code && !/^none$/i.test(code) ? { errorCode: code } : {}),
    ...(message ? { message } : {}),
    codeHints: [],
    occurredAt: asDate(cell('time')) ?? search.firedAt,
  };
}

/**
 * The one incident a log search alert becomes when its rows cannot be read (no workspace set, the
 * role missing, the query timing out): the alert is kept, and the card's message says what to do.
 */
export function unreadLogSearchAlert(search: LogSearchAlert, note: string): BackupAlert {
  return {
    source: 'log-search',
    condition: search.condition,
    vault: search.target,
    vm: { name: search.rule ? `log search alert "${search.rule}"` : 'log search alert' },
    // Not a VM: the card offers no "Troubleshoot <vm>" for it.
    workload: 'other',
    message: note,
    codeHints: [],
    ...(search.alertId ? { alertId: search.alertId } : {}),
    occurredAt: search.firedAt,
  };
}

/**
 * The Log Analytics workspace the bot reads failed jobs from (LogsQueryClient in src/azure).
 * Rejects with a CodedError: 'azure_forbidden' (the Log Analytics Reader role is missing),
 * 'azure_unavailable' (timeout, unreachable), 'azure_failed' (the query itself failed).
 */
/**
 * The failed backup jobs in a window, by the project's own query (the documented one of
 * backup-azure-reports-data-model, over the resource-specific jobs table). What a card shows about a
 * job comes from these rows only: an alert's own query picks which jobs, never what is said of them.
 */
export const failedBackupJobsQuery = 'AddonAzureBackupJobs | where JobOperation == "Backup" | summarize arg_max(TimeGenerated, *) by JobUniqueId | where JobStatus == "Failed"';

export interface BackupJobLogs {
  readonly workspaceId: string;
  query(query: string, window: LogSearchAlert['window']): Promise<readonly LogTable[]>;
}
