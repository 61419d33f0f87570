import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AzurePort, BackupInstance, BackupJob, BackupVaultIdentity, DiskEncryption, DatabaseVm, FileShareState, StorageAccountInfo, BlobRestoreSettings, ProtectedVm, ResourceLock, RestorePointCollection, RoleAssignment, VaultRef, VmRef, VmStatus } from '../../../src/core/azure-port';
import type { Actor } from '../../../src/core/remediation/actor';
import { parseFixCatalogue, type FixCatalogue } from '../../../src/core/remediation/fix-catalogue';
import { parsePolicy, type Policy, type PolicyState } from '../../../src/core/remediation/policy';
import type { Clock, IdGenerator } from '../../../src/core/ports';
import type { FixRequest } from '../../../src/core/remediation/fix-request';
import type { InMemoryAuditLog, InMemoryFixRequestStore } from '../../../src/core/remediation/in-memory-stores';
import { RemediationService } from '../../../src/core/remediation/remediation-service';

export const repoRoot = join(__dirname, '../../..');

export function loadCatalogue(): FixCatalogue {
  return parseFixCatalogue(JSON.parse(readFileSync(join(repoRoot, 'knowledge/fixes.json'), 'utf8')));
}

export const SUB = '11111111-1111-1111-1111-111111111111';
export const vm: VmRef = { subscriptionId: SUB, resourceGroup: 'rg-prod-web', name: 'vm-web-01' };
export const vault: VaultRef = { subscriptionId: SUB, resourceGroup: 'rg-backup', name: 'vault-prod' };

export const alice: Actor = { channel: 'msteams', userId: '29:alice', aadObjectId: 'aaaaaaaa-0000-0000-0000-000000000001', displayName: 'Alice' };
export const bob: Actor = { channel: 'msteams', userId: '29:bob', aadObjectId: 'bbbbbbbb-0000-0000-0000-000000000002', displayName: 'Bob' };
export const mallory: Actor = { channel: 'msteams', userId: '29:mallory', aadObjectId: 'cccccccc-0000-0000-0000-000000000003', displayName: 'Alice' };

export function policyJson(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: 1,
    enabledFixes: ['retry-backup', 'restart-windows-agent', 'restart-linux-agent', 'update-linux-agent', 'reinstall-backup-extension', 'clear-restore-points-behind-lock', 'enable-verbose-agent-logging'],
    groups: { operators: [`aad:${alice.aadObjectId}`, `aad:${bob.aadObjectId}`] },
    requesters: ['group:operators'],
    approvers: ['group:operators'],
    scope: { subscriptions: [SUB], resourceGroups: ['rg-prod-*', 'AzureBackupRG_*'] },
    ...overrides,
  };
}

export function loadedPolicy(overrides: Record<string, unknown> = {}): PolicyState {
  const policy: Policy = parsePolicy(policyJson(overrides), 'test-policy.json');
  return { kind: 'loaded', policy, source: 'test-policy.json' };
}

export class ManualClock implements Clock {
  constructor(private current = new Date('2026-03-01T10:00:00Z')) {}
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class SequenceIds implements IdGenerator {
  private n = 0;
  next(): string {
    this.n += 1;
    return `id-${this.n.toString().padStart(4, '0')}`;
  }
}

/**
 * A port-level stand-in for unit tests of the core only (the integration tests run the
 * real SDK gateway against the ARM simulator). It keeps just enough state to show that a
 * fix ran once and what it changed.
 */
export class RecordingAzure implements AzurePort {
  readonly calls: string[] = [];
  agentReady = false;
  jobs = new Map<string, BackupJob>();
  failNextBackup: string | undefined;
  locks: ResourceLock[] = [{ id: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1/providers/Microsoft.Authorization/locks/keep`, name: 'keep', level: 'CanNotDelete', notes: 'do not delete', scope: `/subscriptions/${SUB}/resourceGroups/AzureBackupRG_westeurope_1` }];
  collections: RestorePointCollection[] = [{ id: 'rpc1', name: 'AzureBackup_vm-web-01_1234', resourceGroup: 'AzureBackupRG_westeurope_1', subscriptionId: SUB, restorePointCount: 18 }];
  failCollectionDelete = false;
  /** How many of the next lock creates fail. */
  failLockCreates = 0;

  constructor(readonly osType: 'Windows' | 'Linux' = 'Windows') {}

  private protectedVm(): ProtectedVm {
    return { vault, vm, friendlyName: vm.name, containerName: `IaasVMContainer;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}`, protectedItemName: `VM;iaasvmcontainerv2;${vm.resourceGroup};${vm.name}` };
  }
  async listVaults(): Promise<VaultRef[]> {
    return [vault];
  }
  async listFailedBackupJobs(): Promise<BackupJob[]> {
    return [];
  }
  async getBackupJob(_vault: VaultRef, jobId: string): Promise<BackupJob> {
    const job = this.jobs.get(jobId);
    if (!job) throw new Error(`no job ${jobId}`);
    // A job is InProgress on the first read, then ends.
    if (job.status === 'InProgress') {
      const ended: BackupJob = this.failNextBackup
        ? { ...job, status: 'Failed', errors: [{ message: this.failNextBackup, recommendations: [] }] }
        : { ...job, status: 'Completed' };
      this.jobs.set(jobId, ended);
      return job;
    }
    return job;
  }
  async listProtectedVms(): Promise<ProtectedVm[]> {
    return [this.protectedVm()];
  }
  async listDatabaseVms(): Promise<DatabaseVm[]> {
    return [];
  }
  async triggerBackup(): Promise<{ jobId: string }> {
    this.calls.push('triggerBackup');
    const id = `job-${this.jobs.size + 1}`;
    this.jobs.set(id, { id, vault, vmName: vm.name, operation: 'Backup', status: 'InProgress', errors: [] });
    return { jobId: id };
  }
  async getVmStatus(ref: VmRef): Promise<VmStatus> {
    return {
      vm: ref,
      id: `/subscriptions/${SUB}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${ref.name}`,
      osType: this.osType,
      powerState: 'PowerState/running',
      provisioningState: 'ProvisioningState/succeeded',
      agentVersion: '2.7.41491.1102',
      agentStatuses: [{ displayStatus: this.agentReady ? 'Ready' : 'Not Ready' }],
      extensionHandlers: [],
      extensions: [{ name: this.osType === 'Windows' ? 'VMSnapshot' : 'VMSnapshotLinux', statuses: [] }],
      networkInterfaceIds: [],
    };
  }
  async listEffectiveSecurityRules(): Promise<[]> {
    return [];
  }
  async runCommand(_vm: VmRef, command: { os: 'Windows' | 'Linux'; script: readonly string[] }): Promise<{ stdout: string; stderr: string }> {
    this.calls.push(`runCommand:${command.script[0] ?? ''}`);
    this.agentReady = true;
    return { stdout: 'Running', stderr: '' };
  }
  async deleteExtension(_vm: VmRef, name: string): Promise<void> {
    this.calls.push(`deleteExtension:${name}`);
  }
  async listVmExtensions(): Promise<[]> {
    return [];
  }
  async getWorkloadContainer(): Promise<undefined> {
    return undefined;
  }
  async listRestorePointCollections(): Promise<RestorePointCollection[]> {
    return [...this.collections];
  }
  async deleteRestorePointCollection(c: RestorePointCollection): Promise<void> {
    this.calls.push(`deleteRestorePointCollection:${c.name}`);
    if (this.failCollectionDelete || this.locks.length > 0) throw new Error('ScopeLocked');
    this.collections = this.collections.filter((x) => x.name !== c.name);
  }
  async listResourceGroupLocks(): Promise<ResourceLock[]> {
    return [...this.locks];
  }
  async deleteResourceGroupLock(_s: string, _rg: string, name: string): Promise<void> {
    this.calls.push(`deleteLock:${name}`);
    this.locks = this.locks.filter((l) => l.name !== name);
  }
  async createResourceGroupLock(s: string, rg: string, lock: { name: string; level: string; notes?: string }): Promise<ResourceLock> {
    this.calls.push(`createLock:${lock.name}:${lock.level}:${lock.notes ?? ''}`);
    if (this.failLockCreates > 0) {
      this.failLockCreates -= 1;
      throw new Error('lock create failed');
    }
    const created: ResourceLock = { id: `/subscriptions/${s}/resourceGroups/${rg}/providers/Microsoft.Authorization/locks/${lock.name}`, scope: `/subscriptions/${s}/resourceGroups/${rg}`, ...lock };
    // A PUT: the same name again replaces, as in ARM.
    this.locks = [...this.locks.filter((l) => l.name !== lock.name), created];
    return created;
  }

  // Fixes act on VMs only: a Backup vault datasource is never read here.
  async listBackupInstances(): Promise<BackupInstance[]> {
    return [];
  }

  async getBackupVaultIdentity(): Promise<BackupVaultIdentity | undefined> {
    return undefined;
  }

  async listRoleAssignments(): Promise<RoleAssignment[]> {
    return [];
  }

  async getDiskEncryption(): Promise<DiskEncryption> {
    return {};
  }

  async listResourceLocks(): Promise<ResourceLock[]> {
    return [];
  }

  async getFileShareState(): Promise<FileShareState> {
    return { live: true, softDeleted: [], snapshotCount: 0 };
  }

  async getStorageAccount(): Promise<StorageAccountInfo> {
    return { kind: 'StorageV2', sku: 'Standard_LRS', hierarchicalNamespace: false };
  }

  async getBlobRestoreSettings(): Promise<BlobRestoreSettings> {
    return { pointInTimeRestore: true, versioning: true, changeFeed: true, blobSoftDelete: true };
  }
}

/** The liveness the service tests share: 20 s heartbeats, a run stale after 90 s, approved requests resumed after 30 s. */
export const testLiveness = { heartbeatMs: 20_000, staleAfterMs: 90_000, resumeGraceMs: 30_000 };

export interface TestServiceOptions {
  readonly clock: ManualClock;
  readonly azure: RecordingAzure;
  readonly store: InMemoryFixRequestStore;
  readonly audit: InMemoryAuditLog;
  readonly ids?: IdGenerator;
  readonly policy?: () => PolicyState;
  /** Default: time passes at once on the manual clock. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly instanceId?: string;
  readonly pollIntervalMs?: number;
  readonly every?: (ms: number, fn: () => void) => () => void;
  readonly chatDeadlineMs?: number;
}

/** A RemediationService over in-memory stores, the recording Azure and the manual clock: the unit tests' one way to build it. */
export function testService(o: TestServiceOptions): RemediationService {
  return new RemediationService({
    catalogue: loadCatalogue(),
    policy: o.policy ?? (() => loadedPolicy()),
    store: o.store,
    audit: o.audit,
    azure: o.azure,
    clock: o.clock,
    ids: o.ids ?? new SequenceIds(),
    sleep: o.sleep ?? (async (ms) => o.clock.advance(ms)),
    identifyCode: () => undefined,
    verification: { pollIntervalMs: o.pollIntervalMs ?? 10_000, timeoutMs: 60 * 60_000 },
    liveness: { ...testLiveness, ...(o.every ? { every: o.every } : {}) },
    ...(o.instanceId ? { instanceId: o.instanceId } : {}),
    ...(o.chatDeadlineMs !== undefined ? { chatDeadlineMs: o.chatDeadlineMs } : {}),
  });
}

/** A fix requested by Alice and approved by Bob on the test VM, through `service`. */
export async function approvedFix(service: RemediationService, fixId: string): Promise<FixRequest> {
  const requested = await service.request({ fixId, target: { vm }, actor: alice, language: 'en' });
  if (!requested.ok) throw new Error(requested.refusal.reason);
  const approved = await service.approve(requested.value.id, bob);
  if (!approved.ok) throw new Error(approved.refusal.reason);
  return approved.value;
}

/** Waits (turns of the event loop, not time) until `condition` holds. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
}
