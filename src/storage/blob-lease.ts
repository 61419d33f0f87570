import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Logger } from '../logger';
import { type StateContainer, storageStatus } from './blob-container';

/**
 * "Am I the one instance that should run this?" for work that must not run twice across bot
 * instances (the job poller). Listeners hear every change: true when this instance becomes
 * the leader, false when it stops being one (lost renewal, or stop()).
 */
export interface Leadership {
  isLeader(): boolean;
  /** Returns a function that removes the listener. */
  onChange(listener: (leader: boolean) => void): () => void;
}

export interface BlobLeaseOptions {
  /** The lease is taken on the blob `leases/<name>`. */
  readonly name: string;
  /** Blob leases last 15 to 60 seconds; default 60. */
  readonly durationSeconds?: number;
  /** How often the leader renews; default a third of the duration, so two renewals can fail before it lapses. */
  readonly renewIntervalMs?: number;
  /** How often a follower tries to take the lease; default a quarter of the duration. */
  readonly acquireIntervalMs?: number;
  /** Each storage call gives up after this long; default 10 s. */
  readonly requestTimeoutMs?: number;
  readonly logger?: Logger;
}

/** Leadership is given up this long before the lease could lapse, so two leaders never overlap. */
const SAFETY_MARGIN_MS = 5_000;

/**
 * Leader election over a blob lease: whoever holds the lease on `leases/<name>` leads.
 * The leader renews well before the lease lapses; `isLeader()` is also bounded by local time
 * (the lease's duration counted from before the last successful acquire/renew was sent,
 * minus a margin), so a leader cut off from storage stops believing it leads before another
 * instance can take over. stop() releases the lease, so a follower takes over at its next
 * attempt instead of waiting for the lease to lapse.
 */
export class BlobLease implements Leadership {
  private readonly leaseId = randomUUID();
  private readonly durationSeconds: number;
  private readonly renewIntervalMs: number;
  private readonly acquireIntervalMs: number;
  private readonly requestTimeoutMs: number;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly blobName: string;
  private held = false;
  private validUntil = 0;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<boolean> | undefined;
  private blobExists = false;

  constructor(
    private readonly container: StateContainer,
    private readonly options: BlobLeaseOptions,
  ) {
    this.durationSeconds = options.durationSeconds ?? 60;
    if (this.durationSeconds < 15 || this.durationSeconds > 60) throw new RangeError('a blob lease lasts 15 to 60 seconds');
    this.renewIntervalMs = options.renewIntervalMs ?? (this.durationSeconds * 1000) / 3;
    this.acquireIntervalMs = options.acquireIntervalMs ?? (this.durationSeconds * 1000) / 4;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.blobName = `leases/${encodeURIComponent(options.name)}`;
  }

  isLeader(): boolean {
    return this.held && performance.now() < this.validUntil;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tries at once, then keeps trying (follower) or renewing (leader) until stop(). */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.loop();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight?.catch(() => false);
    if (this.held) {
      try {
        await this.leaseClient().releaseLease({ abortSignal: AbortSignal.timeout(this.requestTimeoutMs) });
      } catch (error) {
        // It lapses by itself within the lease duration.
        this.options.logger?.warn({ err: error, lease: this.options.name }, 'could not release the leader lease');
      }
      this.setHeld(false);
    }
  }

  /** One attempt to acquire (follower) or renew (leader); returns whether this instance leads. Overlapping calls share one attempt. */
  attempt(): Promise<boolean> {
    // Blocked past its own deadline (a stalled event loop): it no longer leads until it holds the lease again.
    if (this.held && performance.now() >= this.validUntil) this.setHeld(false);
    this.inFlight ??= (this.held ? this.renew() : this.acquire()).finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async loop(): Promise<void> {
    if (!this.running) return;
    await this.attempt();
    if (!this.running) return;
    this.timer = setTimeout(() => void this.loop(), this.held ? this.renewIntervalMs : this.acquireIntervalMs);
    this.timer.unref();
  }

  private async acquire(): Promise<boolean> {
    const sentAt = performance.now();
    try {
      await this.ensureBlob();
      await this.leaseClient().acquireLease(this.durationSeconds, { abortSignal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (error) {
      // 409 LeaseAlreadyPresent: another instance leads. Anything else: storage trouble; try again later.
      if (storageStatus(error) !== 409) this.options.logger?.warn({ err: error, lease: this.options.name }, 'leader lease: acquire failed');
      return false;
    }
    this.validUntil = sentAt + this.durationSeconds * 1000 - SAFETY_MARGIN_MS;
    this.setHeld(true);
    this.options.logger?.info({ lease: this.options.name }, 'this instance is now the leader');
    return true;
  }

  private async renew(): Promise<boolean> {
    const sentAt = performance.now();
    try {
      await this.leaseClient().renewLease({ abortSignal: AbortSignal.timeout(this.requestTimeoutMs) });
      this.validUntil = sentAt + this.durationSeconds * 1000 - SAFETY_MARGIN_MS;
      return true;
    } catch (error) {
      this.options.logger?.warn({ err: error, lease: this.options.name }, 'leader lease lost');
      this.setHeld(false);
      return false;
    }
  }

  /** The lease blob itself: empty, created once by whoever gets there first. */
  private async ensureBlob(): Promise<void> {
    if (this.blobExists) return;
    await this.container.ready();
    try {
      await this.container.client.getBlockBlobClient(this.blobName).upload('', 0, { conditions: { ifNoneMatch: '*' }, abortSignal: AbortSignal.timeout(this.requestTimeoutMs) });
    } catch (error) {
      // 409: it exists; 412: it exists and is leased right now.
      const status = storageStatus(error);
      if (status !== 409 && status !== 412) throw error;
    }
    this.blobExists = true;
  }

  private leaseClient() {
    return this.container.client.getBlobClient(this.blobName).getBlobLeaseClient(this.leaseId);
  }

  private setHeld(held: boolean): void {
    if (this.held === held) return;
    this.held = held;
    if (!held) this.validUntil = 0;
    for (const listener of [...this.listeners]) {
      try {
        listener(held);
      } catch (error) {
        this.options.logger?.error({ err: error, lease: this.options.name }, 'leadership listener failed');
      }
    }
  }
}
