import { type StateContainer, blobKey } from './blob-container';

export interface Versioned {
  readonly id: string;
  readonly version: number;
}

/** How many (id, version) -> ETag pairs one store remembers; older ones are just read again. */
const REMEMBERED_ETAGS = 10_000;

/**
 * JSON documents with an integer `version` (the ports' compare-and-swap token), one blob each,
 * where the real guard is the blob's ETag:
 *
 * - create: `If-None-Match: *`, so of two instances creating one id exactly one succeeds;
 * - replace(doc, expectedVersion): `If-Match: <etag of expectedVersion>`. Every write bumps the
 *   version and changes the ETag, so "the ETag is unchanged" and "the version is still the
 *   expected one" are the same statement, checked atomically by the storage service.
 *
 * The ETag seen by the last read or write of each id is remembered, so the usual
 * get -> compareAndSwap is one round trip for the write; without it the document is read
 * first (a stale version is refused without writing).
 */
export class VersionedBlobDocuments<T extends Versioned> {
  private readonly etags = new Map<string, { readonly version: number; readonly etag: string }>();

  constructor(
    readonly container: StateContainer,
    /** e.g. 'sessions/': documents are `<prefix><encoded id>.json`. */
    readonly prefix: string,
    private readonly metadataOf: (doc: T) => Record<string, string> = () => ({}),
  ) {}

  nameOf(id: string): string {
    return `${this.prefix}${blobKey(id)}.json`;
  }

  async get(id: string): Promise<T | undefined> {
    const stored = await this.container.readJson<T>(this.nameOf(id));
    if (!stored) return undefined;
    this.remember(id, stored.body.version, stored.etag);
    return stored.body;
  }

  /** Reads by blob name (from a listing). */
  async getByName(name: string): Promise<T | undefined> {
    const stored = await this.container.readJson<T>(name);
    if (!stored) return undefined;
    this.remember(stored.body.id, stored.body.version, stored.etag);
    return stored.body;
  }

  /** False when the id already exists. */
  async create(doc: T): Promise<boolean> {
    const etag = await this.container.writeJson(this.nameOf(doc.id), doc, { ifNoneMatch: '*' }, this.metadataOf(doc));
    if (etag === undefined) return false;
    this.remember(doc.id, doc.version, etag);
    return true;
  }

  /** Writes `doc` (already carrying its new version) only if the stored version is `expectedVersion`; false otherwise. */
  async replace(doc: T, expectedVersion: number): Promise<boolean> {
    let etag = this.known(doc.id, expectedVersion);
    if (etag === undefined) {
      const current = await this.container.readJson<T>(this.nameOf(doc.id));
      if (!current) return false;
      this.remember(doc.id, current.body.version, current.etag);
      if (current.body.version !== expectedVersion) return false;
      etag = current.etag;
    }
    const next = await this.container.writeJson(this.nameOf(doc.id), doc, { ifMatch: etag }, this.metadataOf(doc));
    if (next === undefined) {
      this.etags.delete(doc.id);
      return false;
    }
    this.remember(doc.id, doc.version, next);
    return true;
  }

  /**
   * Deletes the document if it is still the version this store last read or wrote (best
   * effort: false when it changed, was never seen here, or the delete failed).
   */
  async removeIfUnchanged(id: string, version: number): Promise<boolean> {
    const etag = this.known(id, version);
    if (etag === undefined) return false;
    try {
      const deleted = await this.container.client.getBlobClient(this.nameOf(id)).deleteIfExists({ conditions: { ifMatch: etag } });
      this.etags.delete(id);
      return deleted.succeeded;
    } catch {
      return false;
    }
  }

  private known(id: string, version: number): string | undefined {
    const entry = this.etags.get(id);
    return entry && entry.version === version ? entry.etag : undefined;
  }

  private remember(id: string, version: number, etag: string): void {
    this.etags.delete(id);
    this.etags.set(id, { version, etag });
    if (this.etags.size > REMEMBERED_ETAGS) {
      const oldest = this.etags.keys().next();
      if (!oldest.done) this.etags.delete(oldest.value);
    }
  }
}
