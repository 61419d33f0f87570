import { groupingKey, workloadOfGroupKey } from '../../../src/core/incidents/incident';

describe('grouping by vault, workload and code', () => {
  const vault = { name: 'Vault-Prod-WEU' };

  it('keeps the two-part key for Azure VMs, so incidents stored before workloads were told apart keep grouping', () => {
    expect(groupingKey({ vault }, 'UserErrorGuestAgentStatusUnavailable')).toBe('vault-prod-weu|usererrorguestagentstatusunavailable');
    expect(groupingKey({ vault, workload: 'azure-vm' }, null)).toBe('vault-prod-weu|unidentified');
  });

  it('puts a SQL database and a VM failing with the same code in two incidents', () => {
    const vm = groupingKey({ vault }, 'UserErrorParentFullBackupMissing');
    const sql = groupingKey({ vault, workload: 'sql-server' }, 'UserErrorParentFullBackupMissing');
    expect(sql).not.toBe(vm);
    expect(workloadOfGroupKey(sql)).toBe('sql-server');
    expect(workloadOfGroupKey(vm)).toBe('azure-vm');
  });

  it('reads every workload back from its key', () => {
    for (const workload of ['sql-server', 'sap-hana', 'azure-files', 'mars-agent', 'mabs-dpm', 'azure-disk', 'azure-blob', 'other'] as const) {
      expect(workloadOfGroupKey(groupingKey({ vault, workload }, 'SomeCode'))).toBe(workload);
    }
  });
});
