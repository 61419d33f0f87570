import { troubleshootVerb } from '../../../src/core/incidents/incident-view';
import { executeInvoke } from '../../helpers/activities';
import { cardOf, cardText, ConnectorStub } from '../../helpers/connector-stub';
import { useWebhookBot, fixture, metricValue, metricsText, postAlert } from './alert-test-kit';

/**
 * Every sample under test/fixtures/alerts posted to the real webhook: the backup alerts become
 * incidents that name the right thing; everything else an action group sends is answered 200 with
 * the reason it was ignored, stored nowhere, and counted.
 */
describe('POST /api/alerts with the alert kinds Azure sends', () => {
  const suite = useWebhookBot();

  async function incidentOf(body: Record<string, unknown>) {
    const r = await postAlert(suite.bot.running.url, body);
    expect(r.status).toBe(202);
    const id = r.body['incidentId'];
    expect(typeof id).toBe('string');
    const incident = suite.bot.app.alerts.sqlite!.incidents.get(id as string);
    if (!incident) throw new Error(`incident ${String(id)} was not stored`);
    return incident;
  }

  it('makes a Backup Health metric alert with the documented REST dimension names an incident for the right VM', async () => {
    const incident = await incidentOf(fixture('metric-health-rest-names.json'));
    expect(incident.vault.name).toBe('vault-prod-weu');
    expect(incident.vms.map((v) => [v.name, v.resourceGroup])).toEqual([['myVM', 'myresourcegroup']]);
  });

  it('makes a SQL-in-VM backup failure an incident that names the database, apart from VM incidents of the same code', async () => {
    const sql = await incidentOf(fixture('common-sql-real.json'));
    // The code comes from Azure's aka.ms/AB-<code> link, lower-cased as Azure writes it.
    expect(sql.code?.toLowerCase()).toBe('usererrorparentfullbackupmissing');
    expect(sql.vms.map((v) => v.name)).toEqual(['db1 (MSSQLSERVER on sqlvm01)']);
    const vm = await incidentOf({ vault: 'Vault-Prod-WEU', vm: 'sqlvm01', errorCode: 'UserErrorParentFullBackupMissing', occurredAt: '2026-03-13T11:57:00Z' });
    expect(vm.id).not.toBe(sql.id);
    expect(vm.vms.map((v) => v.name)).toEqual(['sqlvm01']);

    // The SQL card's Causes opens the code's stepping card, with no VM filled in: the database is not a VM to run checks on.
    const connector = new ConnectorStub();
    const serviceUrl = await connector.start();
    try {
      await suite.bot.post(executeInvoke(troubleshootVerb, { v: 1, incidentId: sql.id, vm: sql.vms[0]?.key }, 'msg-incident', { serviceUrl, conversationId: 'c-kinds' }));
      const replies = await connector.waitFor((c) => c.length > 0);
      const [card] = replies.map((c) => cardText(cardOf(c)));
      expect(card).toContain('UserErrorParentFullBackupMissing\nFirst full backup is missing for this data source.');
      expect(card).toContain('Cause 1 of 1');
      expect(card).not.toContain('db1 (MSSQLSERVER on sqlvm01)');
    } finally {
      await connector.stop();
    }
  });

  it('makes a Backup Health alert split by Datasource ID alone (Microsoft\'s recommended rule) about a SQL database an incident for the database', async () => {
    const incident = await incidentOf(fixture('metric-health-datasource-id-sql.json'));
    expect(incident.groupKey).toContain('sql-server');
    expect(incident.vms.map((v) => v.name)).toEqual(['msdb (mssqlserver on testVM)']);
  });

  it.each([
    ['common-hana.json', 'sap-hana', 'h22 (hanavm01)'],
    ['common-files.json', 'azure-files', 'finance (stfiles01)'],
    ['common-mars.json', 'mars-agent', 'fileserver01.contoso.local'],
    ['common-mabs-dpm.json', 'mabs-dpm', 'SalesDb (mabs01.contoso.local)'],
    ['common-disk-backup-vault.json', 'azure-disk', 'disk-data01'],
    ['common-blob-backup-vault.json', 'azure-blob', 'stblobs01'],
  ])('names the workload and the protected resource of %s: %s, %s', async (file, workload, name) => {
    const body = fixture(file) as { data: { alertContext: { extendedInfo: { jobId: string } } } };
    const r = await postAlert(suite.bot.running.url, body);
    expect(r.status).toBe(202);
    // Grouped, or waiting for its job when the alert does not say the code: stored either way, under its job.
    const stored = suite.bot.app.alerts.sqlite!.inbox.find(`fired:job:${body.data.alertContext.extendedInfo.jobId}`);
    expect(stored?.alert.vm.name).toBe(name);
    expect(stored?.alert.workload).toBe(workload);
  });

  const ignored: ReadonlyArray<readonly [string, RegExp]> = [
    ['documented/metric-storage-dynamic.json', /Transactions/],
    ['documented/log-search-v2.json', /log search alert/],
    ['documented/activity-log-administrative.json', /Activity Log - Administrative/],
    ['documented/service-health.json', /ServiceHealth/],
    ['documented/resource-health.json', /Resource Health/],
    ['documented/budget-aip.json', /budget/],
    ['documented/budget-actual-cost.json', /CostAlerts/],
    ['documented/smart-detection.json', /SmartDetector/],
    // Microsoft's vault-level Backup Health rule: a count for the vault that names no item (a 400 would drop it unexplained).
    ['metric-health-vault-level.json', /split the alert rule by Datasource ID/],
  ];

  it.each(ignored)('answers %s with 200 and the reason, storing nothing', async (file, reason) => {
    const inbox = suite.bot.app.alerts.sqlite!.inbox.count();
    const incidents = suite.bot.app.alerts.sqlite!.incidents.count();
    const r = await postAlert(suite.bot.running.url, fixture(file));
    expect(r.status).toBe(200);
    expect(r.body['ignored']).toMatch(reason);
    expect(suite.bot.app.alerts.sqlite!.inbox.count()).toBe(inbox);
    expect(suite.bot.app.alerts.sqlite!.incidents.count()).toBe(incidents);
  });

  it('counts ignored alerts in /metrics', async () => {
    const before = metricValue(await metricsText(suite.bot.running.url), 'backup_doctor_alerts_received_total', { outcome: 'not_backup_failure' }) ?? 0;
    await postAlert(suite.bot.running.url, fixture('documented/service-health.json'));
    await postAlert(suite.bot.running.url, fixture('documented/service-health.json'));
    const after = metricValue(await metricsText(suite.bot.running.url), 'backup_doctor_alerts_received_total', { outcome: 'not_backup_failure' });
    expect(after).toBe(before + 2);
  });

  it('still refuses an unauthenticated non-backup alert with 401', async () => {
    const r = await postAlert(suite.bot.running.url, fixture('documented/service-health.json'), { secret: null });
    expect(r.status).toBe(401);
  });
});
