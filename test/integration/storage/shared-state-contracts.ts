import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import { groupingKey, vmFromAlert, type IncidentHeader } from '../../../src/core/incidents/incident';
import type { InboxEntry, OutboxEntry, OutboxPlan, SharedStateStores } from '../../../src/core/incidents/ports';
import type { Subscription } from '../../../src/core/incidents/subscription';
import type { Backend } from './store-contracts';

/**
 * The alert path's shared state, one behavioural suite run against memory, SQLite and Azure
 * Table Storage (Azurite). `open()` is another bot instance on the same state (memory: the
 * same stores, as it cannot be shared).
 */
export function describeSharedStateContract(name: string, make: () => Promise<Backend<SharedStateStores>>): void {
  describe(`${name} shared state`, () => {
    let current: Backend<SharedStateStores> | undefined;
    beforeEach(async () => {
      current = await make();
    });
    afterEach(async () => {
      await current?.close();
      current = undefined;
    });
    const instance = (): SharedStateStores => {
      if (!current) throw new Error('backend not started');
      return current.open();
    };

    describeIncidents(instance);
    describeInbox(instance);
    describeOutbox(instance);
    describeSubscriptions(instance);
    describeWatermarksAndSeenEvents(instance);
  });
}

const t0 = new Date('2026-03-01T10:00:00.000Z');
const at = (minutes: number): Date => new Date(t0.getTime() + minutes * 60_000);

function alert(vm: string, minutes: number, options: Partial<BackupAlert> = {}): BackupAlert {
  return { source: 'minimal', condition: 'fired', vault: { name: 'rsv-prod', subscriptionId: 'sub-1', resourceGroup: 'rg' }, vm: { name: vm }, codeHints: [], occurredAt: at(minutes), jobId: `job-${vm}-${minutes}`, ...options };
}

const code = 'UserErrorGuestAgentStatusUnavailable';
const group = groupingKey(alert('x', 0), code);
const windowMs = 60 * 60_000;

function header(id: string, minutes: number, changes: Partial<IncidentHeader> = {}): IncidentHeader {
  return { id, groupKey: group, vault: alert('x', 0).vault, code, openedAt: at(0), lastAlertAt: at(minutes), revision: 1, vmCount: 1, recoveredCount: 0, ...changes };
}

function describeIncidents(instance: () => SharedStateStores): void {
  test('an incident opened on one instance is read on another with its VMs in the order first seen', async () => {
    const a = instance().incidents;
    const empty = await a.readGroup(group, 'vm-2', at(0), windowMs);
    expect(empty.near).toBeUndefined();
    expect(await a.commit(empty, { header: header('inc-1', 0), vm: vmFromAlert(alert('vm-2', 0)) })).toBe(true);
    const read = await a.readGroup(group, 'vm-1', at(3), windowMs);
    expect(read.near?.id).toBe('inc-1');
    expect(read.vm).toBeUndefined();
    expect(await a.commit(read, { header: header('inc-1', 3, { revision: 2, vmCount: 2 }), vm: vmFromAlert(alert('vm-1', 3)) })).toBe(true);

    const b = instance().incidents;
    const incident = await b.get('inc-1');
    expect(incident).toMatchObject({ id: 'inc-1', revision: 2, vmCount: 2, lastAlertAt: at(3), openedAt: at(0), vault: { name: 'rsv-prod' } });
    expect(incident?.vms.map((v) => v.name)).toEqual(['vm-2', 'vm-1']);
    expect((await b.readGroup(group, 'vm-1', at(3), windowMs)).vm).toMatchObject({ name: 'vm-1', state: 'fired', firstSeenAt: at(3) });
    expect(await b.get('inc-unknown')).toBeUndefined();
  });

  test('two instances committing on the same read of a group: exactly one wins, the other reads the winner', async () => {
    const a = instance().incidents;
    const b = instance().incidents;
    const readByA = await a.readGroup(group, 'vm-a', at(0), windowMs);
    const readByB = await b.readGroup(group, 'vm-b', at(0), windowMs);
    const results = await Promise.all([
      a.commit(readByA, { header: header('inc-a', 0), vm: vmFromAlert(alert('vm-a', 0)) }),
      b.commit(readByB, { header: header('inc-b', 0), vm: vmFromAlert(alert('vm-b', 0)) }),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
    const winner = results[0] ? 'inc-a' : 'inc-b';
    const again = await (results[0] ? b : a).readGroup(group, 'vm-x', at(0), windowMs);
    expect(again.near?.id).toBe(winner);
    // A stale read is refused even for another VM: the group moved on.
    expect(await a.commit(readByA, { header: header('inc-a', 1) })).toBe(false);
  });

  test('an alert older than the latest incident\'s window reads the most recent incident within its own window; changing that one leaves the latest for new alerts', async () => {
    const a = instance().incidents;
    const commit = async (minutes: number, vm: string, h: IncidentHeader) => expect(await a.commit(await a.readGroup(group, vm, at(minutes), windowMs), { header: h, vm: vmFromAlert(alert(vm, minutes)) })).toBe(true);
    await commit(0, 'vm-1', header('inc-old', 0));
    await commit(300, 'vm-2', header('inc-new', 300, { openedAt: at(300) }));
    // Nothing within an hour of minute 220: an incident of its own, older than the latest.
    expect((await a.readGroup(group, 'vm-3', at(220), windowMs)).near).toBeUndefined();
    await commit(220, 'vm-3', header('inc-mid', 220, { openedAt: at(220) }));

    const b = instance().incidents;
    // Minute 260 is within an hour of the latest and of the one just opened: the latest.
    expect((await b.readGroup(group, 'vm-9', at(260), windowMs)).near?.id).toBe('inc-new');
    expect((await b.readGroup(group, 'vm-1', at(40), windowMs)).near?.id).toBe('inc-old');
    const late = await b.readGroup(group, 'vm-3', at(200), windowMs);
    expect(late.near?.id).toBe('inc-mid');
    expect(late.vm).toMatchObject({ name: 'vm-3', firstSeenAt: at(220) });
    expect(await b.commit(late, { header: header('inc-mid', 220, { openedAt: at(220), revision: 2, recoveredCount: 1 }), vm: { ...late.vm!, state: 'resolved' } })).toBe(true);
    expect(await a.get('inc-mid')).toMatchObject({ revision: 2, recoveredCount: 1, lastAlertAt: at(220), vms: [{ name: 'vm-3', state: 'resolved' }] });
    // The latest is still the one a new alert finds.
    expect((await a.readGroup(group, 'vm-9', at(265), windowMs)).near?.id).toBe('inc-new');
    expect((await a.readGroup(group, 'vm-9', at(370), windowMs)).near).toBeUndefined();
  });

  test('two instances changing an older incident, or opening one for old alerts, on the same read: exactly one wins', async () => {
    const a = instance().incidents;
    const b = instance().incidents;
    await a.commit(await a.readGroup(group, 'vm-0', at(300), windowMs), { header: header('inc-new', 300), vm: vmFromAlert(alert('vm-0', 300)) });
    // Both find nothing within an hour of minute 100 and open an incident each: one of them stands.
    const [openA, openB] = [await a.readGroup(group, 'vm-a', at(100), windowMs), await b.readGroup(group, 'vm-b', at(110), windowMs)];
    const opens = await Promise.all([
      a.commit(openA, { header: header('inc-a', 100), vm: vmFromAlert(alert('vm-a', 100)) }),
      b.commit(openB, { header: header('inc-b', 110), vm: vmFromAlert(alert('vm-b', 110)) }),
    ]);
    expect(opens.filter(Boolean)).toHaveLength(1);
    const opened = opens[0] ? 'inc-a' : 'inc-b';
    // Both add a VM to that incident: one of them stands; the other reads the winner's and decides again.
    const [joinA, joinB] = [await a.readGroup(group, 'vm-c', at(105), windowMs), await b.readGroup(group, 'vm-d', at(105), windowMs)];
    expect([joinA.near?.id, joinB.near?.id]).toEqual([opened, opened]);
    const joins = await Promise.all([
      a.commit(joinA, { header: { ...joinA.near!, revision: 2, vmCount: 2 }, vm: vmFromAlert(alert('vm-c', 105)) }),
      b.commit(joinB, { header: { ...joinB.near!, revision: 2, vmCount: 2 }, vm: vmFromAlert(alert('vm-d', 105)) }),
    ]);
    expect(joins.filter(Boolean)).toHaveLength(1);
    expect((await instance().incidents.get(opened))?.vms).toHaveLength(2);
    expect((await b.readGroup(group, 'vm-x', at(310), windowMs)).near?.id).toBe('inc-new');
  });

  test('lists open incidents (some VM still failing, last alert recent), most recent first', async () => {
    const store = instance().incidents;
    const open = async (groupKey: string, h: IncidentHeader) => expect(await store.commit(await store.readGroup(groupKey, 'vm', h.lastAlertAt, windowMs), { header: { ...h, groupKey } })).toBe(true);
    await open('rsv-prod|a', header('old', -120));
    await open('rsv-prod|b', header('recovered', 10, { recoveredCount: 1 }));
    await open('rsv-prod|c', header('recent', 5));
    await open('rsv-prod|d', header('latest', 20));
    const listed = await instance().incidents.listOpen(at(0));
    expect(listed.map((h) => h.id)).toEqual(['latest', 'recent']);
  });
}

const entry = (key: string, minutes: number, status: InboxEntry['status'] = 'needs-job'): InboxEntry => ({
  id: `alert-${key}`,
  dedupeKey: `fired:job:${key}`,
  alert: alert('vm-1', minutes, { jobId: key }),
  code: null,
  status,
  incidentId: null,
  receivedAt: at(minutes),
});

function describeInbox(instance: () => SharedStateStores): void {
  test('the webhook and the poller on two instances store one job once: of 20 racing inserts exactly one wins', async () => {
    const stores = [instance().inbox, instance().inbox];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.insert({ ...entry('job-1', 0), id: `alert-${i}` })));
    const winners = results.filter((r) => r.inserted);
    expect(winners).toHaveLength(1);
    for (const r of results) expect(r.entry.id).toBe(winners[0]!.entry.id);
    const found = await instance().inbox.find('fired:job:job-1');
    expect(found).toEqual(winners[0]!.entry);
    expect(found?.alert.occurredAt).toEqual(at(0));
  });

  test('lists waiting alerts oldest first and moves one on only from the status it was read in', async () => {
    const inbox = instance().inbox;
    await inbox.insert(entry('b', 2));
    await inbox.insert(entry('a', 1));
    await inbox.insert(entry('c', 3, 'grouped'));
    await inbox.insert(entry('d', 4));
    expect((await inbox.listByStatus('needs-job', 2)).map((e) => e.id)).toEqual(['alert-a', 'alert-b']);
    const other = instance().inbox;
    const moves = await Promise.all([
      inbox.update('fired:job:a', 'needs-job', { status: 'grouped', code, incidentId: 'inc-1' }),
      other.update('fired:job:a', 'needs-job', { status: 'ignored', code: null, incidentId: null }),
    ]);
    expect(moves.filter(Boolean)).toHaveLength(1);
    expect((await other.listByStatus('needs-job', 10)).map((e) => e.id)).toEqual(['alert-b', 'alert-d']);
    expect(await inbox.update('fired:job:unknown', 'needs-job', { status: 'grouped', code, incidentId: 'x' })).toBe(false);
  });
}

const plan = (revision: number, dueAt: Date, subscriptionId = 'sub-a'): OutboxPlan => ({ subscriptionId, wantedRevision: revision, dueAt, attempts: 0, status: 'pending' });
const claimMs = 30_000;
const until = (now: Date): Date => new Date(now.getTime() + claimMs);

function describeOutbox(instance: () => SharedStateStores): void {
  test('planning raises the wanted revision and keeps the card; the worker records each card once', async () => {
    const a = instance().outbox;
    const created = await a.plan('inc-1', 'conv-1', at(0), (existing) => (existing ? undefined : plan(1, at(0))));
    expect(created).toMatchObject({ incidentId: 'inc-1', conversationKey: 'conv-1', wantedRevision: 1, deliveredRevision: 0, status: 'pending' });
    const id = created!.id;
    expect(await a.claim(id, 'worker-a', at(0), until(at(0)))).toMatchObject({ id, claimedBy: 'worker-a' });
    await a.markDelivered(id, 'worker-a', 1, 'activity-1', at(0), at(1));
    const delivered = await instance().outbox.get(id);
    expect(delivered).toMatchObject({ status: 'delivered', deliveredRevision: 1, activityId: 'activity-1', lastSentAt: at(0) });
    expect(delivered?.claimedBy).toBeUndefined();

    // A revision planned lower than the one wanted never lowers it; a decision of "leave it" writes nothing.
    const b = instance().outbox;
    await b.plan('inc-1', 'conv-1', at(2), () => plan(3, at(2), 'sub-other'));
    await b.plan('inc-1', 'conv-1', at(2), () => plan(2, at(2)));
    expect(await b.plan('inc-1', 'conv-1', at(2), () => undefined)).toMatchObject({ wantedRevision: 3 });
    expect(await a.find('inc-1', 'conv-1')).toMatchObject({ id, wantedRevision: 3, deliveredRevision: 1, activityId: 'activity-1', subscriptionId: 'sub-a', status: 'pending' });
    expect(await a.find('inc-1', 'conv-unknown')).toBeUndefined();
  });

  test('due entries: earliest first, not yet shown, not claimed, leaving out busy conversations', async () => {
    const a = instance().outbox;
    const e1 = await a.plan('inc-1', 'conv-1', at(0), () => plan(1, at(2)));
    const e2 = await a.plan('inc-2', 'conv-1', at(0), () => plan(1, at(1)));
    const e3 = await a.plan('inc-1', 'conv-2', at(0), () => plan(1, at(3)));
    await a.plan('inc-3', 'conv-3', at(0), () => plan(1, at(30)));
    const b = instance().outbox;
    expect((await b.due(at(5), 10)).map((e) => e.id)).toEqual([e2!.id, e1!.id, e3!.id]);
    expect((await b.due(at(5), 2)).map((e) => e.id)).toEqual([e2!.id, e1!.id]);
    expect((await b.due(at(5), 10, ['conv-1'])).map((e) => e.id)).toEqual([e3!.id]);
    await b.claim(e1!.id, 'worker-b', at(5), until(at(5)));
    expect((await a.due(at(5), 10)).map((e) => e.id)).toEqual([e2!.id, e3!.id]);
    expect(await a.depth()).toBe(4);
    expect(await a.nextDueAt()).toEqual(at(1));
  });

  test('of 20 workers on two instances claiming one entry exactly one gets it; a claim that expired is taken over', async () => {
    const stores = [instance().outbox, instance().outbox];
    const entry = (await stores[0]!.plan('inc-1', 'conv-1', at(0), () => plan(1, at(0))))!;
    const claims = await Promise.all(Array.from({ length: 20 }, (_, i) => stores[i % 2]!.claim(entry.id, `worker-${i}`, at(0), until(at(0)))));
    const holders = claims.filter((c): c is OutboxEntry => c !== undefined);
    expect(holders).toHaveLength(1);
    const holder = holders[0]!.claimedBy!;
    // Within the claim nobody else gets it, and the entry is not due for anyone.
    expect(await stores[1]!.claim(entry.id, 'late-worker', at(0.4), until(at(0.4)))).toBeUndefined();
    expect(await stores[1]!.due(at(0.4), 10)).toEqual([]);
    // The holder died: once the claim runs out the entry is due again and another worker takes it over.
    const after = new Date(until(at(0)).getTime() + 1);
    expect((await stores[1]!.due(after, 10)).map((e) => e.id)).toEqual([entry.id]);
    expect(await stores[1]!.claim(entry.id, 'late-worker', after, until(after))).toMatchObject({ claimedBy: 'late-worker' });
    // The old holder may no longer decide about it.
    expect(await stores[0]!.reschedule(entry.id, holder, at(9), 1, 'timeout')).toBe(false);
    expect(await stores[0]!.markFailed(entry.id, holder, 'gave up')).toBe(false);
    expect(await stores[0]!.forgetActivity(entry.id, holder)).toBe(false);
    expect(await stores[1]!.get(entry.id)).toMatchObject({ claimedBy: 'late-worker', status: 'pending', attempts: 0 });
  });

  test('an update planned on another instance while a card is being sent is coalesced: one card, updated later', async () => {
    const worker = instance().outbox;
    const planner = instance().outbox;
    const e = (await planner.plan('inc-1', 'conv-1', at(0), () => plan(1, at(0))))!;
    await worker.claim(e.id, 'worker-a', at(0), until(at(0)));
    // The incident changed while the first card was on its way.
    await planner.plan('inc-1', 'conv-1', at(0.1), (existing) => plan(2, existing!.dueAt));
    await worker.markDelivered(e.id, 'worker-a', 1, 'activity-1', at(0.2), at(0.2 + 5 / 60));
    const waiting = await planner.get(e.id);
    expect(waiting).toMatchObject({ status: 'pending', wantedRevision: 2, deliveredRevision: 1, activityId: 'activity-1', dueAt: at(0.2 + 5 / 60) });
    expect(await planner.due(at(0.2), 10)).toEqual([]);
    // The next delivery updates that card: the recorded id is never replaced by another post.
    const next = await planner.claim(e.id, 'worker-b', at(1), until(at(1)));
    expect(next?.activityId).toBe('activity-1');
    await planner.markDelivered(e.id, 'worker-b', 2, 'activity-2', at(1), at(2));
    expect(await worker.get(e.id)).toMatchObject({ status: 'delivered', deliveredRevision: 2, activityId: 'activity-1' });
  });

  test('retries, failures and a deleted card are the holder\'s to record; a closed conversation fails all its entries', async () => {
    const store = instance().outbox;
    const e = (await store.plan('inc-1', 'conv-1', at(0), () => plan(1, at(0))))!;
    await store.claim(e.id, 'worker-a', at(0), until(at(0)));
    expect(await store.reschedule(e.id, 'worker-a', at(2), 1, '429: slow down')).toBe(true);
    expect(await store.get(e.id)).toMatchObject({ dueAt: at(2), attempts: 1, lastError: '429: slow down' });
    expect((await store.get(e.id))?.claimedBy).toBeUndefined();
    await store.claim(e.id, 'worker-a', at(2), until(at(2)));
    await store.markDelivered(e.id, 'worker-a', 1, 'activity-1', at(2), at(3));
    await store.plan('inc-1', 'conv-1', at(4), () => plan(2, at(4)));
    await store.claim(e.id, 'worker-a', at(4), until(at(4)));
    expect(await store.forgetActivity(e.id, 'worker-a')).toBe(true);
    expect((await store.get(e.id))?.activityId).toBeUndefined();
    await store.release(e.id, 'worker-a');
    expect((await store.due(at(4), 10)).map((x) => x.id)).toEqual([e.id]);

    const other = (await store.plan('inc-2', 'conv-1', at(4), () => plan(1, at(4))))!;
    await store.plan('inc-2', 'conv-2', at(4), () => plan(1, at(4)));
    expect(await instance().outbox.failConversation('conv-1', '403: removed from the team')).toBe(2);
    expect(await store.get(other.id)).toMatchObject({ status: 'failed', lastError: '403: removed from the team' });
    expect(await store.depth()).toBe(1);
    await store.claim(other.id, 'worker-a', at(5), until(at(5)));
    expect(await store.markFailed(other.id, 'worker-a', 'gave up')).toBe(true);
  });
}

function subscription(id: string, conversationKey: string, scope: Subscription['scope'], minutes: number, language: Subscription['language'] = 'en'): Subscription {
  return { id, conversationKey, conversationReference: { conversation: { id: conversationKey } }, scope, language, createdAt: at(minutes) };
}

function describeSubscriptions(instance: () => SharedStateStores): void {
  test('conversations subscribe by scope; subscribing again keeps the id; unsubscribe removes one scope or all', async () => {
    const a = instance().subscriptions;
    await a.add(subscription('s1', 'conv-1', { kind: 'all' }, 0));
    await a.add(subscription('s2', 'conv-2', { kind: 'vault', vault: 'RSV-Prod' }, 1));
    await a.add(subscription('s3', 'conv-3', { kind: 'subscription', subscriptionId: 'sub-1' }, 2));
    await a.add(subscription('s4', 'conv-2', { kind: 'vault', vault: 'rsv-test' }, 3));
    await a.add(subscription('s5', 'conv-4', { kind: 'subscription', subscriptionId: 'sub-2' }, 4));
    const again = await a.add(subscription('s9', 'conv-2', { kind: 'vault', vault: 'rsv-prod' }, 9, 'pl'));
    expect(again).toMatchObject({ id: 's2', language: 'pl' });

    const b = instance().subscriptions;
    expect((await b.listMatching({ name: 'rsv-prod', subscriptionId: 'sub-1' })).map((s) => s.id)).toEqual(['s1', 's2', 's3']);
    expect((await b.listMatching({ name: 'rsv-other' })).map((s) => s.id)).toEqual(['s1']);
    expect((await b.listForConversation('conv-2')).map((s) => [s.id, s.language])).toEqual([['s2', 'pl'], ['s4', 'en']]);
    expect((await b.listForConversation('conv-2'))[0]?.conversationReference).toEqual({ conversation: { id: 'conv-2' } });

    expect(await b.remove('conv-2', 'vault:rsv-test')).toBe(1);
    expect(await b.remove('conv-2', 'vault:rsv-test')).toBe(0);
    expect(await a.remove('conv-1')).toBe(1);
    expect((await a.listMatching({ name: 'rsv-prod', subscriptionId: 'sub-1' })).map((s) => s.id)).toEqual(['s2', 's3']);
  });
}

function describeWatermarksAndSeenEvents(instance: () => SharedStateStores): void {
  test('a vault\'s watermark advances only from what the poller read: two pollers never both record a window', async () => {
    const a = instance().watermarks;
    const b = instance().watermarks;
    expect(await a.get('sub/rg/rsv-prod')).toBeUndefined();
    const first = await Promise.all([a.advance('sub/rg/rsv-prod', undefined, at(10), at(10)), b.advance('sub/rg/rsv-prod', undefined, at(11), at(11))]);
    expect(first.filter(Boolean)).toHaveLength(1);
    const mark = (await b.get('sub/rg/rsv-prod'))!;
    expect([at(10).getTime(), at(11).getTime()]).toContain(mark.getTime());
    expect(await a.advance('sub/rg/rsv-prod', at(5), at(20), at(20))).toBe(false);
    expect(await a.advance('sub/rg/rsv-prod', mark, at(20), at(20))).toBe(true);
    expect(await b.get('sub/rg/rsv-prod')).toEqual(at(20));
    expect(await b.lastPollAt()).toBeInstanceOf(Date);
  });

  test('a Slack event retried to several instances is answered once', async () => {
    const instances = [instance().seenEvents, instance().seenEvents];
    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => instances[i % 2]!.firstDelivery('Ev0123ABC')));
    expect(first.filter(Boolean)).toHaveLength(1);
    expect(await instances[0]!.firstDelivery('Ev0456DEF')).toBe(true);
  });
}
