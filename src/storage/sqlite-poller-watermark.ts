import type { PollerWatermarkStore } from '../core/incidents/ports';
import type { SqliteDatabase } from './sqlite-database';
import { ensureSchema } from './sqlite-database';

/** Per vault: failed jobs up to this time have become alerts. Survives restarts so no window is polled twice or skipped. */
export class SqlitePollerWatermark implements PollerWatermarkStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, [`CREATE TABLE IF NOT EXISTS poller_watermark (vault_key TEXT PRIMARY KEY, watermark INTEGER NOT NULL, polled_at INTEGER NOT NULL)`]);
    this.stmts = {
      get: db.prepare<[string], { watermark: number }>('SELECT watermark FROM poller_watermark WHERE vault_key = ?'),
      set: db.prepare(
        `INSERT INTO poller_watermark (vault_key, watermark, polled_at) VALUES (?, ?, ?)
         ON CONFLICT (vault_key) DO UPDATE SET watermark = excluded.watermark, polled_at = excluded.polled_at`,
      ),
      last: db.prepare<[], { t: number | null }>('SELECT MAX(polled_at) AS t FROM poller_watermark'),
    };
  }

  get(vaultKey: string): Date | undefined {
    const r = this.stmts.get.get(vaultKey);
    return r ? new Date(r.watermark) : undefined;
  }
  set(vaultKey: string, at: Date): void {
    this.stmts.set.run(vaultKey, at.getTime(), Date.now());
  }
  lastPollAt(): Date | undefined {
    const t = this.stmts.last.get()?.t;
    return t === null || t === undefined ? undefined : new Date(t);
  }
}
