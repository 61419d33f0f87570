import type { Language } from '../knowledge/schema';
import type { SessionFileShare } from '../troubleshoot/session';
import type { FileShareCheckTarget } from './check-types';

/**
 * The Azure file share "Run checks" examines, built on the server from what the stored incident said:
 * the share and its storage account from the alert's protected item ("AzureFileShare;finance" in
 * "StorageContainer;Storage;rg-files;stfiles01", which the incident names "finance (stfiles01)"), and
 * the subscription of its vault (Azure Files backup protects shares of the vault's subscription). The
 * checks then read the account and its shares from Azure; nothing comes from a card.
 */

/** Names as Azure allows them: anything else never reaches a request. */
const sharePattern = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const accountPattern = /^[a-z0-9]{3,24}$/;
const resourceGroupPattern = /^[-\w._()]{1,90}$/;
const subscriptionPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** "finance (stfiles01)" with its resource group: the share and its storage account; undefined for any other name. */
export function fileShareOfIncidentItem(name: string, resourceGroup: string | undefined): SessionFileShare | undefined {
  const m = /^(\S+) \((\S+)\)$/.exec(name);
  if (!m?.[1] || !m[2] || resourceGroup === undefined) return undefined;
  if (!sharePattern.test(m[1]) || !accountPattern.test(m[2]) || !resourceGroupPattern.test(resourceGroup)) return undefined;
  return { share: m[1], storageAccount: m[2], resourceGroup };
}

export function resolveFileShareTarget(share: SessionFileShare, subscriptionId: string | undefined): FileShareCheckTarget | undefined {
  if (subscriptionId === undefined || !subscriptionPattern.test(subscriptionId)) return undefined;
  if (!sharePattern.test(share.share) || !accountPattern.test(share.storageAccount) || !resourceGroupPattern.test(share.resourceGroup)) return undefined;
  return {
    workload: 'azure-files',
    storageAccountId: `/subscriptions/${subscriptionId}/resourceGroups/${share.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${share.storageAccount}`,
    shareName: share.share,
  };
}

/** What the user is told when the share cannot be checked (both channels show it as a notice). */
export function fileShareTargetNotice(share: SessionFileShare, language: Language): { readonly title: string; readonly text: string } {
  return language === 'pl'
    ? {
        title: 'Która subskrypcja?',
        text: `Alert nie podał subskrypcji magazynu, więc bot nie może odnaleźć konta magazynu ${share.storageAccount} z udziałem plików ${share.share} i niczego nie sprawdza.`,
      }
    : {
        title: 'Which subscription?',
        text: `The alert did not name the vault's subscription, so the bot cannot find storage account ${share.storageAccount} with file share ${share.share} and checks nothing.`,
      };
}
