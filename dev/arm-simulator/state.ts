import { randomUUID } from 'node:crypto';
import { collectionMatch, type CollectionOwner } from '../../src/core/restore-point-ownership';
import { backupFailure, isBackupExtension, type OutcomeContext } from './backup-outcome';
import type {
  SimAsyncOperation,
  SimBackupVault,
  SimDenial,
  SimDisk,
  SimStorageAccount,
  SimJob,
  SimLock,
  SimProtectedItem,
  SimResourceGroup,
  SimRestorePointCollection,
  SimRoleAssignment,
  SimSubscription,
  SimVault,
  SimWorkloadContainer,
  SimVm,
} from './model';
import { backupVaultFromScenario, diskFromScenario, roleAssignmentFromScenario } from './backup-vaults';
import { storageAccountFromScenario } from './storage-accounts';
import { runCommandResultBody, runScript } from './run-command';
import { resolveScenarioTime, type ClearingOperation, type Scenario, type ScenarioJob, type ScenarioSecurityRule } from './scenario';

/** An ARM error the HTTP layer turns into `{"error":{"code","message"}}`. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ArmError';
  }
}

export type Settings = Scenario['settings'];

const eq = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

const ownerOf = (vm: SimVm): CollectionOwner => ({ vm: { subscriptionId: vm.subscriptionId, resourceGroup: vm.resourceGroup, name: vm.name }, location: vm.location });

export function rgId(sub: string, rg: string): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}`;
}

export function vmArmId(sub: string, rg: string, vm: string): string {
  return `${rgId(sub, rg)}/providers/Microsoft.Compute/virtualMachines/${vm}`;
}

/** Azure's default NSG rules, which effective rules always include. */
const DEFAULT_RULES: ScenarioSecurityRule[] = [
  { name: 'defaultSecurityRules/AllowVnetInBound', direction: 'Inbound', access: 'Allow', priority: 65000, protocol: 'All', sourceAddressPrefix: 'VirtualNetwork', sourcePortRange: '0-65535', destinationAddressPrefix: 'VirtualNetwork', destinationPortRange: '0-65535', expandedDestinationAddressPrefix: [] },
  { name: 'defaultSecurityRules/AllowAzureLoadBalancerInBound', direction: 'Inbound', access: 'Allow', priority: 65001, protocol: 'All', sourceAddressPrefix: 'AzureLoadBalancer', sourcePortRange: '0-65535', destinationAddressPrefix: '0.0.0.0/0', destinationPortRange: '0-65535', expandedDestinationAddressPrefix: [] },
  { name: 'defaultSecurityRules/DenyAllInBound', direction: 'Inbound', access: 'Deny', priority: 65500, protocol: 'All', sourceAddressPrefix: '0.0.0.0/0', sourcePortRange: '0-65535', destinationAddressPrefix: '0.0.0.0/0', destinationPortRange: '0-65535', expandedDestinationAddressPrefix: [] },
  { name: 'defaultSecurityRules/AllowVnetOutBound', direction: 'Outbound', access: 'Allow', priority: 65000, protocol: 'All', sourceAddressPrefix: 'VirtualNetwork', sourcePortRange: '0-65535', destinationAddressPrefix: 'VirtualNetwork', destinationPortRange: '0-65535', expandedDestinationAddressPrefix: [] },
  { name: 'defaultSecurityRules/AllowInternetOutBound', direction: 'Outbound', access: 'Allow', priority: 65001, protocol: 'All', sourceAddressPrefix: '0.0.0.0/0', sourcePortRange: '0-65535', destinationAddressPrefix: 'Internet', destinationPortRange: '0-65535', expandedDestinationAddressPrefix: [] },
  { name: 'defaultSecurityRules/DenyAllOutBound', direction: 'Outbound', access: 'Deny', priority: 65500, protocol: 'All', sourceAddressPrefix: '0.0.0.0/0', sourcePortRange: '0-65535', destinationAddressPrefix: '0.0.0.0/0', destinationPortRange: '0-65535', expandedDestinationAddressPrefix: [] },
];

function isoDuration(ms: number): string {
  return `PT${(Math.max(0, ms) / 1000).toFixed(3).replace(/\.?0+$/, '')}S`;
}

export class SimulatorState {
  readonly settings: Settings;
  readonly subscriptions: SimSubscription[] = [];
  readonly resourceGroups: SimResourceGroup[] = [];
  readonly vms: SimVm[] = [];
  readonly vaults: SimVault[] = [];
  readonly locks: SimLock[] = [];
  readonly collections: SimRestorePointCollection[] = [];
  readonly denials: SimDenial[] = [];
  readonly backupVaults: SimBackupVault[] = [];
  readonly disks: SimDisk[] = [];
  readonly storageAccounts: SimStorageAccount[] = [];
  readonly roleAssignments: SimRoleAssignment[] = [];
  readonly operations = new Map<string, SimAsyncOperation>();
  /**
   * Log Analytics rows a test plants for any query whose text contains `contains` (the simulator runs
   * no KQL): what a query reading other tables of the workspace would get back, appended to its answer.
   */
  readonly logRows: { readonly contains: string; readonly rows: unknown[][] }[] = [];

  /** What a scenario's relative times ("now-2h") count from: read once, so jobs given the same time get the same instant. */
  private readonly loadedAt: number;

  constructor(
    scenario: Scenario,
    private readonly now: () => number = Date.now,
  ) {
    this.loadedAt = now();
    this.settings = { ...scenario.settings };
    this.denials.push(...scenario.denials.map((d) => ({ scope: d.scope, actions: [...d.actions] })));
    this.roleAssignments.push(...scenario.roleAssignments.map(roleAssignmentFromScenario));
    for (const sub of scenario.subscriptions) {
      this.subscriptions.push({ id: sub.id, displayName: sub.displayName });
      for (const lock of sub.locks) this.addLock(`/subscriptions/${sub.id}`, lock.name, lock.level, lock.notes);
      for (const rg of sub.resourceGroups) {
        this.resourceGroups.push({ id: rgId(sub.id, rg.name), subscriptionId: sub.id, name: rg.name, location: rg.location });
        for (const lock of rg.locks) this.addLock(rgId(sub.id, rg.name), lock.name, lock.level, lock.notes);
        for (const vm of rg.virtualMachines) {
          const location = vm.location ?? rg.location;
          this.vms.push({
            id: vmArmId(sub.id, rg.name, vm.name),
            subscriptionId: sub.id,
            resourceGroup: rg.name,
            name: vm.name,
            osType: vm.osType,
            osName: vm.osName,
            location,
            vmSize: vm.vmSize,
            vmId: randomUUID(),
            powerState: vm.powerState,
            provisioningState: vm.provisioningState,
            agent: { ...vm.agent },
            extensions: vm.extensions.map((e) => ({ ...e })),
            nics: vm.nics.map((n) => {
              const nicRg = n.resourceGroup ?? rg.name;
              return {
                id: `${rgId(sub.id, nicRg)}/providers/Microsoft.Network/networkInterfaces/${n.name}`,
                name: n.name,
                resourceGroup: nicRg,
                networkSecurityGroup: n.networkSecurityGroup,
                includeDefaultRules: n.includeDefaultRules,
                effectiveRules: n.effectiveRules.map((r) => ({ ...r })),
              };
            }),
            guest: { waagentConf: { ...vm.guest.waagentConf }, dhcpEnabled: vm.guest.dhcpEnabled },
            faults: vm.faults.map((f) => ({ ...f, cleared: false })),
            history: [],
          });
        }
      }
      // Second pass: vaults and collections refer to VMs anywhere in the subscription.
      for (const rg of sub.resourceGroups) {
        for (const rpc of rg.restorePointCollections) {
          const source = rpc.sourceVm === undefined ? undefined : rpc.sourceVm.startsWith('/') ? rpc.sourceVm : (rpc.sourceVmResourceGroup ? this.findVm(sub.id, rpc.sourceVmResourceGroup, rpc.sourceVm) : this.vmByName(sub.id, rpc.sourceVm))?.id ?? rpc.sourceVm;
          this.collections.push({
            id: `${rgId(sub.id, rg.name)}/providers/Microsoft.Compute/restorePointCollections/${rpc.name}`,
            subscriptionId: sub.id,
            resourceGroup: rg.name,
            name: rpc.name,
            location: rpc.location ?? rg.location,
            ...(source !== undefined ? { sourceVmId: source } : {}),
            restorePointCollectionId: randomUUID(),
            restorePointCount: rpc.restorePointCount,
          });
        }
        for (const vault of rg.vaults) {
          const id = `${rgId(sub.id, rg.name)}/providers/Microsoft.RecoveryServices/vaults/${vault.name}`;
          const items: SimProtectedItem[] = vault.protectedItems.map((item) => {
            const vm = this.resolveVm(sub.id, item.vm, item.vmResourceGroup);
            return {
              vmId: vm.id,
              vmName: vm.name,
              vmResourceGroup: vm.resourceGroup,
              containerName: `IaasVMContainer;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`,
              name: `VM;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`,
              policyName: item.policyName,
              protectionState: item.protectionState,
              healthStatus: item.healthStatus,
              lastBackupStatus: item.lastBackupStatus,
              lastBackupTime: item.lastBackupTime ? resolveScenarioTime(item.lastBackupTime, this.loadedAt) : undefined,
            };
          });
          const containers: SimWorkloadContainer[] = vault.workloadContainers.map((container) => {
            const vm = this.resolveVm(sub.id, container.vm, container.vmResourceGroup);
            return {
              name: `VMAppContainer;Compute;${vm.resourceGroup};${vm.name}`,
              vmId: vm.id,
              vmName: vm.name,
              registrationStatus: container.registrationStatus,
              healthStatus: container.healthStatus,
              workloadType: container.workload === 'sap-hana' ? ('SAPHanaDatabase' as const) : ('SQLDataBase' as const),
              databases: container.databases,
            };
          });
          const jobs = vault.jobs.map((job) => this.jobFromScenario(id, sub.id, job));
          this.vaults.push({ id, subscriptionId: sub.id, resourceGroup: rg.name, name: vault.name, location: vault.location ?? rg.location, items, containers, jobs });
        }
        for (const vault of rg.backupVaults) this.backupVaults.push(backupVaultFromScenario(sub.id, rg.name, rg.location, vault));
        for (const disk of rg.disks) this.disks.push(diskFromScenario(sub.id, rg.name, rg.location, disk));
        for (const account of rg.storageAccounts) {
          const sim = storageAccountFromScenario(sub.id, rg.name, rg.location, account);
          this.storageAccounts.push(sim);
          for (const lock of account.locks) this.addLock(sim.id, lock.name, lock.level, lock.notes);
        }
      }
    }
  }

  private jobFromScenario(vaultId: string, sub: string, job: ScenarioJob): SimJob {
    const vm = this.resolveVm(sub, job.vm, job.vmResourceGroup);
    return {
      id: job.id,
      vaultId,
      vmName: vm.name,
      vmResourceGroup: vm.resourceGroup,
      operation: job.operation,
      jobType: job.jobType,
      isUserTriggered: job.isUserTriggered,
      startTime: resolveScenarioTime(job.startTime, this.loadedAt),
      status: job.status,
      endTime: job.endTime ? resolveScenarioTime(job.endTime, this.loadedAt) : undefined,
      duration: job.duration,
      actionsInfo: [...job.actionsInfo],
      error: job.error ? { ...(job.error.code ? { code: job.error.code } : {}), errorCode: job.error.errorCode, errorString: job.error.errorString, errorTitle: job.error.errorTitle, recommendations: [...job.error.recommendations] } : undefined,
      dynamicErrorMessage: job.dynamicErrorMessage,
    };
  }

  private vmByName(sub: string, name: string): SimVm | undefined {
    return this.vms.find((v) => eq(v.subscriptionId, sub) && eq(v.name, name));
  }

  private resolveVm(sub: string, name: string, rg?: string): SimVm {
    const vm = rg ? this.findVm(sub, rg, name) : this.vmByName(sub, name);
    if (!vm) throw new Error(`scenario refers to unknown VM ${name}`);
    return vm;
  }

  private addLock(scope: string, name: string, level: 'CanNotDelete' | 'ReadOnly', notes?: string): SimLock {
    const lock: SimLock = { id: `${scope}/providers/Microsoft.Authorization/locks/${name}`, scope, name, level, notes };
    this.locks.push(lock);
    return lock;
  }

  // ---- lookups (case-insensitive, as ARM is) ----

  subscription(sub: string): SimSubscription {
    const found = this.subscriptions.find((s) => eq(s.id, sub));
    if (!found) throw new ArmError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    return found;
  }

  resourceGroup(sub: string, rg: string): SimResourceGroup {
    this.subscription(sub);
    const found = this.resourceGroups.find((g) => eq(g.subscriptionId, sub) && eq(g.name, rg));
    if (!found) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    return found;
  }

  findVm(sub: string, rg: string, name: string): SimVm | undefined {
    return this.vms.find((v) => eq(v.subscriptionId, sub) && eq(v.resourceGroup, rg) && eq(v.name, name));
  }

  vm(sub: string, rg: string, name: string): SimVm {
    this.resourceGroup(sub, rg);
    const vm = this.findVm(sub, rg, name);
    if (!vm) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/virtualMachines/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    return vm;
  }

  vault(sub: string, rg: string, name: string): SimVault {
    this.resourceGroup(sub, rg);
    const vault = this.vaults.find((v) => eq(v.subscriptionId, sub) && eq(v.resourceGroup, rg) && eq(v.name, name));
    if (!vault) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.RecoveryServices/vaults/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    return vault;
  }

  protectedItem(vault: SimVault, containerName: string, itemName: string): SimProtectedItem {
    const item = vault.items.find((i) => eq(i.containerName, containerName) && eq(i.name, itemName));
    if (!item) throw new ArmError(404, 'BMSUserErrorObjectNotFound', `Item not found: ${itemName} in container ${containerName}.`);
    return item;
  }

  workloadContainer(vault: SimVault, containerName: string): SimWorkloadContainer {
    const container = vault.containers.find((c) => eq(c.name, containerName));
    // What the backup service answers for a VM that was never registered with the vault.
    if (!container) throw new ArmError(404, 'BMSUserErrorContainerObjectNotFound', `Container ${containerName} was not found in vault ${vault.name}.`);
    return container;
  }

  job(vault: SimVault, jobId: string): SimJob {
    const job = vault.jobs.find((j) => eq(j.id, jobId));
    if (!job) throw new ArmError(404, 'BMSUserErrorJobNotFound', `Job ${jobId} was not found in vault ${vault.name}.`);
    return job;
  }

  collection(sub: string, rg: string, name: string): SimRestorePointCollection {
    this.resourceGroup(sub, rg);
    const rpc = this.collections.find((c) => eq(c.subscriptionId, sub) && eq(c.resourceGroup, rg) && eq(c.name, name));
    if (!rpc) throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Compute/restorePointCollections/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
    return rpc;
  }

  nic(sub: string, rg: string, name: string): { vm: SimVm; nic: SimVm['nics'][number] } {
    this.resourceGroup(sub, rg);
    for (const vm of this.vms) {
      const nic = vm.nics.find((n) => eq(vm.subscriptionId, sub) && eq(n.resourceGroup, rg) && eq(n.name, name));
      if (nic) return { vm, nic };
    }
    throw new ArmError(404, 'ResourceNotFound', `The Resource 'Microsoft.Network/networkInterfaces/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }

  /** Locks on a resource group and those it inherits from its subscription. */
  locksOn(sub: string, rg: string): SimLock[] {
    const rgScope = rgId(sub, rg);
    return this.locks.filter((l) => eq(l.scope, rgScope) || eq(l.scope, `/subscriptions/${sub}`));
  }

  /** ARM refuses deletes (and ReadOnly refuses writes) under a locked scope. */
  assertNotLocked(resourceId: string, sub: string, rg: string, operation: 'delete' | 'write'): void {
    const blocking = this.locksOn(sub, rg).filter((l) => operation === 'delete' || l.level === 'ReadOnly');
    if (blocking.length === 0) return;
    const scopes = [...new Set(blocking.map((l) => l.scope))].map((s) => `'${s}'`).join(',');
    throw new ArmError(409, 'ScopeLocked', `The scope '${resourceId}' cannot perform ${operation} operation because following scope(s) are locked: ${scopes}. Please remove the lock and try again.`);
  }

  effectiveRules(nic: SimVm['nics'][number]): ScenarioSecurityRule[] {
    const own = nic.effectiveRules.map((r) => ({ ...r, name: r.name.includes('/') ? r.name : `securityRules/${r.name}` }));
    return nic.includeDefaultRules ? [...own, ...DEFAULT_RULES] : own;
  }

  /** Like Azure Backup: the collections made from this VM (by source; by exact name in its region when none is recorded). */
  collectionsOf(vm: SimVm): SimRestorePointCollection[] {
    const owner = ownerOf(vm);
    return this.collections.filter((c) => collectionMatch(c, owner) !== undefined);
  }

  outcomeContext(vm: SimVm): OutcomeContext {
    return {
      vm,
      effectiveRules: vm.nics.flatMap((n) => this.effectiveRules(n)),
      collections: this.collectionsOf(vm),
      locksOn: (sub, rg) => this.locksOn(sub, rg),
      minimumLinuxAgentVersion: this.settings.minimumLinuxAgentVersion,
    };
  }

  // ---- operations that change state ----

  private record(vm: SimVm, operations: readonly ClearingOperation[]): void {
    for (const op of operations) {
      vm.history.push(op);
      for (const fault of vm.faults) if (fault.clearedBy.includes(op)) fault.cleared = true;
    }
  }

  newOperation(outcome: SimAsyncOperation['outcome'], extra: Partial<Pick<SimAsyncOperation, 'result' | 'jobId'>> = {}): SimAsyncOperation {
    const op: SimAsyncOperation = { id: randomUUID(), startTime: new Date(this.now()), pollsLeft: this.settings.asyncOperationPolls, outcome, ...extra };
    this.operations.set(op.id, op);
    return op;
  }

  runCommand(vm: SimVm, commandId: string, script: readonly string[]): unknown {
    const expected = vm.osType === 'Windows' ? 'RunPowerShellScript' : 'RunShellScript';
    if (!eq(commandId, expected)) throw new ArmError(400, 'InvalidParameter', `Run command '${commandId}' is not supported for ${vm.osType} virtual machine '${vm.name}'. Use '${expected}'.`);
    if (vm.powerState !== 'running') throw new ArmError(409, 'OperationNotAllowed', `Operation 'RunCommand' is not allowed on VM '${vm.name}' since the VM is not running.`);
    if (vm.agent.status === 'Unknown') throw new ArmError(409, 'VMAgentStatusCommunicationError', `VM '${vm.name}' has not reported status for VM agent or extensions. Verify that the OS is up and healthy, the VM has a running VM agent, and that it can establish outbound connections to Azure storage.`);
    const effect = runScript(vm, script, this.settings.latestLinuxAgentVersion);
    this.record(vm, ['runCommand', ...effect.operations]);
    return runCommandResultBody(vm, effect);
  }

  deleteExtension(vm: SimVm, name: string): boolean {
    const index = vm.extensions.findIndex((e) => eq(e.name, name));
    if (index < 0) return false;
    this.assertNotLocked(`${vm.id}/extensions/${name}`, vm.subscriptionId, vm.resourceGroup, 'delete');
    const [removed] = vm.extensions.splice(index, 1);
    if (removed && isBackupExtension(removed.type, removed.name)) this.record(vm, ['deleteBackupExtension']);
    return true;
  }

  deleteCollection(rpc: SimRestorePointCollection): void {
    this.assertNotLocked(rpc.id, rpc.subscriptionId, rpc.resourceGroup, 'delete');
    this.collections.splice(this.collections.indexOf(rpc), 1);
    for (const vm of this.vms) if (collectionMatch(rpc, ownerOf(vm))) this.record(vm, ['deleteRestorePoints']);
  }

  putLock(scope: string, name: string, level: 'CanNotDelete' | 'ReadOnly', notes?: string): { lock: SimLock; created: boolean } {
    const existing = this.locks.find((l) => eq(l.scope, scope) && eq(l.name, name));
    if (existing) {
      existing.level = level;
      existing.notes = notes;
      return { lock: existing, created: false };
    }
    return { lock: this.addLock(scope, name, level, notes), created: true };
  }

  deleteLock(scope: string, name: string): boolean {
    const index = this.locks.findIndex((l) => eq(l.scope, scope) && eq(l.name, name));
    if (index < 0) return false;
    this.locks.splice(index, 1);
    // VMs whose restore points sit under this scope had their cleanup blocked by it.
    for (const vm of this.vms) {
      if (this.collectionsOf(vm).some((c) => rgId(c.subscriptionId, c.resourceGroup).toLowerCase().startsWith(scope.toLowerCase()))) this.record(vm, ['deleteLock']);
    }
    return true;
  }

  triggerBackup(vault: SimVault, item: SimProtectedItem): SimJob {
    this.tick();
    const running = vault.jobs.find((j) => eq(j.vmName, item.vmName) && eq(j.vmResourceGroup, item.vmResourceGroup) && j.status === 'InProgress');
    if (running) throw new ArmError(409, 'UserErrorBackupOperationInProgress', 'Unable to initiate backup as another backup operation is currently in progress');
    const job: SimJob = {
      id: randomUUID(),
      vaultId: vault.id,
      vmName: item.vmName,
      vmResourceGroup: item.vmResourceGroup,
      operation: 'Backup',
      jobType: 'AzureIaaSVMJob',
      isUserTriggered: true,
      startTime: new Date(this.now()),
      status: 'InProgress',
      actionsInfo: [1],
      completesAt: this.now() + this.settings.jobCompletionDelayMs,
    };
    vault.jobs.push(job);
    return job;
  }

  /** Finishes triggered jobs that are due; their outcome follows the VM's state at that moment. */
  tick(): void {
    const now = this.now();
    for (const vault of this.vaults) {
      for (const job of vault.jobs) {
        if (job.completesAt === undefined || job.completesAt > now) continue;
        job.completesAt = undefined;
        this.finishJob(vault, job, now);
      }
    }
  }

  private finishJob(vault: SimVault, job: SimJob, now: number): void {
    const vm = this.findVm(vault.subscriptionId, job.vmResourceGroup, job.vmName);
    const item = vault.items.find((i) => eq(i.vmName, job.vmName) && eq(i.vmResourceGroup, job.vmResourceGroup));
    const failure = vm ? backupFailure(this.outcomeContext(vm)) : { code: 'UserErrorVmNotFoundV2', message: 'VM is not found', errorCode: 320001, recommendations: [] };
    job.endTime = new Date(now);
    job.duration = isoDuration(now - job.startTime.getTime());
    if (failure) {
      job.status = 'Failed';
      job.actionsInfo = [2];
      job.error = { code: failure.code, errorCode: failure.errorCode, errorString: failure.message, errorTitle: '', recommendations: [...failure.recommendations] };
      job.dynamicErrorMessage = failure.message;
    } else {
      job.status = 'Completed';
      job.actionsInfo = [];
      if (vm) this.afterSuccessfulBackup(vm);
    }
    if (item) {
      item.lastBackupStatus = job.status;
      item.lastBackupTime = job.endTime;
      item.healthStatus = failure ? 'ActionRequired' : 'Passed';
    }
  }

  /** A successful backup (re)installs the extension and adds a snapshot; cleanup runs unless a lock stops it. */
  private afterSuccessfulBackup(vm: SimVm): void {
    const extName = vm.osType === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux';
    if (!vm.extensions.some((e) => isBackupExtension(e.type, e.name))) {
      vm.extensions.push({ name: extName, type: `Microsoft.Azure.RecoveryServices.${extName}`, typeHandlerVersion: vm.osType === 'Windows' ? '1.0.9225.0' : '1.0.9225.0', status: 'succeeded' });
    }
    const existing = this.collectionsOf(vm);
    if (existing.length === 0) {
      const rgName = `AzureBackupRG_${vm.location}_1`;
      if (!this.resourceGroups.some((g) => eq(g.subscriptionId, vm.subscriptionId) && eq(g.name, rgName))) {
        this.resourceGroups.push({ id: rgId(vm.subscriptionId, rgName), subscriptionId: vm.subscriptionId, name: rgName, location: vm.location });
      }
      const name = `AzureBackup_${vm.name}_${Math.floor(this.now() / 1000)}`;
      this.collections.push({
        id: `${rgId(vm.subscriptionId, rgName)}/providers/Microsoft.Compute/restorePointCollections/${name}`,
        subscriptionId: vm.subscriptionId,
        resourceGroup: rgName,
        name,
        location: vm.location,
        sourceVmId: vm.id,
        restorePointCollectionId: randomUUID(),
        restorePointCount: 1,
      });
      return;
    }
    const newest = existing[existing.length - 1];
    if (!newest) return;
    const locked = this.locksOn(newest.subscriptionId, newest.resourceGroup).length > 0;
    newest.restorePointCount = locked ? newest.restorePointCount + 1 : Math.min(newest.restorePointCount + 1, this.settings.snapshotRetention);
  }
}
