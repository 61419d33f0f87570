import { adapterCardSender, teamsIncidentSender } from '../../../src/channels/teams/proactive-sender';
import { DeliveryWorker } from '../../../src/features/incidents/delivery-worker';
import type { SharedOutbox } from '../../../src/core/incidents/ports';
import { mentionMessage } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { ManualClock, alertEnv, metricValue, metricsText, minimalAlert, postAlert } from './alert-test-kit';
import { FlakyConnector } from './flaky-connector';

/**
 * Incident delivery through the real CloudAdapter to a connector stub. The delivery worker is not
 * started: each test drives `delivery.runOnce()` by hand on an injected clock, so what is asserted
 * ("delivered once", "one update per coalescing window") does not depend on how fast the machine is.
 * Every test has its own bot, state file and conversations.
 */

const codes = ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork', 'UserErrorRpCollectionLimitReached'];
const vaults = ['vault-alpha', 'vault-beta'];
const COALESCE_MS = 5_000;

interface Rig {
  readonly bot: TestBot;
  readonly clock: ManualClock;
  stop(): Promise<void>;
}

const connector = new FlakyConnector();
beforeAll(() => connector.start());
afterAll(() => connector.stop());

let conversationCounter = 0;
/** A conversation id no other test uses. */
function freshConversation(name: string): string {
  return `c-${name}-${++conversationCounter}`;
}

/** A bot with its own state file (or `stateFile`, to restart on it; then with the clock that ran before). */
async function startRig(extraEnv: Record<string, string> = {}, stateFile?: string, clock = new ManualClock()): Promise<Rig> {
  const state = stateFile ? undefined : tempStateFile();
  const bot = await startTestBot(
    stateFile ?? state!.file,
    alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: String(COALESCE_MS / 1000), ...extraEnv }),
    { clock, alerts: { startWorkers: false, random: () => 0.5 } },
  );
  return {
    bot,
    clock,
    async stop() {
      await bot.stop();
      state?.cleanup();
    },
  };
}

async function subscribe(bot: TestBot, conversationId: string, text = 'subscribe'): Promise<void> {
  const r = await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId }));
  expect(r.status).toBe(200);
  await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
}

/** The outbox's key for a conversation the test subscribed. */
function conversationKey(bot: TestBot, conversationId: string): string {
  const sub = bot.app.alerts.sqlite!.subscriptions.list().find((s) => (s.conversationReference['conversation'] as { id?: string } | undefined)?.id === conversationId);
  if (!sub) throw new Error(`no subscription for ${conversationId}`);
  return sub.conversationKey;
}

async function postAll(url: string, bodies: unknown[], concurrency = 32): Promise<{ status: number; body: Record<string, unknown> }[]> {
  const results: { status: number; body: Record<string, unknown> }[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        results.push(await postAlert(url, body));
      }
    }),
  );
  return results;
}

async function incidentOf(rig: Rig, body: Record<string, unknown>): Promise<string> {
  const r = await postAlert(rig.bot.running.url, body);
  expect(r.status).toBe(202);
  return r.body['incidentId'] as string;
}

/** Runs the worker by hand until the outbox is empty, moving the clock past any backoff in between. */
async function drain(rig: Rig, stepMs = 60_000, maxRounds = 12): Promise<number> {
  let sends = 0;
  for (let round = 0; round < maxRounds && rig.bot.app.alerts.sqlite!.outbox.depth() > 0; round++) {
    sends += await rig.bot.app.alerts.delivery.runOnce();
    if (rig.bot.app.alerts.sqlite!.outbox.depth() > 0) rig.clock.advance(stepMs);
  }
  expect(rig.bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  return sends;
}

/** After draining: time passes and the worker scans again; nothing more may be sent. */
async function expectQuiet(rig: Rig): Promise<void> {
  for (let i = 0; i < 3; i++) {
    rig.clock.advance(10 * 60_000);
    expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(0);
  }
}

/** The outbox, some of whose calls throw as a failing disk or a locked file would. */
function withStoreFaults(outbox: SharedOutbox, faults: Partial<Record<keyof SharedOutbox, number>>): SharedOutbox {
  return new Proxy(outbox, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const left = faults[prop as keyof SharedOutbox] ?? 0;
        if (left > 0) {
          faults[prop as keyof SharedOutbox] = left - 1;
          throw Object.assign(new Error(`SQLITE_IOERR: disk I/O error (${String(prop)})`), { code: 'SQLITE_IOERR' });
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

/** A second worker over the app's own stores and CloudAdapter, with an outbox of the test's choosing. */
function workerOver(rig: Rig, outbox: SharedOutbox, options: { sendTimeoutMs?: number; sleep?: (ms: number) => Promise<void> } = {}): DeliveryWorker {
  const alerts = rig.bot.app.alerts;
  return new DeliveryWorker({
    outbox,
    incidents: alerts.state.incidents,
    subscriptions: alerts.state.subscriptions,
    sender: teamsIncidentSender(adapterCardSender(rig.bot.app.adapter, '')),
    clock: rig.clock,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    random: () => 0.5,
    logger: rig.bot.app.logger,
    metrics: alerts.metrics,
    coalesceMs: COALESCE_MS,
    idleMs: 20,
    loopRetry: { baseDelayMs: 10, maxDelayMs: 40, maxAttempts: Number.POSITIVE_INFINITY },
    ...(options.sendTimeoutMs ? { sendTimeoutMs: options.sendTimeoutMs } : {}),
  });
}

describe('a storm of 2,000 alerts over 3 codes and 2 vaults', () => {
  let rig: Rig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(() => rig.stop());

  it('posts exactly one card per group, updates each at most once per coalescing window, and lists every VM', async () => {
    const conv = freshConversation('storm');
    await subscribe(rig.bot, conv);
    const vmsPerGroup = 250;
    const bodies = Array.from({ length: 2000 }, (_, i) => {
      const g = i % 6;
      const vault = vaults[Math.floor(g / 3)]!;
      const code = codes[g % 3]!;
      return minimalAlert(vault, `vm-${g}-${Math.floor(i / 6) % vmsPerGroup}`, code, `job-${i}`);
    });
    const delivery = rig.bot.app.alerts.delivery;

    // Four waves of 500, one second apart; the worker scans after each.
    const sendsPerWave: number[] = [];
    for (let wave = 0; wave < 4; wave++) {
      const results = await postAll(rig.bot.running.url, bodies.slice(wave * 500, (wave + 1) * 500));
      expect(results.filter((r) => r.status === 202)).toHaveLength(500);
      sendsPerWave.push(await delivery.runOnce());
      rig.clock.advance(1_000);
    }
    // The first scan posts the six cards; the later waves only raise revisions inside the coalescing window.
    expect(sendsPerWave).toEqual([6, 0, 0, 0]);
    expect(connector.of(conv, 'create')).toHaveLength(6);
    expect(connector.of(conv, 'update')).toHaveLength(0);

    // The window (5 s after the cards were posted) ends: one update per card, then nothing.
    rig.clock.advance(COALESCE_MS - 4_000);
    expect(await delivery.runOnce()).toBe(6);
    await expectQuiet(rig);

    const creates = connector.of(conv, 'create');
    const updates = connector.of(conv, 'update');
    expect(creates).toHaveLength(6);
    expect(updates).toHaveLength(6);
    expect(new Set(updates.map((u) => u.activityId))).toEqual(new Set(creates.map((c) => c.activityId)));

    const cards = connector.latestCards(conv);
    expect(cards.size).toBe(6);
    for (const card of cards.values()) {
      const text = cardText(card);
      expect(text).toContain(`${vmsPerGroup} VMs affected, 0 recovered`);
      expect(text).toContain(`and ${vmsPerGroup - 10} more`);
    }
    // One card per vault and code (the facts name both).
    const json = [...cards.values()].map((card) => JSON.stringify(card));
    for (const vault of vaults) for (const code of codes) expect(json.filter((t) => t.includes(`"${vault}"`) && t.includes(`"${code}"`))).toHaveLength(1);
    expect(rig.bot.app.alerts.sqlite!.incidents.count()).toBe(6);
    expect(rig.bot.app.alerts.sqlite!.inbox.count()).toBe(2000);
  });
});

describe('incident cards', () => {
  let rig: Rig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(() => rig.stop());

  it('marks VMs recovered and says so when the whole incident has recovered, on the same card', async () => {
    const everything = freshConversation('all');
    const gamma = freshConversation('gamma');
    await subscribe(rig.bot, everything);
    await subscribe(rig.bot, gamma, 'subscribe vault vault-gamma');
    const code = codes[0]!;
    await postAll(rig.bot.running.url, [minimalAlert('vault-gamma', 'vm-1', code, 'g1'), minimalAlert('vault-gamma', 'vm-2', code, 'g2'), minimalAlert('vault-other', 'vm-7', code, 'o1')]);
    await drain(rig);
    rig.clock.advance(COALESCE_MS);
    await postAll(rig.bot.running.url, [minimalAlert('vault-gamma', 'vm-1', code, 'g1', 'resolved'), minimalAlert('vault-gamma', 'vm-2', code, 'g2', 'resolved')]);
    await drain(rig);
    await expectQuiet(rig);

    const text = cardText([...connector.latestCards(gamma).values()][0]);
    expect(text).toContain('Backup incident recovered');
    expect(text).toContain('2 VMs affected, 2 recovered');
    expect(connector.of(gamma, 'create')).toHaveLength(1);
    expect(connector.of(gamma, 'update')).toHaveLength(1);
    // The conversation that subscribed to everything got both vaults; the vault-scoped one only vault-gamma.
    expect(connector.of(everything, 'create')).toHaveLength(2);
  });

  it('observes alert-accepted-to-card-posted on /metrics', async () => {
    const conv = freshConversation('latency');
    await subscribe(rig.bot, conv);
    await incidentOf(rig, minimalAlert('vault-lat', 'vm-1', codes[0]!, 'l1'));
    rig.clock.advance(2_000);
    expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(1);
    const text = await metricsText(rig.bot.running.url);
    expect(metricValue(text, 'backup_doctor_alert_to_card_seconds_count')).toBe(1);
    expect(metricValue(text, 'backup_doctor_alert_to_card_seconds_sum')).toBeCloseTo(2, 5);
    expect(metricValue(text, 'backup_doctor_deliveries_total', { kind: 'create' })).toBe(1);
  });
});

describe('retries', () => {
  let rig: Rig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(() => rig.stop());

  it('retries a 429 with Retry-After and delivers the card once', async () => {
    const conv = freshConversation('429');
    await subscribe(rig.bot, conv, 'subscribe vault vault-delta');
    // Five refusals: more than the SDK pipeline's own retries, so the outbox's retry is exercised too.
    connector.failNext(5, 429, { 'Retry-After': '0' }, conv);
    await incidentOf(rig, minimalAlert('vault-delta', 'vm-9', codes[1]!, 'd1'));
    await drain(rig);
    await expectQuiet(rig);
    expect(connector.refused.filter((r) => r.conversationId === conv)).toHaveLength(5);
    expect(connector.of(conv, 'create')).toHaveLength(1);
    const text = await metricsText(rig.bot.running.url);
    expect(metricValue(text, 'backup_doctor_delivery_retries_total', { status: '429' })).toBeGreaterThanOrEqual(1);
  });

  it('a connector answering 429, 502, 503, 504 and resetting connections for a while: every accepted alert reaches every subscriber once', async () => {
    const conversations = [freshConversation('faults-a'), freshConversation('faults-b')];
    for (const conversation of conversations) await subscribe(rig.bot, conversation);
    // A bad spell for any conversation, longer than the SDK pipeline's own retries: the outbox's retries carry it.
    for (const status of [429, 502, 503, 504]) connector.failNext(status === 429 ? 3 : 1, status, status === 429 ? { 'Retry-After': '0' } : {});
    connector.resetNext(2);
    const accepted = new Map<string, Set<string>>();
    for (let i = 0; i < 24; i++) {
      const vm = `vm-fault-${i}`;
      const incident = await incidentOf(rig, minimalAlert(vaults[i % 2]!, vm, codes[i % 3]!, `fault-job-${i}`));
      accepted.set(incident, (accepted.get(incident) ?? new Set()).add(vm));
    }
    await drain(rig, 60_000, 30);
    await expectQuiet(rig);
    expect(connector.refused.filter((r) => r.status === 0)).toHaveLength(2);
    for (const conversation of conversations) {
      // One card per incident, never a second post of one.
      expect(connector.of(conversation, 'create')).toHaveLength(accepted.size);
      const shown = [...connector.latestCards(conversation).values()].map((card) => cardText(card)).join('\n');
      for (const vms of accepted.values()) for (const vm of vms) expect(shown).toContain(vm);
    }
    expect(rig.bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  });

  it('a connector unavailable (503) for longer than the SDK\'s own retries: the card is delivered later, once, not dropped', async () => {
    const conv = freshConversation('503');
    await subscribe(rig.bot, conv, 'subscribe vault vault-zeta');
    connector.failNext(12, 503, {}, conv);
    await incidentOf(rig, minimalAlert('vault-zeta', 'vm-5', codes[0]!, 'z1'));
    await drain(rig, 60_000, 30);
    await expectQuiet(rig);
    expect(connector.refused.filter((r) => r.conversationId === conv)).toHaveLength(12);
    expect(connector.of(conv, 'create')).toHaveLength(1);
  });

  // 413 rather than 5xx: the SDK retries a 5xx itself, in real time, before the worker sees it; the worker's own retrying is the same for both.
  it.each([[413, 120]])('a connector refusing with %i through a long outage (%i refusals, past any fixed number of attempts): the card waits, and is posted once when it answers again', async (status, refusals) => {
    const conv = freshConversation(`outage-${status}`);
    await subscribe(rig.bot, conv, 'subscribe vault vault-eta');
    connector.failNext(refusals, status, {}, conv);
    await incidentOf(rig, minimalAlert('vault-eta', 'vm-6', codes[0]!, `outage-${status}`));
    await drain(rig, 60_000, 200);
    await expectQuiet(rig);
    expect(connector.refused.filter((r) => r.conversationId === conv)).toHaveLength(refusals);
    expect(connector.of(conv, 'create')).toHaveLength(1);
  });

  it('retries a 412 (which the SDK does not) only after its backoff, and delivers once', async () => {
    const conv = freshConversation('412');
    await subscribe(rig.bot, conv, 'subscribe vault vault-eps');
    connector.failNext(1, 412, {}, conv);
    await incidentOf(rig, minimalAlert('vault-eps', 'vm-3', codes[2]!, 'e1'));
    expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(1);
    expect(connector.refused.filter((r) => r.conversationId === conv)).toHaveLength(1);
    // Backoff (1 s base, jitter 0.5: 750 ms): not retried before it.
    rig.clock.advance(500);
    expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(0);
    rig.clock.advance(500);
    expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(1);
    await expectQuiet(rig);
    expect(connector.of(conv, 'create')).toHaveLength(1);
  });
});

describe('restarts', () => {
  it('resumes a non-empty outbox after a restart and delivers once; a later revision updates the same card', async () => {
    const state = tempStateFile();
    const conv = freshConversation('restart');
    try {
      // 1. Workers off: the alerts are stored and planned, nothing is sent.
      const clock = new ManualClock();
      let rig = await startRig({}, state.file, clock);
      await subscribe(rig.bot, conv);
      await postAll(rig.bot.running.url, [minimalAlert('vault-r', 'vm-1', codes[0]!, 'r1'), minimalAlert('vault-r', 'vm-2', codes[0]!, 'r2')]);
      expect(rig.bot.app.alerts.sqlite!.outbox.depth()).toBe(1);
      expect(connector.of(conv, 'create')).toHaveLength(0);
      await rig.stop();

      // 2. Restart with the worker running: the card is posted; stop() waits for the worker, so nothing can follow.
      rig = await startRig({}, state.file, clock);
      rig.bot.app.alerts.delivery.start();
      await connector.waitFor(() => connector.of(conv, 'create').length === 1 && rig.bot.app.alerts.sqlite!.outbox.depth() === 0);
      await rig.stop();
      expect(connector.of(conv, 'create')).toHaveLength(1);

      // 3. Another restart: the outbox knows the card was delivered.
      rig = await startRig({}, state.file, clock);
      await expectQuiet(rig);

      // 4. A new alert, then a restart: the existing card is updated, not posted again.
      await postAll(rig.bot.running.url, [minimalAlert('vault-r', 'vm-3', codes[0]!, 'r3')]);
      await rig.stop();
      rig = await startRig({}, state.file, clock);
      rig.clock.advance(COALESCE_MS);
      await drain(rig);
      await expectQuiet(rig);
      const [create] = connector.of(conv, 'create');
      const updates = connector.of(conv, 'update');
      expect(updates).toHaveLength(1);
      expect(updates[0]!.activityId).toBe(create!.activityId);
      expect(cardText(updates[0]!.activity.attachments[0].content)).toContain('3 VMs affected');
      expect(connector.of(conv, 'create')).toHaveLength(1);
      await rig.stop();
    } finally {
      state.cleanup();
    }
  });
});

describe('store failures', () => {
  let rig: Rig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(() => rig.stop());

  it('a store error right after a successful post keeps the card: it is recorded later and never posted twice', async () => {
    const conv = freshConversation('store');
    await subscribe(rig.bot, conv);
    const incidentId = await incidentOf(rig, minimalAlert('vault-s', 'vm-1', codes[0]!, 's1'));
    const worker = workerOver(rig, withStoreFaults(rig.bot.app.alerts.state.outbox, { markDelivered: 1 }));

    expect(await worker.runOnce()).toBe(1);
    expect(connector.of(conv, 'create')).toHaveLength(1);
    rig.clock.advance(60_000);
    // The next scan writes what was kept; nothing is sent again.
    expect(await worker.runOnce()).toBe(0);
    const entry = rig.bot.app.alerts.sqlite!.outbox.find(incidentId, conversationKey(rig.bot, conv))!;
    expect(entry.status).toBe('delivered');
    expect(entry.activityId).toBe(connector.of(conv, 'create')[0]!.activityId);
    for (let i = 0; i < 3; i++) {
      rig.clock.advance(10 * 60_000);
      expect(await worker.runOnce()).toBe(0);
    }
    expect(connector.of(conv, 'create')).toHaveLength(1);
  });

  it('while the store still fails, a new revision updates the card that was posted instead of posting another', async () => {
    const conv = freshConversation('store2');
    await subscribe(rig.bot, conv);
    await incidentOf(rig, minimalAlert('vault-s2', 'vm-1', codes[0]!, 's1'));
    const faults: Partial<Record<keyof SharedOutbox, number>> = { markDelivered: 1 };
    const worker = workerOver(rig, withStoreFaults(rig.bot.app.alerts.state.outbox, faults));
    expect(await worker.runOnce()).toBe(1);
    // A second VM arrives; the kept card id cannot be written yet (the store fails again), but the update goes to that card.
    await incidentOf(rig, minimalAlert('vault-s2', 'vm-2', codes[0]!, 's2'));
    faults.markDelivered = 1;
    rig.clock.advance(COALESCE_MS);
    await expect(worker.runOnce()).rejects.toThrow(/SQLITE_IOERR/);
    expect(await worker.runOnce()).toBe(1);
    rig.clock.advance(COALESCE_MS);
    expect(await worker.runOnce()).toBe(0);
    expect(connector.of(conv, 'create')).toHaveLength(1);
    expect(connector.of(conv, 'update')).toHaveLength(1);
    expect(connector.of(conv, 'update')[0]!.activityId).toBe(connector.of(conv, 'create')[0]!.activityId);
    expect(cardText(connector.of(conv, 'update')[0]!.activity.attachments[0].content)).toContain('2 VMs affected');
  });

  it('the running worker survives store errors in its loop and delivers once the store answers', async () => {
    const conv = freshConversation('loop');
    await subscribe(rig.bot, conv);
    const faults: Partial<Record<keyof SharedOutbox, number>> = { nextDueAt: 3, due: 2 };
    const worker = workerOver(rig, withStoreFaults(rig.bot.app.alerts.state.outbox, faults));
    worker.start();
    try {
      await connector.waitFor(() => faults.nextDueAt === 0 && faults.due === 0, 10_000);
      await incidentOf(rig, minimalAlert('vault-loop', 'vm-1', codes[0]!, 'x1'));
      worker.wake();
      await connector.waitFor(() => connector.of(conv, 'create').length === 1, 10_000);
    } finally {
      await worker.stop();
    }
    expect(connector.of(conv, 'create')).toHaveLength(1);
    expect(rig.bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  });
});

describe('a card deleted in the channel, a bot removed from the team', () => {
  let rig: Rig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(() => rig.stop());

  it('an update answered 404 posts a new card once, and later updates go to the new card', async () => {
    const conv = freshConversation('deleted');
    await subscribe(rig.bot, conv);
    const incidentId = await incidentOf(rig, minimalAlert('vault-del', 'vm-1', codes[0]!, 'k1'));
    await drain(rig);
    const first = connector.of(conv, 'create')[0]!;

    // The card was deleted: its update answers 404.
    rig.clock.advance(COALESCE_MS);
    await incidentOf(rig, minimalAlert('vault-del', 'vm-2', codes[0]!, 'k2'));
    connector.failNext(1, 404, {}, conv);
    expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(1);
    await expectQuiet(rig);
    const creates = connector.of(conv, 'create');
    expect(creates).toHaveLength(2);
    const second = creates[1]!;
    expect(second.activityId).not.toBe(first.activityId);
    expect(cardText(second.activity.attachments[0].content)).toContain('2 VMs affected');
    expect(rig.bot.app.alerts.sqlite!.outbox.find(incidentId, conversationKey(rig.bot, conv))!.activityId).toBe(second.activityId);

    await incidentOf(rig, minimalAlert('vault-del', 'vm-3', codes[0]!, 'k3'));
    await drain(rig);
    expect(connector.of(conv, 'update').map((u) => u.activityId)).toEqual([second.activityId]);
    expect(connector.of(conv, 'create')).toHaveLength(2);
  });

  it('a 403 (bot removed from the team) fails that conversation\'s deliveries without retrying; other conversations carry on', async () => {
    const removed = freshConversation('removed');
    const other = freshConversation('other');
    await subscribe(rig.bot, removed);
    await subscribe(rig.bot, other);
    const a = await incidentOf(rig, minimalAlert('vault-403', 'vm-1', codes[0]!, 'f1'));
    const b = await incidentOf(rig, minimalAlert('vault-403', 'vm-2', codes[1]!, 'f2'));
    connector.failNext(1, 403, {}, removed);
    await rig.bot.app.alerts.delivery.runOnce();
    await expectQuiet(rig);

    expect(connector.refused.filter((r) => r.conversationId === removed)).toHaveLength(1);
    expect(connector.of(removed, 'create')).toHaveLength(0);
    const key = conversationKey(rig.bot, removed);
    for (const id of [a, b]) {
      const entry = rig.bot.app.alerts.sqlite!.outbox.find(id, key)!;
      expect(entry.status).toBe('failed');
      expect(entry.lastError).toMatch(/403.*removed from the team/);
    }
    expect(connector.of(other, 'create')).toHaveLength(2);
    expect(rig.bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  });
});

describe('a connector that does not answer', () => {
  let rig: Rig;
  afterEach(() => rig.stop());

  it('a hanging call times out without holding up other conversations; its late answer is recorded, not posted twice', async () => {
    rig = await startRig({ DELIVERY_TIMEOUT_SECONDS: '0.3' });
    const slow = freshConversation('slow');
    const fast = freshConversation('fast');
    await subscribe(rig.bot, slow, 'subscribe vault vault-slow');
    await subscribe(rig.bot, fast, 'subscribe vault vault-fast');
    const slowIncident = await incidentOf(rig, minimalAlert('vault-slow', 'vm-1', codes[0]!, 'h1'));
    await incidentOf(rig, minimalAlert('vault-fast', 'vm-2', codes[0]!, 'h2'));
    connector.hold(slow);
    try {
      expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(2);
      expect(connector.of(fast, 'create')).toHaveLength(1);
      expect(connector.held(slow)).toBe(1);
      // The call is still open and the entry's claim still holds (two timeouts and 5 s): it is not sent a second time.
      rig.clock.advance(5_000);
      expect(await rig.bot.app.alerts.delivery.runOnce()).toBe(0);
      expect(connector.held(slow)).toBe(1);
    } finally {
      connector.release(slow);
    }
    // The connector answers after all: the card exists, and the outbox learns its id.
    const key = conversationKey(rig.bot, slow);
    await connector.waitFor(() => rig.bot.app.alerts.sqlite!.outbox.find(slowIncident, key)?.activityId !== undefined);
    expect(rig.bot.app.alerts.sqlite!.outbox.find(slowIncident, key)!.activityId).toBe(connector.of(slow, 'create')[0]!.activityId);
    await expectQuiet(rig);
    expect(connector.of(slow, 'create')).toHaveLength(1);
    const text = await metricsText(rig.bot.running.url);
    expect(metricValue(text, 'backup_doctor_delivery_retries_total', { status: 'timeout' })).toBe(1);
  });

  it('the running worker keeps delivering to other conversations while one conversation\'s call hangs', async () => {
    rig = await startRig();
    const slow = freshConversation('stuck');
    const fast = freshConversation('moving');
    await subscribe(rig.bot, slow, 'subscribe vault vault-stuck');
    await subscribe(rig.bot, fast, 'subscribe vault vault-moving');
    const worker = workerOver(rig, rig.bot.app.alerts.state.outbox, { sendTimeoutMs: 60_000 });
    connector.hold(slow);
    worker.start();
    try {
      await incidentOf(rig, minimalAlert('vault-stuck', 'vm-1', codes[0]!, 'w1'));
      worker.wake();
      await connector.waitFor(() => connector.held(slow) === 1, 10_000);
      // Planned while the other conversation's call hangs.
      await incidentOf(rig, minimalAlert('vault-moving', 'vm-2', codes[0]!, 'w2'));
      worker.wake();
      await connector.waitFor(() => connector.of(fast, 'create').length === 1, 10_000);
      expect(connector.of(slow, 'create')).toHaveLength(0);
    } finally {
      connector.release(slow);
    }
    await connector.waitFor(() => connector.of(slow, 'create').length === 1 && rig.bot.app.alerts.sqlite!.outbox.depth() === 0, 10_000);
    await worker.stop();
    expect(connector.of(slow, 'create')).toHaveLength(1);
    expect(connector.of(fast, 'create')).toHaveLength(1);
  });
});
