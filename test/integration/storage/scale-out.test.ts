import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import type { OutboxEntry, SharedOutbox, SharedStateStores } from '../../../src/core/incidents/ports';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import { useAzurite } from './azurite';
import { sharedStateBackends } from './shared-state-backends';
import type { Backend } from './store-contracts';

/**
 * Two bot instances on one store: alerts accepted on both end in one incident, and each card
 * is delivered by exactly one of them, taken over when its deliverer dies, and updated (never
 * posted twice) when the incident changes while it is being sent.
 */

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (seconds: number): Date => new Date(t0.getTime() + seconds * 1000);
const code = 'UserErrorGuestAgentStatusUnavailable';
const windowMs = 60 * 60_000;
const coalesceMs = 5_000;
const claimMs = 60_000;

const azurite = useAzurite('table');

function alert(vm: string, seconds: number): BackupAlert {
  return { source: 'minimal', condition: 'fired', vault: { name: 'rsv-prod', subscriptionId: 'sub-1', resourceGroup: 'rg' }, vm: { name: vm }, jobId: `job-${vm}`, codeHints: [], occurredAt: at(seconds) };
}

/** A Teams conversation as the connector sees it: what was posted, and what was updated. */
class Conversation {
  readonly posts: string[] = [];
  readonly updates: { activityId: string; revision: number }[] = [];
  send(activityId: string | undefined, revision: number): string {
    if (activityId) {
      this.updates.push({ activityId, revision });
      return activityId;
    }
    const id = `activity-${this.posts.length + 1}`;
    this.posts.push(id);
    return id;
  }
}

/** One scan of a delivery worker: claim each due entry, send it, record it. `beforeRecord` lets a test act mid-send. */
async function deliver(outbox: SharedOutbox, holder: string, now: Date, conversation: Conversation, incidentRevision: () => Promise<number>, beforeRecord?: () => Promise<void>): Promise<number> {
  let sent = 0;
  for (const due of await outbox.due(now, 10)) {
    const claimed = await outbox.claim(due.id, holder, now, new Date(now.getTime() + claimMs));
    if (!claimed) continue;
    const revision = await incidentRevision();
    const activityId = conversation.send(claimed.activityId, revision);
    await beforeRecord?.();
    await outbox.markDelivered(claimed.id, holder, revision, activityId, now, new Date(now.getTime() + coalesceMs));
    sent += 1;
  }
  return sent;
}

describe.each(sharedStateBackends(azurite, { now: () => t0 }))('%s: two instances on one store', (_name, make) => {
  let backend: Backend<SharedStateStores>;
  beforeEach(async () => {
    backend = await make();
  });
  afterEach(async () => {
    await backend.close();
  });

  function instance(name: string) {
    const stores = backend.open();
    let n = 0;
    const ledger = new SharedAlertLedger({ stores, ids: { next: () => `${name}-${(n += 1)}` }, windowMs, coalesceMs });
    return { stores, ledger, accept: (a: BackupAlert) => ledger.accept({ alert: a, code, awaitJob: false, receivedAt: a.occurredAt }) };
  }

  async function subscribeBoth(a: ReturnType<typeof instance>) {
    await a.ledger.subscribe({ id: 'sub-a', conversationKey: 'conv-1', conversationReference: {}, scope: { kind: 'vault', vault: 'rsv-prod' }, language: 'en', createdAt: t0 }, t0);
  }

  /** Two instances, a subscribed conversation and an incident opened on the first. */
  async function openIncident() {
    const a = instance('a');
    const b = instance('b');
    await subscribeBoth(a);
    const opened = await a.accept(alert('vm-1', 0));
    if (opened.kind !== 'grouped') throw new Error('expected an incident');
    const revision = async () => (await a.stores.incidents.get(opened.incidentId))?.revision ?? 0;
    return { a, b, incidentId: opened.incidentId, revision, conversation: new Conversation() };
  }

  test('alerts of one vault and code accepted on both at once end in one incident with every VM', async () => {
    const a = instance('a');
    const b = instance('b');
    await subscribeBoth(a);
    const outcomes = await Promise.all(Array.from({ length: 16 }, (_, i) => (i % 2 === 0 ? a : b).accept(alert(`vm-${i}`, i))));
    const incidentIds = new Set(outcomes.map((o) => (o.kind === 'grouped' ? o.incidentId : o.kind)));
    expect(incidentIds.size).toBe(1);
    expect(outcomes.filter((o) => o.kind === 'grouped' && o.opened)).toHaveLength(1);
    const incident = await b.stores.incidents.get([...incidentIds][0] as string);
    expect(incident?.vmCount).toBe(16);
    expect(incident?.revision).toBe(16);
    expect(new Set(incident?.vms.map((v) => v.name)).size).toBe(16);
    // One card for the conversation, wanting the latest revision.
    const entry = await a.stores.outbox.find(incident?.id ?? '', 'conv-1');
    expect(entry).toMatchObject({ wantedRevision: 16, deliveredRevision: 0, status: 'pending' });
    // The same alert retried to both instances is stored once and changes nothing more.
    const again = await Promise.all([a.accept(alert('vm-3', 3)), b.accept(alert('vm-3', 3))]);
    expect(again.map((o) => o.kind)).toEqual(['duplicate', 'duplicate']);
    expect((await a.stores.incidents.get(incident?.id ?? ''))?.revision).toBe(16);
  }, 60_000);

  test('a card is delivered by exactly one instance, and taken over once its deliverer died', async () => {
    const { a, b, revision, conversation } = await openIncident();
    const sent = await Promise.all([deliver(a.stores.outbox, 'worker-a', at(1), conversation, revision), deliver(b.stores.outbox, 'worker-b', at(1), conversation, revision)]);
    expect(sent.sort()).toEqual([0, 1]);
    expect(conversation.posts).toHaveLength(1);

    // A new VM: worker A claims the update and dies before sending it.
    await b.accept(alert('vm-2', 20));
    const due = await a.stores.outbox.due(at(21), 10);
    expect(await a.stores.outbox.claim(due[0]?.id ?? '', 'worker-a', at(21), new Date(at(21).getTime() + claimMs))).toBeDefined();
    expect(await deliver(b.stores.outbox, 'worker-b', at(30), conversation, revision)).toBe(0);
    // Its claim runs out: B takes the entry over and updates the card A never touched.
    expect(await deliver(b.stores.outbox, 'worker-b', new Date(at(21).getTime() + claimMs + 1), conversation, revision)).toBe(1);
    expect(conversation.posts).toEqual(['activity-1']);
    expect(conversation.updates).toEqual([{ activityId: 'activity-1', revision: 2 }]);
  }, 60_000);

  test('an incident updated on the other instance while its card is sent becomes one later update, not a second post', async () => {
    const { a, b, incidentId, revision, conversation } = await openIncident();
    // While A's first card is on its way, B accepts two more alerts of the same incident.
    await deliver(a.stores.outbox, 'worker-a', at(1), conversation, revision, async () => {
      await b.accept(alert('vm-2', 1));
      await b.accept(alert('vm-3', 1));
    });
    const entry = (await b.stores.outbox.find(incidentId, 'conv-1')) as OutboxEntry;
    expect(entry).toMatchObject({ status: 'pending', wantedRevision: 3, deliveredRevision: 1, activityId: 'activity-1' });
    // Not before the coalescing interval; then one update with everything.
    expect(await deliver(b.stores.outbox, 'worker-b', at(2), conversation, revision)).toBe(0);
    expect(await deliver(b.stores.outbox, 'worker-b', at(1 + coalesceMs / 1000), conversation, revision)).toBe(1);
    expect(conversation.posts).toEqual(['activity-1']);
    expect(conversation.updates).toEqual([{ activityId: 'activity-1', revision: 3 }]);
    expect(await a.stores.outbox.depth()).toBe(0);
  }, 60_000);
});
