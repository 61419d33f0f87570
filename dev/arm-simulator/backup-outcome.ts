import type { SimLock, SimRestorePointCollection, SimVm } from './model';
import type { BackupCondition } from './scenario';

/**
 * Why a new backup of a VM would fail, judged from the live state the way the backup
 * service experiences it. A scenario fault can override the message for a condition;
 * these defaults apply to conditions no fault of the VM names.
 */

export const RESTORE_POINT_LIMIT = 18;

export interface DefaultFailure {
  readonly when: Exclude<BackupCondition, 'always'>;
  readonly code: string;
  readonly message: string;
  readonly errorCode: number;
}

/** Checked in this order: the first that holds decides the job's error. */
export const defaultFailures: readonly DefaultFailure[] = [
  { when: 'vmStoppedInGuest', code: 'GuestAgentSnapshotTaskStatusError', message: 'Could not communicate with the VM agent for snapshot status', errorCode: 400010 },
  { when: 'agentNotReady', code: 'UserErrorGuestAgentStatusUnavailable', message: 'VM Agent unable to communicate with Azure Backup', errorCode: 400001 },
  { when: 'agentOutOfDate', code: 'GuestAgentSnapshotTaskStatusError', message: 'Could not communicate with the VM agent for snapshot status', errorCode: 400010 },
  { when: 'agentConfigNotSet', code: 'GuestAgentSnapshotTaskStatusError', message: 'Could not communicate with the VM agent for snapshot status', errorCode: 400010 },
  { when: 'outboundBlocked', code: 'ExtensionSnapshotFailedNoNetwork', message: 'Snapshot operation failed due to no network connectivity on the virtual machine', errorCode: 400020 },
  { when: 'backupExtensionFailed', code: 'ExtensionOperationFailedForManagedDisks', message: 'VMSnapshot extension operation failed', errorCode: 400030 },
  { when: 'restorePointLimitLocked', code: 'UserErrorRpCollectionLimitReached', message: 'The Restore Point collection max limit has reached.', errorCode: 400040 },
];

export const BACKUP_EXTENSION_TYPES = ['microsoft.azure.recoveryservices.vmsnapshot', 'microsoft.azure.recoveryservices.vmsnapshotlinux'];

export function isBackupExtension(type: string, name?: string): boolean {
  return BACKUP_EXTENSION_TYPES.includes(type.toLowerCase()) || ['vmsnapshot', 'vmsnapshotlinux'].includes((name ?? '').toLowerCase());
}

/** Dotted version compare; "Unknown" or garbage sorts lowest. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): number[] | undefined => (/^\d+(\.\d+)*$/.test(v) ? v.split('.').map(Number) : undefined);
  const pa = parse(a);
  const pb = parse(b);
  if (!pa) return pb ? -1 : 0;
  if (!pb) return 1;
  for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

const STORAGE_PREFIXES = ['*', 'internet', 'storage', '0.0.0.0/0', 'any'];
const WIRESERVER = '168.63.129.16';

function portCovers(range: string, port: number): boolean {
  return range.split(',').some((part) => {
    const p = part.trim();
    if (p === '*') return true;
    const [lo, hi] = p.split('-').map(Number);
    if (lo === undefined || Number.isNaN(lo)) return false;
    return port >= lo && port <= (hi ?? lo);
  });
}

interface RuleLike {
  direction: string;
  access: string;
  priority: number;
  protocol: string;
  destinationAddressPrefix: string;
  destinationPortRange: string;
  expandedDestinationAddressPrefix: readonly string[];
}

function coversDestination(rule: RuleLike, port: number, matches: (prefix: string) => boolean): boolean {
  if (rule.direction !== 'Outbound') return false;
  if (!['all', '*', 'tcp'].includes(rule.protocol.toLowerCase())) return false;
  if (!portCovers(rule.destinationPortRange, port)) return false;
  return [rule.destinationAddressPrefix, ...rule.expandedDestinationAddressPrefix].some((p) => matches(p.toLowerCase()));
}

/** True when the first outbound rule (by priority) that applies to the destination denies it. */
function firstMatchDenies(rules: readonly RuleLike[], port: number, matches: (prefix: string) => boolean): boolean {
  const first = [...rules].sort((x, y) => x.priority - y.priority).find((r) => coversDestination(r, port, matches));
  return first?.access === 'Deny';
}

export function isOutboundBlocked(rules: readonly RuleLike[]): boolean {
  const storage = (p: string): boolean => STORAGE_PREFIXES.includes(p) || p.startsWith('storage.');
  const wireserver = (p: string): boolean => p === WIRESERVER || p === `${WIRESERVER}/32` || p === '*' || p === 'any';
  return firstMatchDenies(rules, 443, storage) || firstMatchDenies(rules, 80, wireserver) || firstMatchDenies(rules, 32526, wireserver);
}

export interface OutcomeContext {
  readonly vm: SimVm;
  readonly effectiveRules: readonly RuleLike[];
  readonly collections: readonly SimRestorePointCollection[];
  /** Locks that apply to a resource group (its own and inherited ones). */
  readonly locksOn: (subscriptionId: string, resourceGroup: string) => readonly SimLock[];
  readonly minimumLinuxAgentVersion: string;
}

export function conditionHolds(condition: BackupCondition, ctx: OutcomeContext): boolean {
  const { vm } = ctx;
  switch (condition) {
    case 'always':
      return true;
    case 'vmStoppedInGuest':
      return vm.powerState === 'stopped' && vm.provisioningState === 'succeeded';
    case 'agentNotReady':
      return vm.agent.status !== 'Ready';
    case 'agentOutOfDate':
      return vm.osType === 'Linux' && compareVersions(vm.agent.version, ctx.minimumLinuxAgentVersion) < 0;
    case 'agentConfigNotSet':
      return vm.osType === 'Linux' && ((vm.guest.waagentConf['Extensions.Enable'] ?? 'y').toLowerCase() !== 'y' || (vm.guest.waagentConf['Provisioning.Agent'] ?? 'auto').toLowerCase() === 'disabled');
    case 'outboundBlocked':
      return isOutboundBlocked(ctx.effectiveRules);
    case 'backupExtensionFailed':
      return vm.extensions.some((e) => isBackupExtension(e.type, e.name) && e.status !== 'succeeded');
    case 'restorePointLimitLocked': {
      const count = ctx.collections.reduce((n, c) => n + c.restorePointCount, 0);
      const locked = ctx.collections.some((c) => ctx.locksOn(c.subscriptionId, c.resourceGroup).length > 0);
      return count >= RESTORE_POINT_LIMIT && locked;
    }
  }
}

export interface BackupFailure {
  readonly code: string;
  readonly message: string;
  readonly errorCode: number;
  readonly recommendations: readonly string[];
}

/** The error a backup started now would end with, or undefined when it would succeed. */
export function backupFailure(ctx: OutcomeContext): BackupFailure | undefined {
  const own = ctx.vm.faults.find((f) => !f.cleared && conditionHolds(f.when, ctx));
  if (own) return { code: own.code, message: own.message, errorCode: own.errorCode, recommendations: own.recommendations };
  const named = new Set(ctx.vm.faults.filter((f) => !f.cleared).map((f) => f.when));
  const fallback = defaultFailures.find((d) => !named.has(d.when) && conditionHolds(d.when, ctx));
  if (!fallback) return undefined;
  return { code: fallback.code, message: fallback.message, errorCode: fallback.errorCode, recommendations: [`https://aka.ms/AB-${fallback.code}`] };
}
