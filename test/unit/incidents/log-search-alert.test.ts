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
  });

  it.each([
    ['another workspace', 'AddonAzureBackupJobs | union workspace("other-workspace").SecurityEvent'],
    ['an external URL', 'AddonAzureBackupJobs | join (externaldata (x: string) [@"https://evil.example/x.csv"]) on $left.JobUniqueId == $right.x'],
    ['a plugin', 'AddonAzureBackupJobs | evaluate http_request("https://evil.example")'],
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
