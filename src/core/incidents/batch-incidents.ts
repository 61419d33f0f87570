import { type IncidentHeader, windowAround, withinWindow } from './incident';
import type { IncidentStore } from './ports';

interface Touched {
  header: IncidentHeader;
  /** The header as the store holds it now (inserted, or read at the start of the batch). */
  stored: IncidentHeader | undefined;
  /** When the batch first made a change the conversations should see (the time its deliveries are planned at). */
  visibleAt: Date | undefined;
}

/**
 * The incidents one batch of alerts touches, inside the batch's transaction. A storm brings many
 * alerts for one incident in a batch: each still reads and writes its own VM row, but the incident
 * itself is read once and written once, when the batch ends, and its cards are planned once. The
 * store holds the write lock for the whole transaction, so what the batch remembers cannot change
 * underneath it.
 */
export class BatchIncidents {
  /** Each group's most recent incident, as the store would answer after the batch's writes. */
  private readonly latestByGroup = new Map<string, IncidentHeader | undefined>();
  private readonly touched = new Map<string, Touched>();

  constructor(private readonly incidents: IncidentStore) {}

  latest(groupKey: string): IncidentHeader | undefined {
    if (this.latestByGroup.has(groupKey)) return this.latestByGroup.get(groupKey);
    const latest = this.incidents.findLatest(groupKey);
    this.latestByGroup.set(groupKey, latest);
    return latest;
  }

  /**
   * The incident an alert at `at` belongs to: the group's latest when its last alert is within the
   * window of `at`, else the most recent one that is (an alert of a storm that arrives late, after
   * a newer incident of the group, joins the storm's incident instead of opening one per alert).
   */
  near(groupKey: string, at: Date, windowMs: number): IncidentHeader | undefined {
    const latest = this.latest(groupKey);
    if (latest && withinWindow(latest.lastAlertAt, at, windowMs)) return latest;
    const { from, to } = windowAround(at, windowMs);
    // As the batch has it: an incident it opened or changed, or the store's when the batch has not touched it.
    const stored = this.incidents.findActiveBetween(groupKey, from, to);
    let found = stored ? (this.touched.get(stored.id)?.header ?? stored) : undefined;
    if (found && !withinWindow(found.lastAlertAt, at, windowMs)) found = undefined;
    for (const { header } of this.touched.values()) {
      if (header.groupKey !== groupKey || !withinWindow(header.lastAlertAt, at, windowMs)) continue;
      if (!found || header.lastAlertAt.getTime() > found.lastAlertAt.getTime()) found = header;
    }
    return found;
  }

  /**
   * Records an alert's change to an incident. A new incident is inserted at once (its VM rows refer
   * to it); an existing one is written by `finish`.
   */
  change(header: IncidentHeader, opened: boolean, visibleAt: Date | undefined): void {
    const previous = this.touched.get(header.id);
    if (opened) this.incidents.insert(header);
    const stored = opened ? header : previous ? previous.stored : this.latestByGroup.get(header.groupKey);
    this.touched.set(header.id, { header, stored: stored?.id === header.id ? stored : undefined, visibleAt: previous?.visibleAt ?? visibleAt });
    // The store orders a group's incidents by their last alert: an incident opened for an old alert does not become the latest.
    const latest = this.latestByGroup.get(header.groupKey);
    if (latest === undefined || latest.id === header.id || header.lastAlertAt.getTime() >= latest.lastAlertAt.getTime()) this.latestByGroup.set(header.groupKey, header);
  }

  /** Writes every incident the batch changed, and hands each one that has something new to show to `planDeliveries`. */
  finish(planDeliveries: (incident: IncidentHeader, at: Date) => void): void {
    for (const { header, stored, visibleAt } of this.touched.values()) {
      if (stored !== header) this.incidents.update(header);
      if (visibleAt !== undefined) planDeliveries(header, visibleAt);
    }
    this.touched.clear();
  }
}
