/**
 * Remembers up to `capacity` keys, the oldest forgotten first: a log line written once per alert
 * rule rather than once per alert (a busy shared action group would otherwise flood the log), a
 * card press delivered twice run once.
 */
export class SeenOnce {
  private readonly seen = new Set<string>();

  constructor(private readonly capacity: number) {}

  /** Whether the key is remembered (without remembering it). */
  has(key: string): boolean {
    return this.seen.has(key);
  }

  /** True the first time a key is seen (and again after it was forgotten). */
  firstTime(key: string): boolean {
    if (this.seen.has(key)) return false;
    if (this.seen.size >= this.capacity) {
      const oldest = this.seen.values().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
    this.seen.add(key);
    return true;
  }
}
