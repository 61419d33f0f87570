import type { Language } from '../knowledge/schema';
import type { AlertVault } from './backup-alert';

/** What a conversation asked to hear about. */
export type SubscriptionScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'vault'; readonly vault: string }
  | { readonly kind: 'subscription'; readonly subscriptionId: string };

export interface Subscription {
  readonly id: string;
  readonly conversationKey: string;
  /** The channel's conversation reference, stored verbatim for proactive sends. */
  readonly conversationReference: Readonly<Record<string, unknown>>;
  readonly scope: SubscriptionScope;
  readonly language: Language;
  readonly createdBy?: string;
  readonly createdAt: Date;
}

export function scopeKey(scope: SubscriptionScope): string {
  switch (scope.kind) {
    case 'all':
      return 'all';
    case 'vault':
      return `vault:${scope.vault.toLowerCase()}`;
    case 'subscription':
      return `subscription:${scope.subscriptionId.toLowerCase()}`;
  }
}

/** The scope keys of every subscription that matches the vault: the store's query for "who hears about this vault". */
export function matchingScopeKeys(vault: AlertVault): string[] {
  const keys = [scopeKey({ kind: 'all' }), scopeKey({ kind: 'vault', vault: vault.name })];
  if (vault.subscriptionId) keys.push(scopeKey({ kind: 'subscription', subscriptionId: vault.subscriptionId }));
  return keys;
}

export function subscriptionMatches(subscription: Pick<Subscription, 'scope'>, vault: AlertVault): boolean {
  const scope = subscription.scope;
  switch (scope.kind) {
    case 'all':
      return true;
    case 'vault':
      return scope.vault.toLowerCase() === vault.name.toLowerCase();
    case 'subscription':
      return vault.subscriptionId !== undefined && scope.subscriptionId.toLowerCase() === vault.subscriptionId.toLowerCase();
  }
}

/**
 * The conversations an incident of this vault goes to: one per conversation even when
 * several of its subscriptions match (a card per incident per conversation, never two).
 */
export function matchingConversations(subscriptions: readonly Subscription[], vault: AlertVault): Subscription[] {
  const byConversation = new Map<string, Subscription>();
  for (const s of subscriptions) {
    if (subscriptionMatches(s, vault) && !byConversation.has(s.conversationKey)) byConversation.set(s.conversationKey, s);
  }
  return [...byConversation.values()];
}

export type SubscriptionCommand =
  | { readonly kind: 'subscribe'; readonly scope: SubscriptionScope }
  | { readonly kind: 'unsubscribe'; readonly scope?: SubscriptionScope }
  | { readonly kind: 'list' };

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parses `subscribe`, `subscribe vault <name>`, `subscribe subscription <id>`, `unsubscribe [...]`,
 * `subscriptions` (Polish: `subskrybuj`, `wypisz`, `subskrypcje` too). Undefined: not a subscription command;
 * a string: the command was recognised but its argument is wrong (the reason, in English and Polish).
 */
/** What the user wrote, echoed back short: enough to recognise, never a page of someone's paste. */
function quoted(arg: string): string {
  const shown = [...arg];
  return `"${shown.length <= maxEchoedChars ? arg : `${shown.slice(0, maxEchoedChars).join('')}…`}"`;
}

const maxEchoedChars = 60;

export function parseSubscriptionCommand(text: string): SubscriptionCommand | { readonly kind: 'invalid'; readonly reason: { en: string; pl: string } } | undefined {
  const words = text.trim().split(/\s+/).filter((w) => w.length > 0);
  const verb = words[0]?.toLowerCase();
  if (verb === undefined) return undefined;
  if (['subscriptions', 'subskrypcje'].includes(verb) && words.length === 1) return { kind: 'list' };
  const isSubscribe = ['subscribe', 'subskrybuj'].includes(verb);
  const isUnsubscribe = ['unsubscribe', 'wypisz', 'odsubskrybuj'].includes(verb);
  if (!isSubscribe && !isUnsubscribe) return undefined;
  if (words.length === 1) return isSubscribe ? { kind: 'subscribe', scope: { kind: 'all' } } : { kind: 'unsubscribe' };
  const what = words[1]?.toLowerCase();
  const arg = words[2];
  if (words.length === 3 && arg && (what === 'vault' || what === 'magazyn')) {
    if (!/^[A-Za-z][A-Za-z0-9-]{1,49}$/.test(arg)) {
      const shown = quoted(arg);
      return { kind: 'invalid', reason: { en: `${shown} is not a Recovery Services vault name.`, pl: `${shown} nie jest nazwą magazynu Recovery Services.` } };
    }
    const scope: SubscriptionScope = { kind: 'vault', vault: arg };
    return isSubscribe ? { kind: 'subscribe', scope } : { kind: 'unsubscribe', scope };
  }
  if (words.length === 3 && arg && (what === 'subscription' || what === 'subskrypcja')) {
    if (!guid.test(arg)) {
      const shown = quoted(arg);
      return { kind: 'invalid', reason: { en: `${shown} is not an Azure subscription id (a GUID).`, pl: `${shown} nie jest identyfikatorem subskrypcji Azure (GUID).` } };
    }
    const scope: SubscriptionScope = { kind: 'subscription', subscriptionId: arg.toLowerCase() };
    return isSubscribe ? { kind: 'subscribe', scope } : { kind: 'unsubscribe', scope };
  }
  return {
    kind: 'invalid',
    reason: {
      en: 'Use `subscribe`, `subscribe vault <name>` or `subscribe subscription <id>` (and the same after `unsubscribe`).',
      pl: 'Użyj `subscribe`, `subscribe vault <nazwa>` albo `subscribe subscription <id>` (tak samo po `unsubscribe`).',
    },
  };
}
