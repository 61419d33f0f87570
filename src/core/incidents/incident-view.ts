import type { Language } from '../knowledge/schema';
import type { CardButton } from '../views/card-actions';
import { PayloadVersion } from '../views/card-actions';
import type { Incident } from './incident';
import { incidentStatus } from './incident';

/**
 * What the incident card shows, in the subscription's language. Channels bind this into
 * their template (cards/incident.json for Teams); user and Azure text is data, never template.
 */
export const troubleshootVerb = 'incident.troubleshoot' as const;

/** A "Troubleshoot <vm>" button. Its payload names the incident and the VM key only; the server reloads both. */
export interface IncidentCardAction extends CardButton {
  readonly verb: typeof troubleshootVerb;
  readonly data: { readonly v: typeof PayloadVersion; readonly incidentId: string; readonly vm: string };
}

export interface IncidentCardVm {
  readonly name: string;
  readonly state: string;
  readonly recovered: boolean;
}

export interface IncidentCardData {
  readonly heading: string;
  readonly code: string;
  readonly codeLabel: string;
  readonly message: string;
  readonly messageLabel: string;
  readonly vault: string;
  readonly vaultLabel: string;
  readonly status: string;
  readonly recovered: boolean;
  readonly countText: string;
  readonly vms: readonly IncidentCardVm[];
  readonly more: string;
  readonly hasMore: boolean;
  readonly actions: readonly IncidentCardAction[];
  readonly hasActions: boolean;
  readonly updatedText: string;
}

export interface IncidentViewOptions {
  readonly maxVms: number;
  readonly maxButtons: number;
  /** The catalogue's message for the code, when the alert carried none. */
  readonly catalogueMessage?: string;
}

const defaults: IncidentViewOptions = { maxVms: 10, maxButtons: 3 };

function plural(n: number, en: [string, string], pl: [string, string, string], lang: Language): string {
  if (lang === 'en') return n === 1 ? en[0] : en[1];
  // Polish: 1 maszyna, 2-4 maszyny, 5+ maszyn (but 12-14 maszyn).
  if (n === 1) return pl[0];
  const lastTwo = n % 100;
  const last = n % 10;
  return last >= 2 && last <= 4 && !(lastTwo >= 12 && lastTwo <= 14) ? pl[1] : pl[2];
}

export function incidentCardData(incident: Incident, lang: Language, options: Partial<IncidentViewOptions> = {}): IncidentCardData {
  const o = { ...defaults, ...options };
  const recovered = incidentStatus(incident) === 'recovered';
  const code = incident.code ?? (lang === 'en' ? 'Unidentified error' : 'Nierozpoznany błąd');
  const total = incident.vmCount;
  const vmWord = plural(total, ['VM', 'VMs'], ['maszyna wirtualna', 'maszyny wirtualne', 'maszyn wirtualnych'], lang);
  const countText =
    lang === 'en'
      ? `${total} ${vmWord} affected, ${incident.recoveredCount} recovered`
      : `Dotyczy: ${total} ${vmWord}, odzyskano: ${incident.recoveredCount}`;
  const shown = incident.vms.slice(0, o.maxVms);
  const hidden = Math.max(0, incident.vms.length - shown.length);
  const actions = incident.vms
    .filter((vm) => vm.state === 'fired')
    .slice(0, o.maxButtons)
    .map(
      (vm): IncidentCardAction => ({
      title: lang === 'en' ? `Troubleshoot ${vm.name}` : `Diagnozuj ${vm.name}`,
      verb: troubleshootVerb,
      data: { v: PayloadVersion, incidentId: incident.id, vm: vm.key },
    }),
    );
  const message = incident.message ?? o.catalogueMessage ?? (lang === 'en' ? '(the alert carried no message)' : '(alert nie zawierał komunikatu)');
  return {
    heading: recovered
      ? lang === 'en'
        ? 'Backup incident recovered'
        : 'Incydent kopii zapasowej zakończony'
      : lang === 'en'
        ? 'Backup failures'
        : 'Nieudane kopie zapasowe',
    code,
    codeLabel: lang === 'en' ? 'Error code' : 'Kod błędu',
    message,
    messageLabel: lang === 'en' ? 'Message' : 'Komunikat',
    vault: incident.vault.name,
    vaultLabel: lang === 'en' ? 'Vault' : 'Magazyn',
    status: recovered
      ? lang === 'en'
        ? 'All VMs recovered: their latest backups succeeded or the alerts were resolved.'
        : 'Wszystkie maszyny odzyskane: ostatnie kopie się udały albo alerty zostały rozwiązane.'
      : lang === 'en'
        ? 'Active'
        : 'Aktywny',
    recovered,
    countText,
    vms: shown.map((vm) => ({
      name: vm.name,
      recovered: vm.state === 'resolved',
      state: vm.state === 'resolved' ? (lang === 'en' ? 'recovered' : 'odzyskana') : lang === 'en' ? 'failing' : 'błąd',
    })),
    more: hidden > 0 ? (lang === 'en' ? `and ${hidden} more` : `i ${hidden} więcej`) : '',
    hasMore: hidden > 0,
    actions,
    hasActions: actions.length > 0,
    updatedText: lang === 'en' ? `Last alert ${incident.lastAlertAt.toISOString()}` : `Ostatni alert ${incident.lastAlertAt.toISOString()}`,
  };
}
