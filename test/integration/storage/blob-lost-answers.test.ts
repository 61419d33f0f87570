import { newFixRequest, type FixRequest } from '../../../src/core/remediation/fix-request';
import { BlobAuditLog } from '../../../src/storage/blob-audit-log';
import type { StateContainer } from '../../../src/storage/blob-container';
import { BlobFixRequestStore } from '../../../src/storage/blob-fix-request-store';
import { alice, vm } from '../../unit/remediation/fixtures';
import { type RunningAzurite, uniqueContainerName, useAzurite } from './azurite';
import { containerThrough, type LossyProxy, startLossyProxy } from './lossy-proxy';

/**
 * Writes to Blob Storage whose first try landed but whose answer was lost: the SDK retries them,
 * and the retry is refused by its own condition (409 create-only, 412 If-Match). Each is still
 * the write landing, once. And the one-open-request-per-VM key under slow writes and clock skew.
 */
const azurite = useAzurite();

const openKey = `vm:${vm.name}`;
const keyBlob = `fix-requests-open/${encodeURIComponent(openKey)}.json`;
const request = (id: string): FixRequest =>
  newFixRequest({ id, correlationId: `corr-${id}`, fixId: 'restart-windows-agent', target: { vm }, requester: alice, language: 'en', now: new Date(), expiryMs: 1_800_000, sessionId: 'sess-1', openKey });

const outcomeOf = (created: Promise<unknown>): Promise<string> =>
  created.then(
    () => 'created',
    (error: { code?: string; details?: { openRequestId?: string } }) => `${error.code ?? 'error'} (open: ${error.details?.openRequestId ?? '?'})`,
  );

function running(): RunningAzurite {
  const emulator = azurite();
  if (!emulator) throw new Error('Azurite is not running');
  return emulator;
}

describe('Blob state: a write whose answer was lost after it landed', () => {
  let proxy: LossyProxy;
  let container: StateContainer;

  beforeEach(async () => {
    proxy = await startLossyProxy(running().port);
    container = containerThrough(running().connectionString, proxy.port, uniqueContainerName('lost'));
  });
  afterEach(() => proxy.close());

  test('a fix request whose document write landed is created, not refused as already existing', async () => {
    const store = new BlobFixRequestStore(container);
    proxy.loseAnswerOf((method, path) => method === 'PUT' && path.includes('/fix-requests/'));

    expect(await outcomeOf(store.create(request('req-1')))).toBe('created');
    expect(proxy.seen).toContain(`PUT /${'devstoreaccount1'}/${container.client.containerName}/fix-requests/req-1.json (answer lost)`);
    expect((await store.get('req-1'))?.state).toBe('requested');
  });

  test('a claim of the VM key that landed counts as won: the request is created, and the next one on the VM is refused naming it', async () => {
    const store = new BlobFixRequestStore(container);
    proxy.loseAnswerOf((method, path) => method === 'PUT' && path.includes('/fix-requests-open/'));

    expect(await outcomeOf(store.create(request('req-1')))).toBe('created');
    expect(await outcomeOf(store.create(request('req-2')))).toBe('store_conflict (open: req-1)');
    expect(proxy.seen.some((line) => line.endsWith('(answer lost)'))).toBe(true);
  });

  test('a compare-and-swap that landed returns the new version, not "changed elsewhere"', async () => {
    const store = new BlobFixRequestStore(container);
    const created = await store.create(request('req-1'));
    proxy.loseAnswerOf((method, path) => method === 'PUT' && path.includes('/fix-requests/'));

    const approved = await store.compareAndSwap({ ...created, state: 'approved' }, created.version);

    expect(approved?.version).toBe(created.version + 1);
    expect(await store.get('req-1')).toMatchObject({ state: 'approved', version: created.version + 1 });
    // And a swap that really lost to another writer is still refused.
    expect(await store.compareAndSwap({ ...created, state: 'rejected' }, created.version)).toBeUndefined();
  });

  test('an audit entry that landed is appended once, without an error', async () => {
    const audit = new BlobAuditLog(container);
    proxy.loseAnswerOf((method, path) => method === 'PUT' && path.includes('/audit/'));
    const event = { id: 'evt-1', at: new Date().toISOString(), correlationId: 'corr-1', action: 'fix.requested', outcome: 'ok', actor: alice, detail: 'requested' } as const;

    await expect(audit.append(event)).resolves.toBeUndefined();
    expect((await audit.list({ correlationId: 'corr-1' })).map((entry) => entry.id)).toEqual(['evt-1']);
  });
});

describe('Blob fix-request store: one open request per VM under slow writes and skewed clocks', () => {
  afterEach(() => jest.restoreAllMocks());

  /** Two instances on one container; A's request-document write waits until released. */
  function twoInstances(orphanClaimMs?: number) {
    const name = uniqueContainerName('open');
    const containerA = containerThrough(running().connectionString, running().port, name);
    const containerB = containerThrough(running().connectionString, running().port, name);
    const options = orphanClaimMs === undefined ? {} : { orphanClaimMs };
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const write = containerA.writeJson.bind(containerA);
    jest.spyOn(containerA, 'writeJson').mockImplementation(async (blob, body, condition, metadata) => {
      if (blob.startsWith('fix-requests/')) await released;
      return write(blob, body, condition, metadata);
    });
    return { a: new BlobFixRequestStore(containerA, undefined, options), b: new BlobFixRequestStore(containerB, undefined, options), containerB, release };
  }

  async function untilClaimed(container: StateContainer): Promise<void> {
    for (let i = 0; i < 200 && !(await container.readJson(keyBlob)); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  }

  test("an instance whose clock runs 61 s ahead does not take over a claim whose request is still being written", async () => {
    const { a, b, containerB, release } = twoInstances();
    const createA = outcomeOf(a.create(request('req-a')));
    await untilClaimed(containerB);
    const realNow = Date.now.bind(Date);
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + 61_000);

    const createB = await outcomeOf(b.create(request('req-b')));
    jest.restoreAllMocks();
    release();

    expect({ a: await createA, b: createB }).toEqual({ a: 'created', b: 'store_conflict (open: req-a)' });
  });

  test('a request whose document landed after its claim was taken over as orphaned is withdrawn: one request stays open', async () => {
    const { a, b, containerB, release } = twoInstances(1_000);
    const createA = outcomeOf(a.create(request('req-a')));
    await untilClaimed(containerB);
    // Past the orphan delay by the storage service's clock (whole seconds).
    await new Promise((resolve) => setTimeout(resolve, 2_200));

    const createB = await outcomeOf(b.create(request('req-b')));
    release();

    expect({ a: await createA, b: createB }).toEqual({ a: 'store_conflict (open: req-b)', b: 'created' });
    expect(await b.get('req-a')).toBeUndefined();
    expect((await b.get('req-b'))?.state).toBe('requested');
  });
});
