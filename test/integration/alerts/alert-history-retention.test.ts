import { mentionMessage } from '../../helpers/activities';
import { ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';
import { uniqueContainerName, uniqueTablePrefix, useAzuriteAccount } from '../storage/azurite';
import { alertSecret, ManualClock, minimalAlert, postAlert } from './alert-test-kit';

/**
 * INCIDENT_RETENTION_DAYS: alerts, past incidents and their delivered messages leave the state
 * (the SQLite file, or the Azure tables with STATE_STORE=blob) after the retention; a message
 * still waiting to be delivered, and its incident, never do.
 */
const account = useAzuriteAccount();

const stores: [string, () => Record<string, string>][] = [
  ['SQLite', () => ({})],
  [
    'Azure Tables',
    () => ({ STATE_STORE: 'blob', STATE_BLOB_CONNECTION_STRING: account()?.connectionString ?? '', STATE_BLOB_CONTAINER: uniqueContainerName('history'), STATE_TABLE_PREFIX: uniqueTablePrefix('history') }),
  ],
];

describe.each(stores)('on %s', (name, storeEnv) => {
let bot: TestBot;
let connector: ConnectorStub;
let state: ReturnType<typeof tempStateFile>;
const clock = new ManualClock(new Date('2026-12-01T08:00:00Z'));

beforeAll(async () => {
  connector = new ConnectorStub();
  const serviceUrl = await connector.start();
  state = tempStateFile();
  bot = await startTestBot(state.file, { ALERTS_SHARED_SECRET: alertSecret, INCIDENT_RETENTION_DAYS: '30', SESSION_PURGE_INTERVAL_MINUTES: '0', ...storeEnv() }, { clock, alerts: { startWorkers: false } });
  await bot.post(mentionMessage('subscribe', { serviceUrl, conversationId: '19:ops@thread.tacv2', conversationType: 'channel' }));
});

afterAll(async () => {
  await bot.stop();
  await connector.stop();
  state.cleanup();
});

test('after the retention the delivered incident and its alert are gone; the one whose card never went out stays with its pending message', async () => {
  const alerts = bot.app.alerts;
  // The tables really hold the records: no SQLite alert store exists with STATE_STORE=blob.
  expect(alerts.sqlite === undefined).toBe(name === 'Azure Tables');
  const delivered = await postAlert(bot.running.url, minimalAlert('rsv-prod-weu', 'vm-old', 'UserErrorGuestAgentStatusUnavailable', 'job-old-00000000'));
  expect(delivered.status).toBe(202);
  expect(await alerts.delivery.runOnce()).toBe(1);
  const waiting = await postAlert(bot.running.url, minimalAlert('rsv-prod-weu', 'vm-stuck', 'BackUpOperationFailed', 'job-stuck-0000000'));
  const deliveredId = String(delivered.body['incidentId']);
  const waitingId = String(waiting.body['incidentId']);
  expect(await alerts.state.incidents.get(deliveredId)).toBeDefined();
  expect(await alerts.state.inbox.find('fired:job:job-old-00000000')).toBeDefined();

  // Within the retention nothing goes.
  clock.advance(29 * 86_400_000);
  expect(await bot.app.alertHistoryPurge!.runOnce()).toBe(0);

  clock.advance(2 * 86_400_000);
  expect(await bot.app.alertHistoryPurge!.runOnce()).toBeGreaterThan(0);
  expect(await alerts.state.incidents.get(deliveredId)).toBeUndefined();
  expect(await alerts.state.inbox.find('fired:job:job-old-00000000')).toBeUndefined();
  // The incident whose card never went out is kept, with its message still due.
  expect((await alerts.state.incidents.get(waitingId))?.vms.map((v) => v.name)).toEqual(['vm-stuck']);
  // So is its alert: the record of what it groups, and the job id that keeps a re-sent alert a duplicate.
  expect(await alerts.state.inbox.find('fired:job:job-stuck-0000000')).toBeDefined();
  expect((await postAlert(bot.running.url, minimalAlert('rsv-prod-weu', 'vm-stuck', 'BackUpOperationFailed', 'job-stuck-0000000'))).body['status']).toBe('duplicate');
  expect(await alerts.state.outbox.depth()).toBe(1);
  expect(await alerts.delivery.runOnce()).toBe(1);
});
});
