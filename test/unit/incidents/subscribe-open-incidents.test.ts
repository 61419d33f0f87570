import { AlertLedger } from '../../../src/core/incidents/accept-alert';
import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import { immediateUnitOfWork, MemoryAlertInbox, MemoryIncidentStore, MemoryOutbox, MemorySubscriptionStore } from '../../../src/core/incidents/memory-stores';
import { openIncidentsText } from '../../../src/core/incidents/open-incidents';
import type { Subscription, SubscriptionScope } from '../../../src/core/incidents/subscription';

const t0 = new Date('2025-01-01T02:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const windowMs = 60 * 60_000;

function alert(vault: string, vm: string, opts: Partial<BackupAlert> & { minutes?: number } = {}): BackupAlert {
  return {
    source: 'minimal',
    condition: 'fired',
    vault: { name: vault, subscriptionId: vault === 'vault-other-sub' ? 'sub-2' : 'sub-1' },
    vm: { name: vm },
    codeHints: [],
    occurredAt: at(opts.minutes ?? 0),
    jobId: `${vault}-${vm}-${opts.condition ?? 'fired'}-${opts.minutes ?? 0}`,
    ...opts,
  };
}

function setup(maxOpenCards?: number) {
  let n = 0;
  const incidents = new MemoryIncidentStore();
  const outbox = new MemoryOutbox();
  const subscriptions = new MemorySubscriptionStore();
  const ledger = new AlertLedger({
    unitOfWork: immediateUnitOfWork,
    inbox: new MemoryAlertInbox(),
    incidents,
    outbox,
    subscriptions,
    ids: { next: () => `id-${++n}` },
    windowMs,
    coalesceMs: 5_000,
    ...(maxOpenCards !== undefined ? { maxOpenCards } : {}),
  });
  const accept = (a: BackupAlert, code = 'UserErrorGuestAgentStatusUnavailable') => {
    const r = ledger.acceptMany([{ alert: a, code, awaitJob: false, receivedAt: a.occurredAt }])[0]!;
    return r.kind === 'grouped' ? r.incidentId : '';
  };
  let subs = 0;
  const subscription = (conversationKey: string, scope: SubscriptionScope = { kind: 'all' }): Subscription => ({
    id: `sub-${++subs}`,
    conversationKey,
    conversationReference: {},
    scope,
    language: 'en',
    createdAt: t0,
  });
  return { ledger, incidents, outbox, subscriptions, accept, subscription };
}

describe('subscribe: cards for the incidents already open', () => {
  it('queues one card per open incident the new subscription matches, and none for recovered, stale or other-scope incidents', () => {
    const s = setup();
    const agentA = s.accept(alert('vault-a', 'vm-1', { minutes: 0 }));
    s.accept(alert('vault-a', 'vm-2', { minutes: 1 }));
    const networkA = s.accept(alert('vault-a', 'vm-3', { minutes: 2 }), 'ExtensionSnapshotFailedNoNetwork');
    const otherVault = s.accept(alert('vault-b', 'vm-4', { minutes: 3 }));
    // Recovered: every VM's alert resolved.
    s.accept(alert('vault-a', 'vm-5', { minutes: 4 }), 'UserErrorRpCollectionLimitReached');
    s.accept(alert('vault-a', 'vm-5', { minutes: 5, condition: 'resolved' }), 'UserErrorRpCollectionLimitReached');
    // Stale: its last alert is older than the window when the channel subscribes.
    s.accept(alert('vault-a', 'vm-6', { minutes: -90 }), 'BackUpOperationFailed');
    const otherSub = s.accept(alert('vault-other-sub', 'vm-7', { minutes: 6 }));

    const now = at(30);
    const all = s.ledger.subscribe(s.subscription('c-all'), now);
    expect(all).toEqual({ open: 4, queued: 4, alreadyHere: 0 });
    const queued = s.outbox.all().filter((e) => e.conversationKey === 'c-all');
    expect(queued.map((e) => e.incidentId).sort()).toEqual([agentA, networkA, otherVault, otherSub].sort());
    // Due now, the current revision wanted, nothing shown yet: the worker posts them as new cards.
    for (const e of queued) {
      expect(e).toMatchObject({ status: 'pending', deliveredRevision: 0, dueAt: now });
      expect(e.wantedRevision).toBe(s.incidents.getHeader(e.incidentId)!.revision);
    }
    expect(s.outbox.due(now, 100)).toHaveLength(4);

    expect(s.ledger.subscribe(s.subscription('c-vault', { kind: 'vault', vault: 'VAULT-A' }), now)).toEqual({ open: 2, queued: 2, alreadyHere: 0 });
    expect(s.ledger.subscribe(s.subscription('c-sub', { kind: 'subscription', subscriptionId: 'sub-2' }), now)).toEqual({ open: 1, queued: 1, alreadyHere: 0 });
    expect(s.outbox.all().filter((e) => e.conversationKey === 'c-sub').map((e) => e.incidentId)).toEqual([otherSub]);
    // The subscriptions themselves are stored.
    expect(s.subscriptions.list().map((x) => x.conversationKey).sort()).toEqual(['c-all', 'c-sub', 'c-vault']);
  });

  it('subscribing twice queues nothing new: the card is already posted or on its way', () => {
    const s = setup();
    const id = s.accept(alert('vault-a', 'vm-1'));
    expect(s.ledger.subscribe(s.subscription('c1'), at(1))).toEqual({ open: 1, queued: 1, alreadyHere: 0 });
    // Second subscribe before the worker ran: still one entry.
    expect(s.ledger.subscribe(s.subscription('c1'), at(1))).toEqual({ open: 1, queued: 0, alreadyHere: 1 });
    const [entry] = s.outbox.all();
    expect(s.outbox.all()).toHaveLength(1);
    s.outbox.markDelivered(entry!.id, entry!.wantedRevision, 'activity-1', at(2), at(2));
    // After the card was posted, a narrower subscribe in the same conversation changes nothing either.
    expect(s.ledger.subscribe(s.subscription('c1', { kind: 'vault', vault: 'vault-a' }), at(3))).toEqual({ open: 1, queued: 0, alreadyHere: 1 });
    expect(s.outbox.due(at(3), 10)).toHaveLength(0);
    expect(s.outbox.find(id, 'c1')).toMatchObject({ status: 'delivered', activityId: 'activity-1' });
  });

  it('an entry dropped when the conversation unsubscribed comes back on re-subscribe, as an update of the card it had', () => {
    const s = setup();
    const id = s.accept(alert('vault-a', 'vm-1'));
    s.ledger.subscribe(s.subscription('c1'), at(1));
    const entry = s.outbox.find(id, 'c1')!;
    s.outbox.markDelivered(entry.id, entry.wantedRevision, 'activity-1', at(1), at(1));
    s.subscriptions.remove('c1');
    s.accept(alert('vault-a', 'vm-2', { minutes: 2 }));
    s.outbox.markFailed(entry.id, 'conversation unsubscribed');
    expect(s.ledger.subscribe(s.subscription('c1'), at(3))).toEqual({ open: 1, queued: 0, alreadyHere: 1 });
    expect(s.outbox.find(id, 'c1')).toMatchObject({ status: 'pending', activityId: 'activity-1', wantedRevision: 2, deliveredRevision: 1 });
  });

  it('queues at most maxOpenCards cards, the most recent incidents first', () => {
    const s = setup(2);
    const codes = ['UserErrorGuestAgentStatusUnavailable', 'ExtensionSnapshotFailedNoNetwork', 'UserErrorRpCollectionLimitReached'];
    const ids = codes.map((code, i) => s.accept(alert('vault-a', `vm-${i}`, { minutes: i }), code));
    expect(s.ledger.subscribe(s.subscription('c1'), at(5))).toEqual({ open: 3, queued: 2, alreadyHere: 0 });
    expect(s.outbox.all().map((e) => e.incidentId).sort()).toEqual([ids[1], ids[2]].sort());
  });
});

describe('the subscribe confirmation says how many open incidents will be posted', () => {
  test.each([
    [{ open: 0, queued: 0, alreadyHere: 0 }, 'No incidents are open right now.', 'Obecnie nie ma otwartych incydentów.'],
    [{ open: 1, queued: 1, alreadyHere: 0 }, '1 open incident will be posted here.', 'Tutaj zostanie opublikowany 1 otwarty incydent.'],
    [{ open: 2, queued: 2, alreadyHere: 0 }, '2 open incidents will be posted here.', 'Tutaj zostaną opublikowane 2 otwarte incydenty.'],
    [{ open: 5, queued: 5, alreadyHere: 0 }, '5 open incidents will be posted here.', 'Tutaj zostanie opublikowanych 5 otwartych incydentów.'],
    [{ open: 22, queued: 22, alreadyHere: 0 }, '22 open incidents will be posted here.', 'Tutaj zostaną opublikowane 22 otwarte incydenty.'],
    [{ open: 35, queued: 20, alreadyHere: 0 }, 'The 20 most recent of 35 open incidents will be posted here.', 'Tutaj zostanie opublikowanych 20 najnowszych z 35 otwartych incydentów.'],
    [{ open: 2, queued: 0, alreadyHere: 2 }, '2 open incidents are already posted here.', '2 otwarte incydenty są już tutaj opublikowane.'],
    [{ open: 1, queued: 0, alreadyHere: 1 }, '1 open incident is already posted here.', '1 otwarty incydent jest już tutaj opublikowany.'],
  ])('%j', (plan, en, pl) => {
    expect(openIncidentsText(plan, 'en')).toBe(en);
    expect(openIncidentsText(plan, 'pl')).toBe(pl);
  });
});
