import type { FleetSweepResult } from '../core/sweep/fleet-sweep-result';
import type { SweepStore } from '../core/sweep/sweep-store';
import { type SqliteDatabase, ensureSchema } from './sqlite-database';

interface SweepRow {
  result_json: string;
}

/** Sweeps in the bot's SQLite file, one row each, the newest found by when it finished. */
export class SqliteSweepStore implements SweepStore {
  constructor(private readonly db: SqliteDatabase) {
    ensureSchema(db, [
      `CREATE TABLE IF NOT EXISTS fleet_sweeps (
         id TEXT PRIMARY KEY,
         finished_at TEXT NOT NULL,
         result_json TEXT NOT NULL
       )`,
      'CREATE INDEX IF NOT EXISTS fleet_sweeps_finished ON fleet_sweeps (finished_at)',
    ]);
  }

  save(result: FleetSweepResult): Promise<void> {
    this.db.prepare('INSERT OR REPLACE INTO fleet_sweeps (id, finished_at, result_json) VALUES (?, ?, ?)').run(result.id, result.finishedAt, JSON.stringify(result));
    return Promise.resolve();
  }

  get(id: string): Promise<FleetSweepResult | undefined> {
    const row = this.db.prepare('SELECT result_json FROM fleet_sweeps WHERE id = ?').get(id) as SweepRow | undefined;
    return Promise.resolve(row === undefined ? undefined : (JSON.parse(row.result_json) as FleetSweepResult));
  }

  latest(): Promise<FleetSweepResult | undefined> {
    const row = this.db.prepare('SELECT result_json FROM fleet_sweeps ORDER BY finished_at DESC, rowid DESC LIMIT 1').get() as SweepRow | undefined;
    return Promise.resolve(row === undefined ? undefined : (JSON.parse(row.result_json) as FleetSweepResult));
  }
}
