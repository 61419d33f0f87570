import type { BackupInstance, BackupVaultIdentity, RoleAssignment } from '../azure-port';
import type { LocalizedText } from '../knowledge/schema';
import { fail, pass, text, unknown, type CheckResult } from './check-types';

/**
 * Whether a Backup vault's managed identity holds the role a disk or blob backup needs on a scope
 * (the disk, the snapshot resource group, the storage account). Pure: the role assignments that
 * apply at the scope (inherited ones included) go in, one evidence line comes out.
 */

export interface BuiltInRole {
  readonly name: string;
  /** The same GUID in every subscription (learn.microsoft.com/azure/role-based-access-control/built-in-roles). */
  readonly guid: string;
}

export const BuiltInRoles = {
  reader: { name: 'Reader', guid: 'acdd72a7-3385-48ef-bd42-f606fba81ae7' },
  contributor: { name: 'Contributor', guid: 'b24988ac-6180-42a0-ab88-20f7382dd24c' },
  owner: { name: 'Owner', guid: '8e3af657-a8ff-443c-a75c-2fe8c4bcb635' },
  diskBackupReader: { name: 'Disk Backup Reader', guid: '3e5e47e6-65f7-47ef-90b5-e5dd4d455f24' },
  diskSnapshotContributor: { name: 'Disk Snapshot Contributor', guid: '7efff54f-a5b4-42b5-a1c5-5411624893ce' },
  diskRestoreOperator: { name: 'Disk Restore Operator', guid: 'b50d9833-a0cb-478e-945f-707fcc997c13' },
  storageAccountBackupContributor: { name: 'Storage Account Backup Contributor', guid: 'e5e2a7ff-d759-4cd2-bb51-3152d37e2eb1' },
} as const satisfies Record<string, BuiltInRole>;

const knownRoles: readonly BuiltInRole[] = Object.values(BuiltInRoles);

export interface RoleRequirement {
  readonly role: BuiltInRole;
  /** Built-in roles whose actions include every action of `role` (Contributor's `*` covers the disk roles). */
  readonly includedIn: readonly BuiltInRole[];
  /**
   * Roles known to lack what `role` grants: holding only these is a failure. Any other role (a
   * custom one, or Owner where data actions may matter) is not judged: the result is unknown.
   */
  readonly insufficient: readonly BuiltInRole[];
}

const backupRoles = [BuiltInRoles.reader, BuiltInRoles.diskBackupReader, BuiltInRoles.diskSnapshotContributor, BuiltInRoles.diskRestoreOperator, BuiltInRoles.storageAccountBackupContributor];

function requirement(role: BuiltInRole, includedIn: readonly BuiltInRole[]): RoleRequirement {
  return { role, includedIn, insufficient: backupRoles.filter((r) => r.guid !== role.guid) };
}

/** What Back up Azure Managed Disks and the blob backup article ask the vault's identity to hold. */
export const RoleRequirements = {
  disk: requirement(BuiltInRoles.diskBackupReader, [BuiltInRoles.owner, BuiltInRoles.contributor]),
  snapshotResourceGroup: requirement(BuiltInRoles.diskSnapshotContributor, [BuiltInRoles.owner, BuiltInRoles.contributor]),
  // Its lock and object replication actions are control-plane, but the docs name no other role: only the role itself passes.
  storageAccount: requirement(BuiltInRoles.storageAccountBackupContributor, []),
  // Reading the set is all it needs: Owner and Contributor read everything.
  diskEncryptionSet: requirement(BuiltInRoles.reader, [BuiltInRoles.owner, BuiltInRoles.contributor]),
} as const satisfies Record<string, RoleRequirement>;

/** The scope checked, said as "on <it>" in both languages. */
export interface CheckedScope {
  readonly id: string;
  readonly on: LocalizedText;
}

export function diskScope(diskId: string): CheckedScope {
  const name = lastSegment(diskId);
  return { id: diskId, on: text(`on disk ${name}`, `na dysku ${name}`) };
}

export function storageAccountScope(datasourceId: string): CheckedScope {
  // Roles are granted on the account; a datasource id that goes on to its blob service is cut back to it.
  const accountId = datasourceId.replace(/\/blobServices(\/.*)?$/i, '');
  const name = lastSegment(accountId);
  return { id: accountId, on: text(`on storage account ${name}`, `na koncie magazynu ${name}`) };
}

export function snapshotResourceGroupScope(resourceGroupId: string): CheckedScope {
  const name = lastSegment(resourceGroupId);
  return { id: resourceGroupId, on: text(`on the snapshot resource group ${name}`, `na grupie zasobów migawek ${name}`) };
}

export function diskEncryptionSetScope(diskEncryptionSetId: string): CheckedScope {
  const name = lastSegment(diskEncryptionSetId);
  return { id: diskEncryptionSetId, on: text(`on the disk encryption set ${name}`, `na zestawie szyfrowania dysku ${name}`) };
}

/** A disk without a disk encryption set (a platform-managed key): nothing for the vault to read. */
export function noDiskEncryptionSet(checkId: string, diskId: string, encryptionType: string | undefined): CheckResult {
  const name = lastSegment(diskId);
  const how = encryptionType ?? 'EncryptionAtRestWithPlatformKey';
  return pass(
    checkId,
    text(
      `Disk ${name} uses no disk encryption set (encryption ${how}), so the vault has no encryption set to read.`,
      `Dysk ${name} nie używa zestawu szyfrowania dysku (szyfrowanie ${how}), więc magazyn nie musi odczytywać żadnego zestawu szyfrowania.`,
    ),
  );
}

/** The disk the backup instance points at answers (it exists), or Azure says it is not there (404). */
export function sourceDiskFound(checkId: string, diskId: string): CheckResult {
  return pass(checkId, text(`Disk ${lastSegment(diskId)} exists where the backup instance points (${diskId}).`, `Dysk ${lastSegment(diskId)} istnieje tam, gdzie wskazuje wystąpienie kopii (${diskId}).`));
}

export function sourceDiskMissing(checkId: string, diskId: string): CheckResult {
  const name = lastSegment(diskId);
  return fail(
    checkId,
    text(
      `Disk ${name} is no longer at ${diskId} (Azure answered 404): it was deleted or moved, and the backup instance still points there.`,
      `Dysku ${name} nie ma już w ${diskId} (Azure odpowiedział 404): usunięto go lub przeniesiono, a wystąpienie kopii nadal tam wskazuje.`,
    ),
  );
}

/** The identity the backup instance runs as: the vault's system-assigned one, or the user-assigned one it names. */
export type VaultPrincipal =
  | { readonly kind: 'found'; readonly principalId: string; readonly vaultName: string; readonly userAssigned?: string }
  | { readonly kind: 'missing'; readonly evidence: (requirement: RoleRequirement, scope: CheckedScope) => LocalizedText };

export function vaultPrincipal(instance: BackupInstance, identity: BackupVaultIdentity | undefined): VaultPrincipal {
  const vault = instance.vault.name;
  if (identity === undefined) {
    return {
      kind: 'missing',
      evidence: () =>
        text(
          `The bot cannot see the Backup vault ${vault} (resource group ${instance.vault.resourceGroup}) to read its managed identity: give the bot's identity Reader on the vault.`,
          `Bot nie widzi magazynu kopii zapasowych ${vault} (grupa zasobów ${instance.vault.resourceGroup}), więc nie może odczytać jego tożsamości zarządzanej: nadaj tożsamości bota rolę Reader (Czytelnik) na tym magazynie.`,
        ),
    };
  }
  const userAssigned = instance.userAssignedIdentityId;
  if (userAssigned !== undefined) {
    const principalId = identity.userAssigned[userAssigned.toLowerCase()]?.principalId;
    if (principalId !== undefined) return { kind: 'found', principalId, vaultName: vault, userAssigned: lastSegment(userAssigned) };
    return {
      kind: 'missing',
      evidence: (req, scope) =>
        text(
          `The backup instance runs as the user-assigned identity ${lastSegment(userAssigned)}, which the Backup vault ${vault} no longer has, so the backup holds no ${req.role.name} ${scope.on.en}: attach the identity to the vault again.`,
          `Wystąpienie kopii działa jako tożsamość przypisana przez użytkownika ${lastSegment(userAssigned)}, której magazyn kopii zapasowych ${vault} już nie ma, więc kopia nie ma roli ${req.role.name} ${scope.on.pl}: ponownie dołącz tę tożsamość do magazynu.`,
        ),
    };
  }
  if (identity.principalId !== undefined && /systemassigned/i.test(identity.type ?? 'SystemAssigned')) {
    return { kind: 'found', principalId: identity.principalId, vaultName: vault };
  }
  const type = identity.type ?? 'None';
  return {
    kind: 'missing',
    evidence: (req, scope) =>
      text(
        `The Backup vault ${vault} has no system-assigned managed identity (identity type ${type}), so it holds no role ${scope.on.en}: turn the identity on, then grant it ${req.role.name} there.`,
        `Magazyn kopii zapasowych ${vault} nie ma tożsamości zarządzanej przypisanej przez system (typ tożsamości ${type}), więc nie ma żadnej roli ${scope.on.pl}: włącz tę tożsamość, a następnie nadaj jej tam rolę ${req.role.name}.`,
      ),
  };
}

/** The vault's identity could not be resolved: a missing identity is a failure, an unseen vault is unknown. */
export function evaluateMissingPrincipal(checkId: string, principal: Extract<VaultPrincipal, { kind: 'missing' }>, identity: BackupVaultIdentity | undefined, req: RoleRequirement, scope: CheckedScope): CheckResult {
  const evidence = principal.evidence(req, scope);
  return identity === undefined ? unknown(checkId, evidence) : fail(checkId, evidence);
}

function whoIs(principal: Extract<VaultPrincipal, { kind: 'found' }>): LocalizedText {
  return principal.userAssigned === undefined
    ? text(`The Backup vault ${principal.vaultName}'s managed identity`, `Tożsamość zarządzana magazynu kopii zapasowych ${principal.vaultName}`)
    : text(
        `The user-assigned identity ${principal.userAssigned} of the Backup vault ${principal.vaultName}`,
        `Tożsamość przypisana przez użytkownika ${principal.userAssigned} magazynu kopii zapasowych ${principal.vaultName}`,
      );
}

function roleName(guid: string): string {
  return knownRoles.find((r) => r.guid === guid)?.name ?? `custom role ${guid}`;
}

function roleNamePl(guid: string): string {
  return knownRoles.find((r) => r.guid === guid)?.name ?? `rola niestandardowa ${guid}`;
}

/** "(inherited from resource group rg-disks)" for an assignment made above the checked scope. */
function inherited(assignment: RoleAssignment, scope: CheckedScope): LocalizedText {
  if (sameId(assignment.scope, scope.id)) return text('', '');
  const parts = assignment.scope.split('/').filter((s) => s.length > 0);
  const kind = (at: number): string => parts[at]?.toLowerCase() ?? '';
  if (parts.length === 2 && kind(0) === 'subscriptions') return text(` (inherited from subscription ${parts[1]})`, ` (odziedziczoną z subskrypcji ${parts[1]})`);
  if (parts.length === 4 && kind(2) === 'resourcegroups') return text(` (inherited from resource group ${parts[3]})`, ` (odziedziczoną z grupy zasobów ${parts[3]})`);
  if (parts.length === 4 && kind(2) === 'managementgroups') return text(` (inherited from management group ${parts[3]})`, ` (odziedziczoną z grupy zarządzania ${parts[3]})`);
  if (parts.length === 0) return text(' (inherited from the root scope)', ' (odziedziczoną z zakresu głównego)');
  return text(` (inherited from ${assignment.scope})`, ` (odziedziczoną z zakresu ${assignment.scope})`);
}

/** Judges the identity's role assignments that apply at the scope against what the backup needs there. */
export function evaluateVaultRole(checkId: string, req: RoleRequirement, principal: Extract<VaultPrincipal, { kind: 'found' }>, scope: CheckedScope, assignments: readonly RoleAssignment[]): CheckResult {
  const who = whoIs(principal);
  const own = assignments.filter((a) => a.principalId.toLowerCase() === principal.principalId.toLowerCase());
  const satisfying = [req.role, ...req.includedIn];
  const holding = satisfying.map((role) => ({ role, assignment: own.find((a) => a.roleDefinitionGuid === role.guid) })).find((h) => h.assignment !== undefined);
  if (holding?.assignment !== undefined) {
    const from = inherited(holding.assignment, scope);
    const via = holding.role.guid === req.role.guid ? text('', '') : text(`, which includes what ${req.role.name} grants`, `, która obejmuje uprawnienia roli ${req.role.name}`);
    return pass(checkId, text(`${who.en} has ${holding.role.name} ${scope.on.en}${from.en}${via.en}.`, `${who.pl} ma rolę ${holding.role.name} ${scope.on.pl}${from.pl}${via.pl}.`));
  }
  const guids = [...new Set(own.map((a) => a.roleDefinitionGuid))];
  if (guids.length === 0) {
    return fail(
      checkId,
      text(
        `${who.en} (object id ${principal.principalId}) has no role ${scope.on.en}: it needs ${req.role.name} there.`,
        `${who.pl} (identyfikator obiektu ${principal.principalId}) nie ma żadnej roli ${scope.on.pl}: potrzebuje tam roli ${req.role.name}.`,
      ),
    );
  }
  const unjudged = guids.filter((g) => !req.insufficient.some((r) => r.guid === g));
  if (unjudged.length === 0) {
    return fail(
      checkId,
      text(
        `${who.en} has only ${guids.map(roleName).join(', ')} ${scope.on.en}, not ${req.role.name}.`,
        `${who.pl} ma ${scope.on.pl} tylko role: ${guids.map(roleNamePl).join(', ')}, a nie ${req.role.name}.`,
      ),
    );
  }
  return unknown(
    checkId,
    text(
      `${who.en} has no ${req.role.name} ${scope.on.en}, but has roles the bot does not judge: ${unjudged.map(roleName).join(', ')}. Check that one of them grants what ${req.role.name} does.`,
      `${who.pl} nie ma roli ${req.role.name} ${scope.on.pl}, ale ma role, których bot nie ocenia: ${unjudged.map(roleNamePl).join(', ')}. Sprawdź, czy któraś z nich daje te same uprawnienia co ${req.role.name}.`,
    ),
  );
}

/** The bot may not read role assignments at the scope (a 403): say which role it needs, and where. */
export function roleAssignmentsForbidden(checkId: string, scope: CheckedScope): CheckResult {
  return unknown(
    checkId,
    text(
      `Cannot read role assignments on ${scope.id}: the bot's identity needs Reader there to see the Backup vault's roles.`,
      `Nie można odczytać przypisań ról w zakresie ${scope.id}: tożsamość bota potrzebuje tam roli Reader (Czytelnik), aby zobaczyć role magazynu kopii zapasowych.`,
    ),
  );
}

/** The snapshot resource group the backup instance names is gone (Azure answered 404 for it). */
export function snapshotResourceGroupMissing(checkId: string, scope: CheckedScope): CheckResult {
  const name = lastSegment(scope.id);
  return fail(
    checkId,
    text(
      `The snapshot resource group ${name} that the backup instance's policy names does not exist (Azure answered 404): create it again, then grant the vault's identity ${RoleRequirements.snapshotResourceGroup.role.name} there.`,
      `Grupa zasobów migawek ${name}, którą wskazują parametry zasad wystąpienia kopii, nie istnieje (Azure odpowiedział 404): utwórz ją ponownie, a następnie nadaj tam tożsamości magazynu rolę ${RoleRequirements.snapshotResourceGroup.role.name}.`,
    ),
  );
}

/** A disk backup instance without an operational store resource group: nothing to check there. */
export function noSnapshotResourceGroup(checkId: string, instance: BackupInstance): CheckResult {
  return unknown(
    checkId,
    text(
      `The backup instance ${instance.name} names no snapshot resource group (its policy parameters have no operational store), so the bot cannot tell which resource group to check.`,
      `Wystąpienie kopii ${instance.name} nie wskazuje grupy zasobów migawek (w parametrach zasad nie ma magazynu operacyjnego), więc bot nie wie, którą grupę zasobów sprawdzić.`,
    ),
  );
}

function lastSegment(id: string): string {
  return id.split('/').filter((s) => s.length > 0).pop() ?? id;
}

function sameId(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}
