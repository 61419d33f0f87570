import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { LocalSimulatorCredential } from '../../../src/azure/credential';
import { SdkAzureGateway } from '../../../src/azure/sdk-azure-gateway';
import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { ManualClock, alertEnv } from './alert-test-kit';

const scenarioFile = join(__dirname, '../../../scenarios/default.json');
const SUB = '00000000-0000-0000-0000-000000000001';

describe('INCIDENT_RETENTION_DAYS shorter than the poller reads back (POLL_MAX_JOB_HOURS)', () => {
  let sim: ArmSimulator;
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };
  let clock: ManualClock;

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: scenarioFile });
    const azure = new SdkAzureGateway({ credential: new LocalSimulatorCredential(), endpoint: sim.endpoint, ca: sim.caPem, retry: { maxRetries: 0 }, subscriptionIds: [SUB] });
    state = tempStateFile();
    clock = new ManualClock();
    // Both values are accepted by config.ts; backups of big VMs run for more than a day.
    bot = await startTestBot(
      state.file,
      alertEnv('http://127.0.0.1:9/keys', { POLL_INTERVAL_MINUTES: '15', POLL_LOOKBACK_HOURS: '48', POLL_MAX_JOB_HOURS: '48', INCIDENT_RETENTION_DAYS: '1', SESSION_PURGE_INTERVAL_MINUTES: '0' }),
      { clock, alerts: { azure, startWorkers: false } },
    );
  });
  afterEach(async () => {
    await bot.stop();
    await sim.close();
    state.cleanup();
  });

  it('does not purge the dedupe key of a failed job the poller still lists, so the job never becomes a second incident', async () => {
    const poller = bot.app.alerts.poller!;
    await poller.pollOnce();
    await bot.app.alerts.processor.processPending();
    const vault = sim.state.vaults.find((v) => v.name === 'rsv-prod-weu')!;
    const item = vault.items.find((i) => i.vmName === 'vm-app02')!;
    const job = {
      id: randomUUID(), vaultId: vault.id, vmName: item.vmName, vmResourceGroup: item.vmResourceGroup, operation: 'Backup', jobType: 'AzureIaaSVMJob', isUserTriggered: false,
      startTime: new Date(clock.now().getTime() - 60 * 60_000), endTime: new Date(clock.now().getTime() - 5 * 60_000), status: 'Failed', duration: 'PT55M', actionsInfo: [2],
      error: { errorCode: 400001, errorString: 'VM Agent unable to communicate with Azure Backup', errorTitle: '', recommendations: [] },
    };
    vault.jobs.push(job as (typeof vault.jobs)[number]);
    clock.advance(15 * 60_000);
    expect(await poller.pollOnce()).toBe(1);
    await bot.app.alerts.processor.processPending();
    const first = bot.app.alerts.sqlite!.inbox.find(`fired:job:${job.id}`)!.incidentId;
    expect(first).toEqual(expect.any(String));

    // A day and a bit of normal running: a poll every 15 minutes, the retention purge every hour.
    for (let step = 1; step <= 100; step++) {
      clock.advance(15 * 60_000);
      if (step % 4 === 0) await bot.app.alertHistoryPurge!.runOnce();
      expect({ step, fresh: await poller.pollOnce() }).toEqual({ step, fresh: 0 });
    }
    await bot.app.alerts.processor.processPending();
    expect(bot.app.alerts.sqlite!.inbox.find(`fired:job:${job.id}`)?.incidentId).toBe(first);
  });
});
