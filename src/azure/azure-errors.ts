import { CodedError, type ErrorCode } from '../core/errors';

/**
 * RestError (and the other ways an SDK call fails) into CodedError, at the boundary.
 * Each call names what it was doing and which built-in role covers it, so a 403 becomes
 * "The bot's identity needs Backup Operator on vault rsv-prod (resource group rg-backup) to
 * trigger a backup" instead of an RBAC action string.
 */

export type AzureRole =
  | 'Reader'
  | 'Backup Reader'
  | 'Backup Operator'
  | 'Virtual Machine Contributor'
  | 'Network Contributor'
  | 'Contributor'
  | 'Owner or User Access Administrator';

export type AzureScope =
  | { readonly kind: 'subscription'; readonly subscriptionId: string }
  | { readonly kind: 'resourceGroup'; readonly subscriptionId: string; readonly resourceGroup: string }
  | { readonly kind: 'vault'; readonly subscriptionId: string; readonly resourceGroup: string; readonly name: string }
  /** Any other ARM scope, by its id (a disk, a storage account, a Backup vault). */
  | { readonly kind: 'resource'; readonly id: string };

export interface AzureOperation {
  /** The port method, e.g. "triggerBackup". */
  readonly name: string;
  /** Completes "... to <purpose>", e.g. "trigger a backup of vm-sql01". */
  readonly purpose: string;
  readonly role: AzureRole;
  readonly scope: AzureScope;
}

const ROLE_NOTES: Partial<Record<AzureRole, string>> = {
  'Owner or User Access Administrator': ' (or a custom role with Microsoft.Authorization/locks/read, write and delete)',
  Contributor: ' (or a custom role with Microsoft.Compute/restorePointCollections/*)',
};

export function scopeId(scope: AzureScope): string {
  switch (scope.kind) {
    case 'subscription':
      return `/subscriptions/${scope.subscriptionId}`;
    case 'resourceGroup':
      return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}`;
    case 'vault':
      return `/subscriptions/${scope.subscriptionId}/resourceGroups/${scope.resourceGroup}/providers/Microsoft.RecoveryServices/vaults/${scope.name}`;
    case 'resource':
      return scope.id;
  }
}

export function describeScope(scope: AzureScope): string {
  switch (scope.kind) {
    case 'subscription':
      return `subscription ${scope.subscriptionId}`;
    case 'resourceGroup':
      return `resource group ${scope.resourceGroup}`;
    case 'vault':
      return `vault ${scope.name} (resource group ${scope.resourceGroup})`;
    case 'resource':
      return scope.id;
  }
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  statusCode?: unknown;
  code?: unknown;
  details?: unknown;
}

function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

/** The Azure error code: RestError.code, or the body's error.code (HLC and modular clients differ). */
function azureCodeOf(error: ErrorLike): string | undefined {
  const fromDetails = field(field(error.details, 'error'), 'code') ?? field(error.details, 'code');
  if (typeof fromDetails === 'string') return fromDetails;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** core-lro reports a failed operation as a plain Error: "The long-running operation has failed. <code>. <message>". */
function parseLroFailure(message: string): { code: string; message: string } | undefined {
  const m = /The long-running operation has failed\.\s*([A-Za-z0-9_.]+)\.\s*([\s\S]*)$/.exec(message);
  return m?.[1] ? { code: m[1], message: (m[2] ?? '').trim() } : undefined;
}

export function toCodedError(error: unknown, op: AzureOperation): CodedError {
  if (error instanceof CodedError) return error;
  const e = (typeof error === 'object' && error !== null ? error : { message: String(error) }) as ErrorLike;
  const rawMessage = typeof e.message === 'string' ? e.message : String(error);
  const name = typeof e.name === 'string' ? e.name : '';
  const base = { operation: op.name, scope: scopeId(op.scope) };
  const make = (code: ErrorCode, message: string, details: Record<string, unknown>): CodedError => new CodedError(code, message, { ...base, ...details }, { cause: error });

  if (name === 'AbortError') {
    return make('azure_unavailable', `Azure did not answer in time while trying to ${op.purpose}.`, { aborted: true });
  }
  if (name === 'CredentialUnavailableError' || name === 'AuthenticationError' || name === 'AggregateAuthenticationError') {
    return make('azure_forbidden', `The bot could not sign in to Azure to ${op.purpose}: ${rawMessage}`, { azureCode: name, authentication: true });
  }

  const lro = parseLroFailure(rawMessage);
  const status = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const azureCode = lro?.code ?? azureCodeOf(e);
  const azureMessage = lro?.message ?? rawMessage;
  const details = { status, azureCode, azureMessage };

  if (status === 401) {
    return make('azure_forbidden', `Azure did not accept the bot's credentials while trying to ${op.purpose}.`, details);
  }
  if (status === 403 || azureCode === 'AuthorizationFailed') {
    const note = ROLE_NOTES[op.role] ?? '';
    const action = /perform action '([^']+)'/.exec(azureMessage)?.[1];
    const deniedScope = /over scope '([^']+)'/.exec(azureMessage)?.[1];
    return make('azure_forbidden', `The bot's identity needs ${op.role}${note} on ${describeScope(op.scope)} to ${op.purpose}.`, {
      ...details,
      requiredRole: op.role,
      ...(action ? { action } : {}),
      ...(deniedScope ? { deniedScope } : {}),
    });
  }
  if (azureCode === 'ScopeLocked') {
    const scopes = /locked:\s*(.+?)\.\s*Please/.exec(azureMessage)?.[1]?.match(/'[^']+'/g)?.map((s) => s.slice(1, -1)) ?? [];
    const where = scopes.length > 0 ? scopes.join(', ') : 'its scope';
    return make('azure_locked', `Azure refused to ${op.purpose} because a lock on ${where} forbids it; remove the lock (Owner or User Access Administrator), then try again.`, {
      ...details,
      lockScopes: scopes,
    });
  }
  if (status === 404) {
    return make('azure_not_found', `Azure could not find what was needed to ${op.purpose}: ${azureMessage}`, details);
  }
  if (status === 409) {
    return make('azure_conflict', `Azure refused to ${op.purpose} because of a conflicting operation or state: ${azureMessage}`, details);
  }
  if (status === 429) {
    return make('azure_throttled', `Azure is throttling requests; the bot retried and gave up trying to ${op.purpose}. Try again in a few minutes.`, details);
  }
  if ((status !== undefined && status >= 500) || (status === undefined && !lro && /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|socket|network|REQUEST_SEND_ERROR/i.test(`${azureCode ?? ''} ${rawMessage}`))) {
    return make('azure_unavailable', `Azure is unavailable right now (tried to ${op.purpose}): ${azureMessage}`, details);
  }
  return make('azure_failed', `Azure could not ${op.purpose}: ${azureMessage}`, details);
}
