import { mentionMessage } from '../../helpers/activities';
import { cardOf, cardText, ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';
import { alertSecret, minimalAlert, postAlert } from './alert-test-kit';

/**
 * Two bot instances on one state file, each with its own delivery worker: every incident card is
 * posted once, by whichever worker claims its outbox entry first, and later revisions update it.
 */
let a: TestBot;
let b: TestBot;
let connector: ConnectorStub;
let serviceUrl: string;
let state: ReturnType<typeof tempStateFile>;

beforeAll(async () => {
  connector = new ConnectorStub();
  serviceUrl = await connector.start();
  state = tempStateFile();
  const env = { ALERTS_SHARED_SECRET: alertSecret, INCIDENT_COALESCE_SECONDS: '0' };
  a = await startTestBot(state.file, env, { alerts: { startWorkers: false } });
  b = await startTestBot(state.file, env, { alerts: { startWorkers: false } });
});

afterAll(async () => {
  await a.stop();
  await b.stop();
  await connector.stop();
  state.cleanup();
});

test('both workers delivering the same outbox at once post each incident card exactly once, then update it in place', async () => {
  await a.post(mentionMessage('subscribe', { serviceUrl, conversationId: '19:shared@thread.tacv2', conversationType: 'channel' }));
  const codes = ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork', 'BackUpOperationFailed', 'UserErrorRpCollectionLimitReached', 'ExtensionOperationFailedForManagedDisks'];
  for (const [i, code] of codes.entries()) expect((await postAlert(a.running.url, minimalAlert('rsv-shared', `vm-${i}`, code, `job-shared-${i}-000000`))).status).toBe(202);

  // Both instances drain the outbox at the same time, over and over.
  for (let round = 0; round < 5; round++) await Promise.all([a.app.alerts.delivery.runOnce(), b.app.alerts.delivery.runOnce()]);
  const posts = () => connector.calls.filter((c) => c.kind === 'send' && cardText(cardOf(c)).includes('Backup failures'));
  expect(posts()).toHaveLength(codes.length);
  expect(new Set(posts().map((p) => cardText(cardOf(p)).split('\n')[2]))).toEqual(new Set(codes));

  // A second VM for one incident (posted to instance B): one update of the same card, no new post.
  expect((await postAlert(b.running.url, minimalAlert('rsv-shared', 'vm-late', codes[0] as string, 'job-shared-late-0000'))).status).toBe(202);
  for (let round = 0; round < 5; round++) await Promise.all([a.app.alerts.delivery.runOnce(), b.app.alerts.delivery.runOnce()]);
  expect(posts()).toHaveLength(codes.length);
  const first = posts().find((p) => cardText(cardOf(p)).includes(codes[0] as string));
  const updates = connector.calls.filter((c) => c.kind === 'update' && c.activityId === first?.createdId);
  expect(updates.length).toBeGreaterThanOrEqual(1);
  expect(cardText(cardOf(updates.at(-1)))).toContain('vm-late');
});
