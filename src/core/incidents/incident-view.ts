import type { Language } from '../knowledge/schema';
import type { CardButton } from '../views/card-actions';
import { PayloadVersion } from '../views/card-actions';
import { type BackupWorkload, workloadLabel } from './backup-workload';
import type { Incident } from './incident';
import { incidentStatus, workloadOfGroupKey } from './incident';

/**
 * What the incident card shows, in the subscription's language. Channels bind this into
 * their template (cards/incident.json for Teams); user and Azure text is data, never template.
 */
export const troubleshootVerb = 'incident.troubleshoot' as const;

/** A "Troubleshoot <vm>" button. Its payload names the incident and the VM key only; the server reloads both. */
export interface IncidentCardAction extends CardButton {
  readonly verb: typeof troubleshootVerb;
  readonly data: { readonly v: typeof PayloadVersion; readonly incidentId: string; readonly vm: string; readonly lang: Language };
}

export interface IncidentCardVm {
  /** "vm-sql01: failing (rg-sql)": plain text, Azure names in it. */
  readonly line: string;
  readonly name: string;
  readonly state: string;
  readonly recovered: boolean;
}

export interface IncidentCardFact {
  readonly title: string;
  readonly value: string;
}

export interface IncidentCardData {
  readonly heading: string;
  readonly code: string;
  readonly codeLabel: string;
  readonly message: string;
  readonly messageLabel: string;
  readonly vault: string;
  readonly vaultLabel: string;
  /** Error code, vault, and where known the vault's resource group and subscription. */
  readonly facts: readonly IncidentCardFact[];
  readonly status: string;
  readonly recovered: boolean;
  /** Some VMs recovered, some still failing. */
  readonly recovering: boolean;
  /**
   * When the incident began and when it last heard from Azure: a fixed label and an RFC 3339 UTC
   * instant without fractions, which each channel formats in the reader's time zone (Teams: the
   * template's {{DATE()}} {{TIME()}} in a TextBlock of its own, with no Azure or user text in it).
   */
  readonly firstAlertLabel: string;
  readonly firstAlertAt: string;
  readonly lastAlertLabel: string;
  readonly lastAlertAt: string;
  readonly countText: string;
  readonly vms: readonly IncidentCardVm[];
  readonly more: string;
  readonly hasMore: boolean;
  /** What the reader can do next (the Troubleshoot buttons, and how to reach VMs without one). */
  readonly nextStep: string;
  readonly hasNextStep: boolean;
  readonly actions: readonly IncidentCardAction[];
  readonly hasActions: boolean;
}

export interface IncidentViewOptions {
  readonly maxVms: number;
  readonly maxButtons: number;
  /** The catalogue's message for the code, when the alert carried none. */
  readonly catalogueMessage?: string;
  /**
   * Whether "Troubleshoot <vm>" can open the stepping flow: false for a code the catalogue does
   * not know (another tool stated it), which has no causes to step through. Default: a code is known.
   */
  readonly troubleshootable?: boolean;
}

const defaults: IncidentViewOptions = { maxVms: 10, maxButtons: 3 };

/** Polish number agreement: 1 maszyna, 2-4 maszyny, 5+ maszyn (but 12-14 maszyn, 22 maszyny). */
export function polishPlural<T>(n: number, one: T, few: T, many: T): T {
  if (n === 1) return one;
  const lastTwo = n % 100;
  const last = n % 10;
  return last >= 2 && last <= 4 && !(lastTwo >= 12 && lastTwo <= 14) ? few : many;
}

function plural(n: number, en: [string, string], pl: [string, string, string], lang: Language): string {
  if (lang === 'en') return n === 1 ? en[0] : en[1];
  return polishPlural(n, pl[0], pl[1], pl[2]);
}

/** "2026-11-26T21:12:55Z": what Teams' DATE()/TIME() accept (no fractions). */
export function cardInstant(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The question the bot answers about one VM's latest failed backup (src/core/questions), as the reader would type it. */
function askAboutVm(lang: Language): string {
  return lang === 'en' ? '"why did the backup of <vm> fail?"' : '„dlaczego nie udała się kopia zapasowa <maszyna>?”';
}

/** Microsoft's page for a backup error code: the aka.ms/AB-<code> link Azure Backup's own alerts carry. */
export function codeDocumentationUrl(code: string): string {
  return `https://aka.ms/AB-${encodeURIComponent(code)}`;
}

/** How the status line speaks of what failed: VMs, or protected items of other workloads (Polish agrees in gender). */
interface StatusWords {
  readonly all: Record<Language, string>;
  readonly none: Record<Language, string>;
  readonly failing: Record<Language, string>;
}

const vmWords: StatusWords = {
  all: { en: 'All VMs recovered', pl: 'Wszystkie maszyny odzyskane' },
  none: { en: 'no VM has recovered yet', pl: 'żadna maszyna nie została jeszcze odzyskana' },
  failing: { en: 'VMs', pl: 'maszyn' },
};

const itemWords: StatusWords = {
  all: { en: 'All items recovered', pl: 'Wszystkie elementy odzyskane' },
  none: { en: 'no item has recovered yet', pl: 'żaden element nie został jeszcze odzyskany' },
  failing: { en: 'items', pl: 'elementów' },
};

function statusText(total: number, recoveredCount: number, workload: BackupWorkload, lang: Language): string {
  const words = workload === 'azure-vm' ? vmWords : itemWords;
  if (total > 0 && recoveredCount >= total) {
    return lang === 'en'
      ? `${words.all.en}: their latest backups succeeded or the alerts were resolved.`
      : `${words.all.pl}: ostatnie kopie się udały albo alerty zostały rozwiązane.`;
  }
  const failing = total - recoveredCount;
  if (recoveredCount === 0) return lang === 'en' ? `Still failing: ${words.none.en}.` : `Trwa: ${words.none.pl}.`;
  return lang === 'en' ? `Recovering: ${failing} of ${total} ${words.failing.en} still failing.` : `Ustępuje: ${failing} z ${total} ${words.failing.pl} nadal z błędem.`;
}

/**
 * Other workloads than Azure VMs: the card opens the code's causes in the documented order when
 * the catalogue knows the code (Run checks there are about a VM, so none is filled in), and links
 * Microsoft's documentation for it either way (or, without a code, says where to look).
 */
function itemNextStep(code: string | null, failing: number, withCauses: boolean, lang: Language): string {
  if (failing === 0) return '';
  if (code !== null && withCauses) {
    const url = codeDocumentationUrl(code);
    return lang === 'en'
      ? `Next: Causes walks through the documented causes of ${code} in order; Microsoft's documentation is at ${url}.`
      : `Dalej: Przyczyny przeprowadzą przez udokumentowane przyczyny ${code} po kolei; dokumentacja Microsoft jest pod adresem ${url}.`;
  }
  if (code === null) {
    return lang === 'en'
      ? 'Next: the alerts did not say which error this is; the backup job in the vault names it.'
      : 'Dalej: alerty nie podały, jaki to błąd; podaje go zadanie kopii zapasowej w magazynie.';
  }
  // A bare link: Teams and Slack both make it clickable, and neither reads the other's link markup.
  const url = codeDocumentationUrl(code);
  return lang === 'en'
    ? `Next: Microsoft's documentation for ${code} is at ${url} (the catalogue has no causes for this code).`
    : `Dalej: dokumentacja Microsoft dla ${code} jest pod adresem ${url} (katalog nie zna przyczyn tego kodu).`;
}

function nextStepText(buttons: number, failing: number, identified: boolean, lang: Language): string {
  if (failing === 0) return '';
  if (buttons === 0) {
    return identified
      ? lang === 'en'
        ? `Next: this code is not in the catalogue; ask ${askAboutVm(lang)} so the bot reads that VM's job.`
        : `Dalej: tego kodu nie ma w katalogu; zapytaj ${askAboutVm(lang)}, a bot odczyta zadanie tej maszyny.`
      : lang === 'en'
        ? `Next: the alerts did not say which error this is; ask ${askAboutVm(lang)} so the bot reads that VM's job.`
        : `Dalej: alerty nie podały, jaki to błąd; zapytaj ${askAboutVm(lang)}, a bot odczyta zadanie tej maszyny.`;
  }
  const press =
    lang === 'en'
      ? 'Next: Troubleshoot walks through the likely causes for that VM, with its backup job filled in; Run checks then tests them in Azure.'
      : 'Dalej: Diagnozuj przeprowadzi przez prawdopodobne przyczyny dla tej maszyny (z jej zadaniem kopii zapasowej), a Sprawdź w Azure je zweryfikuje.';
  const others = failing - buttons;
  if (others <= 0) return press;
  return lang === 'en'
    ? `${press} Buttons cover ${buttons} of ${failing} failing VMs; for any other, ask ${askAboutVm(lang)}`
    : `${press} Przyciski obejmują ${buttons} z ${failing} maszyn z błędem; o pozostałe zapytaj ${askAboutVm(lang)}`;
}

export function incidentCardData(incident: Incident, lang: Language, options: Partial<IncidentViewOptions> = {}): IncidentCardData {
  const o = { ...defaults, ...options };
  const recovered = incidentStatus(incident) === 'recovered';
  const workload = workloadOfGroupKey(incident.groupKey);
  const isVm = workload === 'azure-vm';
  const code = incident.code ?? (lang === 'en' ? 'Unidentified error' : 'Nierozpoznany błąd');
  const total = incident.vmCount;
  const vmWord = isVm
    ? plural(total, ['VM', 'VMs'], ['maszyna wirtualna', 'maszyny wirtualne', 'maszyn wirtualnych'], lang)
    : plural(total, ['protected item', 'protected items'], ['chroniony element', 'chronione elementy', 'chronionych elementów'], lang);
  const countText =
    lang === 'en'
      ? `${total} ${vmWord} affected, ${incident.recoveredCount} recovered`
      : `Dotyczy: ${total} ${vmWord}, odzyskano: ${incident.recoveredCount}`;
  const shown = incident.vms.slice(0, o.maxVms);
  const hidden = Math.max(0, incident.vms.length - shown.length);
  // The flow needs a code with causes: no buttons that could only answer "invalid action".
  const troubleshootable = incident.code !== null && (o.troubleshootable ?? true);
  const failingVms = incident.vms.filter((vm) => vm.state === 'fired');
  // A VM's button opens its causes with its job filled in; another workload's card has one button for the code's causes,
  // except disks and blobs in a Backup vault, whose causes are checked per datasource: a button each, as for VMs.
  const perItemCauses = workload === 'azure-disk' || workload === 'azure-blob';
  const actions = isVm
    ? (troubleshootable ? failingVms : []).slice(0, o.maxButtons).map(
        (vm): IncidentCardAction => ({
          title: lang === 'en' ? `Troubleshoot ${vm.name}` : `Diagnozuj ${vm.name}`,
          verb: troubleshootVerb,
          data: { v: PayloadVersion, incidentId: incident.id, vm: vm.key, lang },
        }),
      )
    : (troubleshootable ? failingVms : []).slice(0, perItemCauses ? o.maxButtons : 1).map(
        (item): IncidentCardAction => ({
          title: (lang === 'en' ? `Causes of ${incident.code ?? ''}` : `Przyczyny ${incident.code ?? ''}`) + (perItemCauses && failingVms.length > 1 ? `: ${item.name}` : ''),
          verb: troubleshootVerb,
          data: { v: PayloadVersion, incidentId: incident.id, vm: item.key, lang },
        }),
      );
  const message = incident.message ?? o.catalogueMessage ?? (lang === 'en' ? '(the alert carried no message)' : '(alert nie zawierał komunikatu)');
  const codeLabel = lang === 'en' ? 'Error code' : 'Kod błędu';
  const vaultLabel = lang === 'en' ? 'Vault' : 'Magazyn';
  const { resourceGroup, subscriptionId } = incident.vault;
  const facts: IncidentCardFact[] = [
    { title: codeLabel, value: code },
    { title: lang === 'en' ? 'Workload' : 'Typ obciążenia', value: workloadLabel(workload, lang) },
    { title: vaultLabel, value: incident.vault.name },
    ...(resourceGroup ? [{ title: lang === 'en' ? 'Resource group' : 'Grupa zasobów', value: resourceGroup }] : []),
    ...(subscriptionId ? [{ title: lang === 'en' ? 'Subscription' : 'Subskrypcja', value: subscriptionId }] : []),
  ];
  const failingWord = lang === 'en' ? 'failing' : 'błąd';
  const recoveredWord = lang === 'en' ? 'recovered' : 'odzyskana';
  const failing = Math.max(0, total - incident.recoveredCount);
  const nextStep = isVm ? nextStepText(actions.length, failing, incident.code !== null, lang) : itemNextStep(incident.code, failing, actions.length > 0, lang);
  return {
    heading: recovered
      ? lang === 'en'
        ? 'Backup incident recovered'
        : 'Incydent kopii zapasowej zakończony'
      : lang === 'en'
        ? 'Backup failures'
        : 'Nieudane kopie zapasowe',
    code,
    codeLabel,
    message,
    messageLabel: lang === 'en' ? 'Message' : 'Komunikat',
    vault: incident.vault.name,
    vaultLabel,
    facts,
    status: statusText(total, incident.recoveredCount, workload, lang),
    recovered,
    recovering: !recovered && incident.recoveredCount > 0,
    firstAlertLabel: lang === 'en' ? 'First alert' : 'Pierwszy alert',
    // An alert Azure Monitor retried late may be older than the one that opened the incident.
    firstAlertAt: cardInstant(new Date(Math.min(incident.openedAt.getTime(), ...incident.vms.map((vm) => vm.firstSeenAt.getTime())))),
    lastAlertLabel: lang === 'en' ? 'Last alert' : 'Ostatni alert',
    lastAlertAt: cardInstant(incident.lastAlertAt),
    countText,
    vms: shown.map((vm) => {
      const state = vm.state === 'resolved' ? recoveredWord : failingWord;
      return {
        line: `${vm.name}: ${state}${vm.resourceGroup ? ` (${vm.resourceGroup})` : ''}`,
        name: vm.name,
        recovered: vm.state === 'resolved',
        state,
      };
    }),
    more: hidden > 0 ? (lang === 'en' ? `and ${hidden} more` : `i ${hidden} więcej`) : '',
    hasMore: hidden > 0,
    nextStep,
    hasNextStep: nextStep.length > 0,
    actions,
    hasActions: actions.length > 0,
  };
}
