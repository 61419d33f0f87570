import type { SqliteDatabase } from './sqlite-database';

/**
 * Retention of the alert path's rows in the SQLite file: alerts received, incidents with their
 * VMs, and outbox entries. Without it the file grows with every alert ever sent.
 *
 * Only history goes: an incident whose last alert is older than the cutoff and none of whose
 * messages is still waiting to be delivered, with its VMs and its delivered or failed outbox
 * entries; and received alerts older than the cutoff that are not waiting for their job and whose
 * incident went too. An undelivered message, and so its incident and its alerts, is never removed.
 */
export class SqliteAlertHistory {
  private readonly purge;

  constructor(private readonly db: SqliteDatabase) {
    const stale = `SELECT i.id FROM incidents_incident i WHERE i.last_alert_at < @cutoff
       AND NOT EXISTS (SELECT 1 FROM outbox_entry o WHERE o.incident_id = i.id AND o.status = 'pending')`;
    const outbox = db.prepare(`DELETE FROM outbox_entry WHERE status <> 'pending' AND incident_id IN (${stale})`);
    const vms = db.prepare(`DELETE FROM incidents_vm WHERE incident_id IN (${stale})`);
    const incidents = db.prepare(`DELETE FROM incidents_incident WHERE id IN (${stale})`);
    // Run after the incidents: an alert stays while its incident does (its record, and the job id that keeps a re-sent alert a duplicate).
    const inbox = db.prepare(
      `DELETE FROM incidents_inbox WHERE received_at < @cutoff AND status <> 'needs-job'
         AND (incident_id IS NULL OR NOT EXISTS (SELECT 1 FROM incidents_incident i WHERE i.id = incidents_inbox.incident_id))`,
    );
    this.purge = db.transaction((cutoff: number) => {
      const removed = outbox.run({ cutoff }).changes + vms.run({ cutoff }).changes;
      return removed + incidents.run({ cutoff }).changes + inbox.run({ cutoff }).changes;
    });
  }

  /** Removes history older than `cutoff`; returns how many rows went. Same shape as the sessions' purge. */
  async purgeExpiredBefore(cutoff: Date): Promise<number> {
    return this.purge.immediate(cutoff.getTime());
  }
}
