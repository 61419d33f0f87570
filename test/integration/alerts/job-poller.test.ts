import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { ManualClock, alertEnv, fixture, metricValue, metricsText, postAlert } from './alert-test-kit';

const scenarioFile = join(__dirname, '../../../scenarios/default.json');
const SUB = '00000000-0000-0000-0000-000000000001';

interface ScenarioJobJson {
  id: string;
  vm: string;
  status: string;
  operation?: string;
  error?: { errorString: string };
}
interface ScenarioJson {
  subscriptions: { id: string; resourceGroups: { name: string; vaults?: { name: string; jobs?: ScenarioJobJson[] }[] }[] }[];
}

/** The failed backup jobs the default scenario holds, per vault. */
function failedJobs(): { vault: string; resourceGroup: string; job: ScenarioJobJson }[] {
  const scenario = JSON.parse(readFileSync(scenarioFile, 'utf8')) as ScenarioJson;
  return scenario.subscriptions.flatMap((s) =>
    s.resourceGroups.flatMap((rg) =>
      (rg.vaults ?? []).flatMap((v) => (v.jobs ?? []).filter((j) => j.status === 'Failed' && (j.operation ?? 'Backup') === 'Backup').map((job) => ({ vault: v.name, resourceGroup: rg.name, job }))),
    ),
  );
}

describe('job poller against the ARM simulator (real SDK clients)', () => {
  let sim: ArmSimulator;
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };
  let clock: ManualClock;
  const failed = failedJobs();

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: scenarioFile });
    const azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, subscriptionIds: [SUB] });
    state = tempStateFile();
    clock = new ManualClock();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { POLL_INTERVAL_MINUTES: '15', POLL_LOOKBACK_HOURS: '48' }), { clock, alerts: { azure, startWorkers: false } });
  });
  afterEach(async () => {
    await bot.stop();
    await sim.close();
    state.cleanup();
  });

  it('turns the failed jobs since the watermark into alerts, once', async () => {
    expect(failed.length).toBeGreaterThan(0);
    const poller = bot.app.alerts.poller!;
    const fresh = await poller.pollOnce();
    expect(fresh).toBe(failed.length);
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(failed.length);
    expect(poller.lastStatus().azureReachable).toBe(true);
    // The watermark is persisted: the next poll finds nothing new.
    expect(await poller.pollOnce()).toBe(0);
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(failed.length);
    const ready = (await (await fetch(`${bot.running.url}/readyz`)).json()) as Record<string, unknown>;
    expect(ready).toMatchObject({ ready: true, azure: 'ok' });
    expect(typeof ready['lastPollAt']).toBe('string');
  });

  it('polls the other vaults when the identity may not read one, says which on /readyz, and reads that vault once it may', async () => {
    const [resourceGroup, denied] = [failed[0]!.resourceGroup, failed[0]!.vault];
    const deniedJobs = failed.filter((f) => f.vault === denied).length;
    // A failed job in another vault, one the identity may read.
    const readable = sim.state.vaults.find((v) => v.name !== denied)!;
    const job = { id: randomUUID(), vaultId: readable.id, vmName: 'vm-ok02', vmResourceGroup: 'rg-app', operation: 'Backup', jobType: 'AzureIaaSVMJob', isUserTriggered: false, startTime: new Date(clock.now().getTime() - 3_600_000), endTime: new Date(clock.now().getTime() - 1_800_000), status: 'Failed', actionsInfo: [2], duration: 'PT30M', error: { errorCode: 400001, errorString: 'VM Agent unable to communicate with Azure Backup', errorTitle: '', recommendations: [] } };
    readable.jobs.push(job as (typeof readable.jobs)[number]);
    // Backup Reader was never granted on the vault with the scenario's failures (another team's, say).
    sim.faults.deny(`/subscriptions/${SUB}/resourceGroups/${resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${denied}`);
    const poller = bot.app.alerts.poller!;

    expect(await poller.pollOnce()).toBe(1);
    expect(bot.app.alerts.sqlite!.inbox.find(`fired:job:${job.id}`)).toBeDefined();
    const ready = (await (await fetch(`${bot.running.url}/readyz`)).json()) as { ready: boolean; azure: string; problems: string[] };
    expect(ready).toMatchObject({ ready: true, azure: 'ok' });
    expect(ready.problems).toEqual([expect.stringMatching(new RegExp(`^vault ${denied} not polled for failed jobs: .*Backup Reader`))]);

    // The role is granted: the next poll reads the failures it missed there, and the problem is gone.
    sim.faults.clear();
    clock.advance(15 * 60_000);
    expect(await poller.pollOnce()).toBe(deniedJobs);
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(failed.length + 1);
    expect(poller.lastStatus().unpolledVaults).toBeUndefined();
  });

  it('says Azure is unreachable when no vault could be polled', async () => {
    sim.faults.deny(`/subscriptions/${SUB}`);
    const poller = bot.app.alerts.poller!;

    expect(await poller.pollOnce()).toBe(0);
    const ready = (await (await fetch(`${bot.running.url}/readyz`)).json()) as { azure: string; problems: string[] };
    expect(ready.azure).toBe('unreachable');
    expect(ready.problems).toEqual([expect.stringMatching(/^Azure unreachable: .*Backup Reader/)]);
  });

  it('catches a long job that was running at one poll and failed before the next: one alert, kept one on later polls', async () => {
    const poller = bot.app.alerts.poller!;
    const vault = sim.state.vaults.find((v) => v.name === 'rsv-prod-weu')!;
    const item = vault.items.find((i) => i.vmName === 'vm-app02')!;
    // Started an hour before poll 1, still running then (the poller lists failed jobs only).
    const job = {
      id: randomUUID(),
      vaultId: vault.id,
      vmName: item.vmName,
      vmResourceGroup: item.vmResourceGroup,
      operation: 'Backup',
      jobType: 'AzureIaaSVMJob',
      isUserTriggered: false,
      startTime: new Date(clock.now().getTime() - 3_600_000),
      status: 'InProgress',
      actionsInfo: [1],
    };
    vault.jobs.push(job);
    await poller.pollOnce();
    const before = bot.app.alerts.sqlite!.inbox.count();
    expect(bot.app.alerts.sqlite!.inbox.find(`fired:job:${job.id}`)).toBeUndefined();

    // It fails two hours later; the next poll runs a quarter of an hour after that.
    clock.advance(2 * 3_600_000);
    Object.assign(job, {
      status: 'Failed',
      endTime: clock.now(),
      duration: 'PT3H',
      actionsInfo: [2],
      error: { errorCode: 400001, errorString: 'VM Agent unable to communicate with Azure Backup', errorTitle: '', recommendations: [] },
      dynamicErrorMessage: 'VM Agent unable to communicate with Azure Backup',
    });
    clock.advance(15 * 60_000);
    expect(await poller.pollOnce()).toBe(1);
    const entry = bot.app.alerts.sqlite!.inbox.find(`fired:job:${job.id}`);
    expect(entry).toBeDefined();
    expect(entry!.alert.vm.name).toBe('vm-app02');
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(before + 1);

    // Later polls list it again (it started within the longest job duration): still one entry.
    for (let i = 0; i < 3; i++) {
      clock.advance(15 * 60_000);
      expect(await poller.pollOnce()).toBe(0);
    }
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(before + 1);
    const incident = bot.app.alerts.sqlite!.incidents.get(entry!.incidentId!)!;
    expect(incident.code).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(incident.vms.filter((v) => v.name === 'vm-app02')).toHaveLength(1);
  });

  it('counts the failed jobs the poller turns into alerts on /metrics, once each', async () => {
    const poller = bot.app.alerts.poller!;
    await poller.pollOnce();
    await bot.app.alerts.processor.processPending();
    let text = await metricsText(bot.running.url);
    expect(metricValue(text, 'backup_doctor_alerts_received_total')).toBe(failed.length);
    expect(metricValue(text, 'backup_doctor_incidents_opened_total')).toBe(bot.app.alerts.sqlite!.incidents.count());
    clock.advance(15 * 60_000);
    await poller.pollOnce();
    text = await metricsText(bot.running.url);
    expect(metricValue(text, 'backup_doctor_alerts_received_total')).toBe(failed.length);
  });

  it('keeps one entry when the webhook and the poller both report a job (either order)', async () => {
    const [first, second] = failed;
    const asAlert = (f: (typeof failed)[number]) => {
      const body = fixture('common-vm.json') as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> & { extendedInfo: Record<string, unknown> } } };
      body.data.essentials['alertTargetIDs'] = [`/subscriptions/${SUB}/resourcegroups/${f.resourceGroup}/providers/microsoft.recoveryservices/vaults/${f.vault}`.toLowerCase()];
      body.data.essentials['configurationItems'] = [f.vault];
      body.data.alertContext['linkedResourceId'] = `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/${f.job.vm}`;
      body.data.alertContext.extendedInfo['jobId'] = f.job.id;
      return body;
    };
    // Webhook first, then the poller.
    const viaWebhook = await postAlert(bot.running.url, asAlert(first!));
    expect(viaWebhook.status).toBe(202);
    await bot.app.alerts.poller!.pollOnce();
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(failed.length);
    // Poller first (above), then the webhook: a duplicate of the same incident.
    if (second) {
      const late = await postAlert(bot.running.url, asAlert(second));
      expect(late.body['status']).toBe('duplicate');
      expect(late.body['incidentId']).toEqual(expect.any(String));
    }
    expect(bot.app.alerts.sqlite!.inbox.count()).toBe(failed.length);
  });

  it('identifies an alert whose message says nothing from its job, after the 202', async () => {
    const f = failed.find((x) => x.job.error !== undefined)!;
    const body = {
      vault: `/subscriptions/${SUB}/resourceGroups/${f.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${f.vault}`,
      vm: f.job.vm,
      message: 'Backup failed (see the job)',
      jobId: f.job.id,
    };
    const r = await postAlert(bot.running.url, body);
    expect(r.status).toBe(202);
    expect(r.body['status']).toBe('pending');
    await bot.app.alerts.processor.processPending();
    const entry = bot.app.alerts.sqlite!.inbox.listByStatus('grouped', 10)[0]!;
    expect(entry.incidentId).toEqual(expect.any(String));
    const incident = bot.app.alerts.sqlite!.incidents.get(entry.incidentId!)!;
    expect(incident.code).not.toBeNull();
    expect(incident.vms.map((v) => v.name)).toEqual([f.job.vm]);
  });
});
