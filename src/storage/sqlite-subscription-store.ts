import type { AlertVault } from '../core/incidents/backup-alert';
import type { SubscriptionStore } from '../core/incidents/ports';
import type { Subscription, SubscriptionScope } from '../core/incidents/subscription';
import { matchingScopeKeys, scopeKey } from '../core/incidents/subscription';
import type { Language } from '../core/knowledge/schema';
import type { SqliteDatabase } from './sqlite-database';
import { ensureSchema } from './sqlite-database';

interface Row {
  id: string;
  conversation_key: string;
  scope_json: string;
  reference_json: string;
  language: Language;
  created_by: string | null;
  created_at: number;
}

function toSubscription(r: Row): Subscription {
  return {
    id: r.id,
    conversationKey: r.conversation_key,
    scope: JSON.parse(r.scope_json) as SubscriptionScope,
    conversationReference: JSON.parse(r.reference_json) as Record<string, unknown>,
    language: r.language,
    ...(r.created_by !== null ? { createdBy: r.created_by } : {}),
    createdAt: new Date(r.created_at),
  };
}

/**
 * Conversations subscribed to incidents, with their conversation references. Read on every
 * incident change, so the list is cached and refreshed on each write (this process is the only writer).
 */
export class SqliteSubscriptionStore implements SubscriptionStore {
  private readonly stmts;
  private cache: Subscription[] | undefined;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, [
      `CREATE TABLE IF NOT EXISTS subscriptions_subscription (
        id TEXT PRIMARY KEY, conversation_key TEXT NOT NULL, scope_key TEXT NOT NULL, scope_json TEXT NOT NULL,
        reference_json TEXT NOT NULL, language TEXT NOT NULL, created_by TEXT, created_at INTEGER NOT NULL,
        UNIQUE (conversation_key, scope_key))`,
    ]);
    this.stmts = {
      upsert: db.prepare(
        `INSERT INTO subscriptions_subscription (id, conversation_key, scope_key, scope_json, reference_json, language, created_by, created_at)
         VALUES (@id, @conversation_key, @scope_key, @scope_json, @reference_json, @language, @created_by, @created_at)
         ON CONFLICT (conversation_key, scope_key) DO UPDATE SET reference_json = excluded.reference_json, language = excluded.language`,
      ),
      removeAll: db.prepare('DELETE FROM subscriptions_subscription WHERE conversation_key = ?'),
      removeOne: db.prepare('DELETE FROM subscriptions_subscription WHERE conversation_key = ? AND scope_key = ?'),
      forConversation: db.prepare<[string], Row>('SELECT * FROM subscriptions_subscription WHERE conversation_key = ? ORDER BY created_at'),
      all: db.prepare<[], Row>('SELECT * FROM subscriptions_subscription ORDER BY created_at, id'),
      byScopes: db.prepare<[string], Row>('SELECT * FROM subscriptions_subscription WHERE scope_key IN (SELECT value FROM json_each(?)) ORDER BY created_at, id'),
    };
  }

  add(s: Subscription): void {
    this.stmts.upsert.run({
      id: s.id,
      conversation_key: s.conversationKey,
      scope_key: scopeKey(s.scope),
      scope_json: JSON.stringify(s.scope),
      reference_json: JSON.stringify(s.conversationReference),
      language: s.language,
      created_by: s.createdBy ?? null,
      created_at: s.createdAt.getTime(),
    });
    this.cache = undefined;
  }
  remove(conversationKey: string, key?: string): number {
    const info = key === undefined ? this.stmts.removeAll.run(conversationKey) : this.stmts.removeOne.run(conversationKey, key);
    this.cache = undefined;
    return info.changes;
  }
  listForConversation(conversationKey: string): Subscription[] {
    return this.stmts.forConversation.all(conversationKey).map(toSubscription);
  }
  list(): readonly Subscription[] {
    this.cache ??= this.stmts.all.all().map(toSubscription);
    return this.cache;
  }
  /** Uncached: another process on the file may have subscribed since. */
  listMatching(vault: AlertVault): Subscription[] {
    return this.stmts.byScopes.all(JSON.stringify(matchingScopeKeys(vault))).map(toSubscription);
  }
}
