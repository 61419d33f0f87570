import type { ProtectedVm, VaultRef } from '../../../src/core/azure-port';
import { evaluateVmProtectionActive } from '../../../src/core/checks/vm-protection-check';
import { subscriptionId, vmRef } from './evidence-fixtures';

const vault: VaultRef = { subscriptionId, resourceGroup: 'rg-backup', name: 'rsv-prod' };
function item(name: string, protectionState: string | undefined): ProtectedVm {
  return {
    vault,
    vm: vmRef(name),
    friendlyName: name,
    containerName: `IaasVMContainer;iaasvmcontainerv2;rg-prod;${name}`,
    protectedItemName: `VM;iaasvmcontainerv2;rg-prod;${name}`,
    protectionState,
  };
}

describe('vm-protection-active', () => {
  it.each([
    ['Protected', 'pass'],
    ['IRPending', 'pass'],
    ['ProtectionStopped', 'fail'],
    ['ProtectionPaused', 'fail'],
    ['ProtectionError', 'fail'],
  ])('protection state %s gives %s', (state, expected) => {
    expect(evaluateVmProtectionActive(vmRef(), vault, [item('vm-web01', state)]).status).toBe(expected);
  });

  it('matches the VM case-insensitively and names the state on failure', () => {
    const result = evaluateVmProtectionActive(vmRef('VM-WEB01', 'RG-PROD'), vault, [item('vm-other', 'Protected'), item('vm-web01', 'ProtectionStopped')]);
    expect(result.evidence.en).toBe('Vault rsv-prod does not actively protect VM-WEB01: protection state is ProtectionStopped. Resume protection, then retry the backup.');
  });

  it('fails when the vault does not hold the VM at all', () => {
    expect(evaluateVmProtectionActive(vmRef(), vault, [item('vm-other', 'Protected')]).evidence.en).toBe('VM vm-web01 is not a protected item of vault rsv-prod.');
  });

  it('is unknown without a vault', () => {
    expect(evaluateVmProtectionActive(vmRef(), undefined, undefined).status).toBe('unknown');
  });
});
