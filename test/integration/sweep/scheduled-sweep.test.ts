import { ConnectorStub, cardOf, cardText } from '../../helpers/connector-stub';
import { mentionMessage } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import type { Clock } from '../../../src/core/ports';
import { PROD_VAULT, type Harness, startHarness } from '../azure/simulator-harness';

/**
 * The scheduled sweep (SWEEP_SCHEDULE) on Teams: the real app and CloudAdapter, the real SDK
 * clients against the ARM simulator's default scenario, the connector stub capturing proactive
 * posts. Its clock is moved by whole days to reach the next scheduled time.
 */
const conversationId = '19:backup-oncall@thread.tacv2';
const day = 86_400_000;
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };

let stub: ConnectorStub;
let serviceUrl: string;
let harness: Harness;
let state: ReturnType<typeof tempStateFile>;
let bot: TestBot;

const start = (): Promise<TestBot> => startTestBot(state.file, { SWEEP_SCHEDULE: '00:00' }, { azure: harness.gateway, clock, alerts: { startWorkers: false } });

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  harness = await startHarness();
  state = tempStateFile();
  bot = await start();
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await harness.sim.close();
  await stub.stop();
  state.cleanup();
});

function scheduled(): NonNullable<TestBot['app']['scheduledSweep']> {
  const sweep = bot.app.scheduledSweep;
  if (!sweep) throw new Error('SWEEP_SCHEDULE did not start a scheduled sweep');
  return sweep;
}

async function waitUntilBackupCompletes(jobId: string): Promise<void> {
  for (let i = 0; i < 200; i += 1) {
    if ((await harness.gateway.getBackupJob(PROD_VAULT, jobId)).status === 'Completed') return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the backup never completed');
}

test('a subscribed channel gets the digest at the scheduled time, once; a later sweep updates it in place with what recovered; a restart neither sweeps nor posts again', async () => {
  const subscribeBefore = stub.calls.length;
  await bot.post(mentionMessage('subscribe', { serviceUrl, conversationId }));
  await stub.waitFor((c) => c.length > subscribeBefore, 10_000);

  // The first scheduled time: one new post in the channel.
  let before = stub.calls.length;
  expect(await scheduled().tick()).toBe('swept');
  const posted = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind !== 'update'), 10_000)).slice(before).find((x) => x.kind !== 'update');
  expect(posted?.conversationId).toBe(conversationId);
  const first = cardText(cardOf(posted));
  expect(first).toMatch(/^7 of \d+ VMs at risk$/m);
  expect(first).toContain('vm-sql01');
  const messageId = posted?.createdId;
  expect(messageId).toBeDefined();

  // Before the next scheduled time nothing runs.
  before = stub.calls.length;
  expect(await scheduled().tick()).toBe('not-due');
  expect(stub.calls.length).toBe(before);

  // vm-sql01 gets fixed (its agent is Ready and a backup succeeds); a day later the digest is updated in place.
  harness.sim.state.vm(PROD_VAULT.subscriptionId, 'rg-sql', 'vm-sql01').agent.status = 'Ready';
  const item = (await harness.gateway.listProtectedVms(PROD_VAULT)).find((v) => v.vm.name === 'vm-sql01');
  if (!item) throw new Error('vm-sql01 is not protected');
  await waitUntilBackupCompletes((await harness.gateway.triggerBackup(item)).jobId);
  offsetMs += day;
  before = stub.calls.length;
  expect(await scheduled().tick()).toBe('swept');
  const updated = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'update'), 10_000)).slice(before);
  expect(updated.filter((x) => x.kind !== 'update')).toEqual([]);
  const update = updated.find((x) => x.kind === 'update');
  expect(update?.activityId).toBe(messageId);
  const second = cardText(cardOf(update));
  expect(second).toMatch(/^6 of \d+ VMs at risk$/m);
  expect(second).toContain('recovered: vm-sql01');

  // A restart on the same state file: the slot is already swept, nothing is posted again...
  await bot.stop();
  bot = await start();
  before = stub.calls.length;
  expect(await scheduled().tick()).toBe('not-due');
  expect(stub.calls.length).toBe(before);
  // ...and the next scheduled sweep updates the same message.
  offsetMs += day;
  expect(await scheduled().tick()).toBe('swept');
  const afterRestart = (await stub.waitFor((c) => c.slice(before).some((x) => x.kind === 'update'), 10_000)).slice(before);
  expect(afterRestart.filter((x) => x.kind !== 'update')).toEqual([]);
  expect(afterRestart.find((x) => x.kind === 'update')?.activityId).toBe(messageId);
});

test('a channel subscribed to one vault gets a digest of that vault only, counted in its scope', async () => {
  const drChannel = '19:backup-dr@thread.tacv2';
  const subscribeBefore = stub.calls.length;
  await bot.post(mentionMessage('subscribe vault rsv-dr-neu', { serviceUrl, conversationId: drChannel }));
  await stub.waitFor((c) => c.length > subscribeBefore, 10_000);

  offsetMs += day;
  const before = stub.calls.length;
  expect(await scheduled().tick()).toBe('swept');
  const toDr = (await stub.waitFor((c) => c.slice(before).some((x) => x.conversationId === drChannel), 10_000)).slice(before).filter((x) => x.conversationId === drChannel);
  expect(toDr).toHaveLength(1);
  const digest = cardText(cardOf(toDr[0]));
  // rsv-dr-neu protects one healthy VM; the failing VMs of rsv-prod-weu are not this channel's.
  expect(digest).toContain('All 1 VMs healthy');
  expect(digest).not.toContain('vm-sql01');
  // The channel subscribed to everything still sees the whole fleet.
  const wholeFleet = (await stub.waitFor((c) => c.slice(before).some((x) => x.conversationId === conversationId), 10_000)).slice(before).find((x) => x.conversationId === conversationId);
  expect(cardText(cardOf(wholeFleet))).toMatch(/^\d+ of 9 VMs at risk$/m);
});

test('a digest the connector refused is delivered at a later tick, after a pause, without waiting for the next scheduled time', async () => {
  offsetMs += day;
  stub.refuseWith = { status: 503 };
  const refusedBefore = stub.refused;
  expect(await scheduled().tick()).toBe('swept');
  expect(stub.refused).toBeGreaterThan(refusedBefore);

  // The connector recovers. Straight away nothing is tried again (the failure holds the channel back)...
  stub.refuseWith = undefined;
  let before = stub.calls.length;
  expect(await scheduled().tick()).toBe('not-due');
  expect(stub.calls.slice(before)).toEqual([]);

  // ...and once the pause is over, the same scheduled sweep reaches each channel: updated in place, nothing new posted.
  offsetMs += 31_000;
  before = stub.calls.length;
  expect(await scheduled().tick()).toBe('not-due');
  const delivered = (await stub.waitFor((c) => new Set(c.slice(before).map((x) => x.conversationId)).size >= 2, 10_000)).slice(before);
  expect(delivered.every((x) => x.kind === 'update')).toBe(true);
  expect(delivered.map((x) => x.conversationId).sort()).toEqual([conversationId, '19:backup-dr@thread.tacv2'].sort());

  // Delivered once: a further tick sends nothing.
  before = stub.calls.length;
  expect(await scheduled().tick()).toBe('not-due');
  expect(stub.calls.slice(before)).toEqual([]);
});

test("a digest the connector throttled (429) is tried again after the connector's Retry-After, not the bot's own longer pause", async () => {
  offsetMs += day;
  // The connector's client honours a short Retry-After itself a few times, then gives up with the 429.
  stub.refuseWith = { status: 429, retryAfterSeconds: 1 };
  const refusedBefore = stub.refused;
  expect(await scheduled().tick()).toBe('swept');
  expect(stub.refused).toBeGreaterThan(refusedBefore);
  stub.refuseWith = undefined;

  // Past the Retry-After, well inside the bot's own first pause (30 s): each channel's digest is updated.
  offsetMs += 2_000;
  const before = stub.calls.length;
  expect(await scheduled().tick()).toBe('not-due');
  const delivered = (await stub.waitFor((c) => new Set(c.slice(before).map((x) => x.conversationId)).size >= 2, 10_000)).slice(before);
  expect(delivered.every((x) => x.kind === 'update')).toBe(true);
}, 60_000);

test('a channel the bot may no longer post in (403: removed from the team) is not tried again until the next scheduled sweep', async () => {
  // Five past the next scheduled time (00:00 UTC), so the half-hourly ticks below stay within that day.
  const now = clock.now().getTime();
  offsetMs += Math.floor(now / day) * day + day + 5 * 60_000 - now;
  stub.refuseWith = { status: 403 };
  const refusedBefore = stub.refused;
  expect(await scheduled().tick()).toBe('swept');
  const refusedAtTheSweep = stub.refused - refusedBefore;
  expect(refusedAtTheSweep).toBeGreaterThan(0);

  // The rest of the day, ticking every half hour as the scheduler does: nothing is sent there.
  for (let i = 0; i < 40; i += 1) {
    offsetMs += 30 * 60_000;
    expect(await scheduled().tick()).toBe('not-due');
  }
  expect(stub.refused - refusedBefore).toBe(refusedAtTheSweep);

  // The bot is added back; the next scheduled sweep reaches every channel again.
  stub.refuseWith = undefined;
  offsetMs += day;
  const before = stub.calls.length;
  expect(await scheduled().tick()).toBe('swept');
  const delivered = (await stub.waitFor((c) => new Set(c.slice(before).map((x) => x.conversationId)).size >= 2, 10_000)).slice(before);
  expect(delivered.map((x) => x.conversationId)).toContain(conversationId);
}, 60_000);
