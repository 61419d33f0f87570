import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { AuditEvent } from '../../../src/core/remediation/audit';
import { BlobAuditLog } from '../../../src/storage/blob-audit-log';
import { StateContainer } from '../../../src/storage/blob-container';
import { type RunningAzurite, startAzurite, uniqueContainerName } from '../storage/azurite';
import { alice, vm } from '../../unit/remediation/fixtures';

/**
 * The Blob audit export (GET /api/audit with STATE_STORE=blob) runs oldest first although a
 * listing runs newest first. It must page: never gather every name of a large log first.
 */
let azurite: RunningAzurite | undefined;
beforeAll(async () => {
  azurite = await startAzurite();
}, 60_000);
afterAll(async () => {
  await azurite?.stop();
});

const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);
const entry = (i: number, atMs: number): AuditEvent => ({ id: `e${i}`, at: new Date(atMs).toISOString(), correlationId: `c${i}`, action: 'fix.requested', outcome: 'ok', actor: alice, target: vm, detail: `entry ${i}` });

/** A container client whose listings count the names they hand out. */
function counting(client: ContainerClient): { client: ContainerClient; listed: () => number } {
  let listed = 0;
  const original = client.listBlobsFlat.bind(client);
  client.listBlobsFlat = ((options) => {
    const iterator = original(options);
    const byPage = iterator.byPage.bind(iterator);
    iterator.byPage = ((settings) => {
      const pages = byPage(settings);
      const next = pages.next.bind(pages);
      pages.next = async () => {
        const page = await next();
        if (!page.done) listed += page.value.segment.blobItems.length;
        return page;
      };
      return pages;
    }) as typeof iterator.byPage;
    const nextItem = iterator.next.bind(iterator);
    iterator.next = async () => {
      const item = await nextItem();
      if (!item.done) listed += 1;
      return item;
    };
    return iterator;
  }) as typeof client.listBlobsFlat;
  return { client, listed: () => listed };
}

describe('Blob audit export', () => {
  const open = (name: string) => BlobServiceClient.fromConnectionString(azurite?.connectionString ?? '').getContainerClient(name);

  it('yields the oldest entry after listing a few pages, not the whole log, and still exports everything in order', async () => {
    const name = uniqueContainerName('auditpage');
    const writer = new BlobAuditLog(new StateContainer(open(name)));
    const total = 300;
    // Spread over several seconds and milliseconds, several in one millisecond.
    for (let i = 0; i < total; i++) await writer.append(entry(i, T0 + Math.floor(i / 3) * 37));
    const watched = counting(open(name));
    const reader = new BlobAuditLog(new StateContainer(watched.client), 'audit/', { exportPageSize: 10 });
    const iterator = reader.entries()[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.id).toBe('e0');
    expect(watched.listed()).toBeLessThan(total / 2);
    const ids = [first.value?.id];
    for (let item = await iterator.next(); !item.done; item = await iterator.next()) ids.push(item.value.id);
    expect(ids).toEqual(Array.from({ length: total }, (_, i) => `e${i}`));
    // From a point in time: only the entries at or after it.
    const since: string[] = [];
    for await (const e of reader.entries(new Date(T0 + 90 * 37))) since.push(e.id);
    expect(since).toEqual(Array.from({ length: total - 270 }, (_, i) => `e${270 + i}`));
  }, 120_000);

  it('keeps the append order per instance and two instances apart, even in one millisecond', async () => {
    const name = uniqueContainerName('auditseq');
    const a = new BlobAuditLog(new StateContainer(open(name)));
    const b = new BlobAuditLog(new StateContainer(open(name)));
    for (let i = 0; i < 6; i++) await (i % 2 ? b : a).append(entry(i, T0));
    const listed = (await a.list()).map((e) => e.id);
    expect(listed).toHaveLength(6);
    expect(listed.filter((id) => ['e0', 'e2', 'e4'].includes(id))).toEqual(['e4', 'e2', 'e0']);
    expect(listed.filter((id) => ['e1', 'e3', 'e5'].includes(id))).toEqual(['e5', 'e3', 'e1']);
    const exported: string[] = [];
    for await (const e of b.entries()) exported.push(e.id);
    expect(exported.filter((id) => ['e0', 'e2', 'e4'].includes(id))).toEqual(['e0', 'e2', 'e4']);
  }, 60_000);
});
