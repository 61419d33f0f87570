import type { Language } from '../knowledge/schema';
import { incidentStatus, type IncidentHeader } from './incident';
import { polishPlural } from './incident-view';
import type { OutboxEntry } from './ports';

/**
 * A conversation that subscribes while incidents are open gets their cards at once, rather than
 * only when the next alert of each arrives. "Open": not every VM recovered, and the last alert
 * within the grouping window (an older incident would not take new alerts either).
 */
export function isOpen(incident: Pick<IncidentHeader, 'vmCount' | 'recoveredCount' | 'lastAlertAt'>, now: Date, windowMs: number): boolean {
  return incidentStatus(incident) === 'active' && incident.lastAlertAt.getTime() >= now.getTime() - windowMs;
}

/** At most this many cards are queued for one `subscribe`: the most recent incidents, never a flood. */
export const defaultMaxOpenCards = 20;

/** What `subscribe` did about the incidents already open. */
export interface OpenIncidentsPlan {
  /** Open incidents the new subscription matches. */
  readonly open: number;
  /** Cards newly queued for this conversation. */
  readonly queued: number;
  /** Open incidents whose card this conversation already has, or is about to get. */
  readonly alreadyHere: number;
}

/** Decides, incident by incident, whether `subscribe` queues a card, and counts what it did. */
export class OpenIncidentsTally {
  private queued = 0;
  private alreadyHere = 0;

  constructor(
    private readonly open: number,
    private readonly maxCards = defaultMaxOpenCards,
  ) {}

  /** Whether to queue the incident's card, given the conversation's outbox entry for it. */
  shouldQueue(existing: Pick<OutboxEntry, 'status' | 'activityId'> | undefined): boolean {
    if (existing && existing.status !== 'failed') {
      this.alreadyHere += 1;
      return false;
    }
    // A failed entry (e.g. dropped when the conversation unsubscribed) is revived: it updates its card if it had one.
    if (existing?.activityId) {
      this.alreadyHere += 1;
      return true;
    }
    if (this.queued >= this.maxCards) return false;
    this.queued += 1;
    return true;
  }

  plan(): OpenIncidentsPlan {
    return { open: this.open, queued: this.queued, alreadyHere: this.alreadyHere };
  }
}

/** The sentence the subscribe confirmation ends with: how many open incidents will be posted. */
export function openIncidentsText(plan: OpenIncidentsPlan, lang: Language): string {
  const { open, queued, alreadyHere } = plan;
  if (open === 0) return lang === 'en' ? 'No incidents are open right now.' : 'Obecnie nie ma otwartych incydentów.';
  const capped = queued + alreadyHere < open;
  if (queued === 0) {
    if (lang === 'en') return `${alreadyHere === 1 ? '1 open incident is' : `${alreadyHere} open incidents are`} already posted here.`;
    const f = polishPlural(
      alreadyHere,
      { noun: 'otwarty incydent', is: 'jest', posted: 'opublikowany' },
      { noun: 'otwarte incydenty', is: 'są', posted: 'opublikowane' },
      { noun: 'otwartych incydentów', is: 'jest', posted: 'opublikowanych' },
    );
    return `${alreadyHere} ${f.noun} ${f.is} już tutaj ${f.posted}.`;
  }
  if (lang === 'en') {
    if (capped) return `The ${queued} most recent of ${open} open incidents will be posted here.`;
    return `${queued === 1 ? '1 open incident' : `${queued} open incidents`} will be posted here.`;
  }
  const f = polishPlural(
    queued,
    { will: 'zostanie opublikowany', noun: 'otwarty incydent', recent: 'najnowszy' },
    { will: 'zostaną opublikowane', noun: 'otwarte incydenty', recent: 'najnowsze' },
    { will: 'zostanie opublikowanych', noun: 'otwartych incydentów', recent: 'najnowszych' },
  );
  return capped ? `Tutaj ${f.will} ${queued} ${f.recent} z ${open} otwartych incydentów.` : `Tutaj ${f.will} ${queued} ${f.noun}.`;
}
