import type { BlobRestoreSettings, ResourceLock, StorageAccountInfo } from '../azure-port';
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

/** The account answers 404: nothing of it to judge here; the existence check says it is gone. */
export function storageAccountMissing(checkId: string, accountId: string): CheckResult {
  return unknown(
    checkId,
    text(
      `Storage account ${lastSegment(accountId)} was not found (Azure answered 404 for ${accountId}), so there is nothing of it to check: it was deleted or moved.`,
      `Nie znaleziono konta magazynu ${lastSegment(accountId)} (Azure odpowiedział 404 dla ${accountId}), więc nie ma czego sprawdzać: konto usunięto lub przeniesiono.`,
    ),
  );
}

/** storage-account-exists: the account the backup instance points at answers, or Azure says it is gone (404). */
export function storageAccountFound(checkId: string, accountId: string, info: StorageAccountInfo): CheckResult {
  const name = lastSegment(accountId);
  const what = [info.kind && `kind ${info.kind}`, info.sku && `SKU ${info.sku}`].filter((p): p is string => typeof p === 'string');
  const whatPl = [info.kind && `rodzaj ${info.kind}`, info.sku && `SKU ${info.sku}`].filter((p): p is string => typeof p === 'string');
  const en = what.length > 0 ? ` (${what.join(', ')})` : '';
  const pl = whatPl.length > 0 ? ` (${whatPl.join(', ')})` : '';
  return pass(checkId, text(`Storage account ${name} exists where the backup instance points${en}.`, `Konto magazynu ${name} istnieje tam, gdzie wskazuje wystąpienie kopii${pl}.`));
}

export function storageAccountGone(checkId: string, accountId: string): CheckResult {
  const name = lastSegment(accountId);
  return fail(
    checkId,
    text(
      `Storage account ${name} is no longer at ${accountId} (Azure answered 404): it was deleted or moved, and the backup instance still points there.`,
      `Konta magazynu ${name} nie ma już w ${accountId} (Azure odpowiedział 404): usunięto je lub przeniesiono, a wystąpienie kopii nadal tam wskazuje.`,
    ),
  );
}

/** The bot may not read the account (a 403): say which role it needs, and where. */
export function storageAccountForbidden(checkId: string, accountId: string, what: { en: string; pl: string }): CheckResult {
  return unknown(
    checkId,
    text(
      `Cannot read ${what.en} of storage account ${lastSegment(accountId)} (${accountId}): the bot's identity needs Reader there.`,
      `Nie można odczytać ${what.pl} konta magazynu ${lastSegment(accountId)} (${accountId}): tożsamość bota potrzebuje tam roli Reader (Czytelnik).`,
    ),
  );
}

/**
 * storage-account-kind-supported: Azure Blob backup supports block blobs in standard general-purpose v2
 * accounts (kind StorageV2, a Standard SKU) without a hierarchical namespace (the Azure Blob backup support matrix).
 */
export function evaluateStorageAccountKind(checkId: string, accountId: string, info: StorageAccountInfo): CheckResult {
  const name = lastSegment(accountId);
  const reasons: { en: string; pl: string }[] = [];
  if (info.kind !== undefined && info.kind.toLowerCase() !== 'storagev2') reasons.push({ en: `its kind is ${info.kind}, not StorageV2 (general-purpose v2)`, pl: `jego rodzaj to ${info.kind}, a nie StorageV2 (ogólnego przeznaczenia v2)` });
  if (info.sku !== undefined && !info.sku.toLowerCase().startsWith('standard')) reasons.push({ en: `its SKU ${info.sku} is not a Standard one`, pl: `jego SKU ${info.sku} nie jest w warstwie Standard` });
  if (info.hierarchicalNamespace) reasons.push({ en: 'it has a hierarchical namespace (Data Lake Storage Gen2)', pl: 'ma hierarchiczną przestrzeń nazw (Data Lake Storage Gen2)' });
  if (reasons.length > 0) {
    return fail(
      checkId,
      text(
        `Storage account ${name} is not one blob backup supports: ${reasons.map((r) => r.en).join('; ')}.`,
        `Konto magazynu ${name} nie jest obsługiwane przez kopię obiektów blob: ${reasons.map((r) => r.pl).join('; ')}.`,
      ),
    );
  }
  if (info.kind === undefined || info.sku === undefined) {
    return unknown(checkId, text(`Azure did not say the kind or SKU of storage account ${name}, so the bot cannot tell whether blob backup supports it.`, `Azure nie podał rodzaju ani SKU konta magazynu ${name}, więc bot nie wie, czy kopia obiektów blob je obsługuje.`));
  }
  return pass(
    checkId,
    text(
      `Storage account ${name} is a standard general-purpose v2 account (kind ${info.kind}, SKU ${info.sku}) without a hierarchical namespace, which blob backup supports.`,
      `Konto magazynu ${name} jest standardowym kontem ogólnego przeznaczenia v2 (rodzaj ${info.kind}, SKU ${info.sku}) bez hierarchicznej przestrzeni nazw, które kopia obiektów blob obsługuje.`,
    ),
  );
}

/** blob-point-in-time-restore: operational blob backup is built on point-in-time restore (with versioning, change feed and blob soft delete). */
export function evaluateBlobRestore(checkId: string, accountId: string, settings: BlobRestoreSettings): CheckResult {
  const name = lastSegment(accountId);
  const off = [
    !settings.versioning && { en: 'versioning', pl: 'wersjonowanie' },
    !settings.changeFeed && { en: 'change feed', pl: 'kanał zmian' },
    !settings.blobSoftDelete && { en: 'blob soft delete', pl: 'usuwanie nietrwałe obiektów blob' },
  ].filter((x): x is { en: string; pl: string } => x !== false);
  if (!settings.pointInTimeRestore) {
    const also = off.length === 0 ? { en: '', pl: '' } : { en: `; also off: ${off.map((o) => o.en).join(', ')}`, pl: `; wyłączone są też: ${off.map((o) => o.pl).join(', ')}` };
    return fail(
      checkId,
      text(`Point-in-time restore is off for storage account ${name}${also.en}.`, `Przywracanie do punktu w czasie jest wyłączone na koncie magazynu ${name}${also.pl}.`),
    );
  }
  const days = settings.restoreDays === undefined ? { en: '', pl: '' } : { en: ` (${settings.restoreDays} days)`, pl: ` (${settings.restoreDays} dni)` };
  return pass(checkId, text(`Point-in-time restore is on for storage account ${name}${days.en}.`, `Przywracanie do punktu w czasie jest włączone na koncie magazynu ${name}${days.pl}.`));
}
