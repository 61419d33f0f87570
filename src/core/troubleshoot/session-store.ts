import type { TroubleshootSession } from './session';

/**
 * Where sessions live between turns (and restarts). Writes are compare-and-swap on
 * `version`, so two presses racing on one card never lose a step silently.
 */
export interface SessionStore {
  get(id: string): Promise<TroubleshootSession | undefined>;
  /** Stores a new session (version 0 in, version 1 out). Throws store_conflict if the id exists. */
  create(session: TroubleshootSession): Promise<TroubleshootSession>;
  /**
   * Replaces the stored session if its version still equals `expectedVersion`; returns the
   * stored value with the bumped version. Throws CodedError('store_conflict') otherwise.
   */
  compareAndSwap(session: TroubleshootSession, expectedVersion: number): Promise<TroubleshootSession>;
}
