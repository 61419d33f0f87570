import { mentionMessage } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { ManualClock, alertEnv, minimalAlert, postAlert } from './alert-test-kit';
import { FlakyConnector } from './flaky-connector';

/**
 * Grouping never follows a sender's wrong clock: an alert dated far in the future (or long ago)
 * is recorded at the time it was received, says so, and joins the incident the next normal alert
 * joins. Real webhook, real SQLite, delivery through the real CloudAdapter to a connector stub,
 * driven by hand on an injected clock.
 */
describe('alerts whose own time is implausible', () => {
  const connector = new FlakyConnector();
  const code = 'UserErrorGuestAgentStatusUnavailable';
  let bot: TestBot;
  let clock: ManualClock;
  let state: { file: string; cleanup: () => void };

  const say = async (text: string, conversationId: string): Promise<string> => {
    const before = connector.of(conversationId, 'reply').length;
    await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > before);
    return connector.of(conversationId, 'reply').at(-1)!.activity.text as string;
  };

  const drain = async (): Promise<void> => {
    for (let round = 0; round < 10 && bot.app.alerts.sqlite!.outbox.depth() > 0; round++) {
      await bot.app.alerts.delivery.runOnce();
      clock.advance(10_000);
    }
    expect(bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  };

  beforeAll(() => connector.start());
  afterAll(() => connector.stop());
  beforeEach(async () => {
    clock = new ManualClock(new Date('2026-06-01T10:00:00Z'));
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' }), { clock, alerts: { startWorkers: false } });
  });
  afterEach(async () => {
    await bot.stop();
    state.cleanup();
  });

  it('a 9999-12-31 alert followed by ten normal ones: one incident, one card, and the 202 says the time was replaced', async () => {
    await say('subscribe', 'c-future');
    const future = await postAlert(bot.running.url, { ...minimalAlert('vault-clock', 'vm-0', code, 'future-0'), occurredAt: '9999-12-31T23:59:59Z' });
    expect(future.status).toBe(202);
    expect(future.body['note']).toMatch(/9999-12-31T23:59:59\.000Z is more than 5 minutes ahead of the time it was received; the time it was received is used instead/);
    const incidentIds = new Set([future.body['incidentId']]);
    for (let i = 1; i <= 10; i++) {
      clock.advance(30_000);
      const normal = await postAlert(bot.running.url, minimalAlert('vault-clock', `vm-${i}`, code, `normal-${i}`));
      expect(normal.status).toBe(202);
      expect(normal.body['note']).toBeUndefined();
      incidentIds.add(normal.body['incidentId']);
    }
    expect(incidentIds.size).toBe(1);
    expect(bot.app.alerts.sqlite!.incidents.count()).toBe(1);
    await drain();
    expect(connector.of('c-future', 'create')).toHaveLength(1);

    // The alert record keeps what the sender said, and the incident's times are the receiving clock's.
    const record = bot.app.alerts.sqlite!.inbox.find('fired:job:future-0');
    expect(record?.alert.senderTimeReplaced).toEqual({ senderTime: '9999-12-31T23:59:59.000Z', reason: 'ahead' });
    expect(record?.alert.occurredAt.toISOString()).toBe('2026-06-01T10:00:00.000Z');
    const incident = bot.app.alerts.sqlite!.incidents.get(String(future.body['incidentId']));
    expect(incident?.lastAlertAt.toISOString()).toBe('2026-06-01T10:05:00.000Z');
  });

  it('the incident of a future-dated alert closes with its window: a later subscriber is not sent it', async () => {
    await postAlert(bot.running.url, { ...minimalAlert('vault-clock', 'vm-0', code, 'future-1'), occurredAt: '9999-12-31T23:59:59Z' });
    clock.advance(61 * 60_000);
    expect(await say('subscribe', 'c-later')).toContain('No incidents are open right now.');
    await bot.app.alerts.delivery.runOnce();
    expect(connector.of('c-later', 'create')).toHaveLength(0);
  });

  it('an alert dated decades ago joins the incident of the alerts around it', async () => {
    const old = await postAlert(bot.running.url, { ...minimalAlert('vault-clock', 'vm-0', code, 'old-0'), occurredAt: '2001-01-01T00:00:00Z' });
    expect(old.body['note']).toMatch(/2001-01-01T00:00:00\.000Z is more than 24 hours before the time it was received/);
    clock.advance(60_000);
    const normal = await postAlert(bot.running.url, minimalAlert('vault-clock', 'vm-1', code, 'normal-1'));
    expect(normal.body['incidentId']).toBe(old.body['incidentId']);
  });

  it('a time a few minutes off is the sender clock being slightly fast, and is kept', async () => {
    const skewed = await postAlert(bot.running.url, { ...minimalAlert('vault-clock', 'vm-0', code, 'skew-0'), occurredAt: '2026-06-01T10:03:00Z' });
    expect(skewed.body['note']).toBeUndefined();
    expect(bot.app.alerts.sqlite!.inbox.find('fired:job:skew-0')?.alert.occurredAt.toISOString()).toBe('2026-06-01T10:03:00.000Z');
  });
});
