import type { BlobItem } from '@azure/storage-blob';
import { CodedError } from '../core/errors';
import { isOpenState, type FixRequest, type FixRequestState } from '../core/remediation/fix-request';
import type { FixRequestStore } from '../core/remediation/ports';
import { type StateContainer, type StoredJson, blobKey, fromMetadataValue, mapLimited, metadataValue } from './blob-container';
import { VersionedBlobDocuments } from './blob-versioned-documents';

/** Parallel reads when a listing turns into documents. */
const READ_CONCURRENCY = 8;
/**
 * A claim whose request never appeared (the claimer died between the two writes) is taken over
 * after this, measured on the storage service's clock (the key's last write against the time
 * of the read), so no instance's clock skew can shorten it.
 */
const ORPHAN_CLAIM_MS = 60_000;

/** The body of an open-request key blob: which request holds the key. */
interface OpenClaim {
  readonly requestId: string;
  readonly claimedAt: number;
  /** Set once the request's document is written and the key still named it (see create). */
  readonly confirmed?: true;
}

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
 *
 * One open request per `openKey`: a key blob (`fix-requests-open/<key>.json`) written
 * create-only (`If-None-Match: *`) before the request itself, naming the request that holds it.
 * It is released when the request reaches a final state; a key whose request is final (the
 * release was lost to a crash) or never appeared is taken over with `If-Match`, so exactly one
 * of many racing creates wins either way.
 */
/** How long ago the key was last written, by the storage service's clock (the claimer's own stamp only when the service gave no dates). */
function claimAgeMs(claim: StoredJson<OpenClaim>): number {
  if (claim.lastModified !== undefined && claim.readAt !== undefined) return claim.readAt.getTime() - claim.lastModified.getTime();
  return Date.now() - claim.body.claimedAt;
}

export class BlobFixRequestStore implements FixRequestStore {
  private readonly docs: VersionedBlobDocuments<FixRequest>;
  private readonly keyPrefix: string;

  private readonly orphanClaimMs: number;

  constructor(
    private readonly container: StateContainer,
    prefix = 'fix-requests/',
    options: { readonly orphanClaimMs?: number } = {},
  ) {
    this.orphanClaimMs = options.orphanClaimMs ?? ORPHAN_CLAIM_MS;
    this.keyPrefix = `${prefix.replace(/\/$/, '')}-open/`;
    this.docs = new VersionedBlobDocuments(container, prefix, (r) => ({
      state: r.state,
      createdat: r.createdAt,
      ...(r.sessionId !== undefined ? { sessionid: metadataValue(r.sessionId) } : {}),
    }));
  }

  async create(request: FixRequest): Promise<FixRequest> {
    const stored: FixRequest = { ...request, version: 1 };
    const openKey = stored.openKey !== undefined && isOpenState(stored.state) ? stored.openKey : undefined;
    const claim = openKey !== undefined ? await this.claim(openKey, stored.id) : undefined;
    if (!(await this.docs.create(stored))) {
      throw new CodedError('store_conflict', `Fix request ${request.id} already exists`, { requestId: request.id });
    }
    if (openKey !== undefined && claim !== undefined) await this.confirm(openKey, stored, claim);
    return stored;
  }

  /**
   * Rewrites the key, If-Match the claim, once the request's document is written. A claim can
   * be taken over as orphaned while its document is still on its way (a write slower than
   * ORPHAN_CLAIM_MS); the rewrite then fails, and the request is withdrawn before anyone saw it.
   * A takeover decided from a read made before the document landed fails in turn, since the
   * key's ETag has moved on: of the two, exactly one request stays open.
   */
  private async confirm(openKey: string, request: FixRequest, claimEtag: string): Promise<void> {
    const name = this.keyName(openKey);
    const confirmed: OpenClaim = { requestId: request.id, claimedAt: Date.now(), confirmed: true };
    let held: boolean;
    try {
      held = (await this.container.writeJson(name, confirmed, { ifMatch: claimEtag })) !== undefined;
    } catch (error) {
      // Unknown whether the key is still ours: a request nobody has seen yet is withdrawn rather than risked.
      await this.docs.removeIfUnchanged(request.id, request.version);
      throw error;
    }
    if (held) return;
    await this.docs.removeIfUnchanged(request.id, request.version);
    const holder = await this.container.readJson<OpenClaim>(name).catch(() => undefined);
    throw new CodedError('store_conflict', `A fix request is already open for ${openKey}`, { openKey, ...(holder ? { openRequestId: holder.body.requestId } : {}) });
  }

  get(id: string): Promise<FixRequest | undefined> {
    return this.docs.get(id);
  }

  async compareAndSwap(request: FixRequest, expectedVersion: number): Promise<FixRequest | undefined> {
    const stored: FixRequest = { ...request, version: expectedVersion + 1 };
    if (!(await this.docs.replace(stored, expectedVersion))) return undefined;
    if (stored.openKey !== undefined && !isOpenState(stored.state)) await this.release(stored.openKey, stored.id);
    return stored;
  }

  private keyName(openKey: string): string {
    return `${this.keyPrefix}${blobKey(openKey)}.json`;
  }

  /**
   * Takes the key for requestId and returns the key's ETag, or throws store_conflict naming the
   * open request that holds it.
   */
  private async claim(openKey: string, requestId: string): Promise<string> {
    const name = this.keyName(openKey);
    const claim: OpenClaim = { requestId, claimedAt: Date.now() };
    for (let attempt = 0; attempt < 5; attempt++) {
      const created = await this.container.writeJson(name, claim, { ifNoneMatch: '*' });
      if (created !== undefined) return created;
      const current = await this.container.readJson<OpenClaim>(name);
      if (!current) continue;
      // An earlier try of this very create (its answer lost after it landed): the key is ours.
      if (current.body.requestId === requestId) return current.etag;
      const holder = await this.docs.get(current.body.requestId);
      const stale = holder ? !isOpenState(holder.state) : claimAgeMs(current) > this.orphanClaimMs;
      if (!stale) {
        throw new CodedError('store_conflict', `A fix request is already open for ${openKey}`, { openKey, openRequestId: current.body.requestId });
      }
      const taken = await this.container.writeJson(name, claim, { ifMatch: current.etag });
      if (taken !== undefined) return taken;
    }
    throw new CodedError('store_conflict', `Could not claim ${openKey}: it kept changing`, { openKey });
  }

  /** Best effort: a key left behind is taken over by the next claim (its request is final). */
  private async release(openKey: string, requestId: string): Promise<void> {
    const name = this.keyName(openKey);
    try {
      const current = await this.container.readJson<OpenClaim>(name);
      if (current?.body.requestId !== requestId) return;
      await this.container.client.getBlobClient(name).deleteIfExists({ conditions: { ifMatch: current.etag } });
    } catch {
      // A 412 (someone took the key over meanwhile) or an outage: either way the next claim sees a final request.
    }
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
