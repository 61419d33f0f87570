import { randomBytes } from 'node:crypto';
import type { BlobItem } from '@azure/storage-blob';
import { CodedError } from '../core/errors';
import type { AuditEvent, AuditQuery } from '../core/remediation/audit';
import type { AuditLog } from '../core/remediation/ports';
import { type StateContainer, blobKey, fromMetadataValue, mapLimited, metadataValue } from './blob-container';

const READ_CONCURRENCY = 8;
/** Milliseconds up to the year 2286 fit 13 digits; inverted, newer entries sort first. */
const MAX_MS = 9_999_999_999_999;
/** Names are `<13 digits: inverted entry time>-<16 digits: inverted append stamp>-<instance>-<id>.json` after the prefix. */
const TIME_DIGITS = 13;
const SEQ_END = TIME_DIGITS + 1 + 16;
/** Names per listing page in the oldest-first export. */
const EXPORT_PAGE = 500;
const DIGITS_DESCENDING = ['9', '8', '7', '6', '5', '4', '3', '2', '1', '0'] as const;

/**
 * The fix audit as one blob per entry, written create-only (`If-None-Match: *`): the code has
 * no way to change or remove an entry, and no instance can overwrite another's. (For a legal
 * hold, add a time-based immutability policy on the container; nothing here needs to change.)
 *
 * Names are `audit/<inverted time>-<inverted sequence>-<instance>-<id>.json`, so a plain
 * listing, which Blob Storage returns in name order, is newest first: "latest N" reads the
 * first names and stops, `since` stops the listing at the first older entry. Entries with
 * the same time are ordered by their append stamp: this instance's own clock in
 * microseconds, forced to increase on every append (so one instance's entries keep their
 * order, and instances sharing a clock interleave in real append order; across machines up to
 * their clock skew). The instance tag (its start time and random bits) keeps two instances'
 * names apart. VM and
 * correlation id are in metadata, so filtering needs no download; only the entries returned
 * are read. Uses @azure/storage-blob directly: botbuilder's `Storage` has neither create-only nor list.
 */
export class BlobAuditLog implements AuditLog {
  /** The last append stamp of this instance (ms and the microseconds within it). */
  private lastStamp = { ms: 0, us: 0 };
  private readonly instanceTag = `${Date.now().toString(36)}${randomBytes(4).toString('hex')}`;
  private readonly pageSize: number;

  constructor(
    private readonly container: StateContainer,
    private readonly prefix = 'audit/',
    options: { readonly exportPageSize?: number } = {},
  ) {
    this.pageSize = options.exportPageSize ?? EXPORT_PAGE;
  }

  async append(event: AuditEvent): Promise<void> {
    const at = Date.parse(event.at);
    const time = String(MAX_MS - (Number.isNaN(at) ? 0 : at)).padStart(TIME_DIGITS, '0');
    const name = `${this.prefix}${time}-${this.nextStamp()}-${this.instanceTag}-${blobKey(event.id)}.json`;
    const metadata: Record<string, string> = {
      at: event.at,
      action: event.action,
      correlationid: metadataValue(event.correlationId),
      ...(event.target ? { vm: metadataValue(event.target.name.toLowerCase()) } : {}),
    };
    const etag = await this.container.writeJson(name, event, { ifNoneMatch: '*' }, metadata);
    if (etag === undefined) throw new CodedError('store_conflict', `Audit entry ${event.id} already exists`, { eventId: event.id });
  }

  /** Inverted microsecond stamp, strictly increasing per instance (bumped when the clock has not moved on). */
  private nextStamp(): string {
    const now = performance.timeOrigin + performance.now();
    let ms = Math.floor(now);
    let us = Math.min(999, Math.floor((now - ms) * 1000));
    const last = this.lastStamp;
    if (ms < last.ms || (ms === last.ms && us <= last.us)) {
      ms = last.ms;
      us = last.us + 1;
      if (us > 999) {
        ms += 1;
        us = 0;
      }
    }
    this.lastStamp = { ms, us };
    return `${String(MAX_MS - ms).padStart(TIME_DIGITS, '0')}${String(999 - us).padStart(3, '0')}`;
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
   * Every entry oldest first, for the JSON-lines export, never holding more than one listing
   * page of names. A listing runs newest first, so the export walks the names' digits as a
   * tree, oldest branch first: a prefix whose first page holds all its names is read (that page
   * reversed); a fuller one is split into its ten next-digit prefixes. `since` prunes every
   * branch older than it.
   */
  async *entries(since?: Date): AsyncIterableIterator<AuditEvent> {
    const sinceMs = since?.getTime();
    const newestInverted = sinceMs === undefined ? undefined : String(MAX_MS - sinceMs).padStart(TIME_DIGITS, '0');
    for await (const names of this.oldestFirst(this.prefix, newestInverted)) {
      const kept = sinceMs === undefined ? names : names.filter((n) => this.timeOf(n) >= sinceMs);
      for (let i = 0; i < kept.length; i += READ_CONCURRENCY * 4) {
        for (const entry of await this.read(kept.slice(i, i + READ_CONCURRENCY * 4))) yield entry;
      }
    }
  }

  /** Batches of names under `prefix`, oldest first; `maxInverted`: skip branches whose every entry is older. */
  private async *oldestFirst(prefix: string, maxInverted: string | undefined): AsyncIterableIterator<string[]> {
    const page = await this.firstPage(prefix);
    if (!page.more) {
      yield page.names.reverse();
      return;
    }
    const depth = prefix.length - this.prefix.length;
    if (depth >= SEQ_END) {
      // More than a page in one millisecond with one sequence number (many instances at once): list them all.
      const all: string[] = [];
      for await (const item of this.container.list(prefix)) all.push(item.name);
      yield all.reverse();
      return;
    }
    // In the stamp, '-' (which sorts before the digits) ends the shorter stamps of entries written before it had 16 digits.
    const next = depth === TIME_DIGITS ? ['-'] : depth > TIME_DIGITS + 1 ? [...DIGITS_DESCENDING, '-'] : DIGITS_DESCENDING;
    for (const c of next) {
      const child = `${prefix}${c}`;
      // Inverted time above `since`'s: every entry below it is older than `since`.
      if (maxInverted !== undefined && depth < TIME_DIGITS && child.slice(this.prefix.length) > maxInverted.slice(0, depth + 1)) continue;
      yield* this.oldestFirst(child, maxInverted);
    }
  }

  private async firstPage(prefix: string): Promise<{ names: string[]; more: boolean }> {
    await this.container.ready();
    const pages = this.container.client.listBlobsFlat({ prefix }).byPage({ maxPageSize: this.pageSize });
    try {
      const first = await pages.next();
      if (first.done) return { names: [], more: false };
      return { names: first.value.segment.blobItems.map((b) => b.name), more: Boolean(first.value.continuationToken) };
    } finally {
      await pages.return?.(undefined);
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
