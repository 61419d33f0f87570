/**
 * Activity ids seen lately, bounded in number and age: a press the connector delivers twice (the
 * same activity id) runs once. Per instance, which is where a redelivery lands while the first
 * delivery is still being answered.
 */
export class RecentActivityIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly maxEntries = 10_000,
    private readonly ttlMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** True the first time an id is offered within the window; false for a repeat. */
  firstTime(id: string): boolean {
    const at = this.now();
    // A Map keeps insertion order, which is age order: drop from the oldest end.
    for (const [key, seenAt] of this.seen) {
      if (at - seenAt < this.ttlMs && this.seen.size < this.maxEntries) break;
      this.seen.delete(key);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, at);
    return true;
  }
}
