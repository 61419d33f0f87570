import type { FixRequest, FixRequestState } from './fix-request';
import type { AuditEvent, AuditQuery } from './audit';

/**
 * Where fix requests live. Every write is compare-and-swap on `version`: the request is
 * replaced only if nobody changed it since it was read, so of many racing approvals
 * exactly one wins.
 */
export interface FixRequestStore {
  /**
   * Stores a new request (version 0 in, version 1 out). Throws store_conflict if the id exists,
   * and store_conflict with details `{ openKey, openRequestId }` if the request has an `openKey`
   * that another request still holds (one in a state that is not final). Atomic: of many
   * creates racing with one key, exactly one succeeds. A request releases its key when a
   * compare-and-swap moves it to a final state.
   */
  create(request: FixRequest): Promise<FixRequest>;
  get(id: string): Promise<FixRequest | undefined>;
  /**
   * Replaces the request if its stored version still equals `expectedVersion` and returns
   * it with the bumped version; returns undefined when another writer got there first.
   */
  compareAndSwap(request: FixRequest, expectedVersion: number): Promise<FixRequest | undefined>;
  /** Requests of one troubleshooting session, newest first. */
  listBySession(sessionId: string): Promise<FixRequest[]>;
  /** Requests in a state, oldest first (e.g. pending ones to expire). */
  listByState(state: FixRequestState, limit?: number): Promise<FixRequest[]>;
}

/** Append-only: there is no way to change or remove an entry. */
export interface AuditLog {
  append(event: AuditEvent): Promise<void>;
  /** Newest first. */
  list(query?: AuditQuery): Promise<AuditEvent[]>;
}
