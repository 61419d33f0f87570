import type { ResourceLock, RestorePointCollection } from '../../../src/core/azure-port';
import { evaluateRestorePointCount, evaluateRestorePointLocks, type GroupLocks } from '../../../src/core/checks/restore-point-checks';
import { subscriptionId } from './evidence-fixtures';

const rg = 'AzureBackupRG_westeurope_1';
function collection(name: string, count: number, resourceGroup = rg): RestorePointCollection {
  return {
    id: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/restorePointCollections/${name}`,
    name,
    resourceGroup,
    subscriptionId,
    sourceVmId: `/subscriptions/${subscriptionId}/resourceGroups/rg-prod/providers/Microsoft.Compute/virtualMachines/vm-web01`,
    restorePointCount: count,
  };
}
function lock(name: string, level: string, scope = `/subscriptions/${subscriptionId}/resourceGroups/${rg}`): ResourceLock {
  return { id: `${scope}/providers/Microsoft.Authorization/locks/${name}`, name, level, scope };
}
const groups = (locks: ResourceLock[]): GroupLocks[] => [{ subscriptionId, resourceGroup: rg, locks }];

describe('restore-point-rg-lock', () => {
  const collections = [collection('AzureBackup_vm-web01_140738144265919', 12)];

  it('fails naming the CanNotDelete lock and the group', () => {
    const result = evaluateRestorePointLocks('vm-web01', collections, groups([lock('do-not-delete', 'CanNotDelete')]));
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toBe('CanNotDelete lock "do-not-delete" on resource group AzureBackupRG_westeurope_1: Azure Backup cannot delete old restore points there.');
    expect(result.evidence.pl).toContain('Blokada CanNotDelete "do-not-delete" na grupie zasobów AzureBackupRG_westeurope_1');
  });

  it('says when the lock is inherited from the subscription', () => {
    const result = evaluateRestorePointLocks('vm-web01', collections, groups([lock('sub-freeze', 'ReadOnly', `/subscriptions/${subscriptionId}`)]));
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('ReadOnly lock "sub-freeze" on resource group AzureBackupRG_westeurope_1 (inherited from the subscription)');
    expect(result.evidence.pl).toContain('(dziedziczona z subskrypcji)');
  });

  it('ignores NotSpecified locks', () => {
    expect(evaluateRestorePointLocks('vm-web01', collections, groups([lock('note', 'NotSpecified')])).status).toBe('pass');
  });

  it('passes with no lock, naming the group', () => {
    const result = evaluateRestorePointLocks('vm-web01', collections, groups([]));
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toContain('AzureBackupRG_westeurope_1');
  });

  it('passes when the VM has no restore point collection', () => {
    expect(evaluateRestorePointLocks('vm-web01', [], []).status).toBe('pass');
  });
});

describe('restore-point-count', () => {
  it('fails at the limit, as "18 of 18"', () => {
    const result = evaluateRestorePointCount('vm-web01', [collection('AzureBackup_vm-web01_1', 18)]);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toMatch(/^18 of 18 restore points in AzureBackup_vm-web01_1: the limit is reached/);
    expect(result.evidence.pl).toMatch(/^18 z 18 punktów przywracania/);
  });

  it('counts across every collection of the VM', () => {
    const result = evaluateRestorePointCount('vm-web01', [collection('AzureBackup_vm-web01_1', 10), collection('AzureBackup_vm-web01_2', 8, 'AzureBackupRG_westeurope_2')]);
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('18 of 18 restore points in 2 collections');
  });

  it('passes below the limit', () => {
    const result = evaluateRestorePointCount('vm-web01', [collection('AzureBackup_vm-web01_1', 17)]);
    expect(result.status).toBe('pass');
    expect(result.evidence.en).toBe('17 of 18 restore points in AzureBackup_vm-web01_1.');
  });

  it('passes with no collection', () => {
    expect(evaluateRestorePointCount('vm-web01', []).evidence.en).toContain('0 of 18');
  });
});
