import type { AzurePort, EffectiveSecurityRule, ProtectedVm, ResourceLock, RestorePointCollection, RunCommandOutput, VmExtension, VmStatus, WorkloadContainer } from '../azure-port';
import type { CheckTarget } from './check-types';
import { readOncePerRun } from './read-once';

/**
 * Evidence gathered through AzurePort at most once per kind and run, shared by every check
 * that needs it: the instance view feeds nine checks but is read once. Calls start on first
 * demand, so independent kinds are fetched in parallel.
 */
export interface EvidenceSource {
  readonly target: CheckTarget;
  vmStatus(): Promise<VmStatus>;
  effectiveRules(): Promise<readonly EffectiveSecurityRule[]>;
  restorePointCollections(): Promise<readonly RestorePointCollection[]>;
  resourceGroupLocks(subscriptionId: string, resourceGroup: string): Promise<readonly ResourceLock[]>;
  /** undefined when no vault is known for the target. */
  protectedVms(): Promise<readonly ProtectedVm[] | undefined>;
  vmExtensions(): Promise<readonly VmExtension[]>;
  /** The VM's registration for database backup; `{ vault: undefined }` when no vault is known for the target. */
  workloadContainer(): Promise<{ readonly vault: string | undefined; readonly container: WorkloadContainer | undefined }>;
  runCommand(os: 'Windows' | 'Linux', script: readonly string[]): Promise<RunCommandOutput>;
}

export function createEvidenceSource(azure: AzurePort, target: CheckTarget, options: { abortSignal?: AbortSignal } = {}): EvidenceSource {
  const call = options.abortSignal === undefined ? {} : { abortSignal: options.abortSignal };
  const once = readOncePerRun();
  return {
    target,
    vmStatus: () => once('vm-status', () => azure.getVmStatus(target.vm, call)),
    effectiveRules: () => once('effective-rules', () => azure.listEffectiveSecurityRules(target.vm, call)),
    restorePointCollections: () => once('restore-point-collections', () => azure.listRestorePointCollections(target.vm, call)),
    resourceGroupLocks: (subscriptionId, resourceGroup) =>
      once(`locks:${subscriptionId.toLowerCase()}/${resourceGroup.toLowerCase()}`, () => azure.listResourceGroupLocks(subscriptionId, resourceGroup, call)),
    protectedVms: () => {
      const vault = target.vault;
      if (vault === undefined) return Promise.resolve(undefined);
      return once('protected-vms', () => azure.listProtectedVms(vault, call));
    },
    vmExtensions: () => once('vm-extensions', () => azure.listVmExtensions(target.vm, call)),
    workloadContainer: () => {
      const vault = target.vault;
      if (vault === undefined) return Promise.resolve({ vault: undefined, container: undefined });
      return once('workload-container', async () => ({ vault: vault.name, container: await azure.getWorkloadContainer(vault, target.vm, call) }));
    },
    runCommand: (os, script) => once(`run-command:${os}:${script.join('\n')}`, () => azure.runCommand(target.vm, { os, script }, call)),
  };
}
