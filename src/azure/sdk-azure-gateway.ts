import { ComputeManagementClient, type InstanceViewStatus as SdkInstanceViewStatus, type VirtualMachine } from '@azure/arm-compute';
import { ManagementLockClient, type ManagementLockObject } from '@azure/arm-locks';
import { NetworkManagementClient } from '@azure/arm-network';
import { RecoveryServicesClient } from '@azure/arm-recoveryservices';
import { StorageManagementClient } from '@azure/arm-storage';
import {
  RecoveryServicesBackupClient,
  type AzureIaaSVMJob,
  type AzureIaaSVMJobV2,
  type AzureIaaSVMProtectedItem,
  type AzureVmWorkloadProtectedItem,
  type JobResource,
  type OperationStatusJobExtendedInfo,
  type ProtectedItemResource,
  type ProtectionContainerResource,
} from '@azure/arm-recoveryservicesbackup';
import type { TokenCredential } from '@azure/core-auth';
import { bearerTokenAuthenticationPolicy, createDefaultHttpClient, createPipelineFromOptions, createPipelineRequest, type PipelinePolicy, RestError } from '@azure/core-rest-pipeline';
import type {
  AzurePort,
  BackupJob,
  CallOptions,
  ListVaultsOptions,
  DatabaseVm,
  EffectiveSecurityRule,
  InstanceStatus,
  ProtectedVm,
  ResourceLock,
  RestorePointCollection,
  RunCommandOutput,
  BackupInstance,
  BackupVaultIdentity,
  DiskEncryption,
  FileShareState,
  StorageAccountInfo,
  BlobRestoreSettings,
  RoleAssignment,
  VaultRef,
  VmExtension,
  VmRef,
  VmStatus,
  WorkloadContainer,
} from '../core/azure-port';
import { normaliseRegion } from '../core/checks/security-rules';
import type { ListedRestorePointCollection } from '../core/sweep/fleet-read-port';
import { CodedError } from '../core/errors';
import { armIdLastSegment, armIdSegment, lockScope, parseArmResource, parseContainerName, parseResourceId } from '../core/arm-id';
import { collectionMatch, sameResourceId, vmArmId } from '../core/restore-point-ownership';
import { toCodedError, type AzureOperation, type AzureScope } from './azure-errors';
import { BackupVaultReads } from './backup-vault-reads';
import { trimTrailing } from '../core/trim-trailing';

export const ARM_ENDPOINT = 'https://management.azure.com';
const ARM_SCOPE = 'https://management.azure.com/.default';
const SUBSCRIPTIONS_API_VERSION = '2022-12-01';

export interface SdkAzureGatewayOptions {
  readonly credential: TokenCredential;
  /** Default https://management.azure.com; the simulator's endpoint locally. */
  readonly endpoint?: string;
  /** PEM of a certificate to trust (the simulator's self-signed one). */
  readonly ca?: string | Buffer;
  /** The SDK's own retry policy (throttling honours Retry-After; 5xx back off exponentially). */
  readonly retry?: { readonly maxRetries: number; readonly retryDelayInMs?: number; readonly maxRetryDelayInMs?: number };
  /** Poll interval of long-running operations and of the backup operation status. */
  readonly lroPollIntervalInMs?: number;
  /** Subscriptions listVaults searches; when omitted, every subscription the identity can see. */
  readonly subscriptionIds?: readonly string[];
  /** How long triggerBackup follows the operation to its job id. Default 120 s. */
  readonly backupOperationTimeoutInMs?: number;
  /** Sees every ARM answer (each attempt): the reads left in the subscription and a 429's Retry-After, for a read budget. */
  readonly onResponse?: (response: ArmResponseInfo) => void;
}

/** What a read budget learns from one ARM answer. */
export interface ArmResponseInfo {
  readonly status: number;
  /** x-ms-ratelimit-remaining-subscription-reads, when ARM sent it. */
  readonly remainingReads?: number;
  /** A 429's Retry-After, in milliseconds. */
  readonly retryAfterInMs?: number;
}

/** A pipeline policy handing each answer's rate-limit headers to `observe`. */
function rateLimitObserver(observe: (response: ArmResponseInfo) => void): PipelinePolicy {
  return {
    name: 'backupDoctorRateLimitObserver',
    async sendRequest(request, next) {
      const response = await next(request);
      const remaining = Number(response.headers.get('x-ms-ratelimit-remaining-subscription-reads'));
      const retryAfter = Number(response.headers.get('retry-after'));
      observe({
        status: response.status,
        ...(Number.isFinite(remaining) && response.headers.get('x-ms-ratelimit-remaining-subscription-reads') !== undefined ? { remainingReads: remaining } : {}),
        ...(response.status === 429 && Number.isFinite(retryAfter) ? { retryAfterInMs: retryAfter * 1000 } : {}),
      });
      return response;
    },
  };
}

interface Clients {
  backup?: RecoveryServicesBackupClient;
  vaults?: RecoveryServicesClient;
  compute?: ComputeManagementClient;
  locks?: ManagementLockClient;
  network?: NetworkManagementClient;
  storage?: StorageManagementClient;
}

const FAILED_JOBS_FILTER_PREFIX = "backupManagementType eq 'AzureIaasVM' and operation eq 'Backup' and status eq 'Failed'";
const IAAS_VM_ITEMS_FILTER = "backupManagementType eq 'AzureIaasVM' and itemType eq 'VM'";
/** SQL Server and SAP HANA databases in Azure VMs (and the other workload items, which are skipped). */
const WORKLOAD_ITEMS_FILTER = "backupManagementType eq 'AzureWorkload'";
const FABRIC = 'Azure';

/** The backup service's OData time format: "yyyy-MM-dd hh:mm:ss AM/PM", in UTC. */
export function formatJobFilterTime(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  const h24 = date.getUTCHours();
  const h12 = h24 % 12 === 0 ? 12 : h24 % 12;
  return `${date.getUTCFullYear()}-${p(date.getUTCMonth() + 1)}-${p(date.getUTCDate())} ${p(h12)}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())} ${h24 < 12 ? 'AM' : 'PM'}`;
}

export function failedJobsFilter(window: { from: Date; to: Date }): string {
  return `${FAILED_JOBS_FILTER_PREFIX} and startTime eq '${formatJobFilterTime(window.from)}' and endTime eq '${formatJobFilterTime(window.to)}'`;
}

function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' }));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function toStatus(s: { code?: string; level?: string; displayStatus?: string; message?: string; time?: Date } | undefined): InstanceStatus {
  return { code: s?.code, level: s?.level, displayStatus: s?.displayStatus, message: s?.message, time: s?.time };
}

function rgScope(subscriptionId: string, resourceGroup: string): AzureScope {
  return { kind: 'resourceGroup', subscriptionId, resourceGroup };
}

function vaultScope(vault: VaultRef): AzureScope {
  return { kind: 'vault', subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup, name: vault.name };
}

/** AzurePort over the real Azure SDK clients, one set of clients per subscription. */
export class SdkAzureGateway implements AzurePort {
  private readonly endpoint: string;
  private readonly clients = new Map<string, Clients>();
  private readonly backupVaults: BackupVaultReads;

  constructor(private readonly options: SdkAzureGatewayOptions) {
    this.endpoint = trimTrailing(options.endpoint ?? ARM_ENDPOINT, '/');
    this.backupVaults = new BackupVaultReads({ credential: options.credential, clientOptions: this.commonOptions() });
  }

  // ---- clients ----

  private commonOptions(): { endpoint: string; tlsOptions?: { ca: string | Buffer }; retryOptions?: SdkAzureGatewayOptions['retry']; additionalPolicies?: { policy: PipelinePolicy; position: 'perRetry' }[] } {
    return {
      endpoint: this.endpoint,
      ...(this.options.ca ? { tlsOptions: { ca: this.options.ca } } : {}),
      ...(this.options.retry ? { retryOptions: this.options.retry } : {}),
      ...(this.options.onResponse ? { additionalPolicies: [{ policy: rateLimitObserver(this.options.onResponse), position: 'perRetry' as const }] } : {}),
    };
  }

  /** AutoRest (HLC) clients ask for `${endpoint}/.default` unless told the ARM scope. */
  private hlcOptions(): ReturnType<SdkAzureGateway['commonOptions']> & { credentialScopes: string[] } {
    return { ...this.commonOptions(), credentialScopes: [ARM_SCOPE] };
  }

  /** TypeSpec (modular) clients take scopes under `credentials`. */
  private modularOptions(): ReturnType<SdkAzureGateway['commonOptions']> & { credentials: { scopes: string[] } } {
    return { ...this.commonOptions(), credentials: { scopes: [ARM_SCOPE] } };
  }

  private entry(subscriptionId: string): Clients {
    const key = subscriptionId.toLowerCase();
    let entry = this.clients.get(key);
    if (!entry) {
      entry = {};
      this.clients.set(key, entry);
    }
    return entry;
  }

  private backup(subscriptionId: string): RecoveryServicesBackupClient {
    const e = this.entry(subscriptionId);
    e.backup ??= new RecoveryServicesBackupClient(this.options.credential, subscriptionId, this.hlcOptions());
    return e.backup;
  }

  private vaultsClient(subscriptionId: string): RecoveryServicesClient {
    const e = this.entry(subscriptionId);
    e.vaults ??= new RecoveryServicesClient(this.options.credential, subscriptionId, this.hlcOptions());
    return e.vaults;
  }

  private compute(subscriptionId: string): ComputeManagementClient {
    const e = this.entry(subscriptionId);
    e.compute ??= new ComputeManagementClient(this.options.credential, subscriptionId, this.modularOptions());
    return e.compute;
  }

  private locks(subscriptionId: string): ManagementLockClient {
    const e = this.entry(subscriptionId);
    e.locks ??= new ManagementLockClient(this.options.credential, subscriptionId, this.hlcOptions());
    return e.locks;
  }

  private storage(subscriptionId: string): StorageManagementClient {
    const e = this.entry(subscriptionId);
    e.storage ??= new StorageManagementClient(this.options.credential, subscriptionId, this.modularOptions());
    return e.storage;
  }

  private network(subscriptionId: string): NetworkManagementClient {
    const e = this.entry(subscriptionId);
    e.network ??= new NetworkManagementClient(this.options.credential, subscriptionId, this.modularOptions());
    return e.network;
  }

  private get pollInterval(): number {
    return this.options.lroPollIntervalInMs ?? 2000;
  }

  private async call<T>(op: AzureOperation, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw toCodedError(error, op);
    }
  }

  // ---- vaults ----

  async listVaults(options: ListVaultsOptions = {}): Promise<VaultRef[]> {
    const subscriptions = this.options.subscriptionIds ?? (await this.listSubscriptionIds(options));
    // Every subscription at once, and one that cannot be read (no role there, an outage, slow) does not cost the others.
    const listed = await Promise.allSettled(
      subscriptions.map(async (subscriptionId) => {
        const op: AzureOperation = { name: 'listVaults', purpose: 'list the Recovery Services vaults', role: 'Backup Reader', scope: { kind: 'subscription', subscriptionId } };
        return this.call(op, async () => {
          const vaults: VaultRef[] = [];
          for await (const vault of this.vaultsClient(subscriptionId).vaults.listBySubscriptionId({ abortSignal: options.abortSignal })) {
            const parsed = vault.id ? parseResourceId(vault.id, 'vaults') : undefined;
            if (parsed) vaults.push(parsed);
          }
          return vaults;
        });
      }),
    );
    const failed = listed.flatMap((outcome, i) => (outcome.status === 'rejected' ? [{ subscriptionId: subscriptions[i] as string, error: outcome.reason as unknown }] : []));
    if (failed.length > 0 && failed.length === listed.length) throw failed[0]?.error;
    for (const { subscriptionId, error } of failed) options.onUnreadableSubscription?.(subscriptionId, error);
    return listed.flatMap((outcome) => (outcome.status === 'fulfilled' ? outcome.value : []));
  }

  /** GET /subscriptions through a bare pipeline: no subscriptions SDK is installed, and this is one paged call. */
  private async listSubscriptionIds(options: CallOptions): Promise<string[]> {
    const op: AzureOperation = { name: 'listVaults', purpose: 'list the subscriptions it can see', role: 'Reader', scope: { kind: 'subscription', subscriptionId: '*' } };
    return this.call(op, async () => {
      const pipeline = createPipelineFromOptions({ ...(this.options.ca ? { tlsOptions: { ca: this.options.ca } } : {}), ...(this.options.retry ? { retryOptions: this.options.retry } : {}) });
      pipeline.addPolicy(bearerTokenAuthenticationPolicy({ credential: this.options.credential, scopes: ARM_SCOPE }));
      const http = createDefaultHttpClient();
      const ids: string[] = [];
      let url: string | undefined = `${this.endpoint}/subscriptions?api-version=${SUBSCRIPTIONS_API_VERSION}`;
      while (url) {
        const request = createPipelineRequest({ url, method: 'GET', abortSignal: options.abortSignal });
        const response = await pipeline.sendRequest(http, request);
        const body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as { value?: Array<{ subscriptionId?: string }>; nextLink?: string; error?: { code?: string; message?: string } }) : {};
        if (response.status !== 200) {
          throw new RestError(body.error?.message ?? `GET /subscriptions answered ${response.status}`, { code: body.error?.code, statusCode: response.status, request, response });
        }
        for (const s of body.value ?? []) if (s.subscriptionId) ids.push(s.subscriptionId);
        url = body.nextLink;
      }
      return ids;
    });
  }

  // ---- backup jobs and protected items ----

  async listFailedBackupJobs(vault: VaultRef, window: { from: Date; to: Date }, options: CallOptions = {}): Promise<BackupJob[]> {
    const op: AzureOperation = { name: 'listFailedBackupJobs', purpose: `list the failed backup jobs of vault ${vault.name}`, role: 'Backup Reader', scope: vaultScope(vault) };
    return this.call(op, async () => {
      const jobs: BackupJob[] = [];
      const filter = failedJobsFilter(window);
      for await (const job of this.backup(vault.subscriptionId).backupJobs.list(vault.name, vault.resourceGroup, { filter, abortSignal: options.abortSignal })) {
        const mapped = toBackupJob(vault, job);
        if (mapped) jobs.push(mapped);
      }
      return this.tieToProtectedVms(vault, jobs, options);
    });
  }

  /**
   * Jobs shaped like Azure's REST examples carry no containerName: only entityFriendlyName names
   * the VM. The vault's protected items say which VM that is (sourceResourceId), when exactly one
   * item has that name; two VMs of one name in different resource groups stay untied.
   */
  private async tieToProtectedVms(vault: VaultRef, jobs: BackupJob[], options: CallOptions): Promise<BackupJob[]> {
    if (jobs.every((j) => j.vmResourceGroup !== undefined)) return jobs;
    const byName = new Map<string, ProtectedVm[]>();
    for await (const item of this.backup(vault.subscriptionId).backupProtectedItems.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_ITEMS_FILTER, abortSignal: options.abortSignal })) {
      const vm = toProtectedVm(vault, item);
      if (!vm) continue;
      for (const name of new Set([vm.friendlyName.toLowerCase(), vm.vm.name.toLowerCase()])) byName.set(name, [...(byName.get(name) ?? []), vm]);
    }
    return jobs.map((job) => {
      if (job.vmResourceGroup !== undefined) return job;
      const owners = byName.get(job.vmName.toLowerCase()) ?? [];
      const only = owners.length === 1 ? owners[0] : undefined;
      return only ? { ...job, vmName: only.vm.name, vmResourceGroup: only.vm.resourceGroup } : job;
    });
  }

  async getBackupJob(vault: VaultRef, jobId: string, options: CallOptions = {}): Promise<BackupJob> {
    const op: AzureOperation = { name: 'getBackupJob', purpose: `read backup job ${jobId} in vault ${vault.name}`, role: 'Backup Reader', scope: vaultScope(vault) };
    return this.call(op, async () => {
      const job = await this.backup(vault.subscriptionId).jobDetails.get(vault.name, vault.resourceGroup, jobId, { abortSignal: options.abortSignal });
      const mapped = toBackupJob(vault, job);
      if (!mapped) throw new CodedError('azure_failed', `Job ${jobId} in vault ${vault.name} is not an Azure VM backup job.`, { operation: 'getBackupJob' });
      const [tied] = await this.tieToProtectedVms(vault, [mapped], options);
      return tied ?? mapped;
    });
  }

  async listProtectedVms(vault: VaultRef, options: CallOptions = {}): Promise<ProtectedVm[]> {
    const op: AzureOperation = { name: 'listProtectedVms', purpose: `list the protected VMs of vault ${vault.name}`, role: 'Backup Reader', scope: vaultScope(vault) };
    return this.call(op, async () => {
      const items: ProtectedVm[] = [];
      for await (const item of this.backup(vault.subscriptionId).backupProtectedItems.list(vault.name, vault.resourceGroup, { filter: IAAS_VM_ITEMS_FILTER, abortSignal: options.abortSignal })) {
        const mapped = toProtectedVm(vault, item);
        if (mapped) items.push(mapped);
      }
      return items;
    });
  }

  async listDatabaseVms(vault: VaultRef, options: CallOptions = {}): Promise<DatabaseVm[]> {
    const op: AzureOperation = { name: 'listDatabaseVms', purpose: `list the protected databases of vault ${vault.name}`, role: 'Backup Reader', scope: vaultScope(vault) };
    return this.call(op, async () => {
      const byVm = new Map<string, DatabaseVm>();
      for await (const item of this.backup(vault.subscriptionId).backupProtectedItems.list(vault.name, vault.resourceGroup, { filter: WORKLOAD_ITEMS_FILTER, abortSignal: options.abortSignal })) {
        const mapped = toDatabaseVm(vault, item);
        if (!mapped) continue;
        // A VM with many databases is one VM to check.
        const key = `${mapped.vm.subscriptionId}/${mapped.vm.resourceGroup}/${mapped.vm.name}/${mapped.workload}`.toLowerCase();
        if (!byVm.has(key)) byVm.set(key, mapped);
      }
      return [...byVm.values()];
    });
  }

  async triggerBackup(item: ProtectedVm, options: CallOptions = {}): Promise<{ jobId: string }> {
    const { vault } = item;
    const op: AzureOperation = { name: 'triggerBackup', purpose: `trigger a backup of ${item.friendlyName}`, role: 'Backup Operator', scope: vaultScope(vault) };
    return this.call(op, async () => {
      const client = this.backup(vault.subscriptionId);
      let operationUrl: string | undefined;
      await client.backups.trigger(vault.name, vault.resourceGroup, FABRIC, item.containerName, item.protectedItemName, { properties: { objectType: 'IaasVMBackupRequest' } }, {
        abortSignal: options.abortSignal,
        onResponse: (raw) => {
          operationUrl = raw.headers.get('azure-asyncoperation') ?? raw.headers.get('location') ?? undefined;
        },
      });
      const operationId = operationUrl ? new URL(operationUrl).pathname.split('/').filter(Boolean).pop() : undefined;
      if (!operationId) throw new CodedError('azure_failed', `Azure accepted the backup of ${item.friendlyName} but gave no operation to follow.`, { operation: 'triggerBackup' });
      const deadline = Date.now() + (this.options.backupOperationTimeoutInMs ?? 120_000);
      for (;;) {
        const status = await client.protectedItemOperationStatuses.get(vault.name, vault.resourceGroup, FABRIC, item.containerName, item.protectedItemName, operationId, { abortSignal: options.abortSignal });
        const props = status.properties;
        if (status.status === 'Succeeded' && props?.objectType === 'OperationStatusJobExtendedInfo') {
          const jobId = (props as OperationStatusJobExtendedInfo).jobId;
          if (jobId) return { jobId };
        }
        if (status.status === 'Failed' || status.status === 'Canceled') {
          throw new CodedError('azure_failed', `The backup of ${item.friendlyName} could not start: ${status.error?.message ?? status.status}`, { operation: 'triggerBackup', azureCode: status.error?.code });
        }
        if (Date.now() > deadline) throw new CodedError('azure_unavailable', `Azure did not report the job of the backup of ${item.friendlyName} in time.`, { operation: 'triggerBackup', operationId });
        await delay(this.pollInterval, options.abortSignal);
      }
    });
  }

  // ---- virtual machines ----

  async getVmStatus(vm: VmRef, options: CallOptions = {}): Promise<VmStatus> {
    const op: AzureOperation = { name: 'getVmStatus', purpose: `read the status of VM ${vm.name}`, role: 'Reader', scope: rgScope(vm.subscriptionId, vm.resourceGroup) };
    return this.call(op, async () => {
      const machine = await this.compute(vm.subscriptionId).virtualMachines.get(vm.resourceGroup, vm.name, { expand: 'instanceView', abortSignal: options.abortSignal });
      return toVmStatus(vm, machine);
    });
  }

  async listEffectiveSecurityRules(vm: VmRef, options: CallOptions = {}): Promise<EffectiveSecurityRule[]> {
    const readVm: AzureOperation = { name: 'listEffectiveSecurityRules', purpose: `read the network interfaces of VM ${vm.name}`, role: 'Reader', scope: rgScope(vm.subscriptionId, vm.resourceGroup) };
    const machine = await this.call(readVm, () => this.compute(vm.subscriptionId).virtualMachines.get(vm.resourceGroup, vm.name, { abortSignal: options.abortSignal }));
    const nicIds = (machine.networkProfile?.networkInterfaces ?? []).map((n) => n.id).filter((id): id is string => typeof id === 'string');
    return this.listNicEffectiveSecurityRules(nicIds, options);
  }

  /** The effective rules of these NICs (a fleet sweep knows them from the instance view, so the VM is not read again). */
  async listNicEffectiveSecurityRules(nicIds: readonly string[], options: CallOptions = {}): Promise<EffectiveSecurityRule[]> {
    const rules: EffectiveSecurityRule[] = [];
    for (const nicId of nicIds) {
      const nic = parseResourceId(nicId, 'networkInterfaces');
      if (!nic) continue;
      const op: AzureOperation = { name: 'listEffectiveSecurityRules', purpose: `read the effective security rules of network interface ${nic.name}`, role: 'Network Contributor', scope: rgScope(nic.subscriptionId, nic.resourceGroup) };
      const result = await this.call(op, async () =>
        this.network(nic.subscriptionId).networkInterfaces.listEffectiveNetworkSecurityGroups(nic.resourceGroup, nic.name, { abortSignal: options.abortSignal, updateIntervalInMs: this.pollInterval }),
      );
      for (const group of result.value ?? []) {
        for (const r of group.effectiveSecurityRules ?? []) {
          if ((r.direction !== 'Inbound' && r.direction !== 'Outbound') || (r.access !== 'Allow' && r.access !== 'Deny')) continue;
          rules.push({
            name: r.name ?? '',
            direction: r.direction,
            access: r.access,
            priority: r.priority ?? 65500,
            protocol: r.protocol,
            destinationPortRanges: [r.destinationPortRange, ...(r.destinationPortRanges ?? [])].filter((x): x is string => !!x),
            destinationAddressPrefixes: [r.destinationAddressPrefix, ...(r.destinationAddressPrefixes ?? [])].filter((x): x is string => !!x),
            expandedDestinationAddressPrefix: r.expandedDestinationAddressPrefix ?? [],
          });
        }
      }
    }
    return rules;
  }

  async runCommand(vm: VmRef, command: { os: 'Windows' | 'Linux'; script: readonly string[] }, options: CallOptions = {}): Promise<RunCommandOutput> {
    const op: AzureOperation = { name: 'runCommand', purpose: `run a command on VM ${vm.name}`, role: 'Virtual Machine Contributor', scope: rgScope(vm.subscriptionId, vm.resourceGroup) };
    return this.call(op, async () => {
      const result = await this.compute(vm.subscriptionId).virtualMachines.runCommand(
        vm.resourceGroup,
        vm.name,
        { commandId: command.os === 'Windows' ? 'RunPowerShellScript' : 'RunShellScript', script: [...command.script] },
        { abortSignal: options.abortSignal, updateIntervalInMs: this.pollInterval },
      );
      return parseRunCommandOutput(result.value ?? []);
    });
  }

  async deleteExtension(vm: VmRef, extensionName: string, options: CallOptions = {}): Promise<void> {
    const op: AzureOperation = { name: 'deleteExtension', purpose: `delete extension ${extensionName} from VM ${vm.name}`, role: 'Virtual Machine Contributor', scope: rgScope(vm.subscriptionId, vm.resourceGroup) };
    await this.call(op, async () => {
      await this.compute(vm.subscriptionId).virtualMachineExtensions.delete(vm.resourceGroup, vm.name, extensionName, { abortSignal: options.abortSignal, updateIntervalInMs: this.pollInterval });
    });
  }

  async listVmExtensions(vm: VmRef, options: CallOptions = {}): Promise<VmExtension[]> {
    const op: AzureOperation = { name: 'listVmExtensions', purpose: `list the extensions of VM ${vm.name}`, role: 'Reader', scope: rgScope(vm.subscriptionId, vm.resourceGroup) };
    return this.call(op, async () => {
      const result = await this.compute(vm.subscriptionId).virtualMachineExtensions.list(vm.resourceGroup, vm.name, { abortSignal: options.abortSignal });
      return (result.value ?? []).map((e) => ({
        name: e.name ?? '',
        publisher: e.publisher,
        // The modular client flattens `properties`; the extension's own type becomes typePropertiesType.
        type: e.typePropertiesType,
        typeHandlerVersion: e.typeHandlerVersion,
        provisioningState: e.provisioningState,
      }));
    });
  }

  async getWorkloadContainer(vault: VaultRef, vm: VmRef, options: CallOptions = {}): Promise<WorkloadContainer | undefined> {
    const op: AzureOperation = { name: 'getWorkloadContainer', purpose: `read the registration of VM ${vm.name} with vault ${vault.name}`, role: 'Backup Reader', scope: vaultScope(vault) };
    // Registering a VM for SQL Server or SAP HANA backup creates this container; its absence means the VM is not registered.
    const containerName = `VMAppContainer;Compute;${vm.resourceGroup};${vm.name}`;
    try {
      const container = await this.call(op, () => this.backup(vault.subscriptionId).protectionContainers.get(vault.name, vault.resourceGroup, FABRIC, containerName, { abortSignal: options.abortSignal }));
      return toWorkloadContainer(containerName, container);
    } catch (error) {
      if (error instanceof CodedError && error.code === 'azure_not_found') return undefined;
      throw error;
    }
  }

  // ---- restore point collections ----

  async listRestorePointCollections(vm: VmRef, options: CallOptions = {}): Promise<RestorePointCollection[]> {
    const op: AzureOperation = { name: 'listRestorePointCollections', purpose: `list the restore point collections of VM ${vm.name}`, role: 'Reader', scope: { kind: 'subscription', subscriptionId: vm.subscriptionId } };
    return this.call(op, async () => {
      const compute = this.compute(vm.subscriptionId);
      type Candidate = { id: string; name: string; resourceGroup: string; sourceVmId?: string; location?: string };
      const bySource: Candidate[] = [];
      const nameOnly: Candidate[] = [];
      for await (const rpc of compute.restorePointCollections.listAll({ abortSignal: options.abortSignal })) {
        const name = rpc.name ?? (rpc.id ? armIdLastSegment(rpc.id, 'restorePointCollections') : undefined);
        if (!rpc.id || !name) continue;
        const resourceGroup = parseResourceId(rpc.id, 'restorePointCollections')?.resourceGroup ?? armIdSegment(rpc.id, 'resourceGroups') ?? '';
        const candidate: Candidate = { id: rpc.id, name, resourceGroup, ...(rpc.source?.id ? { sourceVmId: rpc.source.id } : {}), ...(rpc.location ? { location: rpc.location } : {}) };
        // Only the source decides when there is one; the region is checked below, once it is known.
        const match = collectionMatch({ ...candidate, subscriptionId: vm.subscriptionId }, { vm });
        if (match === 'source') bySource.push(candidate);
        else if (match === 'name-only') nameOnly.push(candidate);
      }
      const matches: Array<Candidate & { matchedBy: 'source' | 'name-only'; sameNameVmIds?: string[] }> = bySource.map((c) => ({ ...c, matchedBy: 'source' }));
      if (nameOnly.length > 0) {
        // A collection without a source is tied by name: it must sit in the VM's region, and any
        // other VM of that name in the region could own it just as well (the fix then refuses).
        const sameName: Array<{ id: string; location?: string }> = [];
        for await (const other of compute.virtualMachines.listAll({ abortSignal: options.abortSignal })) {
          if (other.id && other.name?.toLowerCase() === vm.name.toLowerCase()) sameName.push({ id: other.id, location: other.location });
        }
        const self = sameName.find((v) => sameResourceId(v.id, vmArmId(vm)));
        const location = self?.location;
        for (const c of nameOnly) {
          if (collectionMatch({ ...c, subscriptionId: vm.subscriptionId }, { vm, ...(location ? { location } : {}) }) !== 'name-only') continue;
          // Azure spells a region by name ("westeurope") or display name ("West Europe").
          const others = sameName.filter((v) => v !== self && (location === undefined || v.location === undefined || normaliseRegion(v.location) === normaliseRegion(location))).map((v) => v.id);
          matches.push({ ...c, matchedBy: 'name-only', ...(others.length ? { sameNameVmIds: others } : {}) });
        }
      }
      // The list omits restore points; each collection's count needs a get with expand.
      return Promise.all(
        matches.map(async (m): Promise<RestorePointCollection> => {
          const full = await compute.restorePointCollections.get(m.resourceGroup, m.name, { expand: 'restorePoints', abortSignal: options.abortSignal });
          return { ...m, subscriptionId: vm.subscriptionId, restorePointCount: full.restorePoints?.length ?? 0 };
        }),
      );
    });
  }

  /** Every restore point collection of a subscription, without restore points (one paged list for a whole fleet). */
  async listSubscriptionRestorePointCollections(subscriptionId: string, options: CallOptions = {}): Promise<ListedRestorePointCollection[]> {
    const op: AzureOperation = { name: 'listSubscriptionRestorePointCollections', purpose: 'list the restore point collections', role: 'Reader', scope: { kind: 'subscription', subscriptionId } };
    return this.call(op, async () => {
      const out: ListedRestorePointCollection[] = [];
      for await (const rpc of this.compute(subscriptionId).restorePointCollections.listAll({ abortSignal: options.abortSignal })) {
        const name = rpc.name ?? (rpc.id ? armIdLastSegment(rpc.id, 'restorePointCollections') : undefined);
        if (!rpc.id || !name) continue;
        const resourceGroup = parseResourceId(rpc.id, 'restorePointCollections')?.resourceGroup ?? armIdSegment(rpc.id, 'resourceGroups') ?? '';
        out.push({ id: rpc.id, name, subscriptionId, resourceGroup, ...(rpc.location ? { location: rpc.location } : {}), ...(rpc.source?.id ? { sourceVmId: rpc.source.id } : {}) });
      }
      return out;
    });
  }

  /** How many restore points a collection holds (the list omits them; a get with expand counts them). */
  async getRestorePointCount(collection: Pick<ListedRestorePointCollection, 'subscriptionId' | 'resourceGroup' | 'name'>, options: CallOptions = {}): Promise<number> {
    const op: AzureOperation = { name: 'getRestorePointCount', purpose: `read restore point collection ${collection.name}`, role: 'Reader', scope: rgScope(collection.subscriptionId, collection.resourceGroup) };
    return this.call(op, async () => {
      const full = await this.compute(collection.subscriptionId).restorePointCollections.get(collection.resourceGroup, collection.name, { expand: 'restorePoints', abortSignal: options.abortSignal });
      return full.restorePoints?.length ?? 0;
    });
  }

  async deleteRestorePointCollection(collection: RestorePointCollection, options: CallOptions = {}): Promise<void> {
    const op: AzureOperation = { name: 'deleteRestorePointCollection', purpose: `delete restore point collection ${collection.name}`, role: 'Contributor', scope: rgScope(collection.subscriptionId, collection.resourceGroup) };
    await this.call(op, async () => {
      await this.compute(collection.subscriptionId).restorePointCollections.delete(collection.resourceGroup, collection.name, { abortSignal: options.abortSignal, updateIntervalInMs: this.pollInterval });
    });
  }

  // ---- locks ----

  async listResourceGroupLocks(subscriptionId: string, resourceGroup: string, options: CallOptions = {}): Promise<ResourceLock[]> {
    const op: AzureOperation = { name: 'listResourceGroupLocks', purpose: `list the locks on resource group ${resourceGroup}`, role: 'Reader', scope: rgScope(subscriptionId, resourceGroup) };
    return this.call(op, async () => {
      const locks: ResourceLock[] = [];
      for await (const lock of this.locks(subscriptionId).managementLocks.listAtResourceGroupLevel(resourceGroup, { abortSignal: options.abortSignal })) {
        locks.push(toResourceLock(lock));
      }
      return locks;
    });
  }

  async deleteResourceGroupLock(subscriptionId: string, resourceGroup: string, lockName: string, options: CallOptions = {}): Promise<void> {
    const op: AzureOperation = { name: 'deleteResourceGroupLock', purpose: `remove lock ${lockName} from resource group ${resourceGroup}`, role: 'Owner or User Access Administrator', scope: rgScope(subscriptionId, resourceGroup) };
    await this.call(op, () => this.locks(subscriptionId).managementLocks.deleteAtResourceGroupLevel(resourceGroup, lockName, { abortSignal: options.abortSignal }));
  }

  async createResourceGroupLock(subscriptionId: string, resourceGroup: string, lock: { name: string; level: string; notes?: string }, options: CallOptions = {}): Promise<ResourceLock> {
    const op: AzureOperation = { name: 'createResourceGroupLock', purpose: `put lock ${lock.name} back on resource group ${resourceGroup}`, role: 'Owner or User Access Administrator', scope: rgScope(subscriptionId, resourceGroup) };
    return this.call(op, async () => {
      const created = await this.locks(subscriptionId).managementLocks.createOrUpdateAtResourceGroupLevel(resourceGroup, lock.name, { level: lock.level, ...(lock.notes !== undefined ? { notes: lock.notes } : {}) }, { abortSignal: options.abortSignal });
      return toResourceLock(created);
    });
  }

  async listResourceLocks(resourceId: string, options: CallOptions = {}): Promise<ResourceLock[]> {
    // A top-level resource only (a storage account): /subscriptions/<s>/resourceGroups/<rg>/providers/<namespace>/<type>/<name>.
    const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/([^/]+)\/([^/]+)\/([^/]+)\/?$/i.exec(resourceId);
    if (!m?.[1] || !m[2] || !m[3] || !m[4] || !m[5]) throw new CodedError('azure_not_found', `${resourceId} is not the id of a resource in a resource group.`, { resourceId });
    const [, subscriptionId, resourceGroup, namespace, type, name] = m;
    const op: AzureOperation = { name: 'listResourceLocks', purpose: `list the locks that apply to ${name}`, role: 'Reader', scope: { kind: 'resource', id: resourceId } };
    return this.call(op, async () => {
      const locks: ResourceLock[] = [];
      // Listed at the resource, ARM answers its own locks and those inherited from its resource group and subscription (as the portal's Locks blade shows them).
      for await (const lock of this.locks(subscriptionId).managementLocks.listAtResourceLevel(resourceGroup, namespace, '', type, name, { abortSignal: options.abortSignal })) {
        locks.push(toResourceLock(lock));
      }
      return locks;
    });
  }

  // ---- storage accounts (blob and file share backup) ----

  private storageAccountRef(storageAccountId: string): { subscriptionId: string; resourceGroup: string; name: string } {
    const account = parseArmResource(storageAccountId, 'Microsoft.Storage', 'storageAccounts', { exact: true });
    if (account === undefined) throw new CodedError('azure_not_found', `${storageAccountId} is not a storage account id.`, { storageAccountId });
    return account;
  }

  async getStorageAccount(storageAccountId: string, options: CallOptions = {}): Promise<StorageAccountInfo> {
    const account = this.storageAccountRef(storageAccountId);
    const op: AzureOperation = { name: 'getStorageAccount', purpose: `read storage account ${account.name}`, role: 'Reader', scope: { kind: 'resource', id: storageAccountId } };
    return this.call(op, async () => {
      const found = await this.storage(account.subscriptionId).storageAccounts.getProperties(account.resourceGroup, account.name, { abortSignal: options.abortSignal });
      return { ...(found.kind ? { kind: found.kind } : {}), ...(found.sku?.name ? { sku: found.sku.name } : {}), hierarchicalNamespace: found.isHnsEnabled === true };
    });
  }

  async getBlobRestoreSettings(storageAccountId: string, options: CallOptions = {}): Promise<BlobRestoreSettings> {
    const account = this.storageAccountRef(storageAccountId);
    const op: AzureOperation = { name: 'getBlobRestoreSettings', purpose: `read the blob service settings of storage account ${account.name}`, role: 'Reader', scope: { kind: 'resource', id: storageAccountId } };
    return this.call(op, async () => {
      const props = await this.storage(account.subscriptionId).blobServices.getServiceProperties(account.resourceGroup, account.name, { abortSignal: options.abortSignal });
      return {
        pointInTimeRestore: props.restorePolicy?.enabled === true,
        ...(props.restorePolicy?.days !== undefined ? { restoreDays: props.restorePolicy.days } : {}),
        versioning: props.isVersioningEnabled === true,
        changeFeed: props.changeFeed?.enabled === true,
        blobSoftDelete: props.deleteRetentionPolicy?.enabled === true,
      };
    });
  }

  // ---- file shares (Azure Files backup) ----

  async getFileShareState(storageAccountId: string, shareName: string, options: CallOptions = {}): Promise<FileShareState> {
    const account = this.storageAccountRef(storageAccountId);
    const op: AzureOperation = { name: 'getFileShareState', purpose: `read file share ${shareName} of storage account ${account.name}`, role: 'Reader', scope: { kind: 'resource', id: storageAccountId } };
    return this.call(op, async () => {
      const shares = this.storage(account.subscriptionId).fileShares;
      const wanted = shareName.toLowerCase();
      let live = false;
      let snapshotCount = 0;
      const softDeleted: { version?: string; deletedTime?: Date; remainingRetentionDays?: number }[] = [];
      // One list shows live shares, their snapshots (items with a snapshotTime) and soft-deleted shares (deleted: true).
      for await (const share of shares.list(account.resourceGroup, account.name, { expand: 'deleted,snapshots', abortSignal: options.abortSignal })) {
        if ((share.name ?? '').toLowerCase() !== wanted) continue;
        if (share.deleted === true) {
          softDeleted.push({ ...(share.version ? { version: share.version } : {}), ...(share.deletedTime ? { deletedTime: share.deletedTime } : {}), ...(share.remainingRetentionDays !== undefined ? { remainingRetentionDays: share.remainingRetentionDays } : {}) });
        } else if (share.snapshotTime !== undefined) {
          snapshotCount += 1;
        } else {
          live = true;
        }
      }
      return { live, softDeleted, snapshotCount };
    });
  }

  // ---- Backup vault datasources (disks, blobs) ----

  listBackupInstances(vault: VaultRef, datasourceName: string, options: CallOptions = {}): Promise<BackupInstance[]> {
    return this.backupVaults.listBackupInstances(vault, datasourceName, options);
  }

  getBackupVaultIdentity(vault: VaultRef, options: CallOptions = {}): Promise<BackupVaultIdentity | undefined> {
    return this.backupVaults.getBackupVaultIdentity(vault, options);
  }

  listRoleAssignments(scope: string, principalId: string, options: CallOptions = {}): Promise<RoleAssignment[]> {
    return this.backupVaults.listRoleAssignments(scope, principalId, options);
  }

  async getDiskEncryption(diskId: string, options: CallOptions = {}): Promise<DiskEncryption> {
    const disk = parseArmResource(diskId, 'Microsoft.Compute', 'disks', { exact: true });
    if (disk === undefined) throw new CodedError('azure_not_found', `${diskId} is not a managed disk id.`, { diskId });
    const op: AzureOperation = { name: 'getDiskEncryption', purpose: `read how disk ${disk.name} is encrypted`, role: 'Reader', scope: { kind: 'resource', id: diskId } };
    return this.call(op, async () => {
      const found = await this.compute(disk.subscriptionId).disks.get(disk.resourceGroup, disk.name, { abortSignal: options.abortSignal });
      const encryption = found.encryption;
      return { ...(encryption?.type ? { type: encryption.type } : {}), ...(encryption?.diskEncryptionSetId ? { diskEncryptionSetId: encryption.diskEncryptionSetId } : {}) };
    });
  }
}

// ---- mapping SDK models to the port's types ----

function toBackupJob(vault: VaultRef, resource: JobResource): BackupJob | undefined {
  const props = resource.properties;
  if (!props) return undefined;
  // Only Azure VM jobs carry errorDetails and containerName; the union's base type does not narrow by jobType.
  const iaas = props.jobType === 'AzureIaaSVMJob' || props.jobType === 'AzureIaaSVMJobV2' ? (props as AzureIaaSVMJob | AzureIaaSVMJobV2) : undefined;
  const container = parseContainerName(iaas?.containerName);
  const id = resource.name ?? (resource.id ? armIdLastSegment(resource.id, 'backupJobs') : undefined);
  if (!id) return undefined;
  return {
    id,
    vault,
    vmName: props.entityFriendlyName ?? container?.vmName ?? '',
    vmResourceGroup: container?.resourceGroup,
    operation: props.operation ?? '',
    status: props.status ?? 'Invalid',
    startTime: props.startTime,
    endTime: props.endTime,
    errors: (iaas?.errorDetails ?? []).map((e) => ({
      numericCode: e.errorCode,
      message: e.errorString ?? '',
      title: e.errorTitle ? e.errorTitle : undefined,
      recommendations: e.recommendations ?? [],
    })),
    dynamicErrorMessage: iaas?.extendedInfo?.dynamicErrorMessage,
  };
}

function toProtectedVm(vault: VaultRef, resource: ProtectedItemResource): ProtectedVm | undefined {
  if (!resource.id) return undefined;
  const containerName = armIdSegment(resource.id, 'protectionContainers');
  const protectedItemName = armIdSegment(resource.id, 'protectedItems');
  if (!containerName || !protectedItemName) return undefined;
  // The list is filtered to Azure VM items, whose properties are the IaaS VM shape.
  const props = resource.properties as AzureIaaSVMProtectedItem | undefined;
  const sourceId = props?.virtualMachineId ?? props?.sourceResourceId;
  // Classic VMs may come with no resource group in the id ("/resourceGroups/providers/Microsoft.ClassicCompute/...",
  // as in Azure's REST examples): then the container name says where the VM is.
  const fromId = sourceId && /\/resourceGroups\/[^/]+\/providers\//i.test(sourceId) ? parseResourceId(sourceId, 'virtualMachines') : undefined;
  const fromName = parseContainerName(containerName);
  const vm = fromId ?? (fromName ? { subscriptionId: vault.subscriptionId, resourceGroup: fromName.resourceGroup, name: fromName.vmName } : undefined);
  if (!vm) return undefined;
  return {
    vault,
    vm,
    friendlyName: props?.friendlyName ?? vm.name,
    containerName,
    protectedItemName,
    protectionState: props?.protectionState,
    healthStatus: props?.healthStatus,
    lastBackupStatus: props?.lastBackupStatus,
    lastBackupTime: props?.lastBackupTime,
  };
}

/** The workload types whose items sit in a VM's VMAppContainer; SAP ASE and the rest are not workloads the knowledge base knows. */
const DATABASE_WORKLOADS: Readonly<Record<string, DatabaseVm['workload']>> = { sqldatabase: 'sql-server', saphanadatabase: 'sap-hana', saphanadbinstance: 'sap-hana' };

function toDatabaseVm(vault: VaultRef, resource: ProtectedItemResource): DatabaseVm | undefined {
  const props = resource.properties as (AzureVmWorkloadProtectedItem & { workloadType?: string }) | undefined;
  const workload = DATABASE_WORKLOADS[(props?.workloadType ?? '').toLowerCase()];
  if (workload === undefined) return undefined;
  // sourceResourceId is the VM; the container name (VMAppContainer;Compute;<rg>;<vm>) says the same where it is missing.
  const sourceId = props?.sourceResourceId;
  const fromId = sourceId ? parseResourceId(sourceId, 'virtualMachines') : undefined;
  const container = props?.containerName ?? (resource.id ? armIdSegment(resource.id, 'protectionContainers') : undefined);
  const fromName = /^VMAppContainer;/i.test(container ?? '') ? parseContainerName(container) : undefined;
  const vm = fromId ?? (fromName ? { subscriptionId: vault.subscriptionId, resourceGroup: fromName.resourceGroup, name: fromName.vmName } : undefined);
  return vm === undefined ? undefined : { vault, vm, workload };
}

function toWorkloadContainer(requestedName: string, resource: ProtectionContainerResource): WorkloadContainer {
  const props = resource.properties;
  return { name: resource.name ?? requestedName, registrationStatus: props?.registrationStatus, healthStatus: props?.healthStatus };
}

function toVmStatus(ref: VmRef, vm: VirtualMachine): VmStatus {
  const iv = vm.instanceView;
  const statuses: SdkInstanceViewStatus[] = iv?.statuses ?? [];
  const osType = vm.storageProfile?.osDisk?.osType;
  return {
    vm: ref,
    id: vm.id ?? `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${ref.name}`,
    osType: osType === 'Windows' || osType === 'Linux' ? osType : undefined,
    location: vm.location,
    powerState: statuses.find((s) => s.code?.startsWith('PowerState/'))?.code,
    provisioningState: statuses.find((s) => s.code?.startsWith('ProvisioningState/'))?.code,
    agentVersion: iv?.vmAgent?.vmAgentVersion,
    agentStatuses: (iv?.vmAgent?.statuses ?? []).map(toStatus),
    extensionHandlers: (iv?.vmAgent?.extensionHandlers ?? []).map((h) => ({ type: h.type ?? '', typeHandlerVersion: h.typeHandlerVersion, status: h.status ? toStatus(h.status) : undefined })),
    extensions: (iv?.extensions ?? []).map((e) => ({ name: e.name ?? '', type: e.type, typeHandlerVersion: e.typeHandlerVersion, statuses: (e.statuses ?? []).map(toStatus) })),
    networkInterfaceIds: (vm.networkProfile?.networkInterfaces ?? []).map((n) => n.id).filter((id): id is string => typeof id === 'string'),
  };
}

function toResourceLock(lock: ManagementLockObject): ResourceLock {
  const id = lock.id ?? '';
  return { id, name: lock.name ?? armIdLastSegment(id, 'locks') ?? '', level: lock.level, notes: lock.notes, scope: lockScope(id) };
}

/** Windows answers StdOut/StdErr entries; Linux one entry with "[stdout]\n...\n[stderr]\n...". */
export function parseRunCommandOutput(value: ReadonlyArray<{ code?: string; message?: string }>): RunCommandOutput {
  const stdoutEntry = value.find((v) => /StdOut/i.test(v.code ?? ''));
  const stderrEntry = value.find((v) => /StdErr/i.test(v.code ?? ''));
  if (stdoutEntry || stderrEntry) return { stdout: stdoutEntry?.message ?? '', stderr: stderrEntry?.message ?? '' };
  const message = value.map((v) => v.message ?? '').join('\n');
  const m = /\[stdout\]\n?([\s\S]*?)\n?\[stderr\]\n?([\s\S]*)$/.exec(message);
  if (!m) return { stdout: message, stderr: '' };
  return { stdout: (m[1] ?? '').trim(), stderr: (m[2] ?? '').trim() };
}
