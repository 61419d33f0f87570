import { evaluateWorkloadExtension, evaluateWorkloadVmRegistered, SAP_HANA_VM, SQL_SERVER_VM } from '../../../src/core/checks/database-vm-checks';
import type { VmExtension, WorkloadContainer } from '../../../src/core/azure-port';

const evaluateSqlWorkloadExtension = (vm: string, extensions: readonly VmExtension[]) => evaluateWorkloadExtension(SQL_SERVER_VM, vm, extensions);
const evaluateSqlVmRegistered = (vm: string, vault: string | undefined, container: WorkloadContainer | undefined) => evaluateWorkloadVmRegistered(SQL_SERVER_VM, vm, vault, container);

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

describe('SAP HANA in Azure VM checks', () => {
  it('looks for AzureBackupLinuxWorkload, not the SQL Server extension', () => {
    const sqlOnly = evaluateWorkloadExtension(SAP_HANA_VM, 'vm-hana01', [{ name: 'AzureBackupWindowsWorkload', type: 'AzureBackupWindowsWorkload', provisioningState: 'Succeeded' }]);
    expect(sqlOnly).toMatchObject({ checkId: 'hana-workload-extension', status: 'fail' });
    expect(sqlOnly.evidence.en).toContain('AzureBackupLinuxWorkload is not installed on vm-hana01');
    expect(sqlOnly.evidence.en).toContain('SAP HANA backup');
    const hana = evaluateWorkloadExtension(SAP_HANA_VM, 'vm-hana01', [{ name: 'AzureBackupLinuxWorkload', type: 'AzureBackupLinuxWorkload', typeHandlerVersion: '1.0.0.10', provisioningState: 'Succeeded' }]);
    expect(hana).toMatchObject({ checkId: 'hana-workload-extension', status: 'pass' });
  });

  it('tells an unregistered HANA VM to run the pre-registration script first', () => {
    const result = evaluateWorkloadVmRegistered(SAP_HANA_VM, 'vm-hana01', 'rsv-hana', undefined);
    expect(result).toMatchObject({ checkId: 'hana-vm-registered', status: 'fail' });
    expect(result.evidence.en).toContain('pre-registration script');
    expect(result.evidence.pl).toContain('skrypt przed rejestracją');
  });
});
