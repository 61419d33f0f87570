import type { VaultRef } from '../../../src/core/azure-port';
import type { AlertVault } from '../../../src/core/incidents/backup-alert';
import { type Subscription, subscriptionMatches } from '../../../src/core/incidents/subscription';
import type { FleetSweepResult } from '../../../src/core/sweep/fleet-sweep-result';
import { subscribedConversations } from '../../../src/features/sweep/subscribed-conversations';

/**
 * Where subscriptions can only be queried by scope (Azure Tables), the scheduled digest finds the
 * subscribed conversations by asking for every vault the fleet is known to have.
 */
const prod: VaultRef = { subscriptionId: 'sub-1', resourceGroup: 'rg-backup', name: 'rsv-prod-weu' };
const dr: VaultRef = { subscriptionId: 'sub-1', resourceGroup: 'rg-backup-neu', name: 'rsv-dr-neu' };

function subscription(conversationKey: string, scope: Subscription['scope']): Subscription {
  return { id: conversationKey, conversationKey, conversationReference: {}, scope, language: 'en', createdAt: new Date('2026-12-01T00:00:00Z') };
}

const all = [subscription('teams:everything', { kind: 'all' }), subscription('teams:dr', { kind: 'vault', vault: 'rsv-dr-neu' }), subscription('slack:sub-1', { kind: 'subscription', subscriptionId: 'sub-1' })];
/** The scope query Azure Tables answers: the subscriptions that match one vault. */
const shared = { listMatching: (vault: AlertVault): Promise<Subscription[]> => Promise.resolve(all.filter((s) => subscriptionMatches(s, vault))) };

function sweep(vaultTotals: FleetSweepResult['vaultTotals']): FleetSweepResult {
  return {
    id: 'sweep-1',
    trigger: 'schedule',
    startedAt: '2026-12-04T04:00:00Z',
    finishedAt: '2026-12-04T04:01:00Z',
    total: 9,
    atRisk: [{ vm: { subscriptionId: 'sub-1', resourceGroup: 'rg-sql', name: 'vm-sql01' }, vault: prod, cause: 'windows-agent-not-ready', evidence: { en: 'Not Ready', pl: 'Not Ready' } }],
    unchecked: [],
    unreadableVaults: [],
    ...(vaultTotals ? { vaultTotals } : {}),
  };
}

test('a conversation subscribed to a vault whose VMs are all healthy still gets the digest', async () => {
  const conversations = subscribedConversations({ shared }, [], { latest: () => Promise.resolve(sweep([{ vault: prod, vms: 8 }, { vault: dr, vms: 1 }])) });
  const keys = new Set((await conversations()).map((s) => s.conversationKey));
  expect([...keys].sort()).toEqual(['slack:sub-1', 'teams:dr', 'teams:everything']);
});

test('with no sweep yet, the "all vaults" subscriptions are found', async () => {
  const conversations = subscribedConversations({ shared }, [], { latest: () => Promise.resolve(undefined) });
  expect(new Set((await conversations()).map((s) => s.conversationKey))).toEqual(new Set(['teams:everything']));
});
