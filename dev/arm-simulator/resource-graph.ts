import { backupInstanceRows, backupVaultRows } from './backup-vaults';
import type { RequestContext, Reply } from './routes';
import type { SimVm } from './model';
import type { ScenarioSecurityRule } from './scenario';
import { ArmError, type SimulatorState } from './state';

/**
 * POST /providers/Microsoft.ResourceGraph/resources, for the queries the fleet sweep and the Backup vault checks send. It
 * runs no KQL: it recognises each query by the table and type it filters on and answers with the
 * rows that query projects, ordered by id, paged with $top and $skipToken like Resource Graph.
 */
interface QueryBody {
  readonly query?: unknown;
  readonly subscriptions?: unknown;
  readonly options?: { readonly $top?: unknown; readonly $skipToken?: unknown };
}

export function resourceGraphQuery(state: SimulatorState, ctx: RequestContext, pageSize: number): Reply {
  const body = (ctx.body ?? {}) as QueryBody;
  const query = typeof body.query === 'string' ? body.query.toLowerCase() : '';
  const subscriptions = Array.isArray(body.subscriptions) ? body.subscriptions.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : undefined;
  const inScope = (subscriptionId: string): boolean => subscriptions === undefined || subscriptions.includes(subscriptionId.toLowerCase());
  let rows: { id: string }[];
  if (query.includes('recoveryservicesresources') && query.includes('protecteditems')) rows = protectedItemRows(state, inScope);
  else if (query.includes("'microsoft.dataprotection/backupvaults/backupinstances'")) rows = backupInstanceRows(state, query, inScope);
  else if (query.includes("'microsoft.dataprotection/backupvaults'")) rows = backupVaultRows(state, query, inScope);
  else if (query.includes("'microsoft.network/networkinterfaces'")) rows = nicRows(state, inScope);
  // The simulator's NICs name their NSG directly; no subnet carries one.
  else if (query.includes("'microsoft.network/virtualnetworks'")) rows = [];
  else if (query.includes("'microsoft.network/networksecuritygroups'")) rows = nsgRows(state, inScope);
  else if (query.includes("'microsoft.compute/restorepointcollections'")) {
    rows = state.collections.filter((c) => inScope(c.subscriptionId)).map((c) => ({ id: c.id, location: c.location, sourceId: c.sourceVmId ?? '' }));
  } else if (query.includes("'microsoft.authorization/locks'")) {
    rows = state.locks.filter((l) => inScope(l.scope.split('/')[2] ?? '')).map((l) => ({ id: l.id, name: l.name, level: l.level, notes: l.notes ?? '' }));
  }
  else throw new ArmError(400, 'BadRequest', 'The ARM simulator answers only the fleet sweep\'s Resource Graph queries (protected items, network interfaces, virtual networks, network security groups, restore point collections, locks) and the Backup vault checks\' (backup instances, Backup vaults); it runs no other KQL.');
  rows.sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
  const top = typeof body.options?.$top === 'number' ? Math.min(1000, Math.max(1, body.options.$top)) : 1000;
  const size = Math.min(top, pageSize);
  const token = typeof body.options?.$skipToken === 'string' ? body.options.$skipToken : undefined;
  const skip = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8')) || 0;
  const data = rows.slice(skip, skip + size);
  const next = skip + size < rows.length ? Buffer.from(String(skip + size), 'utf8').toString('base64url') : undefined;
  return { status: 200, body: { totalRecords: rows.length, count: data.length, resultTruncated: 'false', data, facets: [], ...(next ? { $skipToken: next } : {}) } };
}

function protectedItemRows(state: SimulatorState, inScope: (subscriptionId: string) => boolean): { id: string }[] {
  return state.vaults
    .filter((v) => inScope(v.subscriptionId))
    .flatMap((vault) =>
      vault.items.map((item) => ({
        id: `${vault.id}/backupFabrics/Azure/protectionContainers/${item.containerName}/protectedItems/${item.name}`,
        sourceResourceId: item.vmId,
        friendlyName: item.vmName,
        protectionState: item.protectionState,
        healthStatus: item.healthStatus,
        lastBackupStatus: item.lastBackupStatus ?? '',
        lastBackupTime: (item.lastBackupTime ?? new Date('2001-01-01T00:00:00Z')).toISOString(),
      })),
    );
}

/** The NSG a NIC's effective rules come from, as the effective-rules answer names it. */
function nsgIdOf(vm: SimVm, nic: SimVm['nics'][number]): string {
  return `/subscriptions/${vm.subscriptionId}/resourceGroups/${nic.resourceGroup}/providers/Microsoft.Network/networkSecurityGroups/${nic.networkSecurityGroup ?? `${vm.name}-nsg`}`;
}

function nicRows(state: SimulatorState, inScope: (subscriptionId: string) => boolean): { id: string }[] {
  return state.vms
    .filter((vm) => inScope(vm.subscriptionId))
    .flatMap((vm) => vm.nics.map((nic) => ({ id: nic.id, nsgId: nsgIdOf(vm, nic), ipConfigurations: [{ name: 'ipconfig1', properties: { primary: true } }] })));
}

/** One NSG per NIC's NSG name, with the NIC's own rules and, where it has them, Azure's default rules. */
function nsgRows(state: SimulatorState, inScope: (subscriptionId: string) => boolean): { id: string }[] {
  const byId = new Map<string, { id: string; securityRules: object[]; defaultSecurityRules: object[] }>();
  for (const vm of state.vms.filter((v) => inScope(v.subscriptionId))) {
    for (const nic of vm.nics) {
      const id = nsgIdOf(vm, nic);
      if (byId.has(id.toLowerCase())) continue;
      const rules = state.effectiveRules(nic);
      const asJson = (rule: ScenarioSecurityRule): object => ({
        name: rule.name.replace(/^(default)?securityRules\//i, ''),
        properties: {
          direction: rule.direction,
          access: rule.access,
          priority: rule.priority,
          protocol: rule.protocol === 'All' ? '*' : rule.protocol,
          sourceAddressPrefix: rule.sourceAddressPrefix,
          sourcePortRange: rule.sourcePortRange === '0-65535' ? '*' : rule.sourcePortRange,
          destinationAddressPrefix: rule.destinationAddressPrefix,
          destinationPortRange: rule.destinationPortRange === '0-65535' ? '*' : rule.destinationPortRange,
        },
      });
      const isDefault = (rule: ScenarioSecurityRule): boolean => rule.name.toLowerCase().startsWith('defaultsecurityrules/');
      byId.set(id.toLowerCase(), { id, securityRules: rules.filter((r) => !isDefault(r)).map(asJson), defaultSecurityRules: rules.filter(isDefault).map(asJson) });
    }
  }
  return [...byId.values()];
}
