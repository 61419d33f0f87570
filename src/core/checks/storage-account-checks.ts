import type { ResourceLock } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';

/**
 * What the checks of a blob or file share backup judge about its storage account. Pure: what Azure
 * answered goes in, one evidence line comes out.
 */

function lastSegment(id: string): string {
  return id.split('/').filter((s) => s.length > 0).pop() ?? id;
}

function norm(id: string): string {
  return id.replace(/\/+$/, '').toLowerCase();
}

/** "" for the account's own lock; " (inherited from resource group rg-data)" for one above it. */
function where(lock: ResourceLock, accountId: string): { en: string; pl: string } {
  const scope = norm(lock.scope);
  if (scope === norm(accountId)) return { en: '', pl: '' };
  const parts = lock.scope.split('/').filter((s) => s.length > 0);
  if (parts.length === 2 && parts[0]?.toLowerCase() === 'subscriptions') return { en: ` (inherited from subscription ${parts[1]})`, pl: ` (dziedziczona z subskrypcji ${parts[1]})` };
  if (parts.length === 4 && parts[2]?.toLowerCase() === 'resourcegroups') return { en: ` (inherited from resource group ${parts[3]})`, pl: ` (dziedziczona z grupy zasobów ${parts[3]})` };
  return { en: ` (inherited from ${lock.scope})`, pl: ` (dziedziczona z ${lock.scope})` };
}

/**
 * storage-account-read-only-lock: backup and restore change the storage account's settings, which a
 * ReadOnly lock on it, its resource group or its subscription refuses. A CanNotDelete lock does not
 * (Azure Backup itself puts one on a storage account whose file shares it protects).
 */
export function evaluateStorageAccountLocks(checkId: string, accountId: string, listed: readonly ResourceLock[]): CheckResult {
  const name = lastSegment(accountId);
  const account = norm(accountId);
  // Only the account's own locks and those above it apply to it; a list may also hold locks below it (on a share), which do not.
  const applies = (l: ResourceLock): boolean => norm(l.scope) === account || norm(l.scope) === '' || account.startsWith(`${norm(l.scope)}/`);
  // The nearest first: the account's own locks, then its resource group's, then its subscription's.
  const locks = listed.filter(applies).sort((a, b) => b.scope.length - a.scope.length || a.name.localeCompare(b.name));
  const readOnly = locks.filter((l) => l.level.toLowerCase() === 'readonly');
  if (readOnly.length > 0) {
    const en = readOnly.map((l) => `ReadOnly lock "${l.name}"${where(l, accountId).en}`).join(', ');
    const many = readOnly.length > 1;
    const pl = `${many ? 'są blokady' : 'jest blokada'} ReadOnly ${readOnly.map((l) => `"${l.name}"${where(l, accountId).pl}`).join(', ')}`;
    return fail(
      checkId,
      text(
        `Storage account ${name} has ${en}: ${many ? 'they refuse' : 'it refuses'} the changes backup and restore make to the account. Remove ${many ? 'them' : 'it'}, or use a CanNotDelete lock instead.`,
        `Na koncie magazynu ${name} ${pl}: ${many ? 'odrzucają' : 'odrzuca'} zmiany, które kopia i przywracanie wprowadzają na koncie. Usuń ${many ? 'je' : 'ją'} albo zastąp blokadą CanNotDelete.`,
      ),
    );
  }
  if (locks.length === 0) {
    return pass(checkId, text(`No lock applies to storage account ${name} (none on it, its resource group or its subscription).`, `Na koncie magazynu ${name} nie ma żadnej blokady (ani na nim, ani na jego grupie zasobów, ani na subskrypcji).`));
  }
  const en = locks.map((l) => `${l.level} lock "${l.name}"${where(l, accountId).en}`).join(', ');
  const pl = locks.map((l) => `blokada ${l.level} "${l.name}"${where(l, accountId).pl}`).join(', ');
  const several = locks.length > 1;
  return pass(
    checkId,
    text(
      `No ReadOnly lock applies to storage account ${name}; ${en} only ${several ? 'stop' : 'stops'} deletion, which backup does not need.`,
      `Na koncie magazynu ${name} nie ma blokady ReadOnly; ${pl} ${several ? 'chronią' : 'chroni'} tylko przed usunięciem, czego kopia nie potrzebuje.`,
    ),
  );
}

/** The bot may not read the locks (a 403): say which role it needs, and where. */
export function storageAccountLocksForbidden(checkId: string, accountId: string): CheckResult {
  return unknown(
    checkId,
    text(
      `Cannot read the locks on storage account ${lastSegment(accountId)} (${accountId}): the bot's identity needs Reader there (Microsoft.Authorization/locks/read).`,
      `Nie można odczytać blokad konta magazynu ${lastSegment(accountId)} (${accountId}): tożsamość bota potrzebuje tam roli Reader (Czytelnik) (Microsoft.Authorization/locks/read).`,
    ),
  );
}

/** The account answers 404: it has no locks to judge; its own check says it is gone. */
export function storageAccountMissingForLocks(checkId: string, accountId: string): CheckResult {
  return unknown(
    checkId,
    text(
      `Storage account ${lastSegment(accountId)} was not found (Azure answered 404 for ${accountId}), so there are no locks to check: it was deleted or moved.`,
      `Nie znaleziono konta magazynu ${lastSegment(accountId)} (Azure odpowiedział 404 dla ${accountId}), więc nie ma blokad do sprawdzenia: konto usunięto lub przeniesiono.`,
    ),
  );
}
