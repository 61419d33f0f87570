import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { alertDedupeKey } from '../../../src/core/incidents/backup-alert';
import { identifyAlertCode } from '../../../src/core/incidents/identify-alert-code';
import { normaliseAlert } from '../../../src/core/incidents/normalize-alert';
import { fakeIdentifier } from './fake-identifier';

const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(join(__dirname, '../../fixtures/alerts', name), 'utf8')) as Record<string, unknown>;
const now = new Date('2025-01-01T04:00:00Z');

function ok(body: unknown) {
  const r = normaliseAlert(body, now);
  if (r.kind !== 'alert') throw new Error(`expected an alert, got ${r.kind}: ${'field' in r ? r.field : ''} ${'reason' in r ? r.reason : ''}`);
  return r.alert;
}

describe('normaliseAlert', () => {
  it('reads the captured Azure Backup alert: vault in its own spelling, the SQL database (not its VM), job id, message and hints', () => {
    const a = ok(fixture('common-sql-real.json'));
    expect(a.source).toBe('azure-monitor-backup');
    expect(a.condition).toBe('fired');
    expect(a.vault).toEqual({ name: 'Vault-Prod-WEU', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup' });
    expect(a.workload).toBe('sql-server');
    expect(a.vm).toEqual({ name: 'db1 (MSSQLSERVER on sqlvm01)', resourceGroup: 'rg-sql', subscriptionId: '00000000-0000-0000-0000-000000000001' });
    expect(a.jobId).toBe('aaaaaaaa-0000-0000-0000-000000000001');
    expect(a.message).toBe('First full backup is missing for this datasource.');
    expect(a.occurredAt.toISOString()).toBe('2026-03-13T11:56:13.939Z');
    expect(identifyAlertCode(a, fakeIdentifier)).toBe('UserErrorParentFullBackupMissing');
  });

  it('reads the Azure VM variant and identifies the code from the message', () => {
    const a = ok(fixture('common-vm.json'));
    expect(a.vm.name).toBe('app-vm-01');
    expect(identifyAlertCode(a, fakeIdentifier)).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('falls back to the lower-cased code inside originAlertId when the message is unknown', () => {
    const body = fixture('common-vm.json') as { data: { essentials: Record<string, unknown>; alertContext: { extendedInfo: Record<string, unknown> } } };
    body.data.essentials['description'] = 'Something the catalogue has never seen';
    body.data.alertContext.extendedInfo['recommendedActions'] = null;
    expect(identifyAlertCode(ok(body), fakeIdentifier)).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('reads a Resolved alert as a recovery at its resolved time', () => {
    const body = fixture('common-vm.json') as { data: { essentials: Record<string, unknown> } };
    body.data.essentials['monitorCondition'] = 'Resolved';
    body.data.essentials['resolvedDateTime'] = '2025-01-01T05:00:00Z';
    const a = ok(body);
    expect(a.condition).toBe('resolved');
    expect(a.occurredAt.toISOString()).toBe('2025-01-01T05:00:00.000Z');
  });

  it('reads the Backup Health Events metric alert: VM from DatasourceId, no code, the health status', () => {
    const a = ok(fixture('metric-health.json'));
    expect(a.source).toBe('azure-monitor-metric');
    expect(a.vm.name).toBe('app-vm-02');
    expect(a.healthStatus).toBe('Persistent Unhealthy');
    expect(a.jobId).toBeUndefined();
    expect(identifyAlertCode(a, fakeIdentifier)).toBeUndefined();
  });

  it('treats a metric alert back at Healthy as a recovery', () => {
    const body = fixture('metric-health.json') as { data: { alertContext: { condition: { allOf: Array<{ dimensions: Array<{ name: string; value: string }> }> } } } };
    body.data.alertContext.condition.allOf[0]!.dimensions[2]!.value = 'Healthy';
    expect(ok(body).condition).toBe('resolved');
  });

  it('reads the minimal JSON, with "now" when it carries no time', () => {
    const a = ok(fixture('minimal.json'));
    expect(a).toMatchObject({ source: 'minimal', vault: { name: 'vault-prod-weu' }, vm: { name: 'app-vm-03' }, errorCode: 'UserErrorGuestAgentStatusUnavailable' });
    expect(a.occurredAt).toEqual(now);
    expect(identifyAlertCode(a, fakeIdentifier)).toBe('UserErrorGuestAgentStatusUnavailable');
  });

  it('takes the code from an aka.ms/AB-<code> link when the catalogue does not know it (other workloads)', () => {
    const body = fixture('common-files.json') as { data: { alertContext: { extendedInfo: Record<string, unknown> } } };
    body.data.alertContext.extendedInfo['recommendedActions'] = 'Check the share. See https://aka.ms/AB-usererrorfileshareinaccessible for details.';
    expect(identifyAlertCode(ok(body), fakeIdentifier)).toBe('usererrorfileshareinaccessible');
  });

  it('keeps a stated code the catalogue does not know (it still groups)', () => {
    expect(identifyAlertCode(ok({ vault: 'v1', vm: 'vm1', errorCode: 'BrandNewCode' }), fakeIdentifier)).toBe('BrandNewCode');
  });

  it('gives the webhook and the poller the same dedupe key for one job', () => {
    const a = ok({ vault: 'v1', vm: 'vm1', message: 'x', jobId: '/subscriptions/s/resourceGroups/r/providers/Microsoft.RecoveryServices/vaults/v1/backupJobs/BBBBBBBB-0000-0000-0000-000000000001' });
    const b = ok(fixture('common-vm.json'));
    expect(alertDedupeKey(a)).toBe(alertDedupeKey(b));
  });

  it('recognises retries of a minimal alert that carries no time and no job (within one five-minute slot) as one alert', () => {
    const body = { vault: 'v1', vm: 'vm1', errorCode: 'UserErrorGuestAgentStatusUnavailable' };
    const keyAt = (iso: string): string => {
      const r = normaliseAlert(body, new Date(iso));
      if (r.kind !== 'alert') throw new Error(r.kind);
      return alertDedupeKey(r.alert);
    };
    expect(keyAt('2026-12-05T08:00:01.123Z')).toBe(keyAt('2026-12-05T08:04:59.999Z'));
    // The same failure an hour later is news.
    expect(keyAt('2026-12-05T09:00:01Z')).not.toBe(keyAt('2026-12-05T08:00:01Z'));
    // With its own time, an alert is its own: the time it carries decides.
    const timed = (occurredAt: string, receivedAt: string) => {
      const r = normaliseAlert({ ...body, occurredAt }, new Date(receivedAt));
      if (r.kind !== 'alert') throw new Error(r.kind);
      return alertDedupeKey(r.alert);
    };
    expect(timed('2026-12-05T07:59:00Z', '2026-12-05T08:00:00Z')).toBe(timed('2026-12-05T07:59:00Z', '2026-12-05T08:03:00Z'));
  });

  it.each([
    ['a bare number', '1'],
    ['a US date', '12/5/2026'],
    ['a day that does not exist', '2026-02-30T00:00:00Z'],
    ['no zone (it would be read in the server\'s zone)', '2026-12-05T08:00:00'],
    ['a date without a time', '2026-12-05'],
    ['an hour that does not exist', '2026-12-05T24:00:00Z'],
    ['an offset past 14 hours', '2026-12-05T08:00:00+15:00'],
    ['a year past 9999', '+010000-01-01T00:00:00Z'],
    ['a two-digit year written with four digits (Date.UTC would read 0070 as 1970)', '0070-01-01T00:00:00Z'],
  ])('refuses an alert time that is not an ISO 8601 date-time with its zone: %s', (_name, occurredAt) => {
    expect(normaliseAlert({ vault: 'v1', vm: 'vm1', errorCode: 'Abc', occurredAt }, now)).toMatchObject({ kind: 'invalid', field: 'occurredAt', reason: expect.stringContaining('ISO 8601') });
    const common = fixture('common-vm.json') as { data: { essentials: Record<string, unknown> } };
    common.data.essentials['firedDateTime'] = occurredAt;
    expect(normaliseAlert(common, now)).toMatchObject({ kind: 'invalid', field: 'data.essentials.firedDateTime' });
  });

  it.each([
    ['seven fraction digits, as Azure Monitor sends', '2026-12-05T08:00:00.1234567Z', '2026-12-05T08:00:00.123Z'],
    ['an offset', '2026-12-05T09:00:00+01:00', '2026-12-05T08:00:00.000Z'],
    ['29 February in a leap year', '2028-02-29T08:00:00Z', '2028-02-29T08:00:00.000Z'],
  ])('reads an ISO 8601 alert time: %s', (_name, occurredAt, expected) => {
    expect(ok({ vault: 'v1', vm: 'vm1', errorCode: 'Abc', occurredAt }).occurredAt.toISOString()).toBe(expected);
  });

  it.each([
    ['a right-to-left override in the linked resource name', 'linkedResourceName', 'vm-web\u202e01'],
    ['a bell in the linked resource name', 'linkedResourceName', 'vm-web\u000701'],
    ['a left-to-right isolate in the source id', 'sourceId', '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-web\u206601'],
  ])('refuses an alert whose resource names hide characters: %s', (_name, key, value) => {
    const alert = fixture('common-vm.json') as { data: { alertContext: Record<string, unknown> } };
    alert.data.alertContext[key] = value;
    expect(normaliseAlert(alert, now)).toMatchObject({ kind: 'invalid', field: `data.alertContext.${key}`, reason: expect.stringContaining('control characters or text-direction marks') });
  });

  it('keeps an alert whose item name holds a zero-width non-joiner, as a database name in Persian may', () => {
    const alert = fixture('common-vm.json') as { data: { alertContext: Record<string, unknown> } };
    alert.data.alertContext['linkedResourceName'] = 'vm-\u0645\u06cc\u200c\u0634\u0648\u062f';
    expect(normaliseAlert(alert, now).kind).not.toBe('invalid');
  });

  it.each([
    ['not an object', [1, 2], '(body)'],
    ['no known shape', { hello: 'world' }, 'schemaId'],
    ['unknown schemaId', { schemaId: 'other', data: {} }, 'schemaId'],
    ['common schema without essentials', { schemaId: 'azureMonitorCommonAlertSchema', data: {} }, 'data.essentials'],
    ['common schema without a monitoring service', { schemaId: 'azureMonitorCommonAlertSchema', data: { essentials: { monitoringService: ' ' } } }, 'data.essentials.monitoringService'],
    ['minimal without vm', { vault: 'v1', errorCode: 'Abc' }, 'vm'],
    ['minimal without code or message', { vault: 'v1', vm: 'vm1' }, 'errorCode'],
    ['minimal bad vault', { vault: '1-bad', vm: 'vm1', errorCode: 'Abc' }, 'vault'],
    ['minimal unknown field', { vault: 'v1', vm: 'vm1', errorCode: 'Abc', errrorCode: 'x' }, 'errrorCode'],
    ['minimal bad condition', { vault: 'v1', vm: 'vm1', errorCode: 'Abc', condition: 'maybe' }, 'condition'],
  ])('names the wrong field: %s', (_name, body, field) => {
    const r = normaliseAlert(body, now);
    expect(r).toMatchObject({ kind: 'invalid', field });
  });

  describe('Backup Health metric alerts', () => {
    type MetricBody = { data: { alertContext: { condition: { allOf: Array<{ metricName: string; dimensions: Array<{ name: string; value: string }> }> } } } };
    const withDimensions = (keep: (name: string) => boolean): MetricBody => {
      const body = fixture('metric-health-rest-names.json') as MetricBody;
      const criterion = body.data.alertContext.condition.allOf[0]!;
      criterion.dimensions = criterion.dimensions.filter((d) => keep(d.name));
      return body;
    };

    it('reads the five REST-named dimensions: the VM and its resource group from dataSourceURL, not the whole backupInstanceName', () => {
      const a = ok(fixture('metric-health-rest-names.json'));
      expect(a.source).toBe('azure-monitor-metric');
      expect(a.workload).toBeUndefined();
      expect(a.vm).toEqual({ name: 'myVM', resourceGroup: 'myresourcegroup', subscriptionId: '00000000-0000-0000-0000-000000000001' });
      expect(a.healthStatus).toBe('Persistent Unhealthy');
      expect(a.condition).toBe('fired');
    });

    it('finds the VM from backupInstanceUrl alone (the protected item id)', () => {
      const a = ok(withDimensions((n) => n === 'backupInstanceUrl' || n === 'healthStatus'));
      expect(a.vm).toEqual({ name: 'myvm', resourceGroup: 'myresourcegroup' });
    });

    it('parses backupInstanceName as {protectedContainerName};{backupItemFriendlyName}', () => {
      const a = ok(withDimensions((n) => n === 'backupInstanceName' || n === 'healthStatus'));
      expect(a.vm).toEqual({ name: 'myvm', resourceGroup: 'myresourcegroup' });
    });

    it.each([
      ['Healthy', 'resolved'],
      ['Transient Unhealthy', 'fired'],
      ['Persistent Unhealthy', 'fired'],
      ['Transient Degraded', 'fired'],
      ['Persistent Degraded', 'fired'],
    ])('maps healthStatus %s to %s', (status, condition) => {
      const body = fixture('metric-health-rest-names.json') as MetricBody;
      body.data.alertContext.condition.allOf[0]!.dimensions.find((d) => d.name === 'healthStatus')!.value = status;
      expect(ok(body).condition).toBe(condition);
    });

    it('accepts the portal display name of the metric', () => {
      const body = fixture('metric-health-rest-names.json') as MetricBody;
      body.data.alertContext.condition.allOf[0]!.metricName = 'Backup Health Events';
      expect(ok(body).vm.name).toBe('myVM');
    });

    it('ignores a vault-level alert (the rule is not split by datasource, so it names no item), saying how to split it', () => {
      expect(normaliseAlert(withDimensions((n) => n === 'healthStatus'), now)).toMatchObject({ kind: 'ignored', reason: expect.stringMatching(/split the alert rule by Datasource ID/) });
      const vaultLevel = normaliseAlert(fixture('metric-health-vault-level.json'), now);
      expect(vaultLevel).toMatchObject({ kind: 'ignored', rule: 'Backup health events at vault level' });
    });

    it('names the dimensions when one is there but identifies no item', () => {
      const body = withDimensions((n) => n === 'dataSourceURL' || n === 'healthStatus');
      body.data.alertContext.condition.allOf[0]!.dimensions.find((d) => d.name === 'dataSourceURL')!.value = 'not-an-arm-id';
      const r = normaliseAlert(body, now);
      expect(r).toMatchObject({ kind: 'invalid', field: 'data.alertContext.condition.allOf[0].dimensions' });
      if (r.kind === 'invalid') expect(r.reason).toMatch(/dataSourceURL/);
    });

    it('reads a SQL database in a VM from a rule split by Datasource ID alone: the database, not the VM', () => {
      const a = ok(fixture('metric-health-datasource-id-sql.json'));
      expect(a.workload).toBe('sql-server');
      expect(a.vm).toEqual({ name: 'msdb (mssqlserver on testVM)', resourceGroup: 'testRG', subscriptionId: '00000000-0000-0000-0000-000000000000' });
    });

    it('leaves out a dimension whose value is null instead of refusing the alert', () => {
      const body = fixture('metric-health-rest-names.json') as MetricBody;
      body.data.alertContext.condition.allOf[0]!.dimensions.push({ name: 'dataSourceType', value: null as unknown as string });
      expect(ok(body).vm.name).toBe('myVM');
    });
  });

  describe('fields the common schema writes as null, or in another shape, that the bot does not need', () => {
    type SqlBody = { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> & { extendedInfo: Record<string, unknown> } } };
    const sql = () => fixture('common-sql-real.json') as SqlBody;

    it.each(['alertRule', 'alertId'])('accepts %s: null, as Microsoft\'s own samples write an absent value', (field) => {
      const body = sql();
      body.data.essentials[field] = null;
      expect(ok(body).workload).toBe('sql-server');
    });

    it('reads affectedItems given as a list (it is only a fallback for the item id), and passes over one of another shape', () => {
      const listed = sql();
      listed.data.alertContext['affectedItems'] = [listed.data.alertContext['sourceId']];
      expect(ok(listed).vm).toEqual(ok(sql()).vm);
      const odd = sql();
      odd.data.alertContext['affectedItems'] = { id: 'x' };
      expect(ok(odd).vm).toEqual(ok(sql()).vm);
    });

    it('reads recommendedActions given as a list of actions', () => {
      const body = sql();
      body.data.alertContext.extendedInfo['recommendedActions'] = ['Check the SQL instance', 'See aka.ms/AB-UserErrorOpeningSQLConnection'];
      expect(ok(body).codeHints).toContain('Check the SQL instance\nSee aka.ms/AB-UserErrorOpeningSQLConnection');
    });
  });

  describe('built-in Azure Backup alerts name the workload and the protected resource', () => {
    it.each([
      ['common-vm.json', undefined, 'app-vm-01', 'rg-app'],
      ['common-sql-real.json', 'sql-server', 'db1 (MSSQLSERVER on sqlvm01)', 'rg-sql'],
      ['common-hana.json', 'sap-hana', 'h22 (hanavm01)', 'rg-hana'],
      ['common-files.json', 'azure-files', 'finance (stfiles01)', 'rg-files'],
      ['common-mars.json', 'mars-agent', 'fileserver01.contoso.local', undefined],
      ['common-disk-backup-vault.json', 'azure-disk', 'disk-data01', 'rg-disks'],
    ])('%s: %s %s', (file, workload, name, resourceGroup) => {
      const a = ok(fixture(file));
      expect(a.workload).toBe(workload);
      expect(a.vm.name).toBe(name);
      expect(a.vm.resourceGroup).toBe(resourceGroup);
    });

    it('takes the Backup vault (Microsoft.DataProtection) as the vault', () => {
      expect(ok(fixture('common-disk-backup-vault.json')).vault).toMatchObject({ name: 'bv-prod-weu', resourceGroup: 'rg-backup' });
    });

    it('goes by the types, not by names: a VM called "sql-hana-disk" is still a VM', () => {
      const body = JSON.parse(JSON.stringify(fixture('common-vm.json')).replaceAll('app-vm-01', 'sql-hana-disk')) as Record<string, unknown>;
      const a = ok(body);
      expect(a.workload).toBeUndefined();
      expect(a.vm.name).toBe('sql-hana-disk');
    });
  });

  describe('well-formed alerts about something else are ignored with the reason', () => {
    it.each([
      ['documented/metric-storage-dynamic.json', /metric alert "test-metricAlertRule" on "Transactions" \(Microsoft.Storage\/storageAccounts\)/],
      ['documented/log-search-v2.json', /log search alert "test-logAlertRule-v2" whose query does not read the backup job tables/],
      ['documented/activity-log-administrative.json', /Activity Log - Administrative alert/],
      ['documented/service-health.json', /ServiceHealth alert/],
      ['documented/resource-health.json', /Resource Health alert/],
      ['documented/budget-aip.json', /budget notification/],
      ['documented/budget-actual-cost.json', /CostAlerts alert/],
      ['documented/smart-detection.json', /SmartDetector alert/],
    ])('%s', (file, reason) => {
      const r = normaliseAlert(fixture(file), now);
      expect(r.kind).toBe('ignored');
      if (r.kind === 'ignored') expect(r.reason).toMatch(reason);
    });

    it('ignores Azure Backup security alerts and restore failures, which are not backup failures', () => {
      const security = fixture('common-vm.json') as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } };
      security.data.alertContext['category'] = 'Security';
      security.data.essentials['alertRule'] = 'Delete Backup Data';
      expect(normaliseAlert(security, now)).toMatchObject({ kind: 'ignored', rule: 'Delete Backup Data' });
      const restore = fixture('common-vm.json') as { data: { essentials: Record<string, unknown> } };
      restore.data.essentials['alertRule'] = 'Restore Failure';
      expect(normaliseAlert(restore, now).kind).toBe('ignored');
    });

    it('quotes a huge rule, service or metric name cut short, so the answer stays smaller than the body', () => {
      const huge = 'x'.repeat(1_000_000);
      const search = fixture('documented/log-search-v2.json') as { data: { essentials: Record<string, unknown> } };
      search.data.essentials['alertRule'] = huge;
      const metric = fixture('documented/metric-storage-dynamic.json') as { data: { essentials: Record<string, unknown>; alertContext: { condition: { allOf: Record<string, unknown>[] } } } };
      metric.data.alertContext.condition.allOf[0]!['metricName'] = huge;
      metric.data.alertContext.condition.allOf[0]!['metricNamespace'] = huge;
      const service = fixture('documented/service-health.json') as { data: { essentials: Record<string, unknown> } };
      service.data.essentials['monitoringService'] = huge;
      for (const body of [search, metric, service]) {
        const r = normaliseAlert(body, now);
        expect(r.kind).toBe('ignored');
        if (r.kind !== 'ignored') continue;
        expect(r.reason.length).toBeLessThan(1_000);
        expect(r.reason).toContain('x…');
        expect((r.rule ?? '').length).toBeLessThanOrEqual(260);
      }
    });
  });
});
