import { evaluateSqlVmRegistered, evaluateSqlWorkloadExtension } from '../../../src/core/checks/sql-workload-checks';

describe('SQL Server in Azure VM checks', () => {
  const extension = (provisioningState?: string) => ({ name: 'AzureBackupWindowsWorkload', publisher: 'Microsoft.Azure.RecoveryServices.WorkloadBackup', type: 'AzureBackupWindowsWorkload', typeHandlerVersion: '2.0.9', ...(provisioningState ? { provisioningState } : {}) });

  it('finds the workload extension by its type even under another name', () => {
    expect(evaluateSqlWorkloadExtension('vm-sql01', [{ ...extension('Succeeded'), name: 'WorkloadBackup' }]).status).toBe('pass');
  });

  it('fails when only other extensions are installed', () => {
    const result = evaluateSqlWorkloadExtension('vm-sql01', [{ name: 'VMSnapshot', type: 'VMSnapshot', provisioningState: 'Succeeded' }]);
    expect(result.status).toBe('fail');
    expect(result.evidence.pl).toContain('AzureBackupWindowsWorkload nie jest zainstalowane');
  });

  it('waits for an extension still being provisioned instead of blaming it', () => {
    const result = evaluateSqlWorkloadExtension('vm-sql01', [extension('Updating')]);
    expect(result.status).toBe('unknown');
    expect(result.evidence.en).toContain('is Updating');
    expect(evaluateSqlWorkloadExtension('vm-sql01', [extension()]).status).toBe('unknown');
  });

  it('cannot tell the registration without a vault', () => {
    expect(evaluateSqlVmRegistered('vm-sql01', undefined, undefined).status).toBe('unknown');
  });

  it('fails a registration still in progress or lost, and names the status', () => {
    const result = evaluateSqlVmRegistered('vm-sql01', 'rsv-sql', { name: 'VMAppContainer;Compute;rg;vm-sql01', registrationStatus: 'NotRegistered', healthStatus: 'Healthy' });
    expect(result.status).toBe('fail');
    expect(result.evidence.en).toContain('registration status NotRegistered, health Healthy');
    expect(result.evidence.pl).toContain('stan rejestracji NotRegistered, kondycja Healthy');
  });
});
