/**
 * Which kind of alert a body is, decided before any field is validated: action groups are shared,
 * so the webhook also receives activity log, service health, resource health, budget, smart
 * detection and other metric or log alerts. Those are answered "ignored" with the reason (a 2xx:
 * sending them is not the caller's mistake, and Azure would only retry an error); only the kinds
 * about backup failures go on to validation, where a wrong field is a 400.
 * Kinds and their marks: alert-kinds.md; samples: test/fixtures/alerts/README.md.
 */
import { kqlSources } from './kql-sources';
import { kqlTokens, stringValue } from './kql-text';

export type AlertKind =
  /** Built-in Azure Backup alert (common schema, monitoringService "Azure Backup", a job failure). */
  | { readonly kind: 'azure-backup' }
  /** Metric alert on BackupHealthEvent (Recovery Services or Backup vault). */
  | { readonly kind: 'backup-health-metric' }
  /** Log search alert whose query reads the backup job tables. */
  | { readonly kind: 'backup-log-search'; readonly query: string; readonly rule?: string }
  /** The documented minimal JSON for other tools. */
  | { readonly kind: 'minimal' }
  | { readonly kind: 'ignored'; readonly reason: string; readonly rule?: string }
  | { readonly kind: 'invalid'; readonly field: string; readonly reason: string };

export const commonSchemaId = 'azureMonitorCommonAlertSchema';

/** Other documented webhook schemas (not the common one) that can only be about other things. */
const otherSchemas: ReadonlyMap<string, string> = new Map([
  ['microsoft.insights/activitylogs', 'an activity log alert (without the common alert schema)'],
  ['aip budget notification', 'a budget notification'],
]);

/** "BackupHealthEvent" by its REST name, "Backup Health Events" as the portal shows it. */
export function isBackupHealthMetric(metricName: unknown): boolean {
  return typeof metricName === 'string' && /^backuphealthevents?$/i.test(metricName.replace(/\s+/g, ''));
}
/** The Backup reports tables (resource-specific and the legacy AzureDiagnostics one) and the failed-job filter the backup docs use. */
const backupTables = /addonazurebackupjobs|azurebackupoperations|coreazurebackup/i;
const backupTableNames: ReadonlySet<string> = new Set(['addonazurebackupjobs', 'azurebackupoperations', 'coreazurebackup']);

/** Code that names a table by the string after it: ['AddonAzureBackupJobs'], table("AddonAzureBackupJobs"). */
const opensQuotedName = /(?:\[|\btable\s*\()\s*$/i;
const closesQuotedName = /^\s*[\])]/;
const indexesAValue = /\)\s*\[\s*$/;
/** Code that compares the job status with the string after it: JobStatus == "Failed" (JobStatus_s in AzureDiagnostics). */
const comparesJobStatus = /\bjobstatus(?:_s)?\s*(?:==|=~)\s*$/i;
/** How much of a run of code the tests above look at: its end, where they are anchored. */
const codeTail = 200;

interface QueryReading {
  /** The query with its comments and strings blanked: what runs. */
  readonly code: string;
  readonly readsBackupJobs: boolean;
  /** Tables named by a string in table position (['T'], table("T")), whatever their name. */
  readonly quotedTables: readonly string[];
}

/**
 * One pass over the query's tokens: its code, and whether it reads the backup job tables. A
 * table counts where the code names it, or names it by a string in table position; "Failed"
 * counts where the code compares the job status with it. A name in a comment, or anywhere else
 * in a string, reads nothing.
 */
function readQuery(query: string): QueryReading {
  let code = '';
  let before = '';
  let failedFilter = false;
  const quotedTables: string[] = [];
  /** A string in table position, counted once the code after it closes the bracket or parenthesis. */
  let quotedName: string | undefined;
  for (const token of kqlTokens(query)) {
    if (token.kind === 'code') {
      if (quotedName !== undefined && closesQuotedName.test(token.text.slice(0, codeTail))) quotedTables.push(quotedName);
      quotedName = undefined;
      code += token.text;
      before = token.text.slice(-codeTail);
      continue;
    }
    code += ' ';
    quotedName = undefined;
    if (token.kind === 'string' && before !== '') {
      const value = stringValue(token).trim();
      // datatable(...)["row"] indexes a value, not a table.
      if (opensQuotedName.test(before) && !indexesAValue.test(before)) quotedName = value;
      if (value.toLowerCase() === 'failed' && comparesJobStatus.test(before)) failedFilter = true;
    }
    before = '';
  }
  const quotesBackupTable = quotedTables.some((name) => backupTableNames.has(name.toLowerCase()));
  return { code, readsBackupJobs: backupTables.test(code) || quotesBackupTable || failedFilter, quotedTables };
}

/** The tables a backup alert's query may read: the Backup reports tables, and the legacy AzureDiagnostics one. */
const readableTable = /^(?:addonazurebackup\w*|coreazurebackup|azurebackupoperations|azurediagnostics)$/i;

/** Longer queries are not checked (nor run): a log search alert rule's query is a few lines. */
const maxCheckedQueryChars = 20_000;

/** Why the bot will not run this query, or undefined when it reads only the backup tables. */
function readsOtherTables(reading: QueryReading): string | undefined {
  const sources = kqlSources(reading.code);
  if (sources.unbounded) return `reads every table of the workspace (${sources.unbounded})`;
  const others = [...sources.tables, ...reading.quotedTables].filter((name) => !readableTable.test(name) && !sources.letNames.has(name.toLowerCase()));
  if (others.length === 0) return undefined;
  const named = [...new Set(others.map((name) => name.slice(0, 64).replace(/[^A-Za-z0-9_]/g, '?')))].slice(0, 5).join(', ');
  return `reads tables other than the backup tables (${named})`;
}

/** Characters Kusto's parser skips but a regular expression does not (zero-width spaces and joiners, the byte order mark). */
function withoutInvisibles(query: string): string {
  return query.replace(/\p{Cf}/gu, '');
}

type Json = Record<string, unknown>;

function asObject(value: unknown): Json | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function asText(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim().length > 0 ? value.trim() : undefined;
}

/**
 * Text from the body that a reason quotes (a rule, service, category or metric name). Azure's own
 * names are far shorter than this; a longer one is cut so that an "ignored" answer, which quotes
 * it and returns it as the rule, stays bounded by the body instead of repeating it.
 */
const quotedTextLimit = 260;
function asQuotedText(value: unknown): string | undefined {
  const text = asText(value);
  return text && text.length > quotedTextLimit ? `${text.slice(0, quotedTextLimit - 1)}…` : text;
}

function criteria(context: Json): Json[] {
  const allOf = asObject(context['condition'])?.['allOf'];
  return Array.isArray(allOf) ? allOf.map(asObject).filter((c): c is Json => c !== undefined) : [];
}

/** The log query of a log search alert: V2 puts it in each criterion, V1 in SearchQuery. */
function searchQueryOf(context: Json): string | undefined {
  for (const c of criteria(context)) {
    const q = asText(c['searchQuery']);
    if (q) return q;
  }
  return asText(context['SearchQuery']) ?? asText(context['searchQuery']);
}

function ruleText(rule: string | undefined): string {
  return rule ? ` "${rule}"` : '';
}

export function classifyAlert(body: unknown): AlertKind {
  const record = asObject(body);
  if (!record) return { kind: 'invalid', field: '(body)', reason: 'must be a JSON object' };
  if (!('schemaId' in record)) {
    if ('vault' in record || 'vm' in record) return { kind: 'minimal' };
    return {
      kind: 'invalid',
      field: 'schemaId',
      reason: `missing: send the Azure Monitor common alert schema (schemaId '${commonSchemaId}') or the minimal JSON {vault, vm, errorCode | message}`,
    };
  }
  const schemaId = record['schemaId'];
  if (schemaId !== commonSchemaId) {
    const other = typeof schemaId === 'string' ? otherSchemas.get(schemaId.trim().toLowerCase()) : undefined;
    if (other) return { kind: 'ignored', reason: `${other}, not a backup failure` };
    return { kind: 'invalid', field: 'schemaId', reason: `must be '${commonSchemaId}' (turn on the common alert schema in the action group)` };
  }
  const data = asObject(record['data']);
  if (!data) return { kind: 'invalid', field: 'data', reason: 'must be an object with essentials and alertContext' };
  const essentials = asObject(data['essentials']);
  if (!essentials) return { kind: 'invalid', field: 'data.essentials', reason: 'must be an object' };
  const service = asQuotedText(essentials['monitoringService']);
  if (!service) return { kind: 'invalid', field: 'data.essentials.monitoringService', reason: 'must name the monitoring service' };
  const rule = asQuotedText(essentials['alertRule']);
  const withRule = (reason: string): AlertKind => ({ kind: 'ignored', reason, ...(rule ? { rule } : {}) });
  const context = asObject(data['alertContext']) ?? {};

  switch (service.toLowerCase()) {
    case 'azure backup': {
      const category = asQuotedText(context['category']);
      if (category && category.toLowerCase() !== 'jobs') return withRule(`an Azure Backup ${category} alert${ruleText(rule)}, not a backup failure`);
      if (rule && /restore/i.test(rule)) return withRule(`an Azure Backup restore alert${ruleText(rule)}, not a backup failure`);
      return { kind: 'azure-backup' };
    }
    case 'platform': {
      const query = searchQueryOf(context);
      if (query !== undefined) return logSearch(query, service, rule);
      const metrics = criteria(context);
      if (metrics.some((c) => isBackupHealthMetric(c['metricName']))) return { kind: 'backup-health-metric' };
      const first = metrics[0];
      const name = first ? asQuotedText(first['metricName']) : undefined;
      const namespace = first ? asQuotedText(first['metricNamespace']) : undefined;
      return withRule(`a metric alert${ruleText(rule)} on ${name ? `"${name}"` : 'another metric'}${namespace ? ` (${namespace})` : ''}, not the Backup Health Events metric`);
    }
    case 'log alerts v2':
    case 'log analytics':
    case 'application insights': {
      const query = searchQueryOf(context);
      return logSearch(query ?? '', service, rule);
    }
    default:
      return withRule(`a ${service} alert${ruleText(rule)}, not about backup failures`);
  }
}

const queryField = 'data.alertContext.condition.allOf[0].searchQuery';

/** Functions that reach past the workspace the bot reads (other workspaces, apps, clusters, any URL). */
const outsideTheWorkspace = /\b(workspace|app|resource|cluster|database|adx|arg)\s*\(|\bexternal_?data\b|\bexternal_table\s*\(|\bevaluate\b/i;

function logSearch(query: string, service: string, rule: string | undefined): AlertKind {
  const withRule = rule ? { rule } : {};
  // The bot runs this query with its own identity: what counts is the query's code, not a table
  // name in a comment or a string, and it may read this workspace only.
  const visible = withoutInvisibles(query);
  const reading = readQuery(visible);
  if (reading.readsBackupJobs) {
    // Judged on the code, and on the whole query with only its comments blanked (strings or not):
    // a reading that misplaces where a string ends must never let such a call through, and a
    // comment between a name and its parenthesis must not hide the call.
    const withoutAnyComment = visible.replace(/\/\/[^\n\r\u2028\u2029]*/g, ' ');
    if (outsideTheWorkspace.test(reading.code) || outsideTheWorkspace.test(withoutAnyComment) || outsideTheWorkspace.test(visible)) {
      return { kind: 'invalid', field: queryField, reason: 'reads outside the workspace (workspace(), app(), resource(), cluster(), database(), adx(), externaldata or evaluate): the bot runs only queries over the backup tables of its own workspace' };
    }
    if (visible.length > maxCheckedQueryChars) return { kind: 'invalid', field: queryField, reason: `is ${visible.length} characters long; the bot checks and runs queries of up to ${maxCheckedQueryChars}` };
    const others = readsOtherTables(reading);
    if (others) return { kind: 'invalid', field: queryField, reason: `${others}: the bot runs the query with its own identity, so it runs only queries over the backup tables (AddonAzureBackupJobs, CoreAzureBackup, AzureBackupOperations, AzureDiagnostics) and the names they bind with let` };
    return { kind: 'backup-log-search', query, ...withRule };
  }
  return { kind: 'ignored', reason: `a ${service} log search alert${ruleText(rule)} whose query does not read the backup job tables`, ...withRule };
}
