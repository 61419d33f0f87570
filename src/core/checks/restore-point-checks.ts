import type { ResourceLock, RestorePointCollection } from '../azure-port';
import { fail, pass, text, type CheckResult } from './check-types';

/** Instant restore points a VM can hold across all its collections (UserErrorRpCollectionLimitReached). */
export const restorePointLimit = 18;

export interface GroupLocks {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly locks: readonly ResourceLock[];
}

/** The resource groups that hold the VM's restore point collections, each once (case-insensitive). */
export function collectionGroups(collections: readonly RestorePointCollection[]): { subscriptionId: string; resourceGroup: string }[] {
  const seen = new Map<string, { subscriptionId: string; resourceGroup: string }>();
  for (const c of collections) {
    const key = `${c.subscriptionId.toLowerCase()}/${c.resourceGroup.toLowerCase()}`;
    if (!seen.has(key)) seen.set(key, { subscriptionId: c.subscriptionId, resourceGroup: c.resourceGroup });
  }
  return [...seen.values()];
}

/** restore-point-rg-lock: a delete-blocking lock where Backup must clean up old restore points. */
export function evaluateRestorePointLocks(vmName: string, collections: readonly RestorePointCollection[], groups: readonly GroupLocks[]): CheckResult {
  const id = 'restore-point-rg-lock';
  if (collections.length === 0) {
    return pass(id, text(`VM ${vmName} has no restore point collection, so no lock can block their clean-up.`, `Maszyna ${vmName} nie ma kolekcji punktów przywracania, więc żadna blokada nie utrudnia ich czyszczenia.`));
  }
  const blocking = groups.flatMap((g) => g.locks.filter((l) => isBlocking(l)).map((lock) => ({ group: g, lock })));
  if (blocking.length > 0) {
    const en = blocking.map(({ group, lock }) => `${lock.level} lock "${lock.name}" on resource group ${group.resourceGroup}${inheritedEn(lock, group)}`);
    const pl = blocking.map(({ group, lock }) => `blokada ${lock.level} "${lock.name}" na grupie zasobów ${group.resourceGroup}${inheritedPl(lock, group)}`);
    return fail(
      id,
      text(
        `${en.join('; ')}: Azure Backup cannot delete old restore points there.`,
        `${capitalise(pl.join('; '))}: Azure Backup nie może tam usuwać starych punktów przywracania.`,
      ),
    );
  }
  const names = groups.map((g) => g.resourceGroup).join(', ');
  return pass(id, text(`No CanNotDelete or ReadOnly lock on ${names}, where the restore points of ${vmName} live.`, `Brak blokady CanNotDelete ani ReadOnly na ${names}, gdzie leżą punkty przywracania maszyny ${vmName}.`));
}

/** restore-point-count: the count across every collection of the VM against the limit of 18. */
export function evaluateRestorePointCount(vmName: string, collections: readonly RestorePointCollection[]): CheckResult {
  const id = 'restore-point-count';
  const total = collections.reduce((sum, c) => sum + c.restorePointCount, 0);
  const where = collections.length === 1 ? (collections[0]?.name ?? '') : `${collections.length} collections`;
  const wherePl = collections.length === 1 ? (collections[0]?.name ?? '') : `${collections.length} kolekcjach`;
  if (total >= restorePointLimit) {
    return fail(
      id,
      text(
        `${total} of ${restorePointLimit} restore points in ${where}: the limit is reached, so no new restore point can be created until old ones are deleted.`,
        `${total} z ${restorePointLimit} punktów przywracania w ${wherePl}: limit osiągnięty, więc nowy punkt nie powstanie, dopóki stare nie zostaną usunięte.`,
      ),
    );
  }
  if (collections.length === 0) {
    return pass(id, text(`0 of ${restorePointLimit} restore points: VM ${vmName} has no restore point collection.`, `0 z ${restorePointLimit} punktów przywracania: maszyna ${vmName} nie ma kolekcji punktów przywracania.`));
  }
  return pass(id, text(`${total} of ${restorePointLimit} restore points in ${where}.`, `${total} z ${restorePointLimit} punktów przywracania w ${wherePl}.`));
}

function isBlocking(lock: ResourceLock): boolean {
  const level = lock.level.toLowerCase();
  return level === 'cannotdelete' || level === 'readonly';
}

type LockPlace = { kind: 'group' } | { kind: 'subscription' } | { kind: 'resource'; name: string } | { kind: 'other'; scope: string };

/** Locks listed at a resource group include inherited ones (subscription) and those on resources inside it. */
function lockPlace(lock: ResourceLock, group: GroupLocks): LockPlace {
  const scope = lock.scope.replace(/\/+$/, '');
  const lower = scope.toLowerCase();
  const groupScope = `/subscriptions/${group.subscriptionId}/resourcegroups/${group.resourceGroup}`.toLowerCase();
  if (lower === '' || lower === groupScope) return { kind: 'group' };
  if (/^\/subscriptions\/[^/]+$/.test(lower)) return { kind: 'subscription' };
  if (lower.startsWith(`${groupScope}/`)) return { kind: 'resource', name: scope.split('/').at(-1) ?? scope };
  return { kind: 'other', scope };
}

function inheritedEn(lock: ResourceLock, group: GroupLocks): string {
  const place = lockPlace(lock, group);
  switch (place.kind) {
    case 'group':
      return '';
    case 'subscription':
      return ' (inherited from the subscription)';
    case 'resource':
      return ` (on its resource ${place.name})`;
    case 'other':
      return ` (inherited from ${place.scope})`;
  }
}

function inheritedPl(lock: ResourceLock, group: GroupLocks): string {
  const place = lockPlace(lock, group);
  switch (place.kind) {
    case 'group':
      return '';
    case 'subscription':
      return ' (dziedziczona z subskrypcji)';
    case 'resource':
      return ` (na zasobie ${place.name})`;
    case 'other':
      return ` (dziedziczona z ${place.scope})`;
  }
}

function capitalise(value: string): string {
  return value.charAt(0).toUpperCase() + value.slice(1);
}
