import type { VmRef } from '../azure-port';
import type { Language } from '../knowledge/schema';
import { PayloadVersion, type CardButton } from '../views/card-actions';
import { type AtRiskVm, type FleetSweepResult, type SweepChanges, type UncheckedVm, vmKey } from './fleet-sweep-result';
import { riskCause, riskCauses, type RiskCause } from './risk-causes';

/** The verbs of the digest's buttons, the same in every channel. */
export const SweepVerbs = {
  troubleshoot: 'sweep.troubleshoot',
  fix: 'sweep.fix',
} as const;

export interface SweepDigestVm {
  readonly name: string;
  /** Vault and resource group, so two VMs of one name are told apart. */
  readonly where: string;
  readonly evidence: string;
  /** "New since the last sweep", or ''. */
  readonly badge: string;
  readonly actions: readonly CardButton[];
}

export interface SweepDigestGroup {
  readonly title: string;
  readonly vms: readonly SweepDigestVm[];
  /** "and N more", or '' when every VM of the cause is shown. */
  readonly more: string;
}

/** The digest as every channel shows it: one message, "N of M VMs at risk" grouped by cause. */
export interface SweepDigestView {
  readonly title: string;
  /** "3 of 9 VMs at risk" or "All 9 VMs healthy". */
  readonly summary: string;
  readonly healthy: boolean;
  readonly sweptAt: string;
  /** What is new and what recovered since the previous sweep; '' when nothing changed or there is none. */
  readonly changes: string;
  readonly groups: readonly SweepDigestGroup[];
  /** VMs or vaults the sweep could not read; '' when none. */
  readonly note: string;
}

/** A fix button a cause offers for one VM (the policy decides whether it is enabled). */
export interface SweepFixOffer {
  readonly fixId: string;
  readonly title: string;
  readonly enabled: boolean;
}

export interface DigestOptions {
  readonly language: Language;
  /** Most VMs shown over all causes (channel size limits); the rest are counted per cause. */
  readonly maxVms: number;
  readonly changes?: SweepChanges;
  /** The fix buttons of a cause for a VM: the approval flow's own offers. */
  readonly fixOffers: (causeId: string, vm: VmRef, language: Language) => readonly SweepFixOffer[];
}

/**
 * Builds the digest. Each VM keeps its index in the stored sweep: its buttons carry the sweep's
 * id and that index only, and the server reloads both. With more VMs than fit, each cause shows
 * its share (at least one) and says how many more it has.
 */
export function buildSweepDigestView(result: FleetSweepResult, options: DigestOptions): SweepDigestView {
  const { language } = options;
  const pick = (en: string, pl: string): string => (language === 'pl' ? pl : en);
  const at = result.finishedAt.slice(0, 16).replace('T', ' ');
  const count = result.atRisk.length;
  const checked = result.total - result.unchecked.length;
  const summary =
    count > 0
      ? pick(`${count} of ${result.total} VMs at risk`, `Zagrożone maszyny: ${count} z ${result.total}`)
      : result.unchecked.length === 0
        ? pick(`All ${result.total} VMs healthy`, `Wszystkie maszyny (${result.total}) są w dobrej kondycji`)
        : // Not "all healthy": some could not be looked at.
          pick(`None of ${checked} checked VMs at risk; ${result.unchecked.length} could not be checked`, `Brak zagrożonych wśród sprawdzonych maszyn (${checked}); nie udało się sprawdzić: ${result.unchecked.length}`);
  const indexed = result.atRisk.map((vm, index) => ({ vm, index: result.storedPositions?.[index] ?? index }));
  const causes = riskCauses.filter((c) => indexed.some((e) => e.vm.cause === c.id));
  const shares = shareOut(causes.map((c) => indexed.filter((e) => e.vm.cause === c.id).length), options.maxVms);
  const groups = causes.map((cause, g) => {
    const members = indexed.filter((e) => e.vm.cause === cause.id);
    const shown = members.slice(0, shares[g]);
    const hidden = members.length - shown.length;
    return {
      title: `${cause.title[language]} (${members.length})`,
      vms: shown.map((e) => digestVm(result.id, e.vm, e.index, cause, options)),
      more: hidden > 0 ? pick(`…and ${hidden} more`, `…i jeszcze ${hidden}`) : '',
    };
  });
  return {
    title: pick('Fleet health: VMs at risk of a failed backup', 'Kondycja floty: maszyny zagrożone nieudaną kopią zapasową'),
    summary,
    healthy: count === 0,
    sweptAt: pick(`Swept ${at} UTC`, `Sprawdzono ${at} UTC`),
    changes: changesLine(options.changes, pick),
    groups,
    note: noteLine(result, pick),
  };
}

function digestVm(sweepId: string, vm: AtRiskVm, index: number, cause: RiskCause, options: DigestOptions): SweepDigestVm {
  const { language } = options;
  const lang = language;
  const troubleshoot: CardButton = { title: language === 'pl' ? 'Rozwiąż problem' : 'Troubleshoot', verb: SweepVerbs.troubleshoot, data: { v: PayloadVersion, sweepId, vm: index, lang } };
  const fixes = cause.causeId === undefined ? [] : options.fixOffers(cause.causeId, vm.vm, language);
  const fixButtons = fixes.slice(0, 2).map((f): CardButton => ({
    title: `🔧 ${f.title}${f.enabled ? '' : language === 'pl' ? ' (wyłączone)' : ' (disabled)'}`,
    verb: SweepVerbs.fix,
    data: { v: PayloadVersion, sweepId, vm: index, fixId: f.fixId, lang },
  }));
  const isNew = options.changes?.newlyAtRisk.has(vmKey(vm.vm)) === true;
  return {
    name: vm.vm.name,
    where: `${vm.vault.name} · ${vm.vm.resourceGroup}`,
    evidence: vm.evidence[language],
    badge: isNew ? (language === 'pl' ? '🆕 nowa od ostatniego sprawdzenia' : '🆕 new since the last sweep') : '',
    actions: [troubleshoot, ...fixButtons],
  };
}

/** Splits `limit` rows over groups of the given sizes: every group at least one, the rest in turn. */
function shareOut(sizes: readonly number[], limit: number): number[] {
  const shares = sizes.map((s) => Math.min(s, 1));
  let left = Math.max(0, limit - shares.reduce((a, b) => a + b, 0));
  while (left > 0) {
    let gave = false;
    for (let i = 0; i < sizes.length && left > 0; i += 1) {
      if ((shares[i] ?? 0) < (sizes[i] ?? 0)) {
        shares[i] = (shares[i] ?? 0) + 1;
        left -= 1;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return shares;
}

function changesLine(changes: SweepChanges | undefined, pick: (en: string, pl: string) => string): string {
  if (changes === undefined) return '';
  const parts: string[] = [];
  if (changes.newlyAtRisk.size > 0) parts.push(pick(`${changes.newlyAtRisk.size} newly at risk`, `nowo zagrożone: ${changes.newlyAtRisk.size}`));
  if (changes.recovered.length > 0) {
    const names = changes.recovered.slice(0, 10).map((v) => v.vm.name).join(', ');
    const rest = changes.recovered.length > 10 ? pick(` and ${changes.recovered.length - 10} more`, ` i jeszcze ${changes.recovered.length - 10}`) : '';
    parts.push(pick(`✅ recovered: ${names}${rest}`, `✅ wróciły do zdrowia: ${names}${rest}`));
  }
  return parts.length === 0 ? '' : `${pick('Since the last sweep', 'Od ostatniego sprawdzenia')}: ${parts.join('; ')}.`;
}

function noteLine(result: FleetSweepResult, pick: (en: string, pl: string) => string): string {
  const parts: string[] = [];
  if (result.unchecked.length > 0) {
    const names = result.unchecked.slice(0, 5).map((v) => v.vm.name).join(', ');
    const first = result.unchecked[0] as UncheckedVm;
    // Why, for the first: a missing role is named there, and it is often the same for the rest.
    parts.push(
      pick(
        `${result.unchecked.length} VMs could not be checked (${names}${result.unchecked.length > 5 ? ', …' : ''}). ${first.vm.name}: ${first.evidence.en}`,
        `Nie udało się sprawdzić maszyn: ${result.unchecked.length} (${names}${result.unchecked.length > 5 ? ', …' : ''}). ${first.vm.name}: ${first.evidence.pl}`,
      ),
    );
  }
  const notScheduled = result.notScheduled ?? [];
  if (notScheduled.length > 0) {
    const names = notScheduled.slice(0, 5).map((v) => v.vm.name).join(', ');
    const more = notScheduled.length > 5 ? ', …' : '';
    parts.push(pick(`${notScheduled.length} VMs whose backup is stopped were not swept (${names}${more}).`, `Pominięto maszyny z zatrzymaną kopią zapasową: ${notScheduled.length} (${names}${more}).`));
  }
  for (const v of result.unreadableVaults.slice(0, 3)) parts.push(pick(`Vault ${v.vault} could not be read: ${v.evidence.en}`, `Nie udało się odczytać magazynu ${v.vault}: ${v.evidence.pl}`));
  return parts.join(' ');
}

/** The cause a stored VM is filed under (a stored sweep names only causes this build knows, but is re-checked anyway). */
export function causeOf(vm: AtRiskVm): RiskCause | undefined {
  return riskCause(vm.cause);
}
