import type { AzurePort, FileShareState, ResourceLock } from '../azure-port';
import { isCodedError } from '../errors';
import { fail, pass, text, unknown, type CheckId, type CheckResult, type FileShareCheckTarget } from './check-types';
import { evaluateStorageAccountLocks, storageAccountLocksForbidden, storageAccountMissing } from './storage-account-checks';

/**
 * The checks of an Azure file share (Azure Files backup): whether the share is there, soft-deleted,
 * or at Azure's limit of snapshots, and whether a ReadOnly lock applies to its storage account. The
 * share list (with deleted shares and snapshots) is read once per run.
 */

/** Azure Files keeps at most 200 snapshots of a share, Azure Backup's included. */
export const fileShareSnapshotLimit = 200;

function accountName(id: string): string {
  return id.split('/').filter((s) => s.length > 0).pop() ?? id;
}

function days(n: number | undefined): { en: string; pl: string } {
  if (n === undefined) return { en: '', pl: '' };
  // Polish: 1 dzień, otherwise dni.
  return { en: `, ${n} day${n === 1 ? '' : 's'} left to undelete it`, pl: `, pozostało ${n} ${n === 1 ? 'dzień' : 'dni'} na przywrócenie` };
}

/** file-share-exists: the share is live; a soft-deleted or missing one is what "the file share was deleted" means. */
export function evaluateFileShareExists(checkId: string, target: FileShareCheckTarget, state: FileShareState): CheckResult {
  const { shareName: share } = target;
  const account = accountName(target.storageAccountId);
  if (state.live) return pass(checkId, text(`File share ${share} exists in storage account ${account}.`, `Udział plików ${share} istnieje na koncie magazynu ${account}.`));
  const [deleted] = state.softDeleted;
  if (deleted !== undefined) {
    const left = days(deleted.remainingRetentionDays);
    return fail(
      checkId,
      text(`File share ${share} was deleted from storage account ${account}; it is soft-deleted${left.en}.`, `Udział plików ${share} usunięto z konta magazynu ${account}; jest usunięty nietrwale${left.pl}.`),
    );
  }
  return fail(
    checkId,
    text(
      `Storage account ${account} has no file share ${share}, live or soft-deleted: it was deleted (and its soft delete retention, if any, has ended).`,
      `Na koncie magazynu ${account} nie ma udziału plików ${share}, ani aktywnego, ani usuniętego nietrwale: usunięto go (a okres przechowywania po usunięciu nietrwałym, jeśli był, minął).`,
    ),
  );
}

/** file-share-not-soft-deleted: a live share passes; a soft-deleted one (and no live share of the name) fails. */
export function evaluateFileShareNotSoftDeleted(checkId: string, target: FileShareCheckTarget, state: FileShareState): CheckResult {
  const { shareName: share } = target;
  const account = accountName(target.storageAccountId);
  if (state.live) return pass(checkId, text(`File share ${share} in storage account ${account} is live, not soft-deleted.`, `Udział plików ${share} na koncie magazynu ${account} jest aktywny, nie jest usunięty nietrwale.`));
  const [deleted] = state.softDeleted;
  if (deleted !== undefined) {
    const left = days(deleted.remainingRetentionDays);
    const version = deleted.version === undefined ? { en: '', pl: '' } : { en: ` (deleted version ${deleted.version})`, pl: ` (usunięta wersja ${deleted.version})` };
    return fail(
      checkId,
      text(
        `File share ${share} in storage account ${account} is soft-deleted${version.en}${left.en}: undelete it, then retry.`,
        `Udział plików ${share} na koncie magazynu ${account} jest usunięty nietrwale${version.pl}${left.pl}: przywróć go, a następnie ponów operację.`,
      ),
    );
  }
  return unknown(
    checkId,
    text(
      `Storage account ${account} has no file share ${share}, live or soft-deleted, so it is not soft-deleted: it was deleted permanently.`,
      `Na koncie magazynu ${account} nie ma udziału plików ${share}, ani aktywnego, ani usuniętego nietrwale, więc nie jest on usunięty nietrwale: usunięto go trwale.`,
    ),
  );
}

/** file-share-snapshot-count: the share's snapshots against Azure's limit of 200. */
export function evaluateFileShareSnapshots(checkId: string, target: FileShareCheckTarget, state: FileShareState): CheckResult {
  const { shareName: share } = target;
  const account = accountName(target.storageAccountId);
  if (!state.live) {
    return unknown(checkId, text(`File share ${share} is not live in storage account ${account}, so its snapshots cannot be counted.`, `Udział plików ${share} nie jest aktywny na koncie magazynu ${account}, więc nie można policzyć jego migawek.`));
  }
  const n = state.snapshotCount;
  if (n >= fileShareSnapshotLimit) {
    return fail(
      checkId,
      text(
        `File share ${share} has ${n} of ${fileShareSnapshotLimit} snapshots: no new backup fits until older ones are deleted or expire.`,
        `Udział plików ${share} ma ${n} z ${fileShareSnapshotLimit} migawek: nowa kopia się nie zmieści, dopóki starsze nie zostaną usunięte lub nie wygasną.`,
      ),
    );
  }
  return pass(checkId, text(`File share ${share} has ${n} of ${fileShareSnapshotLimit} snapshots.`, `Udział plików ${share} ma ${n} z ${fileShareSnapshotLimit} migawek.`));
}

export interface FileShareCheckContext {
  readonly target: FileShareCheckTarget;
  share(): Promise<FileShareState>;
  locks(): Promise<readonly ResourceLock[]>;
}

export function createFileShareContext(azure: AzurePort, target: FileShareCheckTarget, options: { abortSignal?: AbortSignal } = {}): FileShareCheckContext {
  const call = options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal };
  let share: Promise<FileShareState> | undefined;
  let locks: Promise<readonly ResourceLock[]> | undefined;
  const settled = <T>(p: Promise<T>): Promise<T> => {
    // Every consumer awaits it; this only keeps an abandoned straggler from being an unhandled rejection.
    p.catch(() => undefined);
    return p;
  };
  return {
    target,
    share: () => (share ??= settled(Promise.resolve().then(() => azure.getFileShareState(target.storageAccountId, target.shareName, call)))),
    locks: () => (locks ??= settled(Promise.resolve().then(() => azure.listResourceLocks(target.storageAccountId, call)))),
  };
}

function accountMissing(checkId: string, target: FileShareCheckTarget): CheckResult {
  const account = accountName(target.storageAccountId);
  return fail(
    checkId,
    text(
      `Storage account ${account} was not found (Azure answered 404 for ${target.storageAccountId}), so file share ${target.shareName} is gone with it: the account was deleted or moved.`,
      `Nie znaleziono konta magazynu ${account} (Azure odpowiedział 404 dla ${target.storageAccountId}), więc nie ma też udziału plików ${target.shareName}: konto usunięto lub przeniesiono.`,
    ),
  );
}

function sharesForbidden(checkId: string, target: FileShareCheckTarget): CheckResult {
  return unknown(
    checkId,
    text(
      `Cannot list the file shares of storage account ${accountName(target.storageAccountId)} (${target.storageAccountId}): the bot's identity needs Reader there (Microsoft.Storage/storageAccounts/fileServices/shares/read).`,
      `Nie można odczytać udziałów plików konta magazynu ${accountName(target.storageAccountId)} (${target.storageAccountId}): tożsamość bota potrzebuje tam roli Reader (Czytelnik) (Microsoft.Storage/storageAccounts/fileServices/shares/read).`,
    ),
  );
}

/** Runs a share check; a 403 and a 404 on the account become their own evidence lines. */
async function shareCheck(c: FileShareCheckContext, checkId: CheckId, evaluate: (id: string, target: FileShareCheckTarget, state: FileShareState) => CheckResult, onMissingAccount: (id: string, target: FileShareCheckTarget) => CheckResult): Promise<CheckResult> {
  try {
    return evaluate(checkId, c.target, await c.share());
  } catch (error) {
    // A sign-in failure is not a missing role: the runner's generic line says so.
    if (isCodedError(error, 'azure_forbidden') && error.details['authentication'] !== true) return sharesForbidden(checkId, c.target);
    if (isCodedError(error, 'azure_not_found')) return onMissingAccount(checkId, c.target);
    throw error;
  }
}

const missingAccountUnknown = (checkId: string, target: FileShareCheckTarget): CheckResult => ({ ...accountMissing(checkId, target), status: 'unknown' });

export interface FileShareCheckDefinition {
  readonly id: CheckId;
  run(context: FileShareCheckContext): Promise<CheckResult>;
}

const definitions: readonly FileShareCheckDefinition[] = [
  { id: 'file-share-exists', run: (c) => shareCheck(c, 'file-share-exists', evaluateFileShareExists, accountMissing) },
  { id: 'file-share-not-soft-deleted', run: (c) => shareCheck(c, 'file-share-not-soft-deleted', evaluateFileShareNotSoftDeleted, missingAccountUnknown) },
  { id: 'file-share-snapshot-count', run: (c) => shareCheck(c, 'file-share-snapshot-count', evaluateFileShareSnapshots, missingAccountUnknown) },
  {
    id: 'storage-account-read-only-lock',
    run: async (c) => {
      const id = 'storage-account-read-only-lock';
      try {
        return evaluateStorageAccountLocks(id, c.target.storageAccountId, await c.locks());
      } catch (error) {
        if (isCodedError(error, 'azure_forbidden') && error.details['authentication'] !== true) return storageAccountLocksForbidden(id, c.target.storageAccountId);
        if (isCodedError(error, 'azure_not_found')) return storageAccountMissing(id, c.target.storageAccountId);
        throw error;
      }
    },
  },
];

const byId = new Map<string, FileShareCheckDefinition>(definitions.map((d) => [d.id, d]));

export function fileShareCheckDefinition(id: string): FileShareCheckDefinition | undefined {
  return byId.get(id);
}

export function fileShareCheckDefinitions(): readonly FileShareCheckDefinition[] {
  return definitions;
}
