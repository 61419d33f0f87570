import { mentionMessage } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, minimalAlert, postAlert } from './alert-test-kit';
import { FlakyConnector } from './flaky-connector';

const codes = ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork', 'UserErrorRpCollectionLimitReached'];
const vaults = ['vault-alpha', 'vault-beta'];

async function subscribe(bot: TestBot, connector: FlakyConnector, conversationId: string, text = 'subscribe'): Promise<void> {
  const r = await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId }));
  expect(r.status).toBe(200);
  await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
}

async function postAll(url: string, bodies: unknown[], concurrency = 32): Promise<number[]> {
  const statuses: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++];
        statuses.push((await postAlert(url, body)).status);
      }
    }),
  );
  return statuses;
}

describe('incident delivery through the real CloudAdapter to a connector stub', () => {
  const connector = new FlakyConnector();
  beforeAll(() => connector.start());
  afterAll(() => connector.stop());

  describe('a storm of 2,000 alerts over 3 codes and 2 vaults', () => {
    let bot: TestBot;
    let state: { file: string; cleanup: () => void };
    beforeAll(async () => {
      state = tempStateFile();
      bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0.5' }));
    });
    afterAll(async () => {
      await bot.stop();
      state.cleanup();
    });

    it('posts exactly one card per group, updates each a bounded number of times, and counts every VM', async () => {
      await subscribe(bot, connector, 'c-storm');
      const vmsPerGroup = 250;
      const bodies = Array.from({ length: 2000 }, (_, i) => {
        const g = i % 6;
        const vault = vaults[Math.floor(g / 3)]!;
        const code = codes[g % 3]!;
        return minimalAlert(vault, `vm-${g}-${Math.floor(i / 6) % vmsPerGroup}`, code, `job-${i}`);
      });
      const started = Date.now();
      const statuses = await postAll(bot.running.url, bodies);
      expect(statuses.filter((s) => s === 202)).toHaveLength(2000);
      await connector.waitFor(() => bot.app.alerts.outbox.depth() === 0 && connector.of('c-storm', 'create').length === 6, 30_000);
      // Let a last coalesced update land, then look at the final cards.
      await new Promise((r) => setTimeout(r, 700));
      await connector.waitFor(() => bot.app.alerts.outbox.depth() === 0);
      const elapsedMs = Date.now() - started;

      const creates = connector.of('c-storm', 'create');
      const updates = connector.of('c-storm', 'update');
      expect(creates).toHaveLength(6);
      // At most one update per card per coalescing window (0.5 s), plus one.
      const bound = 6 * (Math.ceil(elapsedMs / 500) + 1);
      expect(updates.length).toBeLessThanOrEqual(bound);
      for (const u of updates) expect(creates.map((c) => c.activityId)).toContain(u.activityId);

      const cards = connector.latestCards('c-storm');
      expect(cards.size).toBe(6);
      const texts = [...cards.values()].map((card) => cardText(card));
      for (const text of texts) {
        expect(text).toContain(`${vmsPerGroup} VMs affected, 0 recovered`);
        expect(text).toContain(`and ${vmsPerGroup - 10} more`);
      }
      // One card per vault and code (the facts name both).
      const json = [...cards.values()].map((card) => JSON.stringify(card));
      for (const vault of vaults) for (const code of codes) expect(json.filter((t) => t.includes(`"${vault}"`) && t.includes(`"${code}"`))).toHaveLength(1);
      expect(bot.app.alerts.incidents.count()).toBe(6);
      expect(bot.app.alerts.inbox.count()).toBe(2000);
    });

    it('marks VMs recovered and says so when the whole incident has recovered', async () => {
      await subscribe(bot, connector, 'c-recover', 'subscribe vault vault-gamma');
      const code = codes[0]!;
      await postAll(bot.running.url, [minimalAlert('vault-gamma', 'vm-1', code, 'g1'), minimalAlert('vault-gamma', 'vm-2', code, 'g2')]);
      await connector.waitFor(() => connector.of('c-recover', 'create').length === 1);
      await postAll(bot.running.url, [minimalAlert('vault-gamma', 'vm-1', code, 'g1', 'resolved'), minimalAlert('vault-gamma', 'vm-2', code, 'g2', 'resolved')]);
      await connector.waitFor(() => {
        const card = [...connector.latestCards('c-recover').values()][0];
        return cardText(card).includes('Backup incident recovered');
      });
      const text = cardText([...connector.latestCards('c-recover').values()][0]);
      expect(text).toContain('2 VMs affected, 2 recovered');
      expect(connector.of('c-recover', 'create')).toHaveLength(1);
      // The storm conversation subscribed to everything; the vault-scoped one got only vault-gamma.
      expect(connector.of('c-storm', 'create')).toHaveLength(7);
    });

    it('retries a 429 with Retry-After and delivers the card once', async () => {
      await subscribe(bot, connector, 'c-429', 'subscribe vault vault-delta');
      const retriesBefore = (await bot.app.alerts.metrics.deliveryRetries.get()).values.reduce((a, v) => a + v.value, 0);
      // Five refusals: more than the SDK pipeline's own three retries, so the outbox's retry is exercised too.
      connector.failNext(5, 429, { 'Retry-After': '0' }, 'c-429');
      await postAll(bot.running.url, [minimalAlert('vault-delta', 'vm-9', codes[1]!, 'd1')]);
      await connector.waitFor(() => connector.of('c-429', 'create').length === 1 && bot.app.alerts.outbox.depth() === 0);
      await new Promise((r) => setTimeout(r, 300));
      expect(connector.refused.filter((r) => r.conversationId === 'c-429')).toHaveLength(5);
      expect(connector.of('c-429', 'create')).toHaveLength(1);
      const retriesAfter = (await bot.app.alerts.metrics.deliveryRetries.get()).values.reduce((a, v) => a + v.value, 0);
      expect(retriesAfter).toBeGreaterThan(retriesBefore);
    });

    it('retries a 412 (which the SDK does not) with backoff and delivers once', async () => {
      await subscribe(bot, connector, 'c-412', 'subscribe vault vault-eps');
      connector.failNext(1, 412, {}, 'c-412');
      await postAll(bot.running.url, [minimalAlert('vault-eps', 'vm-3', codes[2]!, 'e1')]);
      await connector.waitFor(() => connector.of('c-412', 'create').length === 1 && bot.app.alerts.outbox.depth() === 0, 10_000);
      expect(connector.refused.filter((r) => r.conversationId === 'c-412')).toHaveLength(1);
      expect(connector.of('c-412', 'create')).toHaveLength(1);
    });
  });

  describe('restarts', () => {
    it('resumes a non-empty outbox after a restart and delivers once; a later revision updates the same card', async () => {
      const state = tempStateFile();
      const env = alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' });
      try {
        // 1. Workers off: the alerts are stored and planned, nothing is sent.
        let bot = await startTestBot(state.file, env, { alerts: { startWorkers: false } });
        await subscribe(bot, connector, 'c-restart');
        await postAll(bot.running.url, [minimalAlert('vault-r', 'vm-1', codes[0]!, 'r1'), minimalAlert('vault-r', 'vm-2', codes[0]!, 'r2')]);
        expect(bot.app.alerts.outbox.depth()).toBe(1);
        expect(connector.of('c-restart', 'create')).toHaveLength(0);
        await bot.stop();

        // 2. Restart with workers: the card is posted once.
        bot = await startTestBot(state.file, env);
        await connector.waitFor(() => connector.of('c-restart', 'create').length === 1 && bot.app.alerts.outbox.depth() === 0);
        await bot.stop();
        bot = await startTestBot(state.file, env);
        await new Promise((r) => setTimeout(r, 300));
        expect(connector.of('c-restart', 'create')).toHaveLength(1);
        await bot.stop();

        // 3. A new alert while workers are off, then a restart: the existing card is updated, not posted again.
        bot = await startTestBot(state.file, env, { alerts: { startWorkers: false } });
        await postAll(bot.running.url, [minimalAlert('vault-r', 'vm-3', codes[0]!, 'r3')]);
        await bot.stop();
        bot = await startTestBot(state.file, env);
        await connector.waitFor(() => connector.of('c-restart', 'update').length === 1);
        const [create] = connector.of('c-restart', 'create');
        expect(connector.of('c-restart', 'update')[0]!.activityId).toBe(create!.activityId);
        expect(cardText(connector.of('c-restart', 'update')[0]!.activity.attachments[0].content)).toContain('3 VMs affected');
        expect(connector.of('c-restart', 'create')).toHaveLength(1);
        await bot.stop();
      } finally {
        state.cleanup();
      }
    });
  });
});
