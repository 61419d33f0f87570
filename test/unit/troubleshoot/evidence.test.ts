import { causeChecksOf } from '../../../src/core/checks/session-evidence';
import type { CheckReport } from '../../../src/core/checks/run-checks';
import type { Clock } from '../../../src/core/ports';
import type { CauseCheck, TroubleshootSession } from '../../../src/core/troubleshoot/session';
import type { SessionStore } from '../../../src/core/troubleshoot/session-store';
import { TroubleshootService } from '../../../src/core/troubleshoot/troubleshoot-service';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { MemorySessionStore } from '../../../src/storage/memory-session-store';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteSessionStore } from '../../../src/storage/sqlite-session-store';

const kb = loadKnowledgeBase();
const hour = 3_600_000;
const codeId = 'UserErrorGuestAgentStatusUnavailable';
const causeIds = kb.orderedCauses(codeId).map((c) => c.id);
const input = { codeId, language: 'en' as const, conversationId: 'c1', createdBy: 'aad-1', target: { vm: 'vm-agent01' } };

function fixture(store: SessionStore = new MemorySessionStore()) {
  let now = new Date('2026-01-01T10:00:00Z');
  let n = 0;
  const clock: Clock = { now: () => now };
  const service = new TroubleshootService({ store, knowledge: kb, clock, ids: { next: () => `session-${(n += 1).toString().padStart(4, '0')}` }, ttlMs: 24 * hour });
  return { service, store, now: () => now, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const line = (en: string): CauseCheck['evidence'] => ({ en, pl: `${en} (pl)` });
function verdicts(...values: CauseCheck['verdict'][]): Record<string, CauseCheck> {
  return Object.fromEntries(values.map((verdict, i) => [causeIds[i] as string, { verdict, evidence: line(`cause ${i + 1}: ${verdict}`) }]));
}

describe.each([
  ['memory', () => new MemorySessionStore()],
  ['sqlite', () => new SqliteSessionStore(openSqliteDatabase(':memory:'))],
])('recordEvidence (%s store)', (_name, make) => {
  test('stores a verdict and a line per cause with the time, keeps the cursor, slides the expiry, and survives later steps', async () => {
    const { service, advance, now } = fixture(make());
    const started = await service.start(input);
    await service.step(started.id, { kind: 'next' });
    advance(20 * hour);
    const checkedAt = now();
    const result = await service.recordEvidence(started.id, verdicts('ruled-out', 'likely', 'unknown'), checkedAt, { target: 'vm-agent01' });
    expect(result.kind).toBe('ok');
    if (result.kind !== 'ok') return;
    expect(result.session.cursor).toBe(1);
    expect(result.session.checks).toEqual({ checkedAt: checkedAt.toISOString(), target: 'vm-agent01', causes: verdicts('ruled-out', 'likely', 'unknown') });
    expect(Date.parse(result.session.expiresAt)).toBe(checkedAt.getTime() + 24 * hour);
    // 30 h after the start, but only 10 h after the checks: still alive, and the verdicts are still there after a step.
    advance(10 * hour);
    const stepped = await service.step(started.id, { kind: 'previous' });
    expect(stepped.kind === 'ok' && stepped.session.checks?.causes[causeIds[1] as string]?.verdict).toBe('likely');
    expect(stepped.kind === 'ok' && stepped.session.cursor).toBe(0);
  });

  test('cause ids the session does not hold are dropped; an unknown or expired session is not written', async () => {
    const { service, advance, now } = fixture(make());
    const s = await service.start(input);
    const recorded = await service.recordEvidence(s.id, { ...verdicts('likely'), 'no-such-cause': { verdict: 'likely', evidence: line('x') } }, now());
    expect(recorded.kind === 'ok' && Object.keys(recorded.session.checks?.causes ?? {})).toEqual([causeIds[0]]);
    expect((await service.recordEvidence('nope-nope-nope', verdicts('likely'), now())).kind).toBe('not-found');
    advance(25 * hour);
    expect((await service.recordEvidence(s.id, verdicts('ruled-out'), now())).kind).toBe('expired');
    const loaded = await service.load(s.id);
    expect(loaded.kind === 'expired' && loaded.session.checks?.causes[causeIds[0] as string]?.verdict).toBe('likely');
  });

  test('a run that started earlier but finished later does not overwrite the newer verdicts', async () => {
    const { service, now } = fixture(make());
    const s = await service.start(input);
    const early = new Date(now().getTime() - 60_000);
    await service.recordEvidence(s.id, verdicts('likely'), now());
    const late = await service.recordEvidence(s.id, verdicts('ruled-out'), early);
    expect(late.kind === 'ok' && late.session.checks).toMatchObject({ checkedAt: now().toISOString(), causes: { [causeIds[0] as string]: { verdict: 'likely' } } });
  });
});

test('recording evidence is a compare-and-swap: a step landing between its read and write is kept, and so are the verdicts', async () => {
  const inner = new MemorySessionStore();
  let raced = false;
  const racing: SessionStore = {
    get: (id) => inner.get(id),
    create: (s) => inner.create(s),
    async compareAndSwap(s: TroubleshootSession, v: number) {
      if (!raced && s.checks !== undefined) {
        raced = true;
        const current = (await inner.get(s.id)) as TroubleshootSession;
        await inner.compareAndSwap({ ...current, cursor: 3 }, current.version);
      }
      return inner.compareAndSwap(s, v);
    },
  };
  const { service, now } = fixture(racing);
  const s = await service.start(input);
  const result = await service.recordEvidence(s.id, verdicts('ruled-out', 'likely'), now());
  expect(raced).toBe(true);
  expect(result.kind === 'ok' && result.session.cursor).toBe(3);
  expect(result.kind === 'ok' && result.session.checks?.causes[causeIds[1] as string]?.verdict).toBe('likely');
});

describe('causeChecksOf: one line per cause from a check report', () => {
  const pass = (checkId: string, en: string) => ({ checkId, status: 'pass' as const, evidence: { en, pl: `${en} pl` } });
  const fail = (checkId: string, en: string) => ({ checkId, status: 'fail' as const, evidence: { en, pl: `${en} pl` } });
  const unknown = (checkId: string, en: string) => ({ checkId, status: 'unknown' as const, evidence: { en, pl: `${en} pl` }, manual: { en: `look at ${checkId} by hand`, pl: `sprawdź ${checkId} ręcznie` } });
  const report: CheckReport = {
    results: [],
    causes: [
      { causeId: 'a', verdict: 'likely', results: [pass('p1', 'Agent version fine.'), fail('f1', 'Agent is Not Ready.')] },
      { causeId: 'b', verdict: 'ruled-out', results: [pass('p2', 'Outbound 443 allowed.'), pass('p3', 'WireServer reachable.')] },
      { causeId: 'c', verdict: 'unknown', results: [pass('p4', 'VM running.'), unknown('u1', 'DHCP cannot be seen from ARM.')] },
      { causeId: 'd', verdict: 'unknown', results: [] },
      { causeId: 'e', verdict: 'likely', results: [fail('f2', `Long ${'x'.repeat(600)}`)] },
    ],
    durationInMs: 10,
  };
  const checks = causeChecksOf(report);

  test('a likely cause shows what failed, not what passed; a ruled-out one what passed', () => {
    expect(checks['a']).toEqual({ verdict: 'likely', evidence: { en: 'Agent is Not Ready.', pl: 'Agent is Not Ready. pl' } });
    expect(checks['b']?.evidence.en).toBe('Outbound 443 allowed. WireServer reachable.');
  });

  test('an unknown cause shows what could not be seen and what to check by hand; a cause with no check says so', () => {
    expect(checks['c']).toEqual({ verdict: 'unknown', evidence: { en: 'DHCP cannot be seen from ARM.', pl: 'DHCP cannot be seen from ARM. pl' }, manual: { en: 'look at u1 by hand', pl: 'sprawdź u1 ręcznie' } });
    expect(checks['d']?.evidence.en).toBe('There is no automated check for this cause: follow the steps by hand.');
    expect(checks['d']?.evidence.pl).toContain('ręcznie');
  });

  test('a line stays one line of at most 400 characters', () => {
    expect(checks['e']?.evidence.en.length).toBe(400);
    expect(checks['e']?.evidence.en.endsWith('…')).toBe(true);
  });
});
