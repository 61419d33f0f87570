import type { AlertVault } from '../core/incidents/backup-alert';
import type { Incident, IncidentHeader, IncidentVm } from '../core/incidents/incident';
import type { IncidentStore, UnitOfWork } from '../core/incidents/ports';
import type { SqliteDatabase } from './sqlite-database';
import { ensureSchema } from './sqlite-database';

/** One SQLite transaction around the alert path's writes (nested calls become savepoints). */
export function sqliteUnitOfWork(db: SqliteDatabase): UnitOfWork {
  return { run: <T>(work: () => T): T => db.transaction(work)() };
}

interface HeaderRow {
  id: string;
  group_key: string;
  vault_json: string;
  code: string | null;
  message: string | null;
  opened_at: number;
  last_alert_at: number;
  revision: number;
  vm_count: number;
  recovered_count: number;
}

interface VmRow {
  vm_key: string;
  name: string;
  resource_group: string | null;
  job_id: string | null;
  state: 'fired' | 'resolved';
  first_seen_at: number;
  last_seen_at: number;
}

function toHeader(r: HeaderRow): IncidentHeader {
  return {
    id: r.id,
    groupKey: r.group_key,
    vault: JSON.parse(r.vault_json) as AlertVault,
    code: r.code,
    ...(r.message !== null ? { message: r.message } : {}),
    openedAt: new Date(r.opened_at),
    lastAlertAt: new Date(r.last_alert_at),
    revision: r.revision,
    vmCount: r.vm_count,
    recoveredCount: r.recovered_count,
  };
}

function toVm(r: VmRow): IncidentVm {
  return {
    key: r.vm_key,
    name: r.name,
    ...(r.resource_group !== null ? { resourceGroup: r.resource_group } : {}),
    ...(r.job_id !== null ? { jobId: r.job_id } : {}),
    state: r.state,
    firstSeenAt: new Date(r.first_seen_at),
    lastSeenAt: new Date(r.last_seen_at),
  };
}

/** Incidents and their VMs in two tables, so a storm touches one small row per alert, not the whole incident. */
export class SqliteIncidentStore implements IncidentStore {
  private readonly stmts;

  constructor(db: SqliteDatabase) {
    ensureSchema(db, [
      `CREATE TABLE IF NOT EXISTS incidents_incident (
        id TEXT PRIMARY KEY, group_key TEXT NOT NULL, vault_json TEXT NOT NULL, code TEXT, message TEXT,
        opened_at INTEGER NOT NULL, last_alert_at INTEGER NOT NULL, revision INTEGER NOT NULL,
        vm_count INTEGER NOT NULL, recovered_count INTEGER NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS incidents_incident_group ON incidents_incident (group_key, last_alert_at)`,
      // Open incidents for a new subscription: the recent ones only.
      `CREATE INDEX IF NOT EXISTS incidents_incident_last ON incidents_incident (last_alert_at)`,
      `CREATE TABLE IF NOT EXISTS incidents_vm (
        incident_id TEXT NOT NULL REFERENCES incidents_incident(id), vm_key TEXT NOT NULL, name TEXT NOT NULL,
        resource_group TEXT, job_id TEXT, state TEXT NOT NULL, first_seen_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,
        seq INTEGER NOT NULL, PRIMARY KEY (incident_id, vm_key))`,
    ]);
    this.stmts = {
      findLatest: db.prepare<[string], HeaderRow>('SELECT * FROM incidents_incident WHERE group_key = ? ORDER BY last_alert_at DESC LIMIT 1'),
      findActiveBetween: db.prepare<[string, number, number], HeaderRow>(
        'SELECT * FROM incidents_incident WHERE group_key = ? AND last_alert_at BETWEEN ? AND ? ORDER BY last_alert_at DESC LIMIT 1',
      ),
      insert: db.prepare(
        `INSERT INTO incidents_incident (id, group_key, vault_json, code, message, opened_at, last_alert_at, revision, vm_count, recovered_count)
         VALUES (@id, @group_key, @vault_json, @code, @message, @opened_at, @last_alert_at, @revision, @vm_count, @recovered_count)`,
      ),
      update: db.prepare(
        `UPDATE incidents_incident SET message = @message, last_alert_at = @last_alert_at, revision = @revision,
         vm_count = @vm_count, recovered_count = @recovered_count WHERE id = @id`,
      ),
      getVm: db.prepare<[string, string], VmRow>('SELECT * FROM incidents_vm WHERE incident_id = ? AND vm_key = ?'),
      // seq orders an incident's VMs as they joined it. It is taken from the table's growing rowid, not a count of the
      // incident's rows, which a storm of thousands of VMs would pay for on every alert.
      putVm: db.prepare(
        `INSERT INTO incidents_vm (incident_id, vm_key, name, resource_group, job_id, state, first_seen_at, last_seen_at, seq)
         VALUES (@incident_id, @vm_key, @name, @resource_group, @job_id, @state, @first_seen_at, @last_seen_at,
                 (SELECT IFNULL(MAX(rowid), 0) + 1 FROM incidents_vm))
         ON CONFLICT (incident_id, vm_key) DO UPDATE SET job_id = excluded.job_id, state = excluded.state, last_seen_at = excluded.last_seen_at`,
      ),
      getHeader: db.prepare<[string], HeaderRow>('SELECT * FROM incidents_incident WHERE id = ?'),
      vms: db.prepare<[string], VmRow>('SELECT * FROM incidents_vm WHERE incident_id = ? ORDER BY seq'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM incidents_incident'),
      open: db.prepare<[number], HeaderRow>(
        'SELECT * FROM incidents_incident WHERE last_alert_at >= ? AND recovered_count < vm_count ORDER BY last_alert_at DESC',
      ),
    };
  }

  private params(h: IncidentHeader) {
    return {
      id: h.id,
      group_key: h.groupKey,
      vault_json: JSON.stringify(h.vault),
      code: h.code,
      message: h.message ?? null,
      opened_at: h.openedAt.getTime(),
      last_alert_at: h.lastAlertAt.getTime(),
      revision: h.revision,
      vm_count: h.vmCount,
      recovered_count: h.recoveredCount,
    };
  }

  findLatest(groupKey: string): IncidentHeader | undefined {
    const r = this.stmts.findLatest.get(groupKey);
    return r ? toHeader(r) : undefined;
  }
  findActiveBetween(groupKey: string, from: Date, to: Date): IncidentHeader | undefined {
    const r = this.stmts.findActiveBetween.get(groupKey, from.getTime(), to.getTime());
    return r ? toHeader(r) : undefined;
  }
  insert(header: IncidentHeader): void {
    this.stmts.insert.run(this.params(header));
  }
  update(header: IncidentHeader): void {
    this.stmts.update.run(this.params(header));
  }
  getVm(incidentId: string, vmKey: string): IncidentVm | undefined {
    const r = this.stmts.getVm.get(incidentId, vmKey);
    return r ? toVm(r) : undefined;
  }
  putVm(incidentId: string, vm: IncidentVm): void {
    this.stmts.putVm.run({
      incident_id: incidentId,
      vm_key: vm.key,
      name: vm.name,
      resource_group: vm.resourceGroup ?? null,
      job_id: vm.jobId ?? null,
      state: vm.state,
      first_seen_at: vm.firstSeenAt.getTime(),
      last_seen_at: vm.lastSeenAt.getTime(),
    });
  }
  getHeader(incidentId: string): IncidentHeader | undefined {
    const r = this.stmts.getHeader.get(incidentId);
    return r ? toHeader(r) : undefined;
  }
  get(incidentId: string): Incident | undefined {
    const h = this.getHeader(incidentId);
    return h ? { ...h, vms: this.stmts.vms.all(incidentId).map(toVm) } : undefined;
  }
  count(): number {
    return this.stmts.count.get()?.n ?? 0;
  }
  listOpen(since: Date): IncidentHeader[] {
    return this.stmts.open.all(since.getTime()).map(toHeader);
  }
}
