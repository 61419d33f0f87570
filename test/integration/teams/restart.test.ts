import { ConnectorStub, cardActions, cardOf, cardText } from '../../helpers/connector-stub';
import { executeInvoke, message } from '../../helpers/activities';
import { startTestBot, tempStateFile } from '../../helpers/test-app';

/** Sessions live in the SQLite file: a card's buttons keep working after the bot restarts, until the session expires. */

let stub: ConnectorStub;
let serviceUrl: string;
let state: ReturnType<typeof tempStateFile>;

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  state = tempStateFile();
});

afterAll(async () => {
  await stub.stop();
  state.cleanup();
});

test('a press on a card sent before a restart is handled by the new instance on the same file; after the TTL it says the session ended', async () => {
  const first = await startTestBot(state.file);
  await first.post(message('UserErrorGuestAgentStatusUnavailable', { serviceUrl }));
  const sent = (await stub.waitFor((c) => c.length === 1))[0];
  const next = cardActions(cardOf(sent)).find((a) => a.title === 'Next');
  await first.stop();

  const second = await startTestBot(state.file);
  stub.clear();
  const response = await second.post(executeInvoke(next?.verb as string, next?.data, sent?.createdId, { serviceUrl }));
  expect(response.status).toBe(200);
  expect(cardText((response.body as { value: unknown }).value)).toContain('Cause 2 of');
  const update = (await stub.waitFor((c) => c.some((x) => x.kind === 'update'))).find((x) => x.kind === 'update');
  expect(update?.activityId).toBe(sent?.createdId);
  await second.stop();

  // A third instance whose clock is past the session's sliding expiry (SESSION_TTL_HOURS=72).
  const future = new Date(Date.now() + 73 * 3_600_000);
  const third = await startTestBot(state.file, {}, { clock: { now: () => future } });
  stub.clear();
  const expired = await third.post(executeInvoke(next?.verb as string, next?.data, sent?.createdId, { serviceUrl }));
  const text = cardText((expired.body as { value: unknown }).value);
  expect(text).toContain('This troubleshooting session has ended');
  expect(text).toContain('72 hours');
  expect((await stub.waitFor((c) => c.some((x) => x.kind === 'update')))[0]?.activityId).toBe(sent?.createdId);
  await third.stop();
});

test('sessions expired longer than SESSION_RETENTION_DAYS are purged from the file (at start and on every tick); a late press then hears the session is gone', async () => {
  const first = await startTestBot(state.file);
  stub.clear();
  await first.post(message('UserErrorGuestAgentStatusUnavailable', { serviceUrl, conversationId: 'conv-purge' }));
  const sent = (await stub.waitFor((c) => c.length === 1))[0];
  const next = cardActions(cardOf(sent)).find((a) => a.title === 'Next');
  const sessionId = String(next?.data['sessionId']);
  expect(await first.app.sessions.get(sessionId)).toBeDefined();
  expect(first.app.sessionPurge).toBeDefined();
  await first.stop();

  // 72 h of TTL plus 2 days: expired, but within the 3-day retention. A manual timer stands in for the interval.
  let now = new Date(Date.now() + (72 + 48) * 3_600_000);
  const ticks: (() => void)[] = [];
  const timer = { setInterval: (run: () => void) => ticks.push(run), clearInterval: () => void ticks.splice(0) };
  const second = await startTestBot(state.file, { SESSION_RETENTION_DAYS: '3', SESSION_PURGE_INTERVAL_MINUTES: '30' }, { clock: { now: () => now }, sessionPurgeTimer: timer });
  try {
    await new Promise((r) => setImmediate(r));
    expect(await second.app.sessions.get(sessionId)).toBeDefined();
    expect(cardText(((await second.post(executeInvoke(next?.verb as string, next?.data, sent?.createdId, { serviceUrl, conversationId: 'conv-purge' }))).body as { value: unknown }).value)).toContain('This troubleshooting session has ended');

    // Two more days: past the retention; the next tick removes it.
    now = new Date(now.getTime() + 48 * 3_600_000);
    ticks.forEach((run) => run());
    await new Promise((r) => setImmediate(r));
    expect(await second.app.sessions.get(sessionId)).toBeUndefined();
    const gone = await second.post(executeInvoke(next?.verb as string, next?.data, sent?.createdId, { serviceUrl, conversationId: 'conv-purge' }));
    expect(cardText((gone.body as { value: unknown }).value)).toContain('I no longer have this troubleshooting session');
  } finally {
    await second.stop();
  }
  // close() stops the purge.
  expect(ticks).toHaveLength(0);
});
