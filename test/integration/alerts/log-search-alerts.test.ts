import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import { incidentCardData } from '../../../src/core/incidents/incident-view';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, fixture, postAlert } from './alert-test-kit';

const scenarioFile = join(__dirname, '../../../scenarios/default.json');
const workspaceId = '6f0b8b7e-3c1a-4d2b-9a41-0c5e2f7d9a10';

/** The constructed log search alert on failed backup jobs, its window moved to end now. */
function logSearchAlert(hours: number): Record<string, unknown> {
  const body = fixture('log-search-backup-jobs.json') as { data: { alertContext: { condition: Record<string, unknown> } } };
  const end = new Date();
  body.data.alertContext.condition['windowStartTime'] = new Date(end.getTime() - hours * 3_600_000).toISOString();
  body.data.alertContext.condition['windowEndTime'] = end.toISOString();
  return body as unknown as Record<string, unknown>;
}

/**
 * A log search alert on backup jobs posted to the real webhook: with a workspace configured, the bot
 * runs the alert's query through the real LogsQueryClient against the simulator and every failed job
 * becomes an incident entry; without one, or when the query is refused, the alert is kept as one
 * incident whose message says what is missing.
 */
describe('POST /api/alerts with a log search alert on failed backup jobs', () => {
  let sim: ArmSimulator;
  let bot: TestBot | undefined;
  let state: { file: string; cleanup: () => void };

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: scenarioFile });
    state = tempStateFile();
  });
  afterEach(async () => {
    await bot?.stop();
    bot = undefined;
    await sim.close();
    state.cleanup();
  });

  async function start(withWorkspace: boolean, extra: Record<string, string> = {}): Promise<TestBot> {
    const caFile = join(dirname(state.file), 'simulator-ca.pem');
    writeFileSync(caFile, sim.caPem);
    const workspace: Record<string, string> = withWorkspace ? { LOG_ANALYTICS_WORKSPACE_ID: workspaceId, LOG_ANALYTICS_ENDPOINT: sim.endpoint, AZURE_CA_FILE: caFile } : {};
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { ...workspace, ...extra }), { alerts: { startWorkers: false } });
    return bot;
  }

  /** The scenario's failed backup jobs that ended in the last `hours`. */
  function failedJobsWithin(hours: number) {
    const since = Date.now() - hours * 3_600_000;
    return sim.state.vaults.flatMap((vault) =>
      vault.jobs.filter((j) => j.status === 'Failed' && j.operation === 'Backup' && (j.endTime ?? j.startTime).getTime() >= since).map((job) => ({ vault: vault.name, job })),
    );
  }

  it('runs the alert query on the workspace and makes one incident entry per failed job, once', async () => {
    const b = await start(true);
    const expected = failedJobsWithin(6);
    expect(expected.length).toBeGreaterThan(1);

    const r = await postAlert(b.running.url, logSearchAlert(6));
    expect(r.status).toBe(202);
    expect(r.body['status']).toBe('jobs-read');
    expect(r.body['failedJobs']).toBe(expected.length);
    expect(sim.requests.some((q) => q.method === 'POST' && q.path === `/v1/workspaces/${workspaceId}/query`)).toBe(true);

    const sqlite = b.app.alerts.sqlite!;
    for (const { vault, job } of expected) {
      const entry = sqlite.inbox.find(`fired:job:${job.id}`);
      expect(entry?.alert.source).toBe('log-search');
      expect(entry?.alert.vault.name).toBe(vault);
      expect(entry?.alert.vm.name.toLowerCase()).toBe(job.vmName.toLowerCase());
      const incident = sqlite.incidents.get(entry?.incidentId ?? '');
      expect(incident?.code?.toLowerCase()).toBe(job.error?.code?.toLowerCase());
      expect(incident?.vms.map((v) => v.jobId)).toContain(job.id);
    }

    // Azure Monitor fires the rule again while the jobs are still in its window: nothing is counted twice.
    const inboxBefore = sqlite.inbox.count();
    const again = await postAlert(b.running.url, logSearchAlert(6));
    expect(again.status).toBe(202);
    expect((again.body['jobs'] as { status: string }[]).every((j) => j.status === 'duplicate')).toBe(true);
    expect(sqlite.inbox.count()).toBe(inboxBefore);
  });

  /** The log search alert of the last six hours, with `query` as its rule's query. */
  const postQuery = (b: Awaited<ReturnType<typeof start>>, query: string) => {
    const body = logSearchAlert(6) as { data: { alertContext: { condition: { allOf: Array<Record<string, unknown>> } } } };
    body.data.alertContext.condition.allOf[0]!['searchQuery'] = query;
    return postAlert(b.running.url, body as unknown as Record<string, unknown>);
  };

  it('refuses a query that reads another table of the workspace with 400 naming it, and never runs it', async () => {
    const b = await start(true);
    const queriesBefore = sim.requests.filter((r) => /query/i.test(r.path)).length;
    const inboxBefore = b.app.alerts.sqlite!.inbox.count();
    for (const query of [
      'SigninLogs | project JobUniqueId = CorrelationId, JobStatus = "Failed" | union AddonAzureBackupJobs',
      'AddonAzureBackupJobs | where JobStatus == "Failed" | join kind=inner (SecurityEvent | project JobUniqueId = Account) on JobUniqueId',
      'AddonAzureBackupJobs | where toscalar(SigninLogs | where UserPrincipalName startswith "a" | count) > 0',
      'union * | where JobStatus == "Failed"',
      'search in (AddonAzureBackupJobs, SigninLogs) "secret"',
      "AddonAzureBackupJobs | union (AddonAzureBackupJobs | take 1), ['SigninLogs']",
    ]) {
      const r = await postQuery(b, query);
      expect({ query, status: r.status }).toEqual({ query, status: 400 });
      expect(r.body['reason']).toMatch(/reads (tables other than the backup tables \((SigninLogs|SecurityEvent)\)|every table of the workspace)/);
    }
    expect(sim.requests.filter((r) => /query/i.test(r.path)).length).toBe(queriesBefore);
    expect(b.app.alerts.sqlite!.inbox.count()).toBe(inboxBefore);
  });

  it('runs the queries Microsoft documents for backup alerts: failed jobs, and failed jobs joined with their backup items', async () => {
    const b = await start(true);
    // "All failed backup jobs" and the CoreAzureBackup join of "Monitor at scale by using Azure Monitor" (Azure Backup docs).
    for (const query of [
      'AddonAzureBackupJobs\n| where JobOperation=="Backup"\n| summarize arg_max(TimeGenerated,*) by JobUniqueId\n| where JobStatus=="Failed"',
      'AddonAzureBackupJobs\n| where JobOperation=="Backup"\n| summarize arg_max(TimeGenerated,*) by JobUniqueId\n| where JobStatus=="Failed"\n| join kind=inner\n(\n    CoreAzureBackup\n    | where OperationName == "BackupItem"\n    | where BackupItemType=="VM" and BackupManagementType=="IaaSVM"\n    | distinct BackupItemUniqueId, BackupItemFriendlyName\n)\non BackupItemUniqueId',
      'let failed = AddonAzureBackupJobs | where JobStatus == "Failed";\nfailed | union (datatable(JobUniqueId: string)["x"]) | project JobUniqueId',
    ]) {
      const r = await postQuery(b, query);
      expect({ query, status: r.status }).toEqual({ query, status: 202 });
    }
  });

  it('shows nothing the alert’s own query returned: its rows pick jobs at most, and each job is described by the bot’s own query', async () => {
    const b = await start(true);
    const [real] = failedJobsWithin(6);
    if (!real) throw new Error('the scenario has no failed job in the window');
    const vaultId = sim.state.vaults.find((v) => v.name === real.vault)?.id.toUpperCase();
    // What the rule's query projected into the job columns: a made-up job, and a real job with made-up details.
    const madeUp = (jobId: string) => [new Date().toISOString(), jobId, 'Backup', 'Failed', 'alice@contoso.com', new Date().toISOString(), 1, 'IaaSVM', 'westeurope;x;iaasvmcontainerv2;rg;P@ssw0rd-in-the-rows', vaultId];
    sim.state.logRows.push({ contains: 'projected-by-the-rule', rows: [madeUp('00000000-dead-beef-0000-000000000001'), madeUp(real.job.id)] });
    const r = await postQuery(b, 'AddonAzureBackupJobs | extend Note = "projected-by-the-rule" | where JobStatus == "Failed"');
    expect(r.status).toBe(202);
    // Every real failed job the query named is read (the planted rows named one of them again), the made-up one is not.
    expect(r.body['failedJobs']).toBe(failedJobsWithin(6).length);
    const sqlite = b.app.alerts.sqlite!;
    expect(sqlite.inbox.find('fired:job:00000000-dead-beef-0000-000000000001')).toBeUndefined();
    const entry = sqlite.inbox.find(`fired:job:${real.job.id}`);
    expect(entry?.alert.vm.name.toLowerCase()).toBe(real.job.vmName.toLowerCase());
    expect(JSON.stringify(entry)).not.toMatch(/alice@contoso|P@ssw0rd/i);
    expect(JSON.stringify(sqlite.incidents.get(entry?.incidentId ?? ''))).not.toMatch(/alice@contoso|P@ssw0rd/i);
  });

  it('a query that names only jobs the backup jobs table does not hold as failed is kept as one incident saying so', async () => {
    const b = await start(true);
    sim.state.logRows.push({ contains: 'AzureDiagnostics', rows: [[new Date().toISOString(), '00000000-dead-beef-0000-000000000002', 'Backup', 'Failed', 'UserErrorGuestAgentStatusUnavailable', new Date().toISOString(), 1, 'IaaSVM', 'westeurope;x;iaasvmcontainerv2;rg;vm-ghost', sim.state.vaults[0]?.id.toUpperCase()]] });
    const r = await postQuery(b, 'AzureDiagnostics | where JobStatus_s == "Failed"');
    expect(r.status).toBe(202);
    expect(r.body['status']).toBe('jobs-not-read');
    expect(r.body['note']).toMatch(/does not hold as failed backups/);
    expect(b.app.alerts.sqlite!.inbox.find('fired:job:00000000-dead-beef-0000-000000000002')).toBeUndefined();
  });

  it('without a workspace keeps the alert as one incident that names the setting to set', async () => {
    const b = await start(false);
    const r = await postAlert(b.running.url, logSearchAlert(6));
    expect(r.status).toBe(202);
    expect(r.body['status']).toBe('jobs-not-read');
    const incident = b.app.alerts.sqlite!.incidents.get(r.body['incidentId'] as string);
    expect(incident?.message).toMatch(/LOG_ANALYTICS_WORKSPACE_ID/);
    expect(incident?.vault.name).toBe('law-backup-reports');
    expect(incident?.vms.map((v) => v.name)).toEqual(['log search alert "Failed backup jobs"']);
    expect(b.app.alerts.sqlite!.incidents.count()).toBe(1);
    // The card says what is missing, and offers no "Troubleshoot <vm>" for the rule's name.
    const card = incidentCardData(incident!, 'en');
    expect(card.message).toMatch(/LOG_ANALYTICS_WORKSPACE_ID/);
    expect(card.actions).toEqual([]);

    // The same alert again (Azure Monitor retries) is the same entry, not a second incident.
    const again = await postAlert(b.running.url, logSearchAlert(6));
    expect(again.body['incidentId']).toBe(r.body['incidentId']);
    expect(b.app.alerts.sqlite!.incidents.count()).toBe(1);
  });

  it('when the workspace refuses the query (403), keeps one incident that names the missing role', async () => {
    const b = await start(true);
    sim.faults.fail('/v1/workspaces/', { status: 403, code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access to perform the requested operation' });
    const r = await postAlert(b.running.url, logSearchAlert(6));
    expect(r.status).toBe(202);
    expect(r.body['status']).toBe('jobs-not-read');
    expect(r.body['note']).toMatch(/Log Analytics Reader/);
    const incident = b.app.alerts.sqlite!.incidents.get(r.body['incidentId'] as string);
    expect(incident?.message).toMatch(new RegExp(`Log Analytics Reader role on workspace ${workspaceId}`));
    expect(b.app.alerts.sqlite!.incidents.count()).toBe(1);
  });

  it('when the query does not answer in time, keeps one incident that names the timeout setting', async () => {
    const b = await start(true, { LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS: '1' });
    const held = sim.faults.hold('/v1/workspaces/');
    try {
      const r = await postAlert(b.running.url, logSearchAlert(6));
      expect(r.status).toBe(202);
      expect(r.body['status']).toBe('jobs-not-read');
      expect(r.body['note']).toMatch(/LOG_ANALYTICS_QUERY_TIMEOUT_SECONDS/);
    } finally {
      held.release();
    }
  });
});
