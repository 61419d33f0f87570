import type { IncidentHeader, IncidentVm } from '../../../src/core/incidents/incident';
import { openSqliteDatabase } from '../../../src/storage/sqlite-database';
import { SqliteIncidentStore } from '../../../src/storage/sqlite-incident-store';

const at = new Date('2026-01-01T02:00:00Z');

function header(id: string): IncidentHeader {
  return { id, groupKey: `vault-a|azure-vm|${id}`, vault: { name: 'vault-a' }, code: 'UserErrorGuestAgentStatusUnavailable', openedAt: at, lastAlertAt: at, revision: 1, vmCount: 0, recoveredCount: 0 };
}

function vm(name: string, state: IncidentVm['state'] = 'fired'): IncidentVm {
  return { key: name, name, state, firstSeenAt: at, lastSeenAt: at };
}

describe('the VMs of an incident in SQLite', () => {
  it('are listed in the order they joined it, whatever other incidents got meanwhile, and a VM seen again keeps its place', () => {
    const store = new SqliteIncidentStore(openSqliteDatabase(':memory:'));
    store.insert(header('inc-1'));
    store.insert(header('inc-2'));
    store.putVm('inc-1', vm('vm-zeta'));
    store.putVm('inc-2', vm('vm-other'));
    store.putVm('inc-1', vm('vm-alpha'));
    store.putVm('inc-1', vm('vm-zeta', 'resolved'));
    store.putVm('inc-1', vm('vm-mid'));
    expect(store.get('inc-1')?.vms.map((v) => [v.name, v.state])).toEqual([
      ['vm-zeta', 'resolved'],
      ['vm-alpha', 'fired'],
      ['vm-mid', 'fired'],
    ]);
    expect(store.get('inc-2')?.vms.map((v) => v.name)).toEqual(['vm-other']);
  });
});
