import type { RequestContext, Reply } from './routes';
import { ArmError, type SimulatorState } from './state';

/**
 * POST /providers/Microsoft.ResourceGraph/resources, for the queries the fleet sweep sends. It
 * runs no KQL: it recognises the protected-items query by its tables and answers with the rows
 * that query projects, ordered by id, paged with $top and $skipToken like Resource Graph.
 */
interface QueryBody {
  readonly query?: unknown;
  readonly subscriptions?: unknown;
  readonly options?: { readonly $top?: unknown; readonly $skipToken?: unknown };
}

export function resourceGraphQuery(state: SimulatorState, ctx: RequestContext, pageSize: number): Reply {
  const body = (ctx.body ?? {}) as QueryBody;
  const query = typeof body.query === 'string' ? body.query.toLowerCase() : '';
  if (!query.includes('recoveryservicesresources') || !query.includes('protecteditems')) {
    throw new ArmError(400, 'BadRequest', 'The ARM simulator answers only the fleet sweep\'s Resource Graph query (protected items from recoveryservicesresources); it runs no other KQL.');
  }
  const subscriptions = Array.isArray(body.subscriptions) ? body.subscriptions.filter((s): s is string => typeof s === 'string').map((s) => s.toLowerCase()) : undefined;
  const rows = state.vaults
    .filter((v) => subscriptions === undefined || subscriptions.includes(v.subscriptionId.toLowerCase()))
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
    )
    .sort((a, b) => (a.id.toLowerCase() < b.id.toLowerCase() ? -1 : 1));
  const top = typeof body.options?.$top === 'number' ? Math.min(1000, Math.max(1, body.options.$top)) : 1000;
  const size = Math.min(top, pageSize);
  const token = typeof body.options?.$skipToken === 'string' ? body.options.$skipToken : undefined;
  const skip = token === undefined ? 0 : Number(Buffer.from(token, 'base64url').toString('utf8')) || 0;
  const data = rows.slice(skip, skip + size);
  const next = skip + size < rows.length ? Buffer.from(String(skip + size), 'utf8').toString('base64url') : undefined;
  return { status: 200, body: { totalRecords: rows.length, count: data.length, resultTruncated: 'false', data, facets: [], ...(next ? { $skipToken: next } : {}) } };
}
