import { lockJson } from './arm-json';
import type { SimStorageAccount } from './model';
import type { Reply, RequestContext } from './routes';
import type { Scenario } from './scenario';
import { ArmError, rgId, type SimulatorState } from './state';

/**
 * Storage accounts (Microsoft.Storage): what the checks of a blob or file share backup read of them.
 * File shares are listed as the storage spec's FileSharesList examples (ListShares.json, ListDeletedShares.json,
 * ListSharesWithSnapshots.json, 2025-01-01): `$expand=deleted` adds soft-deleted shares (deleted, version,
 * remainingRetentionDays), `$expand=snapshots` adds each snapshot as an item with a snapshotTime.
 * The account is answered as StorageAccountGetProperties.json, its blob service as BlobServicesGet.json (restorePolicy,
 * isVersioningEnabled, changeFeed, deleteRetentionPolicy).
 * Locks are answered as the locks spec's ManagementLocks_ListAtResourceLevel.json / ListAtScope (2020-05-01):
 * the account's own locks and those it inherits from its resource group and subscription.
 */

type ScenarioStorageAccount = Scenario['subscriptions'][number]['resourceGroups'][number]['storageAccounts'][number];

export function storageAccountId(subscriptionId: string, resourceGroup: string, name: string): string {
  return `${rgId(subscriptionId, resourceGroup)}/providers/Microsoft.Storage/storageAccounts/${name}`;
}

export function storageAccountFromScenario(subscriptionId: string, resourceGroup: string, location: string, account: ScenarioStorageAccount): SimStorageAccount {
  const fileShares = account.fileShares.map((share) => ({ name: share.name, softDeleted: share.softDeleted, snapshots: share.snapshots }));
  return { id: storageAccountId(subscriptionId, resourceGroup, account.name), subscriptionId, resourceGroup, name: account.name, location, kind: account.kind, sku: account.sku, hierarchicalNamespace: account.hierarchicalNamespace, pointInTimeRestore: account.pointInTimeRestore, fileShares };
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

/** A fixed instant in the past, so answers do not change between runs. */
const base = Date.UTC(2026, 0, 5, 8, 0, 0);

/** GET {account}/fileServices/default/shares[?$expand=deleted,snapshots]. */
export function listFileShares(state: SimulatorState, ctx: RequestContext): Reply {
  const account = findStorageAccount(state, ctx.params.sub ?? '', ctx.params.rg ?? '', ctx.params.account ?? '');
  const expand = (ctx.query.get('$expand') ?? '').toLowerCase().split(',').map((s) => s.trim());
  const shareId = (name: string): string => `${account.id}/fileServices/default/shares/${name}`;
  const item = (name: string, properties: Record<string, unknown>): object => ({ id: shareId(properties['deleted'] === true ? `${name}_${String(properties['version'])}` : name), name, type: 'Microsoft.Storage/storageAccounts/fileServices/shares', etag: '"0x8D589847D51C7DE"', properties: { lastModifiedTime: new Date(base).toISOString(), shareQuota: 1024, ...properties } });
  const value: object[] = [];
  for (const share of account.fileShares) {
    if (share.softDeleted) {
      if (expand.includes('deleted')) value.push(item(share.name, { version: '1234567890', deleted: true, deletedTime: new Date(base + 86_400_000).toISOString(), remainingRetentionDays: 6 }));
      continue;
    }
    value.push(item(share.name, {}));
    if (expand.includes('snapshots')) {
      for (let n = 0; n < share.snapshots; n += 1) value.push(item(share.name, { snapshotTime: new Date(base + n * 3_600_000).toISOString() }));
    }
  }
  return { status: 200, body: { value } };
}

/** GET {account}: kind, SKU and hierarchical namespace, as StorageAccounts_GetProperties answers. */
export function storageAccountJson(state: SimulatorState, ctx: RequestContext): Reply {
  const account = findStorageAccount(state, ctx.params.sub ?? '', ctx.params.rg ?? '', ctx.params.account ?? '');
  const tier = account.sku.toLowerCase().startsWith('premium') ? 'Premium' : 'Standard';
  return {
    status: 200,
    body: {
      id: account.id,
      name: account.name,
      type: 'Microsoft.Storage/storageAccounts',
      location: account.location,
      kind: account.kind,
      sku: { name: account.sku, tier },
      properties: { provisioningState: 'Succeeded', isHnsEnabled: account.hierarchicalNamespace, creationTime: new Date(base).toISOString(), primaryLocation: account.location, statusOfPrimary: 'available' },
    },
  };
}

/** GET {account}/blobServices/default: the settings operational blob backup needs. */
export function blobServiceJson(state: SimulatorState, ctx: RequestContext): Reply {
  const account = findStorageAccount(state, ctx.params.sub ?? '', ctx.params.rg ?? '', ctx.params.account ?? '');
  const on = account.pointInTimeRestore;
  return {
    status: 200,
    body: {
      id: `${account.id}/blobServices/default`,
      name: 'default',
      type: 'Microsoft.Storage/storageAccounts/blobServices',
      properties: {
        deleteRetentionPolicy: on ? { enabled: true, days: 14 } : { enabled: false },
        isVersioningEnabled: on,
        changeFeed: { enabled: on },
        restorePolicy: on ? { enabled: true, days: 7, minRestoreTime: new Date(base).toISOString() } : { enabled: false },
      },
    },
  };
}
