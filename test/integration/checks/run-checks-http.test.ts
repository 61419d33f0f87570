import { cardExecutes, ConnectorStub, cardActions, cardOf, cardText, type CapturedCall } from '../../helpers/connector-stub';
import { executeInvoke, message, megan } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * "Run checks" end to end: activities POSTed to the real CloudAdapter, the real SDK gateway
 * against the ARM simulator (scenarios/default.json), the connector stub capturing the card
 * updates, and a restart on the same SQLite file.
 */

let stub: ConnectorStub;
let serviceUrl: string;
let harness: Harness;
let state: ReturnType<typeof tempStateFile>;
let bot: TestBot;
const conversationId = 'conv-checks-http';

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  harness = await startHarness();
  state = tempStateFile();
  bot = await startTestBot(state.file, {}, { azure: harness.gateway, alerts: { startWorkers: false } });
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await harness.sim.close();
  await stub.stop();
  state.cleanup();
});

function find(card: unknown, title: string | RegExp): { title: string; verb: string; data: Record<string, unknown> } {
  const found = cardExecutes(card).find((a) => (typeof title === 'string' ? a.title === title : title.test(a.title)));
  if (!found) throw new Error(`no "${String(title)}" on the card: ${cardExecutes(card).map((a) => a.title).join(', ')}`);
  return found;
}

async function press(bot: TestBot, action: { verb: string; data: unknown }, activityId: string | undefined): Promise<{ answer: unknown; update: CapturedCall | undefined }> {
  const before = stub.calls.length;
  const response = await bot.post(executeInvoke(action.verb, action.data, activityId, { serviceUrl, conversationId, from: megan }));
  expect(response.status).toBe(200);
  const calls = await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'update'), 15_000);
  return { answer: (response.body as { value: unknown }).value, update: calls.slice(before).find((x) => x.kind === 'update') };
}

test('Run checks puts the verdicts on the troubleshooting card itself, for everyone, at the cause the user was on; the verdicts survive steps and a restart', async () => {
  const before = stub.calls.length;
  await bot.post(message('why did the backup of vm-sql01 fail?', { serviceUrl, conversationId }));
  const sent = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 15_000)).slice(before).find((x) => x.kind !== 'update');
  const card = cardOf(sent);
  expect(cardText(card)).toContain('Cause 1 of');
  // Walk to cause 3 first: the checks must not move the user.
  const next = cardActions(card).find((a) => a.title === 'Next');
  const atTwo = await press(bot, next as { verb: string; data: unknown }, sent?.createdId);
  const atThree = await press(bot, find(atTwo.answer, 'Next'), sent?.createdId);
  expect(cardText(atThree.answer)).toContain('Cause 3 of');

  const run = find(atThree.answer, 'Run checks');
  const checked = await press(bot, run, sent?.createdId);
  // One card, updated in place (the message the user pressed), no extra message.
  expect(checked.update?.activityId).toBe(sent?.createdId);
  expect(stub.calls.slice(before).filter((x) => x.kind !== 'update')).toHaveLength(1);
  const text = cardText(cardOf(checked.update));
  expect(text).toContain('Cause 3 of');
  expect(text).toContain('Check results: vm-sql01');
  expect(text).toMatch(/\n2\. ⚠️ [^\n]+: Likely\n/);
  expect(text).toMatch(/\n3\. (✅|❔|⚠️) [^\n]+ ◀ current/);
  expect(text).toContain('What Azure shows for this cause');
  expect(find(checked.answer, 'Run checks again').verb).toBe('checks.run');

  // "Go to likely cause" steps there; the verdicts stay.
  const likely = await press(bot, find(checked.answer, /^Go to likely cause \(2\)$/), sent?.createdId);
  const atLikely = cardText(likely.answer);
  expect(atLikely).toContain('Cause 2 of');
  expect(atLikely).toMatch(/⚠️ Likely: [^\n]*not ready/i);

  // A restart: the next instance renders the same verdicts from the file.
  await bot.stop();
  bot = await startTestBot(state.file, {}, { azure: harness.gateway, alerts: { startWorkers: false } });
  const jumped = await press(bot, { ...find(likely.answer, 'Open'), data: { ...find(likely.answer, 'Open').data, index: '0' } }, sent?.createdId);
  const afterRestart = cardText(jumped.answer);
  expect(afterRestart).toContain('Cause 1 of');
  expect(afterRestart).toContain('Check results: vm-sql01');
  expect(afterRestart).toMatch(/\n2\. ⚠️ [^\n]+: Likely\n/);
  expect(jumped.update?.activityId).toBe(sent?.createdId);
});

test('with Azure not answering some reads and failing others, Run checks still answers in its turn, each cause with its own reason, and the bot keeps answering', async () => {
  const before = stub.calls.length;
  await bot.post(message('why did the backup of vm-sql01 fail?', { serviceUrl, conversationId }));
  const sent = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 15_000)).slice(before).find((x) => x.kind !== 'update');
  const card = cardOf(sent);
  // Network reads hang (a slow Azure); lock and extension reads fail with 5xx until the SDK gives up.
  const slow = harness.sim.faults.hold(/networkInterfaces|networkSecurityGroups/i, { times: 1_000 });
  harness.sim.faults.fail(/locks|extensions/i, { status: 503, times: 1_000 });
  try {
    const checked = await press(bot, find(card, 'Run checks'), sent?.createdId);
    const text = cardText(cardOf(checked.update));
    expect(text).toContain('Check results: vm-sql01');
    // Every cause has a verdict line; what Azure did not say is unknown with a reason, never a blank or a hang.
    const verdicts = text.split('\n').filter((line) => /^\d+\. (✅|❔|⚠️) /.test(line));
    expect(verdicts.length).toBeGreaterThan(1);
    expect(text).toMatch(/❔/);
    expect(text).toMatch(/did not answer|in time|503|unavailable/i);
    // Checks cut off together give their reason once, not once per check.
    expect(text).not.toMatch(/(Azure did not answer in time for this turn\.) \1/);
    expect(find(checked.answer, 'Run checks again').verb).toBe('checks.run');
  } finally {
    slow.release();
    harness.sim.faults.clear();
  }
  const after = stub.calls.length;
  await bot.post(message('help', { serviceUrl, conversationId }));
  await stub.waitFor((c) => c.length > after, 15_000);
});
