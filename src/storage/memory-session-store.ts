import { CodedError } from '../core/errors';
import type { TroubleshootSession } from '../core/troubleshoot/session';
import type { SessionStore } from '../core/troubleshoot/session-store';

/** In-memory SessionStore for unit tests; same compare-and-swap contract as SQLite. */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, TroubleshootSession>();

  async get(id: string): Promise<TroubleshootSession | undefined> {
    return this.sessions.get(id);
  }

  async create(session: TroubleshootSession): Promise<TroubleshootSession> {
    if (this.sessions.has(session.id)) throw new CodedError('store_conflict', `Session ${session.id} already exists`, { sessionId: session.id });
    const stored = { ...session, version: 1 };
    this.sessions.set(session.id, stored);
    return stored;
  }

  async compareAndSwap(session: TroubleshootSession, expectedVersion: number): Promise<TroubleshootSession> {
    const current = this.sessions.get(session.id);
    if (!current || current.version !== expectedVersion) {
      throw new CodedError('store_conflict', `Session ${session.id} changed (expected version ${expectedVersion})`, { sessionId: session.id, expectedVersion });
    }
    const stored = { ...session, version: expectedVersion + 1 };
    this.sessions.set(session.id, stored);
    return stored;
  }
}
