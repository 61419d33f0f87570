import { CodedError } from '../errors';
import type { AuditEvent, AuditQuery } from './audit';
import { isOpenState, type FixRequest, type FixRequestState } from './fix-request';
import type { AuditLog, FixRequestStore } from './ports';

/** For unit tests: the same compare-and-swap contract as the SQLite store, in memory. */
export class InMemoryFixRequestStore implements FixRequestStore {
  private readonly items = new Map<string, FixRequest>();

  async create(request: FixRequest): Promise<FixRequest> {
    if (this.items.has(request.id)) throw new CodedError('store_conflict', `Fix request ${request.id} already exists`, { id: request.id });
    const holder = request.openKey === undefined ? undefined : [...this.items.values()].find((r) => r.openKey === request.openKey && isOpenState(r.state));
    if (holder) throw new CodedError('store_conflict', `Fix request ${holder.id} is already open for ${request.openKey}`, { openKey: request.openKey, openRequestId: holder.id });
    const stored = { ...request, version: 1 };
    this.items.set(request.id, stored);
    return stored;
  }

  async get(id: string): Promise<FixRequest | undefined> {
    return this.items.get(id);
  }

  async compareAndSwap(request: FixRequest, expectedVersion: number): Promise<FixRequest | undefined> {
    const current = this.items.get(request.id);
    if (current === undefined || current.version !== expectedVersion) return undefined;
    const stored = { ...request, version: expectedVersion + 1 };
    this.items.set(request.id, stored);
    return stored;
  }

  async listBySession(sessionId: string): Promise<FixRequest[]> {
    return [...this.items.values()].filter((r) => r.sessionId === sessionId).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  async listByState(state: FixRequestState, limit = 100): Promise<FixRequest[]> {
    return [...this.items.values()]
      .filter((r) => r.state === state)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit);
  }
}

export class InMemoryAuditLog implements AuditLog {
  private readonly events: AuditEvent[] = [];

  async append(event: AuditEvent): Promise<void> {
    this.events.push(Object.freeze({ ...event }));
  }

  async list(query: AuditQuery = {}): Promise<AuditEvent[]> {
    const vm = query.vm?.toLowerCase();
    return this.events
      .filter((e) => vm === undefined || e.target?.name.toLowerCase() === vm)
      .filter((e) => query.correlationId === undefined || e.correlationId === query.correlationId)
      .filter((e) => query.since === undefined || Date.parse(e.at) >= query.since.getTime())
      .reverse()
      .slice(0, query.limit ?? 50);
  }
}
