import { BlobServiceClient } from '@azure/storage-blob';
import { StateContainer } from '../../../src/storage/blob-container';
import { BlobLease, type BlobLeaseOptions } from '../../../src/storage/blob-lease';
import { type RunningAzurite, startAzurite, uniqueContainerName } from './azurite';

/** Leader election for the job poller across bot instances: one leader at a time, and a quick hand-over. */

let azurite: RunningAzurite | undefined;
const leases: BlobLease[] = [];

beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);

afterEach(async () => {
  for (const lease of leases.splice(0)) await lease.stop();
});

afterAll(async () => {
  await azurite?.stop();
});

function containerFactory(): () => StateContainer {
  const name = uniqueContainerName('lease');
  const connectionString = azurite?.connectionString ?? '';
  return () => new StateContainer(BlobServiceClient.fromConnectionString(connectionString).getContainerClient(name));
}

/** Each contender is a separate client, as each bot instance would have. */
function contender(open: () => StateContainer, options: Partial<BlobLeaseOptions> = {}): { lease: BlobLease; changes: boolean[] } {
  const lease = new BlobLease(open(), { name: 'job-poller', ...options });
  const changes: boolean[] = [];
  lease.onChange((leader) => changes.push(leader));
  leases.push(lease);
  return { lease, changes };
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - started;
}

test('of two contenders racing for the lease exactly one leads, and keeps leading when it renews', async () => {
  const open = containerFactory();
  const a = contender(open);
  const b = contender(open);
  const first = await Promise.all([a.lease.attempt(), b.lease.attempt()]);
  expect(first.filter(Boolean)).toHaveLength(1);
  expect([a.lease.isLeader(), b.lease.isLeader()]).toEqual(first);
  const [leader, follower] = first[0] ? [a, b] : [b, a];
  // Renewals and further attempts change nothing.
  for (let i = 0; i < 3; i++) {
    expect(await leader.lease.attempt()).toBe(true);
    expect(await follower.lease.attempt()).toBe(false);
  }
  expect(leader.changes).toEqual([true]);
  expect(follower.changes).toEqual([]);
});

test('when the leader stops, it releases the lease and the other instance takes over well before the 60 s lease would lapse', async () => {
  const open = containerFactory();
  const a = contender(open, { acquireIntervalMs: 100, renewIntervalMs: 1_000 });
  const b = contender(open, { acquireIntervalMs: 100, renewIntervalMs: 1_000 });
  a.lease.start();
  b.lease.start();
  await waitFor(() => a.lease.isLeader() || b.lease.isLeader());
  // Give the follower a few more attempts: it must stay a follower.
  await new Promise((r) => setTimeout(r, 400));
  expect([a.lease.isLeader(), b.lease.isLeader()].filter(Boolean)).toHaveLength(1);
  const [leader, follower] = a.lease.isLeader() ? [a, b] : [b, a];

  await leader.lease.stop();
  expect(leader.lease.isLeader()).toBe(false);
  expect(leader.changes).toEqual([true, false]);
  const tookMs = await waitFor(() => follower.lease.isLeader(), 15_000);
  expect(tookMs).toBeLessThan(15_000);
  expect(follower.changes).toEqual([true]);
  expect(leader.lease.isLeader()).toBe(false);
});

test('a leader whose lease was taken away notices at its next renewal and stops leading; another can then lead', async () => {
  const open = containerFactory();
  const a = contender(open);
  const b = contender(open);
  expect(await a.lease.attempt()).toBe(true);
  // An operator (or a storage failover) breaks the lease.
  await open().client.getBlobClient('leases/job-poller').getBlobLeaseClient().breakLease(0);
  expect(await b.lease.attempt()).toBe(true);
  expect(await a.lease.attempt()).toBe(false);
  expect(a.lease.isLeader()).toBe(false);
  expect(a.changes).toEqual([true, false]);
  expect(b.lease.isLeader()).toBe(true);
});

test('lease durations outside what Blob Storage allows are refused', () => {
  const open = containerFactory();
  expect(() => new BlobLease(open(), { name: 'x', durationSeconds: 5 })).toThrow(RangeError);
  expect(() => new BlobLease(open(), { name: 'x', durationSeconds: 61 })).toThrow(RangeError);
});
