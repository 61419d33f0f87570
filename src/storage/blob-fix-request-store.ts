import type { BlobItem } from '@azure/storage-blob';
import { CodedError } from '../core/errors';
import type { FixRequest, FixRequestState } from '../core/remediation/fix-request';
import type { FixRequestStore } from '../core/remediation/ports';
import { type StateContainer, fromMetadataValue, mapLimited, metadataValue } from './blob-container';
import { VersionedBlobDocuments } from './blob-versioned-documents';

/** Parallel reads when a listing turns into documents. */
const READ_CONCURRENCY = 8;

/**
 * Fix requests as one JSON blob each (`fix-requests/<id>.json`). Every transition is a
 * compare-and-swap on the blob's ETag, so of many approvals, or of two bot instances racing
 * approved -> executing, exactly one write succeeds and so exactly one execution happens,
 * whichever instance each click lands on.
 *
 * State, session and creation time are copied into blob metadata (written atomically with
 * the body), so listing by state or by session reads metadata from one listing and then
 * downloads only the matching requests. That is a scan of all requests: fine for the
 * hundreds to low thousands a team creates; a per-session prefix or blob index tags are the
 * next step beyond. Uses @azure/storage-blob directly: botbuilder's `Storage` cannot list.
 */
export class BlobFixRequestStore implements FixRequestStore {
  private readonly docs: VersionedBlobDocuments<FixRequest>;

  constructor(container: StateContainer, prefix = 'fix-requests/') {
    this.docs = new VersionedBlobDocuments(container, prefix, (r) => ({
      state: r.state,
      createdat: r.createdAt,
      ...(r.sessionId !== undefined ? { sessionid: metadataValue(r.sessionId) } : {}),
    }));
  }

  async create(request: FixRequest): Promise<FixRequest> {
    const stored: FixRequest = { ...request, version: 1 };
    if (!(await this.docs.create(stored))) {
      throw new CodedError('store_conflict', `Fix request ${request.id} already exists`, { requestId: request.id });
    }
    return stored;
  }

  get(id: string): Promise<FixRequest | undefined> {
    return this.docs.get(id);
  }

  async compareAndSwap(request: FixRequest, expectedVersion: number): Promise<FixRequest | undefined> {
    const stored: FixRequest = { ...request, version: expectedVersion + 1 };
    return (await this.docs.replace(stored, expectedVersion)) ? stored : undefined;
  }

  async listBySession(sessionId: string): Promise<FixRequest[]> {
    const matches = await this.scan((item) => fromMetadataValue(item.metadata?.['sessionid']) === sessionId);
    matches.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    const requests = await this.read(matches.map((m) => m.name));
    return requests.filter((r) => r.sessionId === sessionId);
  }

  async listByState(state: FixRequestState, limit = 100): Promise<FixRequest[]> {
    const matches = await this.scan((item) => item.metadata?.['state'] === state);
    matches.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    // The state may have moved on between the listing and the read: keep only what is still in it.
    const requests = await this.read(matches.slice(0, limit).map((m) => m.name));
    return requests.filter((r) => r.state === state);
  }

  private async scan(keep: (item: BlobItem) => boolean): Promise<{ name: string; createdAt: string }[]> {
    const found: { name: string; createdAt: string }[] = [];
    for await (const item of this.docs.container.list(this.docs.prefix)) {
      if (keep(item)) found.push({ name: item.name, createdAt: item.metadata?.['createdat'] ?? '' });
    }
    return found;
  }

  private async read(names: readonly string[]): Promise<FixRequest[]> {
    const requests = await mapLimited(names, READ_CONCURRENCY, (name) => this.docs.getByName(name));
    return requests.filter((r): r is FixRequest => r !== undefined);
  }
}
