import { armResourceType, parseContainerVm, parseProtectedItemId, parseVmId } from './arm-ids';
import type { AlertVm } from './backup-alert';
import { type BackupWorkload, workloadFrom } from './backup-workload';

/**
 * The protected resource an Azure alert is about, read from the ids it carries: the VM for an
 * Azure VM, and for other workloads the database, share or server, named with where it lives.
 */
export interface AlertItem {
  readonly workload: BackupWorkload;
  readonly vm: AlertVm;
}

/** The Backup Health dimensions, by their REST names (alert-kinds.md); the portal's display names are accepted too. */
export interface HealthDimensions {
  readonly dataSourceUrl?: string;
  readonly backupInstanceUrl?: string;
  readonly dataSourceType?: string;
  readonly healthStatus?: string;
  readonly backupInstanceName?: string;
}

const dimensionNames: Readonly<Record<string, keyof HealthDimensions>> = {
  datasourceurl: 'dataSourceUrl',
  datasourceid: 'dataSourceUrl',
  backupinstanceurl: 'backupInstanceUrl',
  backupinstanceid: 'backupInstanceUrl',
  datasourcetype: 'dataSourceType',
  healthstatus: 'healthStatus',
  backupinstancename: 'backupInstanceName',
};

export function healthDimensions(dimensions: ReadonlyArray<{ readonly name: string; readonly value: string }>): HealthDimensions {
  const out: { -readonly [K in keyof HealthDimensions]: string } = {};
  for (const d of dimensions) {
    const key = dimensionNames[d.name.replace(/[\s_]/g, '').toLowerCase()];
    const value = d.value.trim();
    if (key && value.length > 0) out[key] = value;
  }
  return out;
}

interface ItemParts {
  /** Type prefix of the item name: "VM", "SQLDataBase", "SAPHanaDatabase", "AzureFileShare"... */
  readonly itemType?: string;
  /** Type prefix of the container name: "IaasVMContainer", "VMAppContainer", "StorageContainer"... */
  readonly containerType?: string;
  /** The item itself: the database, the share, the VM. */
  readonly item?: string;
  /** The SQL instance or HANA system the database belongs to. */
  readonly instance?: string;
  /** What holds it: the VM, the storage account, the server. */
  readonly host?: string;
  readonly hostResourceGroup?: string;
}

/**
 * "SQLDataBase;MSSQLSERVER;SalesDb" in "VMAppContainer;Compute;rg-sql;sql-vm01";
 * "AzureFileShare;finance" in "StorageContainer;Storage;rg-files;stfiles01";
 * "VM;iaasvmcontainerv2;rg-app;vm01" in "IaasVMContainer;iaasvmcontainerv2;rg-app;vm01".
 */
function splitNames(container: string | undefined, item: string | undefined): ItemParts {
  // Built field by field rather than with conditional spreads: every alert of a storm comes through here.
  const parts: { -readonly [K in keyof ItemParts]: string } = {};
  if (item) {
    const itemParts = item.split(';');
    if (itemParts.length > 1 && itemParts[0]) parts.itemType = itemParts[0];
    const name = itemParts.length >= 3 ? itemParts.slice(2).join(';') : itemParts.length === 2 ? itemParts[1] : itemParts[0];
    if (name) parts.item = name;
    if (itemParts.length >= 3 && itemParts[1]) parts.instance = itemParts[1];
  }
  if (container) {
    const containerParts = container.split(';');
    const vmContainer = parseContainerVm(container);
    if (containerParts.length > 1 && containerParts[0]) parts.containerType = containerParts[0];
    const host = vmContainer?.name ?? (containerParts.length > 1 ? containerParts[containerParts.length - 1] : undefined);
    const hostResourceGroup = vmContainer?.resourceGroup ?? (containerParts.length >= 4 ? containerParts[containerParts.length - 2] : undefined);
    if (host) parts.host = host;
    if (hostResourceGroup) parts.hostResourceGroup = hostResourceGroup;
  }
  return parts;
}

/** "SalesDb (MSSQLSERVER on sql-vm01)", "finance (stfiles01)", or the item alone. */
function itemName(parts: ItemParts, fallback: string | undefined): string | undefined {
  const item = parts.item ?? fallback;
  if (!item) return undefined;
  const where = [parts.instance, parts.host].filter((p): p is string => p !== undefined && p.toLowerCase() !== item.toLowerCase());
  return where.length === 0 ? item : `${item} (${where.join(' on ')})`;
}

function nonVmItem(workload: BackupWorkload, parts: ItemParts, fallbackName: string | undefined, resourceId: string | undefined): AlertItem | undefined {
  const name = itemName(parts, fallbackName);
  if (!name) return undefined;
  const hostVm = resourceId ? parseVmId(resourceId) : undefined;
  const resourceGroup = parts.hostResourceGroup ?? hostVm?.resourceGroup ?? resourceGroupOf(resourceId);
  const subscriptionId = hostVm?.subscriptionId ?? subscriptionOf(resourceId);
  return { workload, vm: { name, ...(resourceGroup ? { resourceGroup } : {}), ...(subscriptionId ? { subscriptionId } : {}) } };
}

function resourceGroupOf(id: string | undefined): string | undefined {
  return id ? /\/resourcegroups\/([^/]+)/i.exec(id)?.[1] : undefined;
}

function subscriptionOf(id: string | undefined): string | undefined {
  return id ? /^\/subscriptions\/([^/]+)/i.exec(id.trim())?.[1] : undefined;
}

/** A protected item's names from its id, or from the tail of a datasource id that names it (".../backupProtectedItem/SQLDataBase;MSSQLSERVER;db"). */
function namesFrom(protectedItemId: string | undefined, sourceId: string | undefined): { container?: string; item?: string } {
  const parsed = protectedItemId ? parseProtectedItemId(protectedItemId) : undefined;
  if (parsed) return parsed;
  const tail = sourceId ? armResourceType(sourceId) : undefined;
  return tail && tail.type.endsWith('/backupprotecteditem') ? { item: tail.name } : {};
}

/** The Backup Health metric's datasource and backup instance (the VM, its resource group, the item). */
export function protectedItemOfHealthEvent(dims: HealthDimensions): AlertItem | undefined {
  const dataSource = dims.dataSourceUrl;
  const fromUrl = dims.backupInstanceUrl ? parseProtectedItemId(dims.backupInstanceUrl) : undefined;
  // backupInstanceName is "{protectedContainerName};{backupItemFriendlyName}", e.g. "iaasvmcontainerv2;rg;vm;vm".
  const nameParts = dims.backupInstanceName?.split(';') ?? [];
  const friendly = nameParts.length > 1 ? nameParts[nameParts.length - 1] : dims.backupInstanceName;
  const containerFromName = nameParts.length > 1 ? nameParts.slice(0, -1).join(';') : undefined;
  // A rule split by Datasource ID alone (Microsoft's "alert after every failed backup job") names the item only in the
  // datasource id's tail: ".../virtualMachines/vm/providers/Microsoft.RecoveryServices/backupProtectedItem/SQLDataBase;mssqlserver;db".
  const tailItem = fromUrl === undefined ? namesFrom(undefined, dataSource).item : undefined;
  const named = splitNames(fromUrl?.container ?? containerFromName, fromUrl?.item ?? tailItem);
  const hostVm = named.host === undefined && tailItem !== undefined && dataSource ? parseVmId(dataSource) : undefined;
  const parts: ItemParts = hostVm ? { ...named, host: hostVm.name, hostResourceGroup: hostVm.resourceGroup } : named;
  const sourceType = dataSource ? armResourceType(dataSource)?.type : undefined;
  const workload = workloadFrom(dims.dataSourceType, sourceType, parts.itemType, parts.containerType) ?? 'azure-vm';
  if (workload === 'azure-vm') {
    const vm = dataSource ? parseVmId(dataSource) : undefined;
    if (vm) return { workload, vm: { name: vm.name, resourceGroup: vm.resourceGroup, subscriptionId: vm.subscriptionId } };
    const container = parseContainerVm(fromUrl?.container ?? containerFromName ?? '');
    const name = container?.name ?? friendly;
    if (!name) return undefined;
    return { workload, vm: { name, ...(container ? { resourceGroup: container.resourceGroup } : {}) } };
  }
  return nonVmItem(workload, parts, friendly ?? (dataSource ? armResourceType(dataSource)?.name : undefined), dataSource);
}

interface BackupAlertContext {
  readonly sourceId?: string | null | undefined;
  readonly linkedResourceId?: string | null | undefined;
  readonly linkedResourceName?: string | null | undefined;
  readonly protectedItemId?: string | null | undefined;
  readonly affectedItems?: string | null | undefined;
  readonly sourceType?: string | null | undefined;
  readonly formattedSourceType?: string | null | undefined;
}

/** The first of the ids that is a VM's, parsed; the later ones are read only when the earlier are not. */
function firstVmId(...ids: ReadonlyArray<string | null | undefined>): ReturnType<typeof parseVmId> {
  for (const id of ids) {
    const text = present(id);
    const vm = text === undefined ? undefined : parseVmId(text);
    if (vm !== undefined) return vm;
  }
  return undefined;
}

const present = (v: string | null | undefined): string | undefined => (v === null || v === undefined || v.trim() === '' ? undefined : v.trim());

/** The built-in Azure Backup alert's protected resource, by its sourceType / formattedSourceType and ids. */
export function protectedItemOfBackupAlert(c: BackupAlertContext): AlertItem | undefined {
  const sourceId = present(c.sourceId);
  const names = namesFrom(present(c.protectedItemId), sourceId);
  const parts = splitNames(names.container, names.item);
  const resourceId = present(c.linkedResourceId) ?? sourceId ?? present(c.affectedItems);
  // The types say it; without them, the type of the resource the alert links to (a VM id: an Azure VM).
  const workload =
    workloadFrom(c.sourceType, c.formattedSourceType, parts.itemType, parts.containerType) ??
    workloadFrom(sourceId ? armResourceType(sourceId)?.type : undefined, resourceId ? armResourceType(resourceId)?.type : undefined) ??
    'other';
  if (workload === 'azure-vm') {
    const vmId = firstVmId(c.linkedResourceId, c.sourceId, c.affectedItems);
    const container = names.container ? parseContainerVm(names.container) : undefined;
    const name = vmId?.name ?? present(c.linkedResourceName) ?? container?.name;
    if (!name) return undefined;
    const resourceGroup = vmId?.resourceGroup ?? container?.resourceGroup;
    return { workload, vm: { name, ...(resourceGroup ? { resourceGroup } : {}), ...(vmId ? { subscriptionId: vmId.subscriptionId } : {}) } };
  }
  const fallback = parts.item ? undefined : (present(c.linkedResourceName) ?? (resourceId ? armResourceType(resourceId)?.name : undefined));
  return nonVmItem(workload, parts, fallback, resourceId);
}
