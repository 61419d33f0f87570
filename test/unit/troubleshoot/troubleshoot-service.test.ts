import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { CodedError } from '../../../src/core/errors';
import type { Clock } from '../../../src/core/ports';
import type { TroubleshootSession } from '../../../src/core/troubleshoot/session';
import type { SessionStore } from '../../../src/core/troubleshoot/session-store';
import { TroubleshootService } from '../../../src/core/troubleshoot/troubleshoot-service';
import { MemorySessionStore } from '../../../src/storage/memory-session-store';
import { SqliteSessionStore } from '../../../src/storage/sqlite-session-store';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';

const kb = loadKnowledgeBase();
const hour = 3_600_000;

function fixture(store: SessionStore = new MemorySessionStore()) {
  let now = new Date('2026-01-01T10:00:00Z');
  let n = 0;
  const clock: Clock = { now: () => now };
  const service = new TroubleshootService({ store, knowledge: kb, clock, ids: { next: () => `session-${(n += 1).toString().padStart(4, '0')}` }, ttlMs: 24 * hour });
  return { service, store, advance: (ms: number) => (now = new Date(now.getTime() + ms)) };
}

const input = { codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'en' as const, conversationId: 'c1', createdBy: 'aad-1' };

describe('the troubleshooting service', () => {
  test('starts a session with the code\'s causes in the documented order (aliases resolve)', async () => {
    const { service } = fixture();
    const s = await service.start(input);
    expect(s.causeIds).toEqual(kb.orderedCauses('UserErrorGuestAgentStatusUnavailable').map((c) => c.id));
    const alias = await service.start({ ...input, codeId: 'ExtentionOperationFailed' });
    expect(alias.codeId).toBe('ExtensionOperationFailedForManagedDisks');
  });

  test('an unknown code is refused', async () => {
    await expect(fixture().service.start({ ...input, codeId: 'NoSuchCode' })).rejects.toBeInstanceOf(CodedError);
  });

  test('steps persist, and the card message id is remembered', async () => {
    const { service } = fixture();
    const s = await service.attachActivity(await service.start(input), 'msg-1');
    await service.step(s.id, { kind: 'next' });
    const loaded = await service.load(s.id);
    expect(loaded.kind === 'ok' && loaded.session).toMatchObject({ cursor: 1, activityId: 'msg-1' });
  });

  test('unknown ids are not found; idle sessions expire; an out-of-range jump is invalid', async () => {
    const { service, advance } = fixture();
    expect((await service.load('nope-nope-nope')).kind).toBe('not-found');
    const s = await service.start(input);
    expect((await service.step(s.id, { kind: 'go-to', index: 99 })).kind).toBe('invalid');
    advance(25 * hour);
    expect((await service.step(s.id, { kind: 'next' })).kind).toBe('expired');
  });

  test('a press on the card that arrives before the send call has returned finds its session, and both the step and the message id are kept', async () => {
    const { service } = fixture();
    let pressed: Awaited<ReturnType<TroubleshootService['step']>> | undefined;
    const s = await service.start(input, async (session) => {
      // The message is already in the channel: a quick press lands before the send call returns its id.
      pressed = await service.step(session.id, { kind: 'next' });
      return 'msg-7';
    });
    expect(pressed?.kind).toBe('ok');
    expect(s).toMatchObject({ cursor: 1, activityId: 'msg-7' });
    const loaded = await service.load(s.id);
    expect(loaded.kind === 'ok' && loaded.session).toMatchObject({ cursor: 1, activityId: 'msg-7' });
  });

  test('a press from the card as it was before "This fixed it" is stale, though the cursor did not move; the fixed card’s Reopen still applies', async () => {
    const { service } = fixture();
    const s = await service.start(input);
    expect((await service.step(s.id, { kind: 'fixed' }, 0)).kind).toBe('ok');
    // A second person still sees cause 1 with its buttons: Still failing, Next and a second Fixed are all stale now.
    for (const action of [{ kind: 'still-failing' as const }, { kind: 'next' as const }, { kind: 'fixed' as const }]) {
      const stale = await service.step(s.id, action, 0);
      expect(stale.kind).toBe('moved');
      expect(stale.kind === 'moved' && stale.session).toMatchObject({ outcome: 'fixed', cursor: 0 });
    }
    // A Previous from an older card, a jump from an older card or check report, and any press of a
    // card made before presses carried their cause, are stale too.
    expect((await service.step(s.id, { kind: 'previous' }, 0)).kind).toBe('moved');
    expect((await service.step(s.id, { kind: 'go-to', index: 1 })).kind).toBe('moved');
    for (const action of [{ kind: 'previous' as const }, { kind: 'next' as const }, { kind: 'still-failing' as const }, { kind: 'fixed' as const }]) {
      expect((await service.step(s.id, action)).kind).toBe('moved');
    }
    const untouched = await service.load(s.id);
    expect(untouched.kind === 'ok' && untouched.session).toMatchObject({ outcome: 'fixed', fixedByCauseIndex: 0, cursor: 0 });
    expect(untouched.kind === 'ok' && untouched.session.evidence).toBeUndefined();
    const reopened = await service.step(s.id, { kind: 'reopen' }, 0);
    expect(reopened.kind === 'ok' && reopened.session).toMatchObject({ cursor: 0 });
    expect(reopened.kind === 'ok' && reopened.session.outcome).toBeUndefined();
    // The same Reopen pressed again (a second person, a replay) finds nothing to reopen and moves nothing.
    const again = await service.step(s.id, { kind: 'reopen' }, 0);
    expect(again.kind).toBe('moved');
    expect(again.kind === 'moved' && again.session).toMatchObject({ cursor: 0 });
  });

  test('when the session cannot be stored, no card is sent (no buttons that lead nowhere)', async () => {
    const inner = new MemorySessionStore();
    const failing: SessionStore = { get: (id) => inner.get(id), compareAndSwap: (s, v) => inner.compareAndSwap(s, v), create: () => Promise.reject(new Error('disk full')) };
    const { service } = fixture(failing);
    let sent = 0;
    await expect(service.start(input, async () => String((sent += 1)))).rejects.toThrow('disk full');
    expect(sent).toBe(0);
  });

  test('two presses racing on one card both count (compare-and-swap retries on the latest state)', async () => {
    const inner = new MemorySessionStore();
    let raced = false;
    // A store that lets another press land between this press's read and its write, once.
    const racing: SessionStore = {
      get: (id) => inner.get(id),
      create: (s) => inner.create(s),
      async compareAndSwap(s: TroubleshootSession, v: number) {
        if (!raced && s.cursor === 1) {
          raced = true;
          const current = (await inner.get(s.id)) as TroubleshootSession;
          await inner.compareAndSwap({ ...current, cursor: current.cursor + 1 }, current.version);
        }
        return inner.compareAndSwap(s, v);
      },
    };
    const { service } = fixture(racing);
    const s = await service.start(input);
    const result = await service.step(s.id, { kind: 'next' });
    expect(result.kind === 'ok' && result.session.cursor).toBe(2);
  });
});

describe.each([
  ['memory', () => new MemorySessionStore()],
  ['sqlite', () => new SqliteSessionStore(openSqliteDatabase(':memory:'))],
])('%s session store', (_name, make) => {
  test('create, get, compare-and-swap with versions; a stale write is a store_conflict', async () => {
    const store = make();
    const { service } = fixture(store);
    const s = await service.start(input);
    expect(s.version).toBe(1);
    await expect(store.create(s)).rejects.toMatchObject({ code: 'store_conflict' });
    const swapped = await store.compareAndSwap({ ...s, cursor: 1 }, 1);
    expect(swapped.version).toBe(2);
    await expect(store.compareAndSwap({ ...s, cursor: 2 }, 1)).rejects.toMatchObject({ code: 'store_conflict' });
    expect(await store.get(s.id)).toEqual(swapped);
  });
});
