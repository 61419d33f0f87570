import type { AzurePort } from '../azure-port';
import type { AzureDeadline } from '../azure-lookup/azure-deadline';
import { describeMatches, findVm, type VmHint, type VmLookup } from '../azure-lookup/find-vm';
import type { Language } from '../knowledge/schema';
import type { CheckTarget } from './check-types';
import { azureErrorText } from './run-checks';

/** What a troubleshooting session may know about its target (names only, some parts missing). */
export type PartialTarget = VmHint;

export type CheckTargetLookup = { readonly kind: 'found'; readonly target: CheckTarget } | Exclude<VmLookup, { kind: 'found' }>;

/**
 * The VM "Run checks" examines: the same lookup a fix uses (src/core/azure-lookup/find-vm.ts),
 * so the checks never look at a different VM than a fix would change. Never throws.
 */
export async function resolveCheckTarget(azure: AzurePort, target: PartialTarget, deadline: AzureDeadline): Promise<CheckTargetLookup> {
  const found = await findVm(azure, target, deadline);
  if (found.kind !== 'found') return found;
  const { vm, vault } = found.match;
  return { kind: 'found', target: vault === undefined ? { vm } : { vm, vault } };
}

/** What the user is told when there is no single VM to check (both channels show it as a notice). */
export function checkTargetNotice(lookup: Exclude<CheckTargetLookup, { kind: 'found' }>, language: Language): { readonly title: string; readonly text: string } {
  const pick = (en: string, pl: string): string => (language === 'pl' ? pl : en);
  switch (lookup.kind) {
    case 'no-vm':
      return {
        title: pick('Which VM?', 'Która maszyna?'),
        text: pick(
          'This troubleshooting card is not tied to a VM, so there is nothing to check. Ask "why did the backup of <vm> fail?" to open a card for a VM.',
          'Ta karta nie dotyczy żadnej maszyny, więc nie ma czego sprawdzać. Zapytaj „dlaczego nie udała się kopia zapasowa <maszyna>?”, aby otworzyć kartę dla maszyny.',
        ),
      };
    case 'not-found':
      return {
        title: pick('Which VM?', 'Która maszyna?'),
        text: pick(
          `No vault the bot can see protects a VM named ${lookup.vmName}, so there is nothing to check. Check the name, or give the bot's identity the Backup Reader role on the vault that protects it.`,
          `Żaden magazyn widoczny dla bota nie chroni maszyny o nazwie ${lookup.vmName}, więc nie ma czego sprawdzać. Sprawdź nazwę albo przypisz tożsamości bota rolę Backup Reader na magazynie, który ją chroni.`,
        ),
      };
    case 'ambiguous':
      return {
        title: pick('Which VM?', 'Która maszyna?'),
        text: pick(
          `${lookup.matches.length} VMs are named ${lookup.vmName} (subscription/resource group: ${describeMatches(lookup.matches)}), so the bot will not guess which one to check. Open the troubleshooting card from the alert or the failed-backups list for the VM you mean: those name its resource group.`,
          `Maszyn o nazwie ${lookup.vmName} jest ${lookup.matches.length} (subskrypcja/grupa zasobów: ${describeMatches(lookup.matches)}), więc bot nie będzie zgadywać, którą sprawdzić. Otwórz kartę z alertu albo z listy nieudanych kopii dla właściwej maszyny: te podają jej grupę zasobów.`,
        ),
      };
    case 'azure-error':
      if (lookup.timedOut) {
        return {
          title: pick('Azure did not answer in time', 'Azure nie odpowiedział na czas'),
          text: pick('Azure did not answer in time while the bot looked for the VM, so nothing was checked. Try again in a minute.', 'Azure nie odpowiedział na czas, gdy bot szukał maszyny, więc niczego nie sprawdzono. Spróbuj ponownie za minutę.'),
        };
      }
      return { title: pick('Azure refused to answer', 'Azure nie udzielił odpowiedzi'), text: azureErrorText(lookup.error)[language] };
  }
}
