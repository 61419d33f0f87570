import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import type { SharedStateStores } from '../../../src/core/incidents/ports';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import type { Subscription } from '../../../src/core/incidents/subscription';
import { memorySharedStores } from '../../../src/core/incidents/transactional-shared-stores';

const t0 = new Date('2026-03-01T10:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
const code = 'UserErrorGuestAgentStatusUnavailable';

function alert(vm: string, minutes: number, options: Partial<BackupAlert> = {}): BackupAlert {
  return { source: 'minimal', condition: 'fired', vault: { name: 'rsv-prod', subscriptionId: 'sub-1' }, vm: { name: vm }, jobId: `job-${vm}-${minutes}`, codeHints: [], occurredAt: at(minutes), ...options };
}

const subscription: Subscription = { id: 'sub-a', conversationKey: 'conv-1', conversationReference: {}, scope: { kind: 'all' }, language: 'en', createdAt: t0 };

function setup(stores: SharedStateStores = memorySharedStores()) {
  let n = 0;
  const ledger = new SharedAlertLedger({ stores, ids: { next: () => `id-${(n += 1)}` }, windowMs: 60 * 60_000, coalesceMs: 5_000 });
  return { stores, ledger };
}

describe('SharedAlertLedger', () => {
  test('an alert waiting for its job is grouped once its code is known; grouping it again on another instance changes nothing', async () => {
    const { stores, ledger } = setup();
    const pending = await ledger.accept({ alert: alert('vm-1', 0), code: undefined, awaitJob: true, receivedAt: at(0) });
    expect(pending.kind).toBe('pending');
    const [waiting] = await stores.inbox.listByStatus('needs-job', 10);
    if (!waiting) throw new Error('expected a waiting alert');
    const first = await ledger.groupPending(waiting, waiting.alert, code, at(1));
    const second = await setup(stores).ledger.groupPending(waiting, waiting.alert, code, at(1));
    expect(first).toMatchObject({ kind: 'grouped', opened: true, changed: true });
    expect(second).toMatchObject({ kind: 'grouped', opened: false, changed: false });
    if (first.kind !== 'grouped') throw new Error('expected grouped');
    expect(await stores.inbox.find(waiting.dedupeKey)).toMatchObject({ status: 'grouped', code, incidentId: first.incidentId });
    expect((await stores.incidents.get(first.incidentId))?.revision).toBe(1);
  });

  test('a retry of a time-less alert that lands just past a five-minute slot boundary is a copy; ten minutes on it is news', async () => {
    const { ledger } = setup();
    const received = (iso: string) => {
      const when = new Date(iso);
      return ledger.accept({ alert: alert('vm-1', 0, { jobId: undefined, occurredAt: when, timeFromReceipt: true }), code, awaitJob: false, receivedAt: when });
    };
    const first = await received('2026-03-01T10:04:59Z');
    expect(first.kind).toBe('grouped');
    expect(await received('2026-03-01T10:05:03Z')).toMatchObject({ kind: 'duplicate', alertId: first.alertId });
    expect((await received('2026-03-01T10:15:00Z')).kind).not.toBe('duplicate');
  });

  test('a recovery of a VM no incident holds is stored and ignored; a recovery of a known VM is a new revision', async () => {
    const { stores, ledger } = setup();
    const accept = (a: BackupAlert) => ledger.accept({ alert: a, code, awaitJob: false, receivedAt: a.occurredAt });
    expect((await accept(alert('vm-9', 0, { condition: 'resolved' }))).kind).toBe('ignored');
    const opened = await accept(alert('vm-1', 1));
    const recovered = await accept(alert('vm-1', 2, { condition: 'resolved' }));
    expect(recovered).toMatchObject({ kind: 'grouped', changed: true });
    if (opened.kind !== 'grouped') throw new Error('expected grouped');
    expect(await stores.incidents.get(opened.incidentId)).toMatchObject({ revision: 2, vmCount: 1, recoveredCount: 1 });
  });

  test('a crash between grouping and planning the card loses nothing: the sender\'s retry plans it', async () => {
    const stores = memorySharedStores();
    const { ledger } = setup(stores);
    await ledger.subscribe(subscription, t0);
    // The instance dies while planning: the incident is stored, no card is planned, no 202 was sent.
    const dying = setup({ ...stores, outbox: { ...stores.outbox, plan: () => Promise.reject(new Error('instance stopped')) } }).ledger;
    await expect(dying.accept({ alert: alert('vm-1', 0), code, awaitJob: false, receivedAt: at(0) })).rejects.toThrow('instance stopped');
    expect(await stores.inbox.find('fired:job:job-vm-1-0')).toBeUndefined();
    // Azure Monitor sends it again, to another instance.
    const retried = await ledger.accept({ alert: alert('vm-1', 0), code, awaitJob: false, receivedAt: at(0) });
    expect(retried).toMatchObject({ kind: 'grouped', changed: false });
    if (retried.kind !== 'grouped') throw new Error('expected grouped');
    expect(await stores.outbox.find(retried.incidentId, 'conv-1')).toMatchObject({ wantedRevision: 1, status: 'pending' });
    expect((await stores.incidents.get(retried.incidentId))?.revision).toBe(1);
  });

  test('subscribing mid-storm queues open incidents up to the cap, most recent first; subscribing again never queues a card twice', async () => {
    const stores = memorySharedStores();
    let n = 0;
    const ledger = new SharedAlertLedger({ stores, ids: { next: () => `id-${(n += 1)}` }, windowMs: 60 * 60_000, coalesceMs: 5_000, maxOpenCards: 2 });
    const incidentOf: string[] = [];
    for (const [i, vault] of ['rsv-a', 'rsv-b', 'rsv-c'].entries()) {
      const outcome = await ledger.accept({ alert: alert(`vm-${i}`, i, { vault: { name: vault } }), code, awaitJob: false, receivedAt: at(i) });
      incidentOf.push(outcome.kind === 'grouped' ? outcome.incidentId : '');
    }
    expect(await ledger.subscribe(subscription, at(5))).toEqual({ open: 3, queued: 2, alreadyHere: 0 });
    expect((await stores.outbox.due(at(5), 10)).map((e) => e.incidentId).sort()).toEqual([incidentOf[1], incidentOf[2]].sort());
    expect(await ledger.subscribe(subscription, at(6))).toEqual({ open: 3, queued: 1, alreadyHere: 2 });
    expect(await ledger.subscribe(subscription, at(7))).toEqual({ open: 3, queued: 0, alreadyHere: 3 });
    expect(await stores.outbox.depth()).toBe(3);
  });
});
