import type { CheckId, CheckResult, CheckTarget } from './check-types';
import type { EvidenceSource } from './evidence-source';
import type { LocalizedText } from '../knowledge/schema';
import { evaluateAgentReady, evaluateLinuxAgentVersion, osDoesNotApply } from './agent-checks';
import { evaluateBackupExtensionHealth } from './backup-extension-checks';
import { evaluateLinuxAgentConfig, linuxAgentConfigCommand, linuxAgentConfigNotAllowed, linuxAgentConfigPrecondition } from './linux-agent-config-check';
import { evaluateOutboundStorageAccess, evaluateWireServerAccess } from './network-checks';
import { collectionGroups, evaluateRestorePointCount, evaluateRestorePointLocks } from './restore-point-checks';
import { evaluateExtensionsProvisioned, evaluateGuestDhcp, evaluateVmPowerState, evaluateVmProvisioningState } from './vm-health-checks';
import { evaluateWorkloadExtension, evaluateWorkloadVmRegistered, SAP_HANA_VM, SQL_SERVER_VM, type DatabaseVmKind } from './database-vm-checks';
import { evaluateVmProtectionActive } from './vm-protection-check';
import { isRunning } from './vm-state';

export interface CheckContext {
  readonly target: CheckTarget;
  readonly evidence: EvidenceSource;
  /** From the fix policy: whether read-only run commands (e.g. reading /etc/waagent.conf) may run. */
  readonly allowReadOnlyRunCommand: boolean;
  /** Why read-only run commands are refused here (operators only, VMs in the policy's scope). */
  readonly runCommandRefusal?: LocalizedText;
  readonly now: Date;
}

export interface CheckDefinition {
  readonly id: CheckId;
  /** Attach the catalogue's manual hint even to a pass: the check sees only part of the picture. */
  readonly manualEvenOnPass?: boolean;
  run(context: CheckContext): Promise<CheckResult>;
}

/** Network checks need the rules only while the VM runs; the rules call is made in parallel and its failure ignored otherwise. */
async function withRules(context: CheckContext, evaluate: typeof evaluateOutboundStorageAccess): Promise<CheckResult> {
  const [vm, rules] = await Promise.allSettled([context.evidence.vmStatus(), context.evidence.effectiveRules()]);
  if (vm.status === 'rejected') throw vm.reason;
  if (!isRunning(vm.value)) return evaluate(vm.value, []);
  if (rules.status === 'rejected') throw rules.reason;
  return evaluate(vm.value, rules.value);
}

const definitions: readonly CheckDefinition[] = [
  { id: 'outbound-storage-access', run: (c) => withRules(c, evaluateOutboundStorageAccess) },
  { id: 'wireserver-access', manualEvenOnPass: true, run: (c) => withRules(c, evaluateWireServerAccess) },
  { id: 'windows-agent-ready', run: async (c) => evaluateAgentReady('Windows', await c.evidence.vmStatus()) },
  { id: 'linux-agent-ready', run: async (c) => evaluateAgentReady('Linux', await c.evidence.vmStatus()) },
  { id: 'linux-agent-version', run: async (c) => evaluateLinuxAgentVersion(await c.evidence.vmStatus()) },
  { id: 'vm-power-state', run: async (c) => evaluateVmPowerState(await c.evidence.vmStatus()) },
  // No Azure call: DHCP inside the guest is invisible to ARM.
  { id: 'guest-dhcp', run: async () => evaluateGuestDhcp(undefined) },
  { id: 'backup-extension-health', run: async (c) => evaluateBackupExtensionHealth(await c.evidence.vmStatus(), c.now) },
  {
    id: 'restore-point-rg-lock',
    run: async (c) => {
      const collections = await c.evidence.restorePointCollections();
      const groups = await Promise.all(
        collectionGroups(collections).map(async (g) => ({ ...g, locks: await c.evidence.resourceGroupLocks(g.subscriptionId, g.resourceGroup) })),
      );
      return evaluateRestorePointLocks(c.target.vm.name, collections, groups);
    },
  },
  { id: 'restore-point-count', run: async (c) => evaluateRestorePointCount(c.target.vm.name, await c.evidence.restorePointCollections()) },
  {
    id: 'linux-agent-config',
    run: async (c) => {
      const vm = await c.evidence.vmStatus();
      const precondition = linuxAgentConfigPrecondition(vm);
      if (precondition !== undefined) return precondition;
      if (!c.allowReadOnlyRunCommand) return linuxAgentConfigNotAllowed(vm, c.runCommandRefusal);
      return evaluateLinuxAgentConfig(await c.evidence.runCommand('Linux', [linuxAgentConfigCommand]));
    },
  },
  { id: 'vm-provisioning-state', run: async (c) => evaluateVmProvisioningState(await c.evidence.vmStatus()) },
  { id: 'extensions-provisioned', run: async (c) => evaluateExtensionsProvisioned(await c.evidence.vmStatus()) },
  { id: 'vm-protection-active', run: async (c) => evaluateVmProtectionActive(c.target.vm, c.target.vault, await c.evidence.protectedVms()) },
  ...[SQL_SERVER_VM, SAP_HANA_VM].flatMap(databaseVmChecks),
];

/** The workload extension and the VM's registration with the vault, for SQL Server or SAP HANA. */
function databaseVmChecks(kind: DatabaseVmKind): CheckDefinition[] {
  return [
    {
      id: kind.extensionCheckId,
      // A code both workloads report (the re-registration ones) has a cause for each: on a VM of the other OS this
      // extension does not apply. The VM's status is only a hint here: without it the extension is judged as it is.
      run: async (c) => {
        const [vm, extensions] = await Promise.allSettled([c.evidence.vmStatus(), c.evidence.vmExtensions()]);
        if (extensions.status === 'rejected') throw extensions.reason;
        return (vm.status === 'fulfilled' ? osDoesNotApply(kind.extensionCheckId, kind.os, vm.value) : undefined) ?? evaluateWorkloadExtension(kind, c.target.vm.name, extensions.value);
      },
    },
    {
      id: kind.registrationCheckId,
      run: async (c) => {
        const { vault, container } = await c.evidence.workloadContainer();
        return evaluateWorkloadVmRegistered(kind, c.target.vm.name, vault, container);
      },
    },
  ];
}

const byId = new Map<string, CheckDefinition>(definitions.map((d) => [d.id, d]));

export function checkDefinition(id: string): CheckDefinition | undefined {
  return byId.get(id);
}

export function checkDefinitions(): readonly CheckDefinition[] {
  return definitions;
}
