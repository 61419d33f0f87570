import { type AcceptOutcome, AlertLedger } from '../../../src/core/incidents/accept-alert';
import type { BackupAlert } from '../../../src/core/incidents/backup-alert';
import { incidentStatus } from '../../../src/core/incidents/incident';
import { incidentCardData } from '../../../src/core/incidents/incident-view';
import { immediateUnitOfWork, MemoryAlertInbox, MemoryIncidentStore, MemoryOutbox, MemorySubscriptionStore } from '../../../src/core/incidents/memory-stores';

const t0 = new Date('2025-01-01T02:00:00Z');
const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);

function alert(vm: string, opts: Partial<BackupAlert> & { minutes?: number } = {}): BackupAlert {
  return {
    source: 'minimal',
    condition: 'fired',
    vault: { name: 'vault-a', subscriptionId: 'sub-1' },
    vm: { name: vm },
    codeHints: [],
    occurredAt: at(opts.minutes ?? 0),
    ...opts,
  };
}

function setup(coalesceMs = 5_000) {
  let n = 0;
  const incidents = new MemoryIncidentStore();
  const outbox = new MemoryOutbox();
  const inbox = new MemoryAlertInbox();
  const subscriptions = new MemorySubscriptionStore();
  const ledger = new AlertLedger({ unitOfWork: immediateUnitOfWork, inbox, incidents, outbox, subscriptions, ids: { next: () => `id-${++n}` }, windowMs: 60 * 60_000, coalesceMs });
  // null: no code known (a default parameter would swallow undefined).
  const accept = (a: BackupAlert, code: string | null = 'UserErrorGuestAgentStatusUnavailable', receivedAt = a.occurredAt) =>
    ledger.acceptMany([{ alert: a, code: code ?? undefined, awaitJob: false, receivedAt }])[0]!;
  return { ledger, incidents, outbox, inbox, subscriptions, accept };
}

describe('AlertLedger: grouping', () => {
  it('groups alerts of one code in one vault into one incident listing each VM once', () => {
    const s = setup();
    const ids = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = s.accept(alert(`vm-${i % 12}`, { minutes: i, jobId: `job-${i}` }));
      if (r.kind === 'grouped') ids.add(r.incidentId);
    }
    expect(ids.size).toBe(1);
    const incident = s.incidents.get([...ids][0]!)!;
    expect(incident.vmCount).toBe(12);
    expect(incident.vms.map((v) => v.name)).toEqual(Array.from({ length: 12 }, (_, i) => `vm-${i}`));
  });

  it('keeps vaults and codes apart', () => {
    const s = setup();
    const a = s.accept(alert('vm1'));
    const b = s.accept(alert('vm1', { vault: { name: 'vault-b' }, jobId: 'j2' }));
    const c = s.accept(alert('vm1', { jobId: 'j3' }), 'ExtensionSnapshotFailedNoNetwork');
    const d = s.accept(alert('vm2', { vault: { name: 'VAULT-A' }, jobId: 'j4' }));
    expect(new Set([a, b, c].map((r) => (r.kind === 'grouped' ? r.incidentId : r.kind))).size).toBe(3);
    // Vault names compare case-insensitively (alertTargetIDs arrive lower-cased).
    expect(d.kind === 'grouped' && a.kind === 'grouped' && d.incidentId === a.incidentId).toBe(true);
  });

  it('opens a new incident once the window has passed since the last alert, and slides while the storm goes on', () => {
    const s = setup();
    const first = s.accept(alert('vm1', { minutes: 0, jobId: 'a' }));
    const sliding = s.accept(alert('vm2', { minutes: 50, jobId: 'b' }));
    const stillSame = s.accept(alert('vm3', { minutes: 100, jobId: 'c' }));
    const later = s.accept(alert('vm4', { minutes: 170, jobId: 'd' }));
    const id = (r: ReturnType<typeof s.accept>) => (r.kind === 'grouped' ? r.incidentId : undefined);
    expect(id(sliding)).toBe(id(first));
    expect(id(stillSame)).toBe(id(first));
    expect(id(later)).not.toBe(id(first));
  });

  it('groups a storm that arrives late, after a newer incident of its group, into one incident of its own: one by one, or as one batch in any order', () => {
    const id = (r: AcceptOutcome) => (r.kind === 'grouped' ? r.incidentId : undefined);
    // A recent failure, then three alerts of a storm two hours earlier (a sender's backlog, a poller catching up).
    const oneByOne = setup();
    const recent = oneByOne.accept(alert('vm-new', { minutes: 240, jobId: 'recent' }));
    const late = [120, 110, 100].map((m, i) => oneByOne.accept(alert(`vm-${i}`, { minutes: m, jobId: `late-${i}` })));
    expect(new Set(late.map(id)).size).toBe(1);
    expect(id(late[0]!)).not.toBe(id(recent));
    expect(oneByOne.incidents.get(id(late[0]!)!)?.vmCount).toBe(3);

    const batched = setup();
    batched.accept(alert('vm-new', { minutes: 240, jobId: 'recent' }));
    const outcomes = batched.ledger.acceptMany([120, 100, 110].map((m, i) => ({ alert: alert(`vm-${i}`, { minutes: m, jobId: `late-${i}` }), code: 'UserErrorGuestAgentStatusUnavailable', awaitJob: false, receivedAt: at(240) })));
    expect(new Set(outcomes.map(id)).size).toBe(1);
    expect(batched.incidents.count()).toBe(2);
    expect(batched.incidents.get(id(outcomes[0]!)!)?.vmCount).toBe(3);
  });

  it('stores a job once: a second alert for the same job is a duplicate', () => {
    const s = setup();
    const a = s.accept(alert('vm1', { jobId: 'job-1' }));
    const b = s.accept(alert('vm1', { jobId: 'job-1', source: 'job-poller' }));
    expect(b.kind).toBe('duplicate');
    expect(b.kind === 'duplicate' && a.kind === 'grouped' && b.incidentId === a.incidentId).toBe(true);
    expect(s.inbox.count()).toBe(1);
  });

  it('takes a retry of a time-less alert that lands just past a five-minute slot boundary as a copy, and the same failure ten minutes on as news', () => {
    const s = setup();
    // What normaliseAlert makes of a minimal alert without a time or a job: the time is when it was received.
    const received = (iso: string): BackupAlert => alert('vm-1', { occurredAt: new Date(iso), timeFromReceipt: true });
    const first = s.accept(received('2025-01-01T02:04:59.000Z'));
    const retry = s.accept(received('2025-01-01T02:05:02.000Z'));
    expect(first.kind).toBe('grouped');
    expect(retry).toMatchObject({ kind: 'duplicate', alertId: first.alertId });
    expect(s.accept(received('2025-01-01T02:15:00.000Z')).kind).not.toBe('duplicate');
  });

  it('holds an alert whose code only its job can tell (pending) without opening an incident', () => {
    const s = setup();
    const r = s.ledger.acceptMany([{ alert: alert('vm1', { jobId: 'j' }), code: undefined, awaitJob: true, receivedAt: t0 }])[0]!;
    expect(r.kind).toBe('pending');
    expect(s.incidents.count()).toBe(0);
    const pending = s.inbox.listByStatus('needs-job', 10);
    expect(pending).toHaveLength(1);
    const grouped = s.ledger.groupPending(pending[0]!, pending[0]!.alert, 'UserErrorGuestAgentStatusUnavailable', t0);
    expect(grouped.kind).toBe('grouped');
    expect(s.inbox.listByStatus('needs-job', 10)).toHaveLength(0);
  });

  it('groups alerts without a code as unidentified per vault', () => {
    const s = setup();
    const a = s.accept(alert('vm1', { jobId: 'x1' }), null);
    const b = s.accept(alert('vm2', { jobId: 'x2' }), null);
    expect(a.kind === 'grouped' && b.kind === 'grouped' && a.incidentId === b.incidentId).toBe(true);
    expect(s.incidents.get(a.kind === 'grouped' ? a.incidentId : '')!.code).toBeNull();
  });
});

describe('AlertLedger: lifecycle', () => {
  it('marks VMs recovered on Resolved and the incident recovered when all are', () => {
    const s = setup();
    const r = s.accept(alert('vm1', { jobId: 'a' }));
    s.accept(alert('vm2', { jobId: 'b', minutes: 1 }));
    const id = r.kind === 'grouped' ? r.incidentId : '';
    s.accept(alert('vm1', { jobId: 'a', condition: 'resolved', minutes: 10 }));
    expect(incidentStatus(s.incidents.getHeader(id)!)).toBe('active');
    s.accept(alert('vm2', { jobId: 'b', condition: 'resolved', minutes: 11 }));
    const incident = s.incidents.get(id)!;
    expect(incidentStatus(incident)).toBe('recovered');
    expect(incidentCardData(incident, 'en').heading).toBe('Backup incident recovered');
    expect(incidentCardData(incident, 'pl').heading).toBe('Incydent kopii zapasowej zakończony');
    expect(incidentCardData(incident, 'en').actions).toHaveLength(0);
  });

  it('reopens a VM that fails again, and ignores a recovery for a VM no incident holds', () => {
    const s = setup();
    const r = s.accept(alert('vm1', { jobId: 'a' }));
    const id = r.kind === 'grouped' ? r.incidentId : '';
    s.accept(alert('vm1', { jobId: 'a', condition: 'resolved', minutes: 5 }));
    expect(incidentStatus(s.incidents.getHeader(id)!)).toBe('recovered');
    s.accept(alert('vm1', { jobId: 'c', minutes: 20 }));
    expect(incidentStatus(s.incidents.getHeader(id)!)).toBe('active');
    expect(s.accept(alert('ghost', { jobId: 'g', condition: 'resolved', minutes: 21 })).kind).toBe('ignored');
  });

  it('does not let a late Fired undo a newer recovery', () => {
    const s = setup();
    const r = s.accept(alert('vm1', { jobId: 'a', minutes: 0 }));
    const id = r.kind === 'grouped' ? r.incidentId : '';
    s.accept(alert('vm1', { jobId: 'a', condition: 'resolved', minutes: 10 }));
    s.accept(alert('vm1', { jobId: 'late', minutes: 5 }));
    expect(s.incidents.getVm(id, 'vm1')!.state).toBe('resolved');
  });
});

describe('AlertLedger: delivery plan and coalescing', () => {
  const subscribe = (s: ReturnType<typeof setup>, conversationKey: string, scope: { kind: 'all' } | { kind: 'vault'; vault: string }) =>
    s.subscriptions.add({ id: `sub-${conversationKey}-${scope.kind}`, conversationKey, conversationReference: {}, scope, language: 'en', createdAt: t0 });

  it('plans one outbox entry per incident per matching conversation', () => {
    const s = setup();
    subscribe(s, 'c-all', { kind: 'all' });
    subscribe(s, 'c-a', { kind: 'vault', vault: 'VAULT-A' });
    subscribe(s, 'c-a', { kind: 'all' });
    subscribe(s, 'c-b', { kind: 'vault', vault: 'vault-b' });
    for (let i = 0; i < 50; i++) s.accept(alert(`vm-${i}`, { jobId: `j${i}` }));
    const entries = s.outbox.all();
    expect(entries.map((e) => e.conversationKey).sort()).toEqual(['c-a', 'c-all']);
    expect(entries.every((e) => e.wantedRevision === 50 && e.deliveredRevision === 0)).toBe(true);
  });

  it('sends the first card at once and coalesces later changes to one update per window', () => {
    const s = setup(5_000);
    subscribe(s, 'c1', { kind: 'all' });
    const r = s.accept(alert('vm-0', { jobId: 'j0' }), 'UserErrorGuestAgentStatusUnavailable', t0);
    const entry = s.outbox.all()[0]!;
    expect(entry.dueAt).toEqual(t0);
    s.outbox.markDelivered(entry.id, 1, 'activity-1', t0, t0);
    // Three more alerts within a second: one pending update, due 5 s after the card was sent.
    for (let i = 1; i <= 3; i++) s.accept(alert(`vm-${i}`, { jobId: `j${i}` }), 'UserErrorGuestAgentStatusUnavailable', new Date(t0.getTime() + i * 200));
    void r;
    const pending = s.outbox.all();
    expect(pending).toHaveLength(1);
    expect(pending[0]!.activityId).toBe('activity-1');
    expect(pending[0]!.dueAt).toEqual(new Date(t0.getTime() + 5_000));
    expect(s.outbox.due(new Date(t0.getTime() + 4_999), 10)).toHaveLength(0);
    expect(s.outbox.due(new Date(t0.getTime() + 5_000), 10)).toHaveLength(1);
  });
});

describe('incidentCardData', () => {
  it('shows the count, the first 10 VMs, "and N more" and a few Troubleshoot buttons, in both languages', () => {
    const s = setup();
    let id = '';
    for (let i = 0; i < 25; i++) {
      const r = s.accept(alert(`vm-${String(i).padStart(2, '0')}`, { jobId: `j${i}`, minutes: i / 10, message: 'VM Agent unable to communicate with Azure Backup' }));
      if (r.kind === 'grouped') id = r.incidentId;
    }
    const incident = s.incidents.get(id)!;
    const en = incidentCardData(incident, 'en');
    expect(en.countText).toBe('25 VMs affected, 0 recovered');
    expect(en.vms.map((v) => v.name)).toEqual(Array.from({ length: 10 }, (_, i) => `vm-0${i}`));
    expect(en.more).toBe('and 15 more');
    expect(en.actions.map((a) => a.title)).toEqual(['Troubleshoot vm-00', 'Troubleshoot vm-01', 'Troubleshoot vm-02']);
    expect(en.actions[0]!.verb).toBe('incident.troubleshoot');
    expect(en.actions[0]!.data).toEqual({ v: 1, incidentId: id, vm: 'vm-00', lang: 'en' });
    const pl = incidentCardData(incident, 'pl');
    expect(pl.countText).toBe('Dotyczy: 25 maszyn wirtualnych, odzyskano: 0');
    expect(pl.more).toBe('i 15 więcej');
    expect(pl.actions[0]!.title).toBe('Diagnozuj vm-00');
  });
});

describe('AlertLedger: a batch of alerts (one transaction)', () => {
  const storm = [
    alert('vm-1', { minutes: 200, jobId: 'j1' }),
    alert('vm-2', { minutes: 201, jobId: 'j2' }),
    // Far older than the incident above: it opens an incident of its own, which must not become the group's latest.
    alert('vm-3', { minutes: 0, jobId: 'j3' }),
    alert('vm-4', { minutes: 202, jobId: 'j4' }),
    alert('vm-1', { minutes: 203, jobId: 'j5', condition: 'resolved' }),
    alert('vm-5', { minutes: 204, jobId: 'j6' }),
  ];

  function subscribed() {
    const s = setup();
    s.subscriptions.add({ id: 'sub-1', conversationKey: 'conv-1', conversationReference: {}, scope: { kind: 'vault', vault: 'vault-a' }, language: 'en', createdAt: t0 });
    return s;
  }

  it('leaves incidents, VMs and planned cards as the same alerts one by one do', () => {
    const oneByOne = subscribed();
    const single = storm.map((a) => oneByOne.accept(a));
    const batched = subscribed();
    const together = batched.ledger.acceptMany(storm.map((a) => ({ alert: a, code: 'UserErrorGuestAgentStatusUnavailable', awaitJob: false, receivedAt: a.occurredAt })));
    expect(together).toEqual(single);
    const incidentIds = [...new Set(single.map((r) => (r.kind === 'grouped' ? r.incidentId : '')))];
    expect(incidentIds).toHaveLength(2);
    for (const id of incidentIds) expect(batched.incidents.get(id)).toEqual(oneByOne.incidents.get(id));
    const stormIncident = batched.incidents.get(incidentIds[0]!)!;
    expect(stormIncident.vms.map((v) => [v.name, v.state])).toEqual([['vm-1', 'resolved'], ['vm-2', 'fired'], ['vm-4', 'fired'], ['vm-5', 'fired']]);
    expect(batched.outbox.all().map((e) => [e.incidentId, e.wantedRevision, e.dueAt])).toEqual(oneByOne.outbox.all().map((e) => [e.incidentId, e.wantedRevision, e.dueAt]));
  });

  it('reads and writes each incident once, and plans its card once, however many of its alerts the batch holds', () => {
    const s = subscribed();
    const reads = jest.spyOn(s.incidents, 'findLatest');
    const writes = jest.spyOn(s.incidents, 'update');
    const inserts = jest.spyOn(s.incidents, 'insert');
    const plans = jest.spyOn(s.outbox, 'upsert');
    const alerts = Array.from({ length: 20 }, (_, i) => alert(`vm-${i}`, { minutes: i, jobId: `job-${i}` }));
    s.ledger.acceptMany(alerts.map((a) => ({ alert: a, code: 'UserErrorGuestAgentStatusUnavailable', awaitJob: false, receivedAt: a.occurredAt })));
    expect(reads).toHaveBeenCalledTimes(1);
    expect(inserts).toHaveBeenCalledTimes(1);
    expect(writes).toHaveBeenCalledTimes(1);
    expect(plans).toHaveBeenCalledTimes(1);
    const [entry] = s.outbox.all();
    expect(entry?.wantedRevision).toBe(20);
    expect(s.incidents.get(entry!.incidentId)?.vmCount).toBe(20);
  });
});
