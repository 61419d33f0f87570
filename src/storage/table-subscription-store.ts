import { odata } from '@azure/data-tables';
import type { AlertVault } from '../core/incidents/backup-alert';
import type { SharedSubscriptionStore } from '../core/incidents/ports';
import { matchingScopeKeys, scopeKey, type Subscription } from '../core/incidents/subscription';
import { type StateTable, tableKey } from './table-client';

interface SubscriptionEntity {
  readonly subscription: string;
  readonly conversationKey: string;
}

function subscriptionOf(json: string): Subscription {
  const s = JSON.parse(json) as Omit<Subscription, 'createdAt'> & { createdAt: string };
  return { ...s, createdAt: new Date(s.createdAt) };
}

const byAge = (a: Subscription, b: Subscription): number => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id);

/**
 * Subscriptions on Azure Table Storage, partitioned by scope (every vault, one vault, one
 * Azure subscription), one row per conversation: the conversations an incident goes to are
 * at most three partition reads. Subscribing again to a scope keeps the row and its id
 * (deliveries name it) and refreshes the conversation reference and language.
 */
export class TableSubscriptionStore implements SharedSubscriptionStore {
  constructor(private readonly table: StateTable) {}

  add(subscription: Subscription): Promise<Subscription> {
    const partitionKey = tableKey(scopeKey(subscription.scope));
    const rowKey = tableKey(subscription.conversationKey);
    return this.table.modify<SubscriptionEntity, Subscription>(partitionKey, rowKey, (stored) => {
      const kept = stored ? subscriptionOf(stored.subscription) : undefined;
      const next: Subscription = kept ? { ...kept, conversationReference: subscription.conversationReference, language: subscription.language } : subscription;
      return { write: { partitionKey, rowKey, subscription: JSON.stringify(next), conversationKey: next.conversationKey }, result: next };
    });
  }

  async remove(conversationKey: string, key?: string): Promise<number> {
    const rowKey = tableKey(conversationKey);
    const rows =
      key === undefined
        ? await this.table.all<SubscriptionEntity>(odata`RowKey eq ${rowKey}`, ['PartitionKey', 'RowKey'])
        : [{ partitionKey: tableKey(key), rowKey }];
    let removed = 0;
    for (const row of rows) if (row.partitionKey !== undefined && (await this.table.delete(row.partitionKey, rowKey))) removed += 1;
    return removed;
  }

  async listForConversation(conversationKey: string): Promise<Subscription[]> {
    const rows = await this.table.all<SubscriptionEntity>(odata`RowKey eq ${tableKey(conversationKey)}`, ['subscription']);
    return rows.map((r) => subscriptionOf(r.subscription)).sort(byAge);
  }

  async listMatching(vault: AlertVault): Promise<Subscription[]> {
    const partitions = await Promise.all(matchingScopeKeys(vault).map((key) => this.table.all<SubscriptionEntity>(odata`PartitionKey eq ${tableKey(key)}`, ['subscription'])));
    return partitions.flat().map((r) => subscriptionOf(r.subscription)).sort(byAge);
  }
}
