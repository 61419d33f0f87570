import type { RestorePointCollection } from '../../../src/core/azure-port';
import { collectionScopeProblem, matchingCollections } from '../../../src/core/remediation/preconditions';
import { collectionMatch } from '../../../src/core/restore-point-ownership';

const SUB = '11111111-2222-3333-4444-555555555555';
const vmId = (rg: string, name: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.Compute/virtualMachines/${name}`;
const target = { vm: { subscriptionId: SUB, resourceGroup: 'rg-test', name: 'web01' } };
const rpc = (name: string, extra: Partial<RestorePointCollection> = {}): RestorePointCollection => ({
  id: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Compute/restorePointCollections/${name}`,
  name,
  resourceGroup: 'AzureBackupRG_westeurope_1',
  subscriptionId: SUB,
  restorePointCount: 1,
  ...extra,
});

describe('which restore point collections are the VM’s own', () => {
  it('the source decides: the same name from another resource group or a longer VM name is not web01’s', () => {
    const all = [
      rpc('AzureBackup_web01_111', { sourceVmId: vmId('RG-TEST', 'WEB01') }),
      rpc('AzureBackup_web01_222', { sourceVmId: vmId('rg-prod', 'web01') }),
      rpc('AzureBackup_web01_old_333', { sourceVmId: vmId('rg-test', 'web01_old') }),
      rpc('AzureBackup_web01_old_334'),
      rpc('AzureBackup_web01'),
    ];
    expect(matchingCollections(all, target).map((c) => [c.name, c.matchedBy])).toEqual([['AzureBackup_web01_111', 'source']]);
  });

  it('without a source only the exact AzureBackup_<vm>_<digits> name in the VM’s region matches, and regex characters in the name are literal', () => {
    expect(collectionMatch(rpc('azurebackup_WEB01_42'), { vm: target.vm, location: 'westeurope' })).toBe('name-only');
    expect(collectionMatch(rpc('AzureBackup_web01_42', { resourceGroup: 'AzureBackupRG_northeurope_1' }), { vm: target.vm, location: 'westeurope' })).toBeUndefined();
    expect(collectionMatch(rpc('AzureBackup_web01_42', { location: 'northeurope' }), { vm: target.vm, location: 'westeurope' })).toBeUndefined();
    expect(collectionMatch(rpc('AzureBackup_webX1_42'), { vm: { ...target.vm, name: 'web.1' } })).toBeUndefined();
    expect(collectionMatch(rpc('AzureBackup_web.1_42'), { vm: { ...target.vm, name: 'web.1' } })).toBe('name-only');
  });
});

describe('the scope re-check before the delete', () => {
  const inScope = (_sub: string, rg: string): boolean => ['rg-test', 'azurebackuprg_westeurope_1'].includes(rg.toLowerCase());

  it('passes for the VM’s own collections in scope, whatever group the collection sits in', () => {
    expect(collectionScopeProblem([rpc('AzureBackup_web01_111', { sourceVmId: vmId('rg-test', 'web01'), matchedBy: 'source' })], target, inScope)).toBeUndefined();
  });

  it('refuses a collection whose source VM is outside the policy scope, even though its group is in scope', () => {
    expect(collectionScopeProblem([rpc('AzureBackup_web01_222', { sourceVmId: vmId('rg-prod', 'web01') })], target, inScope)).toContain("rg-prod/web01, outside the fix policy's scope");
  });

  it('refuses a collection of another VM in scope, and a name-only match another VM could own', () => {
    expect(collectionScopeProblem([rpc('AzureBackup_web01_9', { sourceVmId: vmId('rg-test', 'web02') })], target, inScope)).toContain('not to rg-test/web01');
    const ambiguous = rpc('AzureBackup_web01_444', { matchedBy: 'name-only', sameNameVmIds: [vmId('rg-prod', 'web01')] });
    expect(collectionScopeProblem([ambiguous], target, inScope)).toContain('could own it (rg-prod/web01 outside');
  });
});
