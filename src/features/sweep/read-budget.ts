import type { Clock } from '../../core/ports';

export interface ReadBudgetOptions {
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  /**
   * Reads left to the subscription below which the sweep slows down, leaving them to the
   * interactive turns (Run checks, questions, fixes). Default 100.
   */
  readonly reserve?: number;
  /** How fast ARM gives reads back (its token bucket refills about 25 a second per subscription). Default 25. */
  readonly refillPerSecond?: number;
}

/**
 * How fast a fleet sweep may read: ARM reports the reads left in the subscription on every answer
 * (x-ms-ratelimit-remaining-subscription-reads) and answers 429 with Retry-After when none are. The
 * sweep asks before each VM; it waits while the reads left are under the reserve (long enough for
 * the bucket to refill that far) and, after a 429, until Retry-After has passed, so a sweep never
 * takes the reads the people in chat need. Interactive reads are never held: only the sweep asks.
 */
export class ReadBudget {
  private remaining: number | undefined;
  private pausedUntil = 0;
  /** Milliseconds each wait lasted (the benchmark and tests read them). */
  readonly waits: number[] = [];

  constructor(private readonly options: ReadBudgetOptions) {}

  /** What an ARM answer said (any read of the bot, interactive or not). */
  observe(response: { readonly remainingReads?: number; readonly retryAfterInMs?: number }): void {
    if (response.remainingReads !== undefined) this.remaining = response.remainingReads;
    if (response.retryAfterInMs !== undefined) this.pausedUntil = Math.max(this.pausedUntil, this.options.clock.now().getTime() + response.retryAfterInMs);
  }

  /** Waits until the sweep may read again. */
  async beforeRead(): Promise<void> {
    const now = this.options.clock.now().getTime();
    let waitMs = Math.max(0, this.pausedUntil - now);
    const reserve = this.options.reserve ?? 100;
    if (this.remaining !== undefined && this.remaining < reserve) {
      waitMs = Math.max(waitMs, Math.ceil(((reserve - this.remaining) / (this.options.refillPerSecond ?? 25)) * 1000));
      // Assume the bucket refilled while waiting; the next answer says how far it really did.
      this.remaining = reserve;
    }
    if (waitMs <= 0) return;
    this.waits.push(waitMs);
    await this.options.sleep(waitMs);
  }
}
