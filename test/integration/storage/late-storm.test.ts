import { AlertLedger, type AcceptOutcome } from '../../../src/core/incidents/accept-alert';
import { groupingKey, vmFromAlert, type IncidentHeader } from '../../../src/core/incidents/incident';
import type { SharedStateStores } from '../../../src/core/incidents/ports';
import { SharedAlertLedger } from '../../../src/core/incidents/shared-alert-ledger';
import { createAzureStateStores } from '../../../src/storage/azure-state-stores';
import { SqliteAlertInbox } from '../../../src/storage/sqlite-alert-inbox';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteIncidentStore } from '../../../src/storage/sqlite-incident-store';
import { SqliteOutbox } from '../../../src/storage/sqlite-outbox';
import { sqliteImmediateUnitOfWork } from '../../../src/storage/sqlite-shared-stores';
import { SqliteSubscriptionStore } from '../../../src/storage/sqlite-subscription-store';
import { acceptOnBoth, alertTimeline, at, code, windowMs } from './alert-timeline';
import { uniqueTablePrefix, useAzurite } from './azurite';
import { sharedStateBackends } from './shared-state-backends';

/**
 * A storm that arrives late (a sender's backlog, a poller catching up: alerts older than the window
 * of the group's latest incident) groups into one incident of its own on every shared store, as the
 * transactional ledger on SQLite groups it, and leaves the latest incident taking the group's new alerts.
 */

const azurite = useAzurite('table');

const { input, clock } = alertTimeline('rsv-late', 250);

// The latest incident opens at minute 240; a storm of minutes 100-120 follows, with a new alert of the latest among it.
const recent = input('vm-new', 240);
const live = input('vm-live', 245);
const storm = [input('vm-0', 120), input('vm-1', 110), input('vm-2', 100)];
const interleaved = [storm[0]!, live, storm[1]!, storm[2]!];
const shuffled = [storm[0]!, storm[2]!, live, storm[1]!];
/** The incidents the group ends with, each as its VMs: what the stores must agree on. */
const expected = ['vm-0,vm-1,vm-2', 'vm-live,vm-new'];

const incidentOf = (outcome: AcceptOutcome | undefined): string | undefined => (outcome?.kind === 'grouped' || outcome?.kind === 'duplicate' ? (outcome.incidentId ?? undefined) : undefined);

async function incidentsOf(stores: SharedStateStores): Promise<string[]> {
  const open = await stores.incidents.listOpen(at(0));
  const incidents = await Promise.all(open.map((h) => stores.incidents.get(h.id)));
  return incidents.map((i) => (i?.vms.map((v) => v.name) ?? []).sort().join(',')).sort();
}

function sharedLedger(stores: SharedStateStores, prefix: string): SharedAlertLedger {
  let n = 0;
  return new SharedAlertLedger({ stores, ids: { next: () => `${prefix}-${(n += 1)}` }, windowMs, coalesceMs: 5_000 });
}

describe('the transactional ledger on SQLite (the reference)', () => {
  function sqliteLedger() {
    const db = openSqliteDatabase(':memory:');
    const incidents = new SqliteIncidentStore(db);
    let n = 0;
    const ledger = new AlertLedger({ unitOfWork: sqliteImmediateUnitOfWork(db), incidents, inbox: new SqliteAlertInbox(db), outbox: new SqliteOutbox(db, clock), subscriptions: new SqliteSubscriptionStore(db), ids: { next: () => `id-${(n += 1)}` }, windowMs, coalesceMs: 5_000 });
    const shape = () => incidents.listOpen(at(0)).map((h) => incidents.get(h.id)!.vms.map((v) => v.name).sort().join(',')).sort();
    return { db, ledger, shape };
  }

  test.each([
    ['one by one', false],
    ['as one batch', true],
  ])('groups the late storm into one incident of its own, %s', (_, batched) => {
    const { db, ledger, shape } = sqliteLedger();
    ledger.acceptMany([recent]);
    const outcomes = batched ? ledger.acceptMany(shuffled) : interleaved.map((i) => ledger.acceptMany([i])[0]);
    expect(shape()).toEqual(expected);
    expect(new Set(outcomes.filter((_, i) => (batched ? shuffled : interleaved)[i] !== live).map(incidentOf)).size).toBe(1);
    db.close();
  });
});

for (const [name, make] of sharedStateBackends(azurite, clock)) {
  describe(`SharedAlertLedger on ${name}`, () => {
    test('groups a late storm, alerts one by one out of order, into one incident of its own; the latest incident keeps taking new alerts', async () => {
      const backend = await make();
      const stores = backend.open();
      const ledger = sharedLedger(stores, 'a');
      const first = await ledger.accept(recent);
      const outcomes: AcceptOutcome[] = [];
      for (const i of interleaved) outcomes.push(await ledger.accept(i));
      const [late0, liveOutcome, late1, late2] = outcomes;
      expect(new Set([late0, late1, late2].map(incidentOf)).size).toBe(1);
      expect(incidentOf(late0)).not.toBe(incidentOf(first));
      expect(incidentOf(liveOutcome)).toBe(incidentOf(first));
      expect(await incidentsOf(stores)).toEqual(expected);
      await backend.close();
    });

    test('groups a late storm accepted as one batch, in any order, into one incident of its own', async () => {
      const backend = await make();
      const stores = backend.open();
      const ledger = sharedLedger(stores, 'a');
      await ledger.accept(recent);
      const outcomes = await ledger.acceptMany(shuffled);
      expect(new Set(outcomes.filter((_, i) => shuffled[i] !== live).map(incidentOf)).size).toBe(1);
      expect(await incidentsOf(stores)).toEqual(expected);
      // A new alert after the storm still joins the latest incident: the storm did not take the group over.
      expect(incidentOf(await ledger.accept(input('vm-after', 250)))).toBe(incidentOf(outcomes[shuffled.indexOf(live)]));
      await backend.close();
    });

    test('two instances accepting the same late storm at once group it into one incident', async () => {
      const backend = await make();
      const a = sharedLedger(backend.open(), 'a');
      const b = sharedLedger(backend.open(), 'b');
      const first = await a.accept(recent);
      const [byA, byB] = await acceptOnBoth(a, b, storm);
      expect(new Set([...byA, ...byB].map(incidentOf)).size).toBe(1);
      expect(incidentOf(byA[0])).not.toBe(incidentOf(first));
      expect(incidentOf(await b.accept(live))).toBe(incidentOf(first));
      expect(await incidentsOf(backend.open())).toEqual(expected);
      await backend.close();
    });
  });
}

test('on Azure Tables, a late alert\'s change to an older incident that retention removed since it was read is not written back', async () => {
  const stores = createAzureStateStores({ connectionString: azurite()?.connectionString, tablePrefix: uniqueTablePrefix() }, { clock });
  const { incidents } = stores;
  const { alert } = input('vm-1', 0);
  const group = groupingKey(alert, code);
  const header = (id: string, minutes: number): IncidentHeader => ({ id, groupKey: group, vault: alert.vault, code, openedAt: at(minutes), lastAlertAt: at(minutes), revision: 1, vmCount: 1, recoveredCount: 0 });
  expect(await incidents.commit(await incidents.readGroup(group, 'vm-1', at(0), windowMs), { header: header('inc-old', 0), vm: vmFromAlert(alert) })).toBe(true);
  expect(await incidents.commit(await incidents.readGroup(group, 'vm-9', at(300), windowMs), { header: header('inc-new', 300) })).toBe(true);
  const late = await incidents.readGroup(group, 'vm-2', at(30), windowMs);
  expect(late.near?.id).toBe('inc-old');
  // Another instance's retention removes the old incident (it leaves the head, which is the newer one's).
  expect(await stores.history.purgeExpiredBefore(at(1))).toBeGreaterThan(0);
  expect(await incidents.commit(late, { header: { ...header('inc-old', 30), openedAt: at(0), revision: 2, vmCount: 2 }, vm: vmFromAlert(input('vm-2', 30).alert) })).toBe(false);
  expect(await incidents.get('inc-old')).toBeUndefined();
  expect((await incidents.readGroup(group, 'vm-2', at(30), windowMs)).near).toBeUndefined();
  expect((await incidents.readGroup(group, 'vm-2', at(310), windowMs)).near?.id).toBe('inc-new');
});
