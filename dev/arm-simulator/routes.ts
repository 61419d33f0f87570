import { effectiveNsgJson, extensionJson, instanceViewJson, jobJson, lockJson, protectedItemJson, restorePointCollectionJson, vaultJson, vmJson, workloadContainerJson, workloadItemJson } from './arm-json';
import type { FaultInjector } from './faults';
import { diskJson, listRoleAssignments } from './backup-vaults';
import { resourceGraphQuery } from './resource-graph';
import { blobServiceJson, listFileShares, storageAccountJson, storageAccountLocks } from './storage-accounts';
import type { SimAsyncOperation, SimJob } from './model';
import { ArmError, rgId, type SimulatorState } from './state';

/** The ARM routes the gateway calls, matched case-insensitively on decoded segments. */

export interface RequestContext {
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  /** https://host:port, for nextLink and operation URLs. */
  readonly base: string;
  readonly url: URL;
}

export interface Reply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: string;
  readonly segments: readonly string[];
  /** RBAC action checked against the scenario's denials. */
  readonly action: string;
  /** The ARM id the action applies to (403 messages name it). */
  readonly scope: (p: Readonly<Record<string, string>>) => string;
  readonly handle: (ctx: RequestContext) => Reply;
}

const SUB = 'subscriptions/{sub}';
const RG = `${SUB}/resourceGroups/{rg}`;
const VAULT = `${RG}/providers/Microsoft.RecoveryServices/vaults/{vault}`;
const ITEM = `${VAULT}/backupFabrics/{fabric}/protectionContainers/{container}/protectedItems/{item}`;
const VM = `${RG}/providers/Microsoft.Compute/virtualMachines/{vm}`;
const RPC = `${RG}/providers/Microsoft.Compute/restorePointCollections`;
const LOCKS = `${RG}/providers/Microsoft.Authorization/locks`;
const NIC = `${RG}/providers/Microsoft.Network/networkInterfaces/{nic}`;
const COMPUTE_OPS = `${SUB}/providers/Microsoft.Compute/locations/{location}`;

const RS = 'Microsoft.RecoveryServices/Vaults';

function p(params: Readonly<Record<string, string>>, key: string): string {
  const value = params[key];
  if (value === undefined) throw new Error(`route parameter ${key} missing`);
  return value;
}

const scopeOf = {
  sub: (x: Readonly<Record<string, string>>) => `/subscriptions/${p(x, 'sub')}`,
  rg: (x: Readonly<Record<string, string>>) => rgId(p(x, 'sub'), p(x, 'rg')),
  vault: (x: Readonly<Record<string, string>>) => `${rgId(p(x, 'sub'), p(x, 'rg'))}/providers/Microsoft.RecoveryServices/vaults/${p(x, 'vault')}`,
  item: (x: Readonly<Record<string, string>>) => `${scopeOf.vault(x)}/backupFabrics/${p(x, 'fabric')}/protectionContainers/${p(x, 'container')}/protectedItems/${p(x, 'item')}`,
  vm: (x: Readonly<Record<string, string>>) => `${rgId(p(x, 'sub'), p(x, 'rg'))}/providers/Microsoft.Compute/virtualMachines/${p(x, 'vm')}`,
  rpc: (x: Readonly<Record<string, string>>) => `${rgId(p(x, 'sub'), p(x, 'rg'))}/providers/Microsoft.Compute/restorePointCollections/${x.name ?? ''}`.replace(/\/$/, ''),
  nic: (x: Readonly<Record<string, string>>) => `${rgId(p(x, 'sub'), p(x, 'rg'))}/providers/Microsoft.Network/networkInterfaces/${p(x, 'nic')}`,
};

/** The scope a role assignment list names: a subscription, a resource group or a resource in one. */
function roleAssignmentScope(x: Readonly<Record<string, string>>): string {
  if (x.rg === undefined) return scopeOf.sub(x);
  if (x.ns === undefined) return scopeOf.rg(x);
  return `${scopeOf.rg(x)}/providers/${p(x, 'ns')}/${p(x, 'type')}/${p(x, 'name')}`;
}

/** "yyyy-MM-dd hh:mm:ss AM/PM" (the backup service's filter format, UTC), or ISO 8601. */
export function parseFilterTime(value: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})(?: ?(AM|PM))?$/i.exec(value.trim());
  if (m) {
    let hour = Number(m[4]);
    const half = m[7]?.toUpperCase();
    if (half === 'AM' && hour === 12) hour = 0;
    if (half === 'PM' && hour < 12) hour += 12;
    return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), hour, Number(m[5]), Number(m[6])));
  }
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new ArmError(400, 'BMSUserErrorInvalidSyntax', `The time '${value}' in the filter is not in the format 'yyyy-MM-dd hh:mm:ss AM/PM'.`);
  return new Date(parsed);
}

/** `a eq 'x' and b eq 'y'` into { a: 'x', b: 'y' } (keys lower-cased). */
export function parseEqFilter(filter: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  if (!filter) return out;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const m = /^\s*(\w+)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!m?.[1] || m[2] === undefined) throw new ArmError(400, 'BMSUserErrorInvalidSyntax', `Unsupported filter clause: ${clause}`);
    out[m[1].toLowerCase()] = m[2];
  }
  return out;
}

function page(items: readonly unknown[], ctx: RequestContext, pageSize: number): Reply {
  const skip = Number(ctx.query.get('$skipToken') ?? ctx.query.get('$skiptoken') ?? '0') || 0;
  const value = items.slice(skip, skip + pageSize);
  let nextLink: string | undefined;
  if (skip + pageSize < items.length) {
    const next = new URL(ctx.url.toString());
    next.searchParams.delete('$skiptoken');
    next.searchParams.set('$skipToken', String(skip + pageSize));
    nextLink = `${ctx.base}${next.pathname}${next.search}`;
  }
  return { status: 200, body: nextLink ? { value, nextLink } : { value } };
}

export function buildRoutes(state: SimulatorState, faults: FaultInjector): Route[] {
  const now = (): Date => new Date();
  const pageSize = (): number => state.settings.pageSize;

  /**
   * 202 with Azure-AsyncOperation and Location, as compute's long-running operations answer; with
   * lroShape "location-only", a Location alone on the server's other host name (127.0.0.1 and
   * localhost are both this server), as operations whose status lives on another host answer.
   */
  function accepted(ctx: RequestContext, op: SimAsyncOperation, sub: string, location: string, apiVersion: string, provider = 'Microsoft.Compute'): Reply {
    const locationOnly = state.settings.lroShape === 'location-only' || provider !== 'Microsoft.Compute';
    const base = locationOnly ? otherHost(ctx.base) : ctx.base;
    const opsBase = `${base}/subscriptions/${sub}/providers/${provider}/locations/${location}`;
    const resultUrl = `${opsBase}/operationResults/${op.id}?api-version=${apiVersion}`;
    if (locationOnly) return { status: 202, headers: { Location: resultUrl } };
    return { status: 202, headers: { 'Azure-AsyncOperation': `${opsBase}/operations/${op.id}?api-version=${apiVersion}`, Location: resultUrl } };
  }

  function otherHost(base: string): string {
    const url = new URL(base);
    url.hostname = url.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
    return url.origin;
  }

  /** Runs `change` unless a failOperation fault claims this request; either way the caller gets an operation. */
  function startOperation(ctx: RequestContext, change: () => unknown): SimAsyncOperation {
    const injected = faults.take('operation', ctx.method, decodeURIComponent(ctx.url.pathname));
    if (injected) return state.newOperation({ status: 'Failed', code: injected.code, message: injected.message });
    const result = change();
    return state.newOperation({ status: 'Succeeded' }, result === undefined ? {} : { result });
  }

  /** The Location of a long-running operation: 202 (counting down the polls, for clients that follow only the Location) until it ends. */
  function operationResult(ctx: RequestContext): Reply {
    const op = operation(p(ctx.params, 'op'));
    if (op.pollsLeft > 0) {
      op.pollsLeft -= 1;
      return { status: 202, headers: { Location: ctx.url.toString() } };
    }
    if (op.outcome.status === 'Failed') throw new ArmError(400, op.outcome.code, op.outcome.message);
    return op.result === undefined ? { status: 204 } : { status: 200, body: op.result };
  }

  function operation(id: string): SimAsyncOperation {
    const op = state.operations.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `The operation '${id}' was not found.`);
    return op;
  }

  /** One poll: InProgress while polls remain, then the outcome. */
  function pollStatus(op: SimAsyncOperation): { done: boolean; body: Record<string, unknown> } {
    const base = { id: op.id, name: op.id, startTime: op.startTime.toISOString() };
    if (op.pollsLeft > 0) {
      op.pollsLeft -= 1;
      return { done: false, body: { ...base, status: 'InProgress' } };
    }
    if (op.outcome.status === 'Failed') return { done: true, body: { ...base, status: 'Failed', endTime: now().toISOString(), error: { code: op.outcome.code, message: op.outcome.message } } };
    return { done: true, body: { ...base, status: 'Succeeded', endTime: now().toISOString() } };
  }

  function vaultJobs(ctx: RequestContext): SimJob[] {
    const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
    const f = parseEqFilter(ctx.query.get('$filter'));
    const from = f.starttime ? parseFilterTime(f.starttime) : undefined;
    const to = f.endtime ? parseFilterTime(f.endtime) : undefined;
    const same = (a: string | undefined, b: string): boolean => a === undefined || a.toLowerCase() === b.toLowerCase();
    return vault.jobs
      .filter((j) => same(f.status, j.status) && same(f.operation, j.operation) && same(f.backupmanagementtype, 'AzureIaasVM') && same(f.jobid, j.id))
      .filter((j) => (!from || j.startTime >= from) && (!to || j.startTime <= to))
      .sort((a, b) => b.startTime.getTime() - a.startTime.getTime());
  }

  const routes: Array<Omit<Route, 'segments'> & { path: string }> = [
    // ---- Resource Graph (the fleet sweep's inventory) ----
    {
      method: 'POST',
      path: 'providers/Microsoft.ResourceGraph/resources',
      action: 'Microsoft.ResourceGraph/resources/read',
      scope: () => '/',
      handle: (ctx) => resourceGraphQuery(state, ctx, pageSize()),
    },
    // ---- role assignments (the Backup vault checks read a vault identity's roles) ----
    ...[SUB, RG, `${RG}/providers/{ns}/{type}/{name}`].map((scopePath) => ({
      method: 'GET',
      path: `${scopePath}/providers/Microsoft.Authorization/roleAssignments`,
      action: 'Microsoft.Authorization/roleAssignments/read',
      scope: (x: Readonly<Record<string, string>>) => roleAssignmentScope(x),
      handle: (ctx: RequestContext) => listRoleAssignments(state, ctx, roleAssignmentScope(ctx.params)),
    })),
    {
      method: 'GET',
      path: `${RG}/providers/Microsoft.Compute/disks/{disk}`,
      action: 'Microsoft.Compute/disks/read',
      scope: (x: Readonly<Record<string, string>>) => `${scopeOf.rg(x)}/providers/Microsoft.Compute/disks/${p(x, 'disk')}`,
      handle: (ctx: RequestContext) => diskJson(state, p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'disk')),
    },
    // ---- subscriptions and vaults ----
    {
      method: 'GET',
      path: 'subscriptions',
      action: 'Microsoft.Resources/subscriptions/read',
      scope: () => '/subscriptions',
      handle: (ctx) => page(state.subscriptions.map((s) => ({ id: `/subscriptions/${s.id}`, subscriptionId: s.id, displayName: s.displayName, state: 'Enabled', tenantId: '72f988bf-0000-0000-0000-000000000000' })), ctx, pageSize()),
    },
    {
      method: 'GET',
      path: `${SUB}/providers/Microsoft.RecoveryServices/vaults`,
      action: `${RS}/read`,
      scope: scopeOf.sub,
      handle: (ctx) => {
        const sub = state.subscription(p(ctx.params, 'sub'));
        return page(state.vaults.filter((v) => v.subscriptionId === sub.id).map(vaultJson), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: `${RG}/providers/Microsoft.RecoveryServices/vaults`,
      action: `${RS}/read`,
      scope: scopeOf.rg,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        return page(state.vaults.filter((v) => v.subscriptionId === rg.subscriptionId && v.resourceGroup.toLowerCase() === rg.name.toLowerCase()).map(vaultJson), ctx, pageSize());
      },
    },
    // ---- backup jobs ----
    {
      method: 'GET',
      path: `${VAULT}/backupJobs`,
      action: `${RS}/backupJobs/read`,
      scope: scopeOf.vault,
      handle: (ctx) => {
        const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
        return page(vaultJobs(ctx).map((j) => jobJson(vault, j, state.settings.jobShape)), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: `${VAULT}/backupJobs/{job}`,
      action: `${RS}/backupJobs/read`,
      scope: (x) => `${scopeOf.vault(x)}/backupJobs/${p(x, 'job')}`,
      handle: (ctx) => {
        const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
        return { status: 200, body: jobJson(vault, state.job(vault, p(ctx.params, 'job')), state.settings.jobShape) };
      },
    },
    // ---- protected items ----
    {
      method: 'GET',
      path: `${VAULT}/backupProtectedItems`,
      action: `${RS}/backupProtectedItems/read`,
      scope: scopeOf.vault,
      handle: (ctx) => {
        const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
        const f = parseEqFilter(ctx.query.get('$filter'));
        const ok = (f.backupmanagementtype === undefined || f.backupmanagementtype.toLowerCase() === 'azureiaasvm') && (f.itemtype === undefined || f.itemtype.toLowerCase() === 'vm');
        const items = ok ? vault.items.filter((i) => f.friendlyname === undefined || i.vmName.toLowerCase() === f.friendlyname.toLowerCase()) : [];
        // Databases in VMs (SQL Server, SAP HANA): listed unfiltered, or under backupManagementType AzureWorkload.
        const workloads = f.backupmanagementtype === undefined || f.backupmanagementtype.toLowerCase() === 'azureworkload';
        const databases = workloads && f.itemtype === undefined ? vault.containers.flatMap((c) => c.databases.filter((d) => f.friendlyname === undefined || d.toLowerCase() === f.friendlyname.toLowerCase()).map((d) => workloadItemJson(vault, c, d))) : [];
        return page([...items.map((i) => protectedItemJson(vault, i, recoveryPoints(i.vmId), state.settings.protectedItemIdShape)), ...databases], ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: `${VAULT}/backupFabrics/{fabric}/protectionContainers/{container}`,
      action: `${RS}/backupFabrics/protectionContainers/read`,
      scope: (x) => `${scopeOf.vault(x)}/backupFabrics/${p(x, 'fabric')}/protectionContainers/${p(x, 'container')}`,
      handle: (ctx) => {
        const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
        return { status: 200, body: workloadContainerJson(vault, state.workloadContainer(vault, p(ctx.params, 'container'))) };
      },
    },
    {
      method: 'GET',
      path: ITEM,
      action: `${RS}/backupFabrics/protectionContainers/protectedItems/read`,
      scope: scopeOf.item,
      handle: (ctx) => {
        const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
        const item = state.protectedItem(vault, p(ctx.params, 'container'), p(ctx.params, 'item'));
        return { status: 200, body: protectedItemJson(vault, item, recoveryPoints(item.vmId), state.settings.protectedItemIdShape) };
      },
    },
    {
      method: 'POST',
      path: `${ITEM}/backup`,
      action: `${RS}/backupFabrics/protectionContainers/protectedItems/backup/action`,
      scope: scopeOf.item,
      handle: (ctx) => {
        const vault = state.vault(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vault'));
        const item = state.protectedItem(vault, p(ctx.params, 'container'), p(ctx.params, 'item'));
        const objectType = (ctx.body as { properties?: { objectType?: unknown } } | undefined)?.properties?.objectType;
        if (objectType !== 'IaasVMBackupRequest') throw new ArmError(400, 'BMSUserErrorInvalidInput', `Backup request objectType must be 'IaasVMBackupRequest', got '${String(objectType)}'.`);
        const job = state.triggerBackup(vault, item);
        const op = state.newOperation({ status: 'Succeeded' }, { jobId: job.id });
        const itemUrl = `${ctx.base}${scopeOf.item(ctx.params).split('/').map(encodeURIComponent).join('/')}`;
        const apiVersion = ctx.query.get('api-version') ?? '2023-06-01';
        return {
          status: 202,
          headers: {
            Location: `${itemUrl}/operationResults/${op.id}?api-version=${apiVersion}`,
            'Azure-AsyncOperation': `${itemUrl}/operationsStatus/${op.id}?api-version=${apiVersion}`,
            'Retry-After': '60',
          },
        };
      },
    },
    {
      method: 'GET',
      path: `${ITEM}/operationsStatus/{op}`,
      action: `${RS}/backupFabrics/protectionContainers/protectedItems/operationsStatus/read`,
      scope: scopeOf.item,
      handle: (ctx) => ({ status: 200, body: backupOperationStatus(operation(p(ctx.params, 'op'))) }),
    },
    {
      method: 'GET',
      path: `${ITEM}/operationResults/{op}`,
      action: `${RS}/backupFabrics/protectionContainers/protectedItems/operationResults/read`,
      scope: scopeOf.item,
      handle: (ctx) => {
        const op = operation(p(ctx.params, 'op'));
        return op.pollsLeft > 0 ? { status: 202, headers: { Location: ctx.url.toString() } } : { status: 204 };
      },
    },
    {
      method: 'GET',
      path: `${VAULT}/backupOperations/{op}`,
      action: `${RS}/backupOperations/read`,
      scope: scopeOf.vault,
      handle: (ctx) => ({ status: 200, body: backupOperationStatus(operation(p(ctx.params, 'op'))) }),
    },
    // ---- virtual machines ----
    {
      method: 'GET',
      path: `${SUB}/providers/Microsoft.Compute/virtualMachines`,
      action: 'Microsoft.Compute/virtualMachines/read',
      scope: scopeOf.sub,
      handle: (ctx) => {
        const sub = state.subscription(p(ctx.params, 'sub'));
        return page(state.vms.filter((v) => v.subscriptionId === sub.id).map((v) => vmJson(v, now(), false, state.settings.vmLocationStyle)), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: VM,
      action: 'Microsoft.Compute/virtualMachines/read',
      scope: scopeOf.vm,
      handle: (ctx) => {
        const vm = state.vm(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vm'));
        const expand = (ctx.query.get('$expand') ?? '').toLowerCase() === 'instanceview';
        return { status: 200, body: vmJson(vm, now(), expand, state.settings.vmLocationStyle) };
      },
    },
    {
      method: 'GET',
      path: `${VM}/instanceView`,
      action: 'Microsoft.Compute/virtualMachines/instanceView/read',
      scope: scopeOf.vm,
      handle: (ctx) => ({ status: 200, body: instanceViewJson(state.vm(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vm')), now()) }),
    },
    {
      method: 'POST',
      path: `${VM}/runCommand`,
      action: 'Microsoft.Compute/virtualMachines/runCommand/action',
      scope: scopeOf.vm,
      handle: (ctx) => {
        const vm = state.vm(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vm'));
        const body = (ctx.body ?? {}) as { commandId?: unknown; script?: unknown };
        if (typeof body.commandId !== 'string') throw new ArmError(400, 'InvalidParameter', "Required parameter 'commandId' is missing (null).");
        const script = Array.isArray(body.script) ? body.script.map(String) : [];
        const op = startOperation(ctx, () => state.runCommand(vm, body.commandId as string, script));
        return accepted(ctx, op, vm.subscriptionId, vm.location, ctx.query.get('api-version') ?? '');
      },
    },
    {
      method: 'GET',
      path: `${VM}/extensions`,
      action: 'Microsoft.Compute/virtualMachines/extensions/read',
      scope: scopeOf.vm,
      handle: (ctx) => {
        const vm = state.vm(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vm'));
        return { status: 200, body: { value: vm.extensions.map((e) => extensionJson(vm, e)) } };
      },
    },
    {
      method: 'GET',
      path: `${VM}/extensions/{ext}`,
      action: 'Microsoft.Compute/virtualMachines/extensions/read',
      scope: (x) => `${scopeOf.vm(x)}/extensions/${p(x, 'ext')}`,
      handle: (ctx) => {
        const vm = state.vm(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vm'));
        const ext = vm.extensions.find((e) => e.name.toLowerCase() === p(ctx.params, 'ext').toLowerCase());
        if (!ext) throw new ArmError(404, 'NotFound', `The entity was not found in this Azure location.`);
        return { status: 200, body: extensionJson(vm, ext) };
      },
    },
    {
      method: 'DELETE',
      path: `${VM}/extensions/{ext}`,
      action: 'Microsoft.Compute/virtualMachines/extensions/delete',
      scope: (x) => `${scopeOf.vm(x)}/extensions/${p(x, 'ext')}`,
      handle: (ctx) => {
        const vm = state.vm(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'vm'));
        const name = p(ctx.params, 'ext');
        if (!vm.extensions.some((e) => e.name.toLowerCase() === name.toLowerCase())) return { status: 204 };
        state.assertNotLocked(`${vm.id}/extensions/${name}`, vm.subscriptionId, vm.resourceGroup, 'delete');
        const op = startOperation(ctx, () => {
          state.deleteExtension(vm, name);
          return undefined;
        });
        return accepted(ctx, op, vm.subscriptionId, vm.location, ctx.query.get('api-version') ?? '');
      },
    },
    // ---- restore point collections ----
    {
      method: 'GET',
      path: `${SUB}/providers/Microsoft.Compute/restorePointCollections`,
      action: 'Microsoft.Compute/restorePointCollections/read',
      scope: scopeOf.sub,
      handle: (ctx) => {
        const sub = state.subscription(p(ctx.params, 'sub'));
        return page(state.collections.filter((c) => c.subscriptionId === sub.id).map((c) => restorePointCollectionJson(c, now(), false)), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: RPC,
      action: 'Microsoft.Compute/restorePointCollections/read',
      scope: scopeOf.rg,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        return page(state.collections.filter((c) => c.subscriptionId === rg.subscriptionId && c.resourceGroup.toLowerCase() === rg.name.toLowerCase()).map((c) => restorePointCollectionJson(c, now(), false)), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: `${RPC}/{name}`,
      action: 'Microsoft.Compute/restorePointCollections/read',
      scope: scopeOf.rpc,
      handle: (ctx) => {
        const rpc = state.collection(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'name'));
        return { status: 200, body: restorePointCollectionJson(rpc, now(), (ctx.query.get('$expand') ?? '').toLowerCase() === 'restorepoints') };
      },
    },
    {
      method: 'DELETE',
      path: `${RPC}/{name}`,
      action: 'Microsoft.Compute/restorePointCollections/delete',
      scope: scopeOf.rpc,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        const rpc = state.collections.find((c) => c.subscriptionId === rg.subscriptionId && c.resourceGroup.toLowerCase() === rg.name.toLowerCase() && c.name.toLowerCase() === p(ctx.params, 'name').toLowerCase());
        if (!rpc) return { status: 204 };
        state.assertNotLocked(rpc.id, rpc.subscriptionId, rpc.resourceGroup, 'delete');
        const op = startOperation(ctx, () => {
          state.deleteCollection(rpc);
          return undefined;
        });
        return accepted(ctx, op, rpc.subscriptionId, rpc.location, ctx.query.get('api-version') ?? '');
      },
    },
    {
      method: 'GET',
      path: `${COMPUTE_OPS}/operations/{op}`,
      action: 'Microsoft.Compute/locations/operations/read',
      scope: scopeOf.sub,
      handle: (ctx) => {
        const op = operation(p(ctx.params, 'op'));
        const status = pollStatus(op);
        const body = status.done && op.result !== undefined && op.outcome.status === 'Succeeded' ? { ...status.body, properties: { output: op.result } } : status.body;
        return { status: 200, body };
      },
    },
    {
      method: 'GET',
      path: `${COMPUTE_OPS}/operationResults/{op}`,
      action: 'Microsoft.Compute/locations/operations/read',
      scope: scopeOf.sub,
      handle: operationResult,
    },
    {
      method: 'GET',
      path: `${SUB}/providers/Microsoft.Network/locations/{location}/operationResults/{op}`,
      action: 'Microsoft.Network/locations/operationResults/read',
      scope: scopeOf.sub,
      handle: operationResult,
    },
    // ---- storage accounts ----
    {
      method: 'GET',
      path: `${RG}/providers/Microsoft.Storage/storageAccounts/{account}`,
      action: 'Microsoft.Storage/storageAccounts/read',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Storage/storageAccounts/${p(x, 'account')}`,
      handle: (ctx) => storageAccountJson(state, ctx),
    },
    {
      method: 'GET',
      path: `${RG}/providers/Microsoft.Storage/storageAccounts/{account}/blobServices/default`,
      action: 'Microsoft.Storage/storageAccounts/blobServices/read',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Storage/storageAccounts/${p(x, 'account')}`,
      handle: (ctx) => blobServiceJson(state, ctx),
    },
    // ---- file shares ----
    {
      method: 'GET',
      path: `${RG}/providers/Microsoft.Storage/storageAccounts/{account}/fileServices/default/shares`,
      action: 'Microsoft.Storage/storageAccounts/fileServices/shares/read',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Storage/storageAccounts/${p(x, 'account')}`,
      handle: (ctx) => listFileShares(state, ctx),
    },
    // ---- locks ----
    {
      method: 'GET',
      path: `${RG}/providers/Microsoft.Storage/storageAccounts/{account}/providers/Microsoft.Authorization/locks`,
      action: 'Microsoft.Authorization/locks/read',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Storage/storageAccounts/${p(x, 'account')}`,
      handle: (ctx) => storageAccountLocks(state, ctx),
    },
    {
      method: 'GET',
      path: `${SUB}/providers/Microsoft.Authorization/locks`,
      action: 'Microsoft.Authorization/locks/read',
      scope: scopeOf.sub,
      handle: (ctx) => {
        const sub = state.subscription(p(ctx.params, 'sub'));
        return page(state.locks.filter((l) => l.scope.toLowerCase().startsWith(`/subscriptions/${sub.id}`.toLowerCase())).map(lockJson), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: LOCKS,
      action: 'Microsoft.Authorization/locks/read',
      scope: scopeOf.rg,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        const atScopeOnly = /atScope\(\)/i.test(ctx.query.get('$filter') ?? '');
        const locks = state.locksOn(rg.subscriptionId, rg.name).filter((l) => !atScopeOnly || l.scope.toLowerCase() === rg.id.toLowerCase());
        return page(locks.map(lockJson), ctx, pageSize());
      },
    },
    {
      method: 'GET',
      path: `${LOCKS}/{lock}`,
      action: 'Microsoft.Authorization/locks/read',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Authorization/locks/${p(x, 'lock')}`,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        const lock = state.locks.find((l) => l.scope.toLowerCase() === rg.id.toLowerCase() && l.name.toLowerCase() === p(ctx.params, 'lock').toLowerCase());
        if (!lock) throw new ArmError(404, 'LockNotFound', `The lock '${p(ctx.params, 'lock')}' could not be found.`);
        return { status: 200, body: lockJson(lock) };
      },
    },
    {
      method: 'PUT',
      path: `${LOCKS}/{lock}`,
      action: 'Microsoft.Authorization/locks/write',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Authorization/locks/${p(x, 'lock')}`,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        const props = (ctx.body as { properties?: { level?: unknown; notes?: unknown } } | undefined)?.properties;
        if (props?.level !== 'CanNotDelete' && props?.level !== 'ReadOnly') throw new ArmError(400, 'LockLevelInvalid', `The lock level '${String(props?.level)}' is invalid. Use 'CanNotDelete' or 'ReadOnly'.`);
        const { lock, created } = state.putLock(rg.id, p(ctx.params, 'lock'), props.level, typeof props.notes === 'string' ? props.notes : undefined);
        return { status: created ? 201 : 200, body: lockJson(lock) };
      },
    },
    {
      method: 'DELETE',
      path: `${LOCKS}/{lock}`,
      action: 'Microsoft.Authorization/locks/delete',
      scope: (x) => `${scopeOf.rg(x)}/providers/Microsoft.Authorization/locks/${p(x, 'lock')}`,
      handle: (ctx) => {
        const rg = state.resourceGroup(p(ctx.params, 'sub'), p(ctx.params, 'rg'));
        return { status: state.deleteLock(rg.id, p(ctx.params, 'lock')) ? 200 : 204 };
      },
    },
    // ---- network ----
    {
      method: 'GET',
      path: NIC,
      action: 'Microsoft.Network/networkInterfaces/read',
      scope: scopeOf.nic,
      handle: (ctx) => {
        const { vm, nic } = state.nic(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'nic'));
        return { status: 200, body: { id: nic.id, name: nic.name, type: 'Microsoft.Network/networkInterfaces', location: vm.location, properties: { provisioningState: 'Succeeded', virtualMachine: { id: vm.id }, primary: true } } };
      },
    },
    {
      method: 'POST',
      path: `${NIC}/effectiveNetworkSecurityGroups`,
      action: 'Microsoft.Network/networkInterfaces/effectiveNetworkSecurityGroups/action',
      scope: scopeOf.nic,
      handle: (ctx) => {
        const { vm, nic } = state.nic(p(ctx.params, 'sub'), p(ctx.params, 'rg'), p(ctx.params, 'nic'));
        const body = effectiveNsgJson(vm, nic, state.effectiveRules(nic));
        if (state.settings.effectiveRulesShape === 'immediate') return { status: 200, body };
        const op = state.newOperation({ status: 'Succeeded' }, { result: body });
        return accepted(ctx, op, vm.subscriptionId, vm.location, ctx.query.get('api-version') ?? '', 'Microsoft.Network');
      },
    },
  ];

  function recoveryPoints(vmId: string): number {
    const vm = state.vms.find((v) => v.id.toLowerCase() === vmId.toLowerCase());
    return vm ? state.collectionsOf(vm).reduce((n, c) => n + c.restorePointCount, 0) : 0;
  }

  function backupOperationStatus(op: SimAsyncOperation): object {
    const status = pollStatus(op);
    if (!status.done || op.outcome.status === 'Failed' || !op.jobId) return status.body;
    return { ...status.body, properties: { objectType: 'OperationStatusJobExtendedInfo', jobId: op.jobId } };
  }

  return routes.map(({ path, ...rest }) => ({ ...rest, segments: path.split('/') }));
}

/** Matches decoded path segments against a route; literals compare case-insensitively. */
export function matchRoute(routes: readonly Route[], method: string, segments: readonly string[]): { route: Route; params: Record<string, string> } | 'method-not-allowed' | undefined {
  let pathMatched = false;
  for (const route of routes) {
    if (route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let ok = true;
    route.segments.forEach((seg, i) => {
      const actual = segments[i] ?? '';
      if (seg.startsWith('{') && seg.endsWith('}')) params[seg.slice(1, -1)] = actual;
      else if (seg.toLowerCase() !== actual.toLowerCase()) ok = false;
    });
    if (!ok) continue;
    pathMatched = true;
    if (route.method === method.toUpperCase()) return { route, params };
  }
  return pathMatched ? 'method-not-allowed' : undefined;
}
