import type { SqliteDatabase } from './sqlite-database';

interface QueuedWrite {
  readonly write: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for small writes from concurrent turns: the writes queued in the same tick run in
 * one transaction, each in a savepoint of its own, so one that fails (a constraint, a lost
 * compare-and-swap) is rolled back alone and rejects alone. Each caller's promise settles once the
 * batch is committed, as if it had committed on its own. A turn's session write otherwise costs
 * its own commit, which appends every page it touched to the WAL again; a batch appends each
 * page once.
 */
export class SqliteWriteBatch {
  private queue: QueuedWrite[] = [];
  private scheduled = false;

  constructor(
    private readonly db: SqliteDatabase,
    private readonly maxBatch = 64,
  ) {}

  run<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.maxBatch);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    if (batch.length === 0) return;
    if (batch.length === 1) {
      // Alone, a write commits as it would have without the batch (no savepoint to pay for).
      const [only] = batch as [QueuedWrite];
      try {
        only.resolve(only.write());
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    const outcomes: { ok: boolean; value: unknown }[] = [];
    try {
      this.db.transaction(() => {
        for (const queued of batch) {
          try {
            // A transaction inside a transaction is a savepoint: a write that throws undoes only itself.
            outcomes.push({ ok: true, value: this.db.transaction(queued.write)() });
          } catch (error) {
            outcomes.push({ ok: false, value: error });
          }
        }
      })();
    } catch (error) {
      // The commit itself failed (disk full, I/O): nothing of the batch was stored.
      for (const queued of batch) queued.reject(error);
      return;
    }
    batch.forEach((queued, i) => {
      const outcome = outcomes[i] as { ok: boolean; value: unknown };
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.value);
    });
  }
}
