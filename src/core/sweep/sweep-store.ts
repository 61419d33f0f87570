import type { FleetSweepResult } from './fleet-sweep-result';

/**
 * Where sweeps are kept, like incidents: the latest one renders the digest after a restart, and
 * any one a digest's button names is reloaded to re-check the press. SQLite by default; the
 * contract suite in test/integration/storage holds every implementation to the same behaviour.
 */
export interface SweepStore {
  save(result: FleetSweepResult): Promise<void>;
  get(id: string): Promise<FleetSweepResult | undefined>;
  /** The newest finished sweep. */
  latest(): Promise<FleetSweepResult | undefined>;
}
