import { CodedError } from '../core/errors';
import type { TroubleshootSession } from '../core/troubleshoot/session';
import type { SessionStore } from '../core/troubleshoot/session-store';
import type { StateContainer } from './blob-container';
import { VersionedBlobDocuments } from './blob-versioned-documents';

/**
 * Sessions as one JSON blob each (`sessions/<id>.json`), for several bot instances behind one
 * bot registration: a card pressed on any instance finds its session. The compare-and-swap on
 * `version` is an If-Match on the blob's ETag (see VersionedBlobDocuments).
 *
 * botbuilder's BlobsStorage would fit get/replace, but not create (it has no create-only
 * write), so one code path over @azure/storage-blob serves all three.
 */
export class BlobSessionStore implements SessionStore {
  private readonly docs: VersionedBlobDocuments<TroubleshootSession>;

  constructor(container: StateContainer, prefix = 'sessions/') {
    // Expiry in metadata, so a clean-up job can list expired sessions without reading them.
    this.docs = new VersionedBlobDocuments(container, prefix, (s) => ({ expiresat: s.expiresAt }));
  }

  get(id: string): Promise<TroubleshootSession | undefined> {
    return this.docs.get(id);
  }

  async create(session: TroubleshootSession): Promise<TroubleshootSession> {
    const stored = { ...session, version: 1 };
    if (!(await this.docs.create(stored))) {
      throw new CodedError('store_conflict', `Session ${session.id} already exists`, { sessionId: session.id });
    }
    return stored;
  }

  async compareAndSwap(session: TroubleshootSession, expectedVersion: number): Promise<TroubleshootSession> {
    const stored = { ...session, version: expectedVersion + 1 };
    if (!(await this.docs.replace(stored, expectedVersion))) {
      throw new CodedError('store_conflict', `Session ${session.id} changed (expected version ${expectedVersion})`, { sessionId: session.id, expectedVersion });
    }
    return stored;
  }
}
