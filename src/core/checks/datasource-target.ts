import type { AzurePort, BackupInstance, VaultRef } from '../azure-port';
import { type AzureDeadline, isTimeout } from '../azure-lookup/azure-deadline';
import { asCodedError, type CodedError } from '../errors';
import type { Language } from '../knowledge/schema';
import type { SessionDatasource } from '../troubleshoot/session';
import type { DatasourceCheckTarget } from './check-types';
import { azureErrorText } from './run-checks';

/**
 * The Backup vault datasource "Run checks" examines. The session holds only what the stored incident
 * said (the vault's name, subscription and resource group from the alert's vault id; the disk's or
 * storage account's name and resource group from its datasource id); the backup instance is looked
 * up in that vault on the server, so every id the checks read (the datasource, the snapshot resource
 * group, the identity) comes from Azure. A datasource the vault does not protect is not checked.
 */
export type DatasourceTargetLookup =
  | { readonly kind: 'found'; readonly target: DatasourceCheckTarget }
  | { readonly kind: 'no-vault'; readonly datasource: SessionDatasource }
  | { readonly kind: 'not-found'; readonly datasource: SessionDatasource; readonly vault: VaultRef }
  | { readonly kind: 'ambiguous'; readonly datasource: SessionDatasource; readonly vault: VaultRef; readonly matches: readonly BackupInstance[] }
  | { readonly kind: 'azure-error'; readonly error: CodedError; readonly timedOut: boolean };

export interface DatasourceHint {
  readonly datasource: SessionDatasource;
  readonly vault?: string;
  readonly subscriptionId?: string;
}

/** Names as ARM allows them: anything else never reaches a query. */
const vaultNamePattern = /^[A-Za-z][A-Za-z0-9-]{1,49}$/;
const resourceGroupPattern = /^[-\w._()]{1,90}$/;
const subscriptionPattern = /^[0-9a-fA-F-]{36}$/;
/** A disk's or storage account's name, or a backup instance's ("<datasource>-<datasource>-<guid>"). */
const datasourceNamePattern = /^[A-Za-z0-9_.-]{1,128}$/;

const providerOf = { 'azure-disk': '/providers/microsoft.compute/disks/', 'azure-blob': '/providers/microsoft.storage/storageaccounts/' } as const;

/** The datasource's name and resource group, read from its ARM id (`.../resourceGroups/<rg>/providers/<type>/<name>`). */
function datasourceParts(instance: BackupInstance, workload: SessionDatasource['workload']): { name: string; resourceGroup: string } | undefined {
  const id = instance.datasourceId.toLowerCase();
  const at = id.indexOf(providerOf[workload]);
  if (at < 0) return undefined;
  const name = instance.datasourceId.slice(at + providerOf[workload].length).split('/')[0];
  const resourceGroup = /\/resourcegroups\/([^/]+)/i.exec(instance.datasourceId)?.[1];
  return name && resourceGroup ? { name, resourceGroup } : undefined;
}

export async function resolveDatasourceTarget(azure: AzurePort, hint: DatasourceHint, deadline: AzureDeadline): Promise<DatasourceTargetLookup> {
  const { datasource } = hint;
  const vaultResourceGroup = datasource.vaultResourceGroup;
  if (
    hint.vault === undefined ||
    hint.subscriptionId === undefined ||
    vaultResourceGroup === undefined ||
    !vaultNamePattern.test(hint.vault) ||
    !subscriptionPattern.test(hint.subscriptionId) ||
    !resourceGroupPattern.test(vaultResourceGroup) ||
    !datasourceNamePattern.test(datasource.name)
  ) {
    return { kind: 'no-vault', datasource };
  }
  const vault: VaultRef = { subscriptionId: hint.subscriptionId, resourceGroup: vaultResourceGroup, name: hint.vault };
  try {
    const instances = await deadline.run((abortSignal) => azure.listBackupInstances(vault, datasource.name, { abortSignal }));
    const wanted = datasource.name.toLowerCase();
    const matches = instances.filter((instance) => {
      const parts = datasourceParts(instance, datasource.workload);
      if (parts === undefined) return false;
      // A Backup Health alert may name the backup instance rather than the datasource.
      if (instance.name.toLowerCase() === wanted) return true;
      if (parts.name.toLowerCase() !== wanted) return false;
      return datasource.resourceGroup === undefined || parts.resourceGroup.toLowerCase() === datasource.resourceGroup.toLowerCase();
    });
    const [only] = matches;
    if (only === undefined) return { kind: 'not-found', datasource, vault };
    if (matches.length > 1) return { kind: 'ambiguous', datasource, vault, matches };
    return { kind: 'found', target: { workload: datasource.workload, backupInstance: only } };
  } catch (error) {
    return { kind: 'azure-error', error: asCodedError(error), timedOut: isTimeout(error) };
  }
}

function what(datasource: SessionDatasource): { en: string; pl: string } {
  const where = datasource.resourceGroup === undefined ? { en: '', pl: '' } : { en: ` in resource group ${datasource.resourceGroup}`, pl: ` w grupie zasobów ${datasource.resourceGroup}` };
  return datasource.workload === 'azure-disk'
    ? { en: `disk ${datasource.name}${where.en}`, pl: `dysku ${datasource.name}${where.pl}` }
    : { en: `storage account ${datasource.name}${where.en}`, pl: `konta magazynu ${datasource.name}${where.pl}` };
}

/** What the user is told when the datasource cannot be checked (both channels show it as a notice). */
export function datasourceTargetNotice(lookup: Exclude<DatasourceTargetLookup, { kind: 'found' }>, language: Language): { readonly title: string; readonly text: string } {
  const pick = (en: string, pl: string): string => (language === 'pl' ? pl : en);
  switch (lookup.kind) {
    case 'no-vault': {
      const it = what(lookup.datasource);
      return {
        title: pick('Which Backup vault?', 'Który magazyn kopii zapasowych?'),
        text: pick(
          `The alert did not name the Backup vault of ${it.en} by its full id (subscription, resource group and name), so the bot cannot look the datasource up and checks nothing.`,
          `Alert nie podał pełnego identyfikatora magazynu kopii zapasowych dla ${it.pl} (subskrypcji, grupy zasobów i nazwy), więc bot nie może odnaleźć źródła danych i niczego nie sprawdza.`,
        ),
      };
    }
    case 'not-found': {
      const it = what(lookup.datasource);
      return {
        title: pick('Not protected by that vault', 'Nie jest chroniony przez ten magazyn'),
        text: pick(
          `The Backup vault ${lookup.vault.name} (resource group ${lookup.vault.resourceGroup}) has no backup instance of ${it.en} that the bot can see, so there is nothing to check. If it does protect it, give the bot's identity Reader on the vault (Azure Resource Graph lists only what the identity may read, a few minutes late).`,
          `Magazyn kopii zapasowych ${lookup.vault.name} (grupa zasobów ${lookup.vault.resourceGroup}) nie ma widocznego dla bota wystąpienia kopii ${it.pl}, więc nie ma czego sprawdzać. Jeśli ten magazyn chroni to źródło danych, nadaj tożsamości bota rolę Reader (Czytelnik) na tym magazynie (Azure Resource Graph pokazuje tylko to, co tożsamość może odczytać, z kilkuminutowym opóźnieniem).`,
        ),
      };
    }
    case 'ambiguous': {
      const it = what(lookup.datasource);
      const ids = lookup.matches.map((m) => m.datasourceId).join(', ');
      const n = lookup.matches.length;
      // Polish numerals: 2-4 take the plural nominative, 5 and more the genitive.
      const some = n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 12 || n % 100 > 14) ? `${n} źródła danych pasujące` : `${n} źródeł danych pasujących`;
      return {
        title: pick('Which datasource?', 'Które źródło danych?'),
        text: pick(
          `The Backup vault ${lookup.vault.name} protects ${lookup.matches.length} datasources that match ${it.en} (${ids}), so the bot will not guess which one to check.`,
          `Magazyn kopii zapasowych ${lookup.vault.name} chroni ${some} do ${it.pl} (${ids}), więc bot nie będzie zgadywać, które sprawdzić.`,
        ),
      };
    }
    case 'azure-error':
      if (lookup.timedOut) {
        return {
          title: pick('Azure did not answer in time', 'Azure nie odpowiedział na czas'),
          text: pick(
            'Azure did not answer in time while the bot looked for the backup instance, so nothing was checked. Try again in a minute.',
            'Azure nie odpowiedział na czas, gdy bot szukał wystąpienia kopii, więc niczego nie sprawdzono. Spróbuj ponownie za minutę.',
          ),
        };
      }
      return { title: pick('Azure refused to answer', 'Azure nie udzielił odpowiedzi'), text: azureErrorText(lookup.error)[language] };
  }
}
