import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failedJobAlerts, type LogSearchAlert } from '../../../src/core/incidents/log-search-alert';
import { normaliseAlert } from '../../../src/core/incidents/normalize-alert';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '../../fixtures/alerts', name), 'utf8')) as Record<string, unknown>;

function searchOf(body: unknown): LogSearchAlert {
  const r = normaliseAlert(body, new Date());
  if (r.kind !== 'log-search') throw new Error(`expected a log search alert, got ${r.kind}`);
  return r.search;
}

describe('log search alerts on backup jobs', () => {
  it('reads the query, the window and the workspace of the alert', () => {
    const s = searchOf(fixture('log-search-backup-jobs.json'));
    expect(s.query).toMatch(/AddonAzureBackupJobs/);
    expect(s.rule).toBe('Failed backup jobs');
    expect(s.window).toEqual({ from: new Date('2026-03-13T11:05:39Z'), to: new Date('2026-03-13T12:05:39Z') });
    expect(s.target).toEqual({ name: 'law-backup-reports', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-monitoring' });
  });

  it('without windowStartTime, counts the windowSize back from windowEndTime', () => {
    const body = fixture('log-search-backup-jobs.json') as { data: { alertContext: { condition: Record<string, unknown> } } };
    delete body.data.alertContext.condition['windowStartTime'];
    body.data.alertContext.condition['windowSize'] = 'PT15M';
    expect(searchOf(body).window.from).toEqual(new Date('2026-03-13T11:50:39Z'));
  });

  it('reads at most the two days a rule can evaluate, however long a window the payload asks for', () => {
    const body = fixture('log-search-backup-jobs.json') as { data: { alertContext: { condition: Record<string, unknown> } } };
    delete body.data.alertContext.condition['windowStartTime'];
    body.data.alertContext.condition['windowSize'] = 'P999999999D';
    expect(searchOf(body).window).toEqual({ from: new Date('2026-03-11T12:05:39Z'), to: new Date('2026-03-13T12:05:39Z') });
    const explicit = fixture('log-search-backup-jobs.json') as { data: { alertContext: { condition: Record<string, unknown> } } };
    explicit.data.alertContext.condition['windowStartTime'] = '1970-01-01T00:00:00Z';
    expect(searchOf(explicit).window.from).toEqual(new Date('2026-03-11T12:05:39Z'));
  });

  it('reads a V1 log alert’s window in the form Azure writes it ("3/22/2019 1:36:31 PM", UTC), and only that form', () => {
    // The alertContext fields of the documented "Log alerts V1 - Log Analytics" sample (learn.microsoft.com/azure/azure-monitor/alerts/alerts-common-schema),
    // with its query replaced by the failed-backup query; the essentials are the V2 fixture's with monitoringService "Log Analytics".
    const v2 = fixture('log-search-backup-jobs.json') as { data: { essentials: Record<string, unknown> } };
    const v1 = (start: string, end: string): unknown => ({
      schemaId: 'azureMonitorCommonAlertSchema',
      data: {
        essentials: { ...v2.data.essentials, monitoringService: 'Log Analytics', firedDateTime: '2019-03-22T13:52:01.0000000Z' },
        alertContext: {
          SearchQuery: 'AddonAzureBackupJobs | where JobOperation == "Backup" | summarize arg_max(TimeGenerated, *) by JobUniqueId | where JobStatus == "Failed"',
          SearchIntervalStartTimeUtc: start,
          SearchIntervalEndtimeUtc: end,
          ResultCount: 2,
          SeverityDescription: 'Warning',
          WorkspaceId: '12345a-1234b-123c-123d-12345678e',
          SearchIntervalDurationMin: '15',
          AffectedConfigurationItems: ['INC-Gen2Alert'],
          SearchIntervalInMinutes: '15',
          Threshold: 10000,
          Operator: 'Less Than',
          IncludedSearchResults: 'True',
          AlertType: 'Number of results',
        },
      },
    });
    expect(searchOf(v1('3/22/2019 1:36:31 PM', '3/22/2019 1:51:31 PM')).window).toEqual({ from: new Date('2019-03-22T13:36:31Z'), to: new Date('2019-03-22T13:51:31Z') });
    expect(searchOf(v1('12/31/2019 12:05:00 AM', '12/31/2019 12:20:00 PM')).window).toEqual({ from: new Date('2019-12-31T00:05:00Z'), to: new Date('2019-12-31T12:20:00Z') });
    // Not a time: the window is the 15 minutes before the end (or the fired time), never a guess.
    expect(searchOf(v1('13/22/2019 1:36:31 PM', '3/22/2019 1:51:31 PM')).window.from).toEqual(new Date('2019-03-22T13:36:31Z'));
    expect(searchOf(v1('3/22/2019 0:36:31 PM', '2/30/2019 1:51:31 PM')).window).toEqual({ from: new Date('2019-03-22T13:37:01Z'), to: new Date('2019-03-22T13:52:01Z') });
  });

  type QueryBody = { data: { alertContext: { condition: { allOf: Array<Record<string, unknown>> } } } };
  const withQuery = (searchQuery: string): QueryBody => {
    const body = fixture('log-search-backup-jobs.json') as QueryBody;
    body.data.alertContext.condition.allOf[0]!['searchQuery'] = searchQuery;
    return body;
  };

  it('judges the query by the code it runs: a backup table named only in a comment or a string is not a backup query', () => {
    expect(normaliseAlert(withQuery('SecurityEvent // AddonAzureBackupJobs\n| take 10'), new Date())).toMatchObject({ kind: 'ignored' });
    expect(normaliseAlert(withQuery("SecurityEvent | where Account == 'AddonAzureBackupJobs'"), new Date())).toMatchObject({ kind: 'ignored' });
    expect(normaliseAlert(withQuery('AzureDiagnostics | where JobStatus_s == "Failed"'), new Date())).toMatchObject({ kind: 'log-search' });
    // A table named by its quoted name is read all the same.
    expect(normaliseAlert(withQuery("['AddonAzureBackupJobs'] | where JobStatus == 'Failed'"), new Date())).toMatchObject({ kind: 'log-search' });
    expect(normaliseAlert(withQuery('table("AddonAzureBackupJobs") | where JobStatus == "Failed"'), new Date())).toMatchObject({ kind: 'log-search' });
    // A comment ends at a carriage return: what follows is code.
    expect(normaliseAlert(withQuery('print x = 1 // x\r| union AddonAzureBackupJobs'), new Date())).toMatchObject({ kind: 'log-search' });
    // A quoted name or a "Failed" filter in a comment reads nothing.
    expect(normaliseAlert(withQuery("SecurityEvent // ['AddonAzureBackupJobs']\n| take 10"), new Date())).toMatchObject({ kind: 'ignored' });
    expect(normaliseAlert(withQuery('Heartbeat | where JobStatus > 0 // JobStatus == "Failed"'), new Date())).toMatchObject({ kind: 'ignored' });
    // A table name or a "Failed" filter inside a string, anywhere but in table position, reads nothing.
    expect(normaliseAlert(withQuery('SecurityEvent | where Account == "[\'AddonAzureBackupJobs\']"'), new Date())).toMatchObject({ kind: 'ignored' });
    expect(normaliseAlert(withQuery('SecurityEvent | where Account == "table(\'CoreAzureBackup\')"'), new Date())).toMatchObject({ kind: 'ignored' });
    expect(normaliseAlert(withQuery('SecurityEvent | extend JobStatus = 1 | where Activity == "JobStatus == \'Failed\'"'), new Date())).toMatchObject({ kind: 'ignored' });
    expect(normaliseAlert(withQuery("SecurityEvent | where Account == 'AddonAzureBackupJobs' or x == ']'"), new Date())).toMatchObject({ kind: 'ignored' });
    // The same names where the code reads them do count, in any string form.
    expect(normaliseAlert(withQuery("[@'AddonAzureBackupJobs'] | take 10"), new Date())).toMatchObject({ kind: 'log-search' });
    expect(normaliseAlert(withQuery('AzureDiagnostics | where JobStatus_s =~ ~~~failed~~~'), new Date())).toMatchObject({ kind: 'log-search' });
    // A "//" inside a string is not a comment: the table after it still counts.
    expect(normaliseAlert(withQuery("print u = 'https://x' | union AddonAzureBackupJobs"), new Date())).toMatchObject({ kind: 'log-search' });
  });

  it.each([
    ['another workspace', 'AddonAzureBackupJobs | union workspace("other-workspace").SecurityEvent'],
    ['an external URL', 'AddonAzureBackupJobs | join (externaldata (x: string) [@"https://evil.example/x.csv"]) on $left.JobUniqueId == $right.x'],
    ['a plugin', 'AddonAzureBackupJobs | evaluate http_request("https://evil.example")'],
    ['a call after a comment ended by a lone carriage return', 'AddonAzureBackupJobs // note\r| union workspace("other").SecurityEvent'],
    ['a call after a comment ended by a line separator', 'AddonAzureBackupJobs // note\u2028| union workspace("other").SecurityEvent'],
    ['a call after a verbatim string that doubles its quote', "AddonAzureBackupJobs | where JobStatus == @'it''s' | union workspace('other').SecurityEvent"],
    ['a zero-width space before the parenthesis', 'AddonAzureBackupJobs | union workspace\u200b("other").SecurityEvent'],
    ['a call hidden where a misread string would swallow it', 'AddonAzureBackupJobs | where x == "a\\" | union cluster("c").database("d").T'],
    ['a call after a ~~~ string holding a quote, with a comment before its parenthesis', "AddonAzureBackupJobs | extend note = ~~~it's~~~ | union workspace // x\n(\"other-ws\").SecurityEvent"],
    ['a call with a comment between its name and its parenthesis', 'AddonAzureBackupJobs | union workspace // note\n("other-ws").SecurityEvent'],
  ])('refuses a query that reads outside its workspace (%s), naming the field', (_name, query) => {
    expect(normaliseAlert(withQuery(query), new Date())).toMatchObject({ kind: 'invalid', field: 'data.alertContext.condition.allOf[0].searchQuery', reason: expect.stringContaining('outside the workspace') });
  });

  const search = searchOf(fixture('log-search-backup-jobs.json'));
  const vault = '/SUBSCRIPTIONS/00000000-0000-0000-0000-000000000001/RESOURCEGROUPS/RG-BACKUP/PROVIDERS/MICROSOFT.RECOVERYSERVICES/VAULTS/RSV-PROD-WEU';
  const columns = ['TimeGenerated', 'JobUniqueId', 'JobStatus', 'JobFailureCode', 'BackupManagementType', 'BackupItemUniqueId', 'ResourceId'];

  it('makes each failed row an alert for its vault, VM, job and code, and leaves the others out', () => {
    const { alerts, unreadable } = failedJobAlerts(
      [
        {
          columns,
          rows: [
            [new Date('2026-03-13T11:30:00Z'), 'AAAA-1', 'Failed', 'UserErrorGuestAgentStatusUnavailable', 'IaaSVM', 'westeurope;guid;iaasvmcontainerv2;rg-app;vm-app01', vault],
            ['2026-03-13T11:31:00Z', 'aaaa-2', 'Completed', 'None', 'IaaSVM', 'westeurope;guid;iaasvmcontainerv2;rg-app;vm-app02', vault],
            ['2026-03-13T11:32:00Z', 'aaaa-3', 'Failed', 'None', 'IaaSVM', 'westeurope;guid;iaasvmcontainerv2;rg-app;vm-app03', vault],
            ['2026-03-13T11:33:00Z', '', 'Failed', 'UserErrorX', 'IaaSVM', 'westeurope;guid;iaasvmcontainerv2;rg-app;vm-app04', vault],
          ],
        },
      ],
      search,
    );
    expect(unreadable).toBe(1);
    expect(alerts.map((a) => [a.jobId, a.vault.name, a.vault.resourceGroup, a.vm.name, a.vm.resourceGroup, a.errorCode])).toEqual([
      ['aaaa-1', 'rsv-prod-weu', 'rg-backup', 'vm-app01', 'rg-app', 'UserErrorGuestAgentStatusUnavailable'],
      ['aaaa-3', 'rsv-prod-weu', 'rg-backup', 'vm-app03', 'rg-app', undefined],
    ]);
    expect(alerts[0]?.occurredAt).toEqual(new Date('2026-03-13T11:30:00Z'));
    expect(alerts[0]?.workload).toBeUndefined();
  });

  it('names the workload of a row from its type (a SQL database in a VM)', () => {
    const { alerts } = failedJobAlerts(
      [{ columns: ['JobUniqueId_s', 'JobStatus_s', 'BackupItemFriendlyName', 'DatasourceType', 'VaultName'], rows: [['bbbb-1', 'Failed', 'SalesDb', 'SQLDataBase', 'rsv-sql']] }],
      search,
    );
    expect(alerts.map((a) => [a.workload, a.vm.name, a.vault.name])).toEqual([['sql-server', 'SalesDb', 'rsv-sql']]);
  });
});
