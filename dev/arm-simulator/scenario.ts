import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * The scenario file format of the ARM simulator (documented in docs/scenario-format.md).
 * Everything has a sensible default so a scenario only states what makes its story.
 */

const nameSchema = z.string().min(1).max(90).regex(/^[A-Za-z0-9._()-]+$/, 'use letters, digits, . _ - ( ) only');
const RELATIVE_TIME = /^now((?:[+-]\d+[dhms])*)$/;

/**
 * An ISO 8601 date-time, or a time relative to when the simulator starts ("now-2h",
 * "now-1d-30m"), so a demo scenario's jobs are always recent.
 */
export function resolveScenarioTime(value: string, now: number = Date.now()): Date {
  const m = RELATIVE_TIME.exec(value.trim());
  if (!m) return new Date(value);
  const unit: Record<string, number> = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 };
  let t = now;
  for (const part of (m[1] ?? '').matchAll(/([+-])(\d+)([dhms])/g)) {
    t += (part[1] === '-' ? -1 : 1) * Number(part[2]) * (unit[part[3] ?? 's'] ?? 1000);
  }
  return new Date(t);
}

const isoDate = z.string().refine((s) => RELATIVE_TIME.test(s.trim()) || !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 date-time or a relative time such as "now-2h"');

export const backupConditionSchema = z.enum([
  /** Active until an operation in clearedBy runs on the VM (or forever when clearedBy is empty). */
  'always',
  'vmStoppedInGuest',
  'agentNotReady',
  'agentOutOfDate',
  'agentConfigNotSet',
  'outboundBlocked',
  'backupExtensionFailed',
  'restorePointLimitLocked',
]);
export type BackupCondition = z.infer<typeof backupConditionSchema>;

export const clearingOperationSchema = z.enum(['restartAgent', 'updateAgent', 'deleteBackupExtension', 'deleteRestorePoints', 'deleteLock', 'runCommand']);
export type ClearingOperation = z.infer<typeof clearingOperationSchema>;

const faultSchema = z.object({
  /** When this fault makes a new backup fail. Conditions other than "always" are evaluated on the live state. */
  when: backupConditionSchema.default('always'),
  /** The string code, for readers of the scenario; the job carries only errorCode (integer) and the message. */
  code: z.string().min(1),
  message: z.string().min(1),
  errorCode: z.number().int().default(400000),
  recommendations: z.array(z.string()).default([]),
  clearedBy: z.array(clearingOperationSchema).default([]),
});
export type ScenarioFault = z.infer<typeof faultSchema>;

const securityRuleSchema = z.object({
  name: z.string().min(1),
  direction: z.enum(['Inbound', 'Outbound']),
  access: z.enum(['Allow', 'Deny']),
  priority: z.number().int().min(100).max(65500),
  protocol: z.enum(['Tcp', 'Udp', 'Icmp', 'All']).default('All'),
  sourceAddressPrefix: z.string().default('*'),
  sourcePortRange: z.string().default('0-65535'),
  destinationAddressPrefix: z.string().default('*'),
  destinationPortRange: z.string().default('0-65535'),
  expandedDestinationAddressPrefix: z.array(z.string()).default([]),
});
export type ScenarioSecurityRule = z.infer<typeof securityRuleSchema>;

const nicSchema = z.object({
  name: nameSchema,
  /** Defaults to the VM's resource group. */
  resourceGroup: nameSchema.optional(),
  networkSecurityGroup: nameSchema.optional(),
  /** Adds Azure's default rules (AllowVnetOutBound, AllowInternetOutBound, DenyAllOutBound, ...). */
  includeDefaultRules: z.boolean().default(true),
  effectiveRules: z.array(securityRuleSchema).default([]),
});

const extensionSchema = z.object({
  name: nameSchema,
  /** Publisher.Type, e.g. Microsoft.Azure.RecoveryServices.VMSnapshot. */
  type: z.string().min(1),
  typeHandlerVersion: z.string().default('1.0'),
  status: z.enum(['succeeded', 'failed', 'transitioning']).default('succeeded'),
  message: z.string().optional(),
});
export type ScenarioExtension = z.infer<typeof extensionSchema>;

const vmSchema = z.object({
  name: nameSchema,
  osType: z.enum(['Windows', 'Linux']),
  osName: z.string().optional(),
  location: z.string().optional(),
  vmSize: z.string().default('Standard_D2s_v5'),
  powerState: z.enum(['running', 'stopped', 'deallocated', 'starting', 'stopping', 'deallocating']).default('running'),
  provisioningState: z.enum(['succeeded', 'failed', 'updating', 'creating']).default('succeeded'),
  agent: z
    .object({
      /** Unknown = not reporting (vmAgentVersion "Unknown"); run commands then fail. */
      status: z.enum(['Ready', 'NotReady', 'Unknown']).default('Ready'),
      version: z.string().default('2.7.41491.1102'),
      message: z.string().optional(),
    })
    .prefault({}),
  extensions: z.array(extensionSchema).default([]),
  nics: z.array(nicSchema).default([]),
  guest: z
    .object({
      /** /etc/waagent.conf settings seen by a read-only run command (Linux). */
      waagentConf: z.record(z.string(), z.string()).default({ 'Extensions.Enable': 'y', 'Provisioning.Agent': 'auto', 'Logs.Verbose': 'n' }),
      dhcpEnabled: z.boolean().default(true),
    })
    .prefault({}),
  faults: z.array(faultSchema).default([]),
});
export type ScenarioVm = z.infer<typeof vmSchema>;

const lockSchema = z.object({
  name: nameSchema,
  level: z.enum(['CanNotDelete', 'ReadOnly']),
  notes: z.string().optional(),
});
export type ScenarioLock = z.infer<typeof lockSchema>;

const protectedItemSchema = z.object({
  vm: nameSchema,
  /** Defaults to the resource group holding a VM of that name in the same subscription. */
  vmResourceGroup: nameSchema.optional(),
  policyName: z.string().default('DefaultPolicy'),
  protectionState: z.enum(['Protected', 'IRPending', 'ProtectionStopped', 'ProtectionPaused', 'ProtectionError']).default('Protected'),
  healthStatus: z.enum(['Passed', 'ActionRequired', 'ActionSuggested', 'Invalid']).default('Passed'),
  lastBackupStatus: z.string().optional(),
  lastBackupTime: isoDate.optional(),
});

/** A VM registered with the vault for SQL Server (or SAP HANA) backup: the vault's VMAppContainer for it. */
const workloadContainerSchema = z.object({
  vm: nameSchema,
  /** Defaults to the resource group holding a VM of that name in the same subscription. */
  vmResourceGroup: nameSchema.optional(),
  registrationStatus: z.enum(['Registered', 'Registering', 'NotRegistered']).default('Registered'),
  healthStatus: z.enum(['Healthy', 'Unhealthy']).default('Healthy'),
  /** What the VM was registered for. */
  workload: z.enum(['sql-server', 'sap-hana']).default('sql-server'),
  /** The databases on it the vault protects: each is a workload protected item in the vault's list. */
  databases: z.array(nameSchema).default([]),
});

const jobSchema = z.object({
  id: z.string().min(1),
  vm: nameSchema,
  vmResourceGroup: nameSchema.optional(),
  operation: z.string().default('Backup'),
  status: z.enum(['InProgress', 'Completed', 'Failed', 'CompletedWithWarnings', 'Cancelled', 'Cancelling']),
  jobType: z.enum(['AzureIaaSVMJob', 'AzureIaaSVMJobV2']).default('AzureIaaSVMJob'),
  startTime: isoDate,
  endTime: isoDate.optional(),
  /** ISO 8601 (PT31M4.5S) or .NET TimeSpan (00:20:23.0896697): the service returns both. */
  duration: z.string().optional(),
  /** The service returns integers here, not the enum names. */
  actionsInfo: z.array(z.number().int()).default([]),
  isUserTriggered: z.boolean().default(false),
  error: z
    .object({
      code: z.string().optional(),
      errorCode: z.number().int(),
      errorString: z.string().min(1),
      errorTitle: z.string().default(''),
      recommendations: z.array(z.string()).default([]),
    })
    .optional(),
  dynamicErrorMessage: z.string().optional(),
});
export type ScenarioJob = z.infer<typeof jobSchema>;

const vaultSchema = z.object({
  name: nameSchema,
  location: z.string().optional(),
  protectedItems: z.array(protectedItemSchema).default([]),
  workloadContainers: z.array(workloadContainerSchema).default([]),
  jobs: z.array(jobSchema).default([]),
});

const guidSchema = z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID');

const backupInstanceSchema = z.object({
  /** Default "<datasource>-<datasource>-<n>", as the portal names them. */
  name: nameSchema.optional(),
  /** The datasource's ARM id: a disk (Microsoft.Compute/disks) or a storage account (Microsoft.Storage/storageAccounts) for blobs. */
  datasource: z
    .string()
    .regex(/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/(Microsoft\.Compute\/disks|Microsoft\.Storage\/storageAccounts)\/[^/]+$/i, 'must be a disk or storage account ARM id'),
  /** Disks: the snapshot resource group's name, in the vault's subscription (it need not exist: a deleted one is a documented failure). */
  snapshotResourceGroup: z.string().min(1).optional(),
});

/** A managed disk, for what the Backup vault checks read of it (its encryption). */
const diskSchema = z.object({
  name: nameSchema,
  /** The disk encryption set of a customer-managed key: its name in the disk's resource group, or its ARM id; absent: a platform-managed key. */
  diskEncryptionSet: z.string().min(1).optional(),
});

/** A storage account, for what the blob and file share checks read of it (its locks, kind and SKU). */
const storageAccountSchema = z.object({
  name: z.string().regex(/^[a-z0-9]{3,24}$/, 'must be 3-24 lower-case letters and digits, as Azure names storage accounts'),
  kind: z.enum(['StorageV2', 'Storage', 'BlobStorage', 'BlockBlobStorage', 'FileStorage']).default('StorageV2'),
  sku: z.string().min(1).default('Standard_LRS'),
  /** Hierarchical namespace (Data Lake Storage Gen2), which blob backup does not support. */
  hierarchicalNamespace: z.boolean().default(false),
  /** The blob service's point-in-time restore (with versioning, change feed and blob soft delete), which operational blob backup is built on. */
  pointInTimeRestore: z.boolean().default(true),
  /** Locks on the account itself; it also inherits its resource group's and subscription's. */
  locks: z.array(lockSchema).default([]),
  /** Azure file shares: live, or soft-deleted (restorable); snapshots of a live share count toward Azure's limit of 200. */
  fileShares: z
    .array(
      z.object({
        name: z.string().regex(/^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/, 'must be 3-63 lower-case letters, digits and single hyphens, as Azure names file shares'),
        softDeleted: z.boolean().default(false),
        snapshots: z.number().int().min(0).max(200).default(0),
      }),
    )
    .default([]),
});

/** A Backup vault (Microsoft.DataProtection) protecting disks and blobs. */
const backupVaultSchema = z.object({
  name: nameSchema,
  location: z.string().optional(),
  /** The vault's system-assigned managed identity; absent: identity type None. */
  principalId: guidSchema.optional(),
  backupInstances: z.array(backupInstanceSchema).default([]),
});

const roleAssignmentSchema = z.object({
  /** Where the role is assigned: a management group, subscription, resource group or resource id. */
  scope: z.string().regex(/^\/(subscriptions|providers\/Microsoft\.Management\/managementGroups)\/[^/]+/i, 'must be a management group, subscription, resource group or resource id'),
  principalId: guidSchema,
  /** A built-in role's name (Reader, Contributor, Owner, Disk Backup Reader, Disk Snapshot Contributor, Storage Account Backup Contributor) or any role definition GUID. */
  role: z.string().min(1),
});

const restorePointCollectionSchema = z.object({
  name: nameSchema,
  /** The source VM: its name (in the same subscription) or its full ARM id; omitted for a collection that records no source. */
  sourceVm: z.string().min(1).optional(),
  /** The source VM's resource group, when its name is not unique in the subscription. */
  sourceVmResourceGroup: z.string().min(1).optional(),
  restorePointCount: z.number().int().min(0).max(600),
  location: z.string().optional(),
});

const resourceGroupSchema = z.object({
  name: nameSchema,
  location: z.string().default('westeurope'),
  locks: z.array(lockSchema).default([]),
  vaults: z.array(vaultSchema).default([]),
  backupVaults: z.array(backupVaultSchema).default([]),
  disks: z.array(diskSchema).default([]),
  storageAccounts: z.array(storageAccountSchema).default([]),
  virtualMachines: z.array(vmSchema).default([]),
  restorePointCollections: z.array(restorePointCollectionSchema).default([]),
});

const subscriptionSchema = z.object({
  id: z.string().regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a subscription GUID'),
  displayName: z.string().default('Simulated subscription'),
  /** Locks at subscription scope: inherited by every resource group. */
  locks: z.array(lockSchema).default([]),
  resourceGroups: z.array(resourceGroupSchema).default([]),
});

const denialSchema = z.object({
  /** ARM id prefix (subscription, resource group or resource) the identity lacks rights on. */
  scope: z.string().startsWith('/subscriptions/'),
  /** RBAC actions denied; a trailing * matches a prefix; ["*"] denies everything in scope. */
  actions: z.array(z.string().min(1)).default(['*']),
});

const settingsSchema = z
  .object({
    pageSize: z.number().int().min(1).max(1000).default(50),
    /** A triggered backup stays InProgress this long, then completes on the next read. 0 = on next read. */
    jobCompletionDelayMs: z.number().int().min(0).default(2000),
    /** How many status polls of a long-running operation answer InProgress before it ends. */
    asyncOperationPolls: z.number().int().min(0).max(20).default(1),
    /** Version a Linux agent update installs. */
    latestLinuxAgentVersion: z.string().default('2.12.0.4'),
    /** Minimum supported Linux agent version (below it, agentOutOfDate holds). */
    minimumLinuxAgentVersion: z.string().default('2.2.53.1'),
    /** Restore points kept by garbage collection after a successful backup. */
    snapshotRetention: z.number().int().min(1).max(30).default(5),
    /**
     * How backup jobs are shaped: "full" (containerName and extendedInfo, as live IaaS VM jobs
     * carry them) or "spec-example" (neither, like the jobs in Azure's REST API examples, so a job
     * names its VM only by entityFriendlyName).
     */
    jobShape: z.enum(['full', 'spec-example']).default('full'),
    /**
     * How compute's long-running operations answer: "async-operation" (202 with Azure-AsyncOperation
     * and Location) or "location-only" (202 with a Location alone, on another host name of this server).
     */
    lroShape: z.enum(['async-operation', 'location-only']).default('async-operation'),
    /** Effective security rules: "immediate" (200 with the rules) or "accepted" (202 with a Location, then the rules there). */
    effectiveRulesShape: z.enum(['immediate', 'accepted']).default('immediate'),
    /** How VMs spell their location: "name" ("westeurope") or "display-name" ("West Europe"); other resources keep the name. */
    vmLocationStyle: z.enum(['name', 'display-name']).default('name'),
    /** Protected item ids "with-fabric" (".../backupFabrics/Azure/protectionContainers/...") or "without-fabric", as Azure's REST examples list them. */
    protectedItemIdShape: z.enum(['with-fabric', 'without-fabric']).default('with-fabric'),
  })
  .prefault({});

export const scenarioSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().min(1),
    description: z.string().optional(),
    settings: settingsSchema,
    denials: z.array(denialSchema).default([]),
    /** Role assignments of principals other than the bot (a Backup vault's identity): what the checks read, not what the simulator enforces. */
    roleAssignments: z.array(roleAssignmentSchema).default([]),
    subscriptions: z.array(subscriptionSchema).min(1),
  })
  .superRefine((scenario, ctx) => {
    const seen = new Set<string>();
    const unique = (key: string, path: (string | number)[], what: string): void => {
      if (seen.has(key.toLowerCase())) ctx.addIssue({ code: 'custom', path, message: `duplicate ${what}` });
      seen.add(key.toLowerCase());
    };
    scenario.subscriptions.forEach((sub, si) => {
      unique(`sub/${sub.id}`, ['subscriptions', si, 'id'], 'subscription id');
      const vmNames = new Map<string, string[]>();
      sub.resourceGroups.forEach((rg, ri) => {
        unique(`rg/${sub.id}/${rg.name}`, ['subscriptions', si, 'resourceGroups', ri, 'name'], 'resource group name');
        rg.virtualMachines.forEach((vm, vi) => {
          unique(`vm/${sub.id}/${rg.name}/${vm.name}`, ['subscriptions', si, 'resourceGroups', ri, 'virtualMachines', vi, 'name'], 'VM name in this resource group');
          const list = vmNames.get(vm.name.toLowerCase()) ?? [];
          list.push(rg.name.toLowerCase());
          vmNames.set(vm.name.toLowerCase(), list);
        });
      });
      const resolvable = (vm: string, vmRg: string | undefined, path: (string | number)[]): void => {
        const rgs = vmNames.get(vm.toLowerCase());
        if (!rgs) ctx.addIssue({ code: 'custom', path, message: `no VM named "${vm}" in subscription ${sub.id}` });
        else if (vmRg && !rgs.includes(vmRg.toLowerCase())) ctx.addIssue({ code: 'custom', path, message: `VM "${vm}" is not in resource group "${vmRg}"` });
        else if (!vmRg && rgs.length > 1) ctx.addIssue({ code: 'custom', path, message: `VM name "${vm}" is ambiguous: set vmResourceGroup` });
      };
      sub.resourceGroups.forEach((rg, ri) => {
        rg.vaults.forEach((vault, vi) => {
          const base = ['subscriptions', si, 'resourceGroups', ri, 'vaults', vi];
          vault.protectedItems.forEach((item, ii) => resolvable(item.vm, item.vmResourceGroup, [...base, 'protectedItems', ii, 'vm']));
          vault.jobs.forEach((job, ji) => {
            resolvable(job.vm, job.vmResourceGroup, [...base, 'jobs', ji, 'vm']);
            unique(`job/${job.id}`, [...base, 'jobs', ji, 'id'], 'job id');
          });
        });
        rg.restorePointCollections.forEach((rpc, ci) => {
          if (rpc.sourceVm !== undefined && !rpc.sourceVm.startsWith('/')) resolvable(rpc.sourceVm, rpc.sourceVmResourceGroup, ['subscriptions', si, 'resourceGroups', ri, 'restorePointCollections', ci, 'sourceVm']);
        });
      });
    });
  });

export type Scenario = z.infer<typeof scenarioSchema>;
export type ScenarioInput = z.input<typeof scenarioSchema>;

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((issue) => {
      const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
      return `${path || '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

export class ScenarioError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string,
  ) {
    super(`Scenario ${source} is invalid: ${problems}`);
    this.name = 'ScenarioError';
  }
}

/** Validates a parsed scenario; `source` names it in the error (a file path or "inline"). */
export function parseScenario(value: unknown, source = 'inline'): Scenario {
  const result = scenarioSchema.safeParse(value);
  if (!result.success) throw new ScenarioError(source, describeIssues(result.error));
  return result.data;
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(file, `cannot be read (${error instanceof Error ? error.message : String(error)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(file, `is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return parseScenario(json, file);
}
