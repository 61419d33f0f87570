import { lockJson } from './arm-json';
import type { SimStorageAccount } from './model';
import type { Reply, RequestContext } from './routes';
import type { Scenario } from './scenario';
import { ArmError, rgId, type SimulatorState } from './state';

/**
 * Storage accounts (Microsoft.Storage): what the checks of a blob or file share backup read of them.
 * Locks are answered as the locks spec's ManagementLocks_ListAtResourceLevel.json / ListAtScope (2020-05-01):
 * the account's own locks and those it inherits from its resource group and subscription.
 */

type ScenarioStorageAccount = Scenario['subscriptions'][number]['resourceGroups'][number]['storageAccounts'][number];

export function storageAccountId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${rgId(subscriptionId, resourceGroup)}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

export function storageAccountFromScenario(subscriptionId: string, resourceGroup: string, location: string, account: ScenarioStorageAccount): SimStorageAccount {
  return { id: storageAccountId(subscriptionId, resourceGroup, account.name), subscriptionId, resourceGroup, name: account.name, location, kind: account.kind, sku: account.sku };
}

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function findStorageAccount(state: SimulatorState, sub: string, rg: string, name: string): SimStorageAccount {
  const account = state.storageAccounts.find((a) => eq(a.subscriptionId, sub) && eq(a.resourceGroup, rg) && eq(a.name, name));
  if (account === undefined) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Storage/storageAccounts/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  return account;
}

/** GET {account}/providers/Microsoft.Authorization/locks: its own locks and inherited ones; `$filter=atScope()` keeps its own. */
export function storageAccountLocks(state: SimulatorState, ctx: RequestContext): Reply {
  const account = findStorageAccount(state, ctx.params.sub ?? '', ctx.params.rg ?? '', ctx.params.account ?? '');
  const atScopeOnly = /atScope\(\)/i.test(ctx.query.get('$filter') ?? '');
  const scopes = atScopeOnly ? [account.id] : [account.id, rgId(account.subscriptionId, account.resourceGroup), `/subscriptions/${account.subscriptionId}`];
  const locks = state.locks.filter((l) => scopes.some((s) => eq(l.scope, s)));
  return { status: 200, body: { value: locks.map(lockJson) } };
}
