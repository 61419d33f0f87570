import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import type { SharedOutbox, SharedStateStores } from '../../../src/core/incidents/ports';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import type { Subscription } from '../../../src/core/incidents/subscription';
import { memorySharedStores } from '../../../src/core/incidents/transactional-shared-stores';
import { DeliveryWorker, type IncidentSender } from '../../../src/features/incidents/delivery-worker';
import { createLogger } from '../../../src/logger';

/**
 * Delivery workers of two instances over one shared outbox, with a scripted channel: a card is
 * posted once however its call or its record goes, and a conversation the channel throttled waits.
 */
const t0 = new Date('2026-03-01T10:00:00Z');
const codes = ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork'];
const subscription: Subscription = { id: 'sub-a', conversationKey: 'conv-1', conversationReference: {}, scope: { kind: 'all' }, language: 'en', createdAt: t0 };

class Clock {
  t = t0.getTime();
  now(): Date {
    return new Date(this.t);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

function alert(vm: string, code: string): { alert: BackupAlert; code: string; awaitJob: false; receivedAt: Date } {
  return { alert: { source: 'minimal', condition: 'fired', vault: { name: 'rsv-prod', subscriptionId: 'sub-1' }, vm: { name: vm }, jobId: `job-${vm}`, codeHints: [], occurredAt: t0 }, code, awaitJob: false, receivedAt: t0 };
}

/** A channel: every call is logged; `script` may answer a call its own way (hang, refuse). */
function channel(script: (call: number) => Promise<void> | undefined = () => undefined) {
  const calls: { kind: 'post' | 'update'; id: string }[] = [];
  let n = 0;
  const sender: IncidentSender = {
    async deliver(_s, _v, _l, messageId) {
      n += 1;
      const scripted = script(n);
      const id = messageId ?? `msg-${n}`;
      calls.push({ kind: messageId ? 'update' : 'post', id });
      if (scripted) return scripted.then(() => id);
      return id;
    },
  };
  return { sender, calls, posts: () => calls.filter((c) => c.kind === 'post') };
}

function worker(stores: SharedStateStores, sender: IncidentSender, clock: Clock, holder: string, outbox: SharedOutbox = stores.outbox, sendTimeoutMs = 30_000): DeliveryWorker {
  return new DeliveryWorker({
    outbox,
    incidents: stores.incidents,
    subscriptions: stores.subscriptions,
    sender,
    clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, Math.min(ms, 10))),
    random: () => 0.5,
    logger: createLogger('silent'),
    coalesceMs: 0,
    sendTimeoutMs,
    holder,
  });
}

async function storesWith(alerts: number): Promise<SharedStateStores> {
  const stores = memorySharedStores();
  let n = 0;
  const ledger = new SharedAlertLedger({ stores, ids: { next: () => `id-${(n += 1)}` }, windowMs: 60 * 60_000, coalesceMs: 0 });
  await ledger.subscribe(subscription, t0);
  for (let i = 0; i < alerts; i++) await ledger.accept(alert(`vm-${i}`, codes[i % codes.length] as string));
  return stores;
}

/** Every outbox entry of the conversation, one per incident. */
async function entries(stores: SharedStateStores) {
  const open = await stores.incidents.listOpen(new Date(t0.getTime() - 86_400_000));
  return Promise.all(open.map(async (incident) => stores.outbox.find(incident.id, subscription.conversationKey)));
}

/** The outbox with `markDelivered` failing `times` times, as a storage blip would. */
function markDeliveredFails(outbox: SharedOutbox, times: number): SharedOutbox {
  let left = times;
  return new Proxy(outbox, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (prop === 'markDelivered' && left > 0) {
          left -= 1;
          return Promise.reject(new Error('503 ServerBusy'));
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

test("a post that timed out on one instance is not posted again by another while the first call may still land", async () => {
  const stores = await storesWith(1);
  const clock = new Clock();
  let answerFirst: () => void = () => undefined;
  // The first post reaches the channel, but its answer is slow.
  const { sender, posts, calls } = channel((call) => (call === 1 ? new Promise<void>((resolve) => (answerFirst = resolve)) : undefined));
  const a = worker(stores, sender, clock, 'instance-a', stores.outbox, 50);
  const b = worker(stores, sender, clock, 'instance-b', stores.outbox, 50);

  await a.runOnce();
  clock.advance(2_000);
  await b.runOnce();
  expect(calls).toHaveLength(1);
  answerFirst();
  await a.stop();
  expect(posts()).toHaveLength(1);
  expect((await entries(stores)).map((e) => e?.activityId)).toEqual(['msg-1']);
});

test('a timed-out post that fails after all is retried with the backoff, once', async () => {
  const stores = await storesWith(1);
  const clock = new Clock();
  let failFirst: (error: Error) => void = () => undefined;
  const { sender, posts } = channel((call) => (call === 1 ? new Promise<void>((_resolve, reject) => (failFirst = reject)) : undefined));
  const a = worker(stores, sender, clock, 'instance-a', stores.outbox, 50);
  await a.runOnce();
  failFirst(new Error('socket hang up'));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const [entry] = await entries(stores);
  expect(entry).toMatchObject({ status: 'pending', attempts: 1, lastError: expect.stringContaining('timed out, then failed') });
  clock.advance(60_000);
  await a.runOnce();
  expect(posts()).toHaveLength(2);
  expect((await entries(stores))[0]).toMatchObject({ activityId: 'msg-2', deliveredRevision: 1 });
  await a.stop();
});

test('a call that never answers is given up once its claim has run out, and the card is sent again', async () => {
  const stores = await storesWith(1);
  const clock = new Clock();
  const { sender, calls } = channel((call) => (call === 1 ? new Promise<void>(() => undefined) : undefined));
  const a = worker(stores, sender, clock, 'instance-a', stores.outbox, 50);
  await a.runOnce();
  clock.advance(1_000);
  await a.runOnce();
  expect(calls).toHaveLength(1);
  clock.advance(10_000);
  await a.runOnce();
  expect(calls).toHaveLength(2);
});

test('a card posted by one instance whose record failed is not posted again by another', async () => {
  const stores = await storesWith(1);
  const clock = new Clock();
  const { sender, posts } = channel();
  const a = worker(stores, sender, clock, 'instance-a', markDeliveredFails(stores.outbox, 1));
  const b = worker(stores, sender, clock, 'instance-b');

  await a.runOnce();
  await b.runOnce();
  await a.runOnce();

  expect(posts()).toHaveLength(1);
  expect((await entries(stores))[0]).toMatchObject({ activityId: 'msg-1', deliveredRevision: 1 });
});

test("a 429 with Retry-After holds the conversation's other cards until it has passed", async () => {
  const stores = await storesWith(2);
  const clock = new Clock();
  const refusal = Object.assign(new Error('Too Many Requests'), { statusCode: 429, retryAfterMs: 30_000 });
  const { sender, calls } = channel((call) => (call === 1 ? Promise.reject(refusal) : undefined));
  const a = worker(stores, sender, clock, 'instance-a');

  await a.runOnce();
  clock.advance(10_000);
  await a.runOnce();
  expect(calls).toHaveLength(1);
  clock.advance(21_000);
  await a.runOnce();
  expect(calls.filter((c) => c.kind === 'post')).toHaveLength(3);
  expect((await entries(stores)).every((e) => e?.deliveredRevision === 1)).toBe(true);
});

test('a timed-out post that answers late, whose record then fails, is not posted again by another instance', async () => {
  const stores = await storesWith(1);
  const clock = new Clock();
  let answerFirst: () => void = () => undefined;
  const { sender, posts } = channel((call) => (call === 1 ? new Promise<void>((resolve) => (answerFirst = resolve)) : undefined));
  const a = worker(stores, sender, clock, 'instance-a', markDeliveredFails(stores.outbox, 1), 50);
  const b = worker(stores, sender, clock, 'instance-b', stores.outbox, 50);
  await a.runOnce();
  answerFirst();
  await new Promise((resolve) => setTimeout(resolve, 20));
  await b.runOnce();
  await a.runOnce();
  expect(posts()).toHaveLength(1);
  expect((await entries(stores))[0]).toMatchObject({ activityId: 'msg-1', deliveredRevision: 1 });
  await a.stop();
});

