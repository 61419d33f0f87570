import type { BlobItem } from '@azure/storage-blob';
import { CodedError } from '../core/errors';
import type { AuditEvent, AuditQuery } from '../core/remediation/audit';
import type { AuditLog } from '../core/remediation/ports';
import { type StateContainer, blobKey, fromMetadataValue, mapLimited, metadataValue } from './blob-container';

const READ_CONCURRENCY = 8;
/** Milliseconds up to the year 2286 fit 13 digits; inverted, newer entries sort first. */
const MAX_MS = 9_999_999_999_999;
const MAX_SEQ = 9_999_999_999;

/**
 * Appends in this process get increasing numbers, so entries written in the same millisecond
 * (a fast clock, or a test's fixed one) still list in the order they were appended.
 * Shared by every BlobAuditLog in the process on purpose.
 */
let appendSeq = 0;

/**
 * The fix audit as one blob per entry, written create-only (`If-None-Match: *`): the code has
 * no way to change or remove an entry, and no instance can overwrite another's. (For a legal
 * hold, add a time-based immutability policy on the container; nothing here needs to change.)
 *
 * Names are `audit/<inverted time>-<inverted sequence>-<id>.json`, so a plain listing, which
 * Blob Storage returns in name order, is newest first: "latest N" reads the first names
 * and stops, `since` stops the listing at the first older entry. VM and correlation id
 * are in metadata, so filtering needs no download; only the entries returned are read.
 * Uses @azure/storage-blob directly: botbuilder's `Storage` has neither create-only nor list.
 */
export class BlobAuditLog implements AuditLog {
  constructor(
    private readonly container: StateContainer,
    private readonly prefix = 'audit/',
  ) {}

  async append(event: AuditEvent): Promise<void> {
    appendSeq += 1;
    const at = Date.parse(event.at);
    const time = String(MAX_MS - (Number.isNaN(at) ? 0 : at)).padStart(13, '0');
    const seq = String(MAX_SEQ - (appendSeq % MAX_SEQ)).padStart(10, '0');
    const name = `${this.prefix}${time}-${seq}-${blobKey(event.id)}.json`;
    const metadata: Record<string, string> = {
      at: event.at,
      action: event.action,
      correlationid: metadataValue(event.correlationId),
      ...(event.target ? { vm: metadataValue(event.target.name.toLowerCase()) } : {}),
    };
    const etag = await this.container.writeJson(name, event, { ifNoneMatch: '*' }, metadata);
    if (etag === undefined) throw new CodedError('store_conflict', `Audit entry ${event.id} already exists`, { eventId: event.id });
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const limit = Math.max(1, Math.min(query.limit ?? 50, 10_000));
    const vm = query.vm?.toLowerCase();
    const names: string[] = [];
    for await (const item of this.newestFirst(query.since)) {
      if (vm !== undefined && fromMetadataValue(item.metadata?.['vm']) !== vm) continue;
      if (query.correlationId !== undefined && fromMetadataValue(item.metadata?.['correlationid']) !== query.correlationId) continue;
      names.push(item.name);
      if (names.length >= limit) break;
    }
    return this.read(names);
  }

  /**
   * Every entry oldest first, for the JSON-lines export. The names are gathered first (a
   * listing can only run newest first), then entries are read one by one as they are consumed.
   */
  async *entries(since?: Date): AsyncIterableIterator<AuditEvent> {
    const names: string[] = [];
    for await (const item of this.newestFirst(since)) names.push(item.name);
    for (let i = names.length - 1; i >= 0; i -= 1) {
      const stored = await this.container.readJson<AuditEvent>(names[i] as string);
      if (stored) yield stored.body;
    }
  }

  private async *newestFirst(since?: Date): AsyncIterableIterator<BlobItem> {
    const sinceMs = since?.getTime();
    for await (const item of this.container.list(this.prefix)) {
      if (sinceMs !== undefined && this.timeOf(item.name) < sinceMs) return;
      yield item;
    }
  }

  private timeOf(name: string): number {
    const inverted = Number(name.slice(this.prefix.length, this.prefix.length + 13));
    return MAX_MS - inverted;
  }

  private async read(names: readonly string[]): Promise<AuditEvent[]> {
    const stored = await mapLimited(names, READ_CONCURRENCY, (name) => this.container.readJson<AuditEvent>(name));
    return stored.flatMap((s) => (s ? [s.body] : []));
  }
}
