import type { FileShareCheckTarget } from '../../../src/core/checks/check-types';
import { evaluateFileShareExists, evaluateFileShareNotSoftDeleted, evaluateFileShareSnapshots } from '../../../src/core/checks/file-share-checks';
import { resolveFileShareTarget } from '../../../src/core/checks/file-share-target';

const SUB = '00000000-0000-0000-0000-000000000001';
const target: FileShareCheckTarget = { workload: 'azure-files', storageAccountId: `/subscriptions/${SUB}/resourceGroups/rg-files/providers/Microsoft.Storage/storageAccounts/stfiles01`, shareName: 'finance' };
const live = { live: true, softDeleted: [], snapshotCount: 3 };
const softDeleted = { live: false, softDeleted: [{ version: '01D64EB9886F00C4', remainingRetentionDays: 1 }], snapshotCount: 0 };
const gone = { live: false, softDeleted: [], snapshotCount: 0 };

describe('the file share checks', () => {
  it('file-share-exists: a live share passes; a soft-deleted or missing one fails, saying which', () => {
    expect(evaluateFileShareExists('x', target, live).status).toBe('pass');
    expect(evaluateFileShareExists('x', target, softDeleted)).toMatchObject({
      status: 'fail',
      evidence: {
        en: 'File share finance was deleted from storage account stfiles01; it is soft-deleted, 1 day left to undelete it.',
        pl: 'Udział plików finance usunięto z konta magazynu stfiles01; jest usunięty nietrwale, pozostało 1 dzień na przywrócenie.',
      },
    });
    expect(evaluateFileShareExists('x', target, gone).status).toBe('fail');
  });

  it('file-share-not-soft-deleted: a recreated share (live beside a deleted version) passes; a missing one is not judged', () => {
    expect(evaluateFileShareNotSoftDeleted('x', target, { ...softDeleted, live: true }).status).toBe('pass');
    expect(evaluateFileShareNotSoftDeleted('x', target, softDeleted).status).toBe('fail');
    expect(evaluateFileShareNotSoftDeleted('x', target, gone)).toMatchObject({ status: 'unknown', evidence: { en: expect.stringContaining('it was deleted permanently') } });
  });

  it('file-share-snapshot-count: fails at the limit of 200, passes below it, and does not count a share that is not live', () => {
    expect(evaluateFileShareSnapshots('x', target, { ...live, snapshotCount: 200 }).status).toBe('fail');
    expect(evaluateFileShareSnapshots('x', target, { ...live, snapshotCount: 199 })).toMatchObject({ status: 'pass', evidence: { en: 'File share finance has 199 of 200 snapshots.', pl: 'Udział plików finance ma 199 z 200 migawek.' } });
    expect(evaluateFileShareSnapshots('x', target, softDeleted).status).toBe('unknown');
  });

  it('builds the storage account id only from names Azure allows and a subscription GUID', () => {
    expect(resolveFileShareTarget({ share: 'finance', storageAccount: 'stfiles01', resourceGroup: 'rg-files' }, SUB)).toEqual(target);
    expect(resolveFileShareTarget({ share: 'finance', storageAccount: 'stfiles01', resourceGroup: 'rg-files' }, undefined)).toBeUndefined();
    expect(resolveFileShareTarget({ share: 'fin/../x', storageAccount: 'stfiles01', resourceGroup: 'rg-files' }, SUB)).toBeUndefined();
  });
});
