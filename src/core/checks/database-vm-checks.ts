import type { LocalizedText } from '../knowledge/schema';
import type { VmExtension, WorkloadContainer } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';

/**
 * What ARM shows of a VM registered with a vault for database backup: the workload extension
 * Azure Backup installs on it, and its VMAppContainer in the vault. SQL Server (Windows) and
 * SAP HANA (Linux) differ only in the extension and in how the VM is registered.
 */
export interface DatabaseVmKind {
  readonly extensionCheckId: 'sql-workload-extension' | 'hana-workload-extension';
  readonly registrationCheckId: 'sql-vm-registered' | 'hana-vm-registered';
  /** The extension type without its publisher (Microsoft.Azure.RecoveryServices.WorkloadBackup). */
  readonly extension: string;
  readonly workload: string;
  /** SQL Server in Azure VM backup runs on Windows VMs, SAP HANA on Linux ones: on the other the extension check does not apply. */
  readonly os: 'Windows' | 'Linux';
  /** How to register (or re-register) the VM with the vault. */
  readonly register: LocalizedText;
}

export const SQL_SERVER_VM: DatabaseVmKind = {
  extensionCheckId: 'sql-workload-extension',
  registrationCheckId: 'sql-vm-registered',
  extension: 'AzureBackupWindowsWorkload',
  workload: 'SQL Server',
  os: 'Windows',
  register: text('Register it from the vault (Backup > SQL Server in Azure VM > Start discovery).', 'Zarejestruj ją z magazynu (Kopia zapasowa > SQL Server na maszynie wirtualnej Azure > Rozpocznij odnajdowanie).'),
};

export const SAP_HANA_VM: DatabaseVmKind = {
  extensionCheckId: 'hana-workload-extension',
  registrationCheckId: 'hana-vm-registered',
  extension: 'AzureBackupLinuxWorkload',
  workload: 'SAP HANA',
  os: 'Linux',
  register: text(
    'Run the pre-registration script on the VM, then register it from the vault (Backup > SAP HANA in Azure VM > Start discovery).',
    'Uruchom na maszynie skrypt przed rejestracją, a następnie zarejestruj ją z magazynu (Kopia zapasowa > SAP HANA na maszynie wirtualnej Azure > Rozpocznij odnajdowanie).',
  ),
};

/** The workload extension is on the VM and provisioned. */
export function evaluateWorkloadExtension(kind: DatabaseVmKind, vmName: string, extensions: readonly VmExtension[]): CheckResult {
  const id = kind.extensionCheckId;
  const wanted = kind.extension.toLowerCase();
  const extension = extensions.find((e) => (e.type ?? '').toLowerCase() === wanted || e.name.toLowerCase() === wanted);
  if (extension === undefined) {
    return fail(
      id,
      text(
        `The workload extension ${kind.extension} is not installed on ${vmName}: the VM is not (or no longer) registered for ${kind.workload} backup. Rediscover the databases from the vault to install it.`,
        `Rozszerzenie ${kind.extension} nie jest zainstalowane na maszynie ${vmName}: maszyna nie jest (lub już nie jest) zarejestrowana do kopii ${kind.workload}. Ponownie odnajdź bazy danych z magazynu, aby je zainstalować.`,
      ),
    );
  }
  const state = extension.provisioningState?.trim();
  const label = `${extension.name}${extension.typeHandlerVersion ? ` ${extension.typeHandlerVersion}` : ''}`;
  if (state === undefined || state === '') {
    return unknown(id, text(`Azure reports no provisioning state for ${label} on ${vmName}.`, `Azure nie podaje stanu aprowizacji rozszerzenia ${label} na maszynie ${vmName}.`));
  }
  if (state.toLowerCase() === 'succeeded') {
    return pass(id, text(`The workload extension ${label} is provisioned on ${vmName} (Succeeded).`, `Rozszerzenie ${label} jest zainstalowane na maszynie ${vmName} (Succeeded).`));
  }
  if (state.toLowerCase() === 'failed') {
    return fail(
      id,
      text(
        `The workload extension ${label} on ${vmName} failed to provision. Check the guest agent, then re-register the VM (Rediscover DBs) so the extension is reinstalled.`,
        `Instalacja rozszerzenia ${label} na maszynie ${vmName} nie powiodła się. Sprawdź agenta gościa, a następnie zarejestruj maszynę ponownie (ponowne odnajdowanie baz danych), aby zainstalować rozszerzenie jeszcze raz.`,
      ),
    );
  }
  return unknown(
    id,
    text(`The workload extension ${label} on ${vmName} is ${state}; check again in a few minutes.`, `Rozszerzenie ${label} na maszynie ${vmName} ma stan ${state}; sprawdź ponownie za kilka minut.`),
  );
}

/** The vault has a registered, healthy workload container for the VM. */
export function evaluateWorkloadVmRegistered(kind: DatabaseVmKind, vmName: string, vault: string | undefined, container: WorkloadContainer | undefined): CheckResult {
  const id = kind.registrationCheckId;
  if (vault === undefined) {
    return unknown(id, text(`No vault is known for ${vmName}, so its registration cannot be read.`, `Nie wiadomo, który magazyn chroni maszynę ${vmName}, więc nie da się odczytać jej rejestracji.`));
  }
  if (container === undefined) {
    return fail(
      id,
      text(
        `VM ${vmName} is not registered with vault ${vault} for database backup (no workload container). ${kind.register.en}`,
        `Maszyna ${vmName} nie jest zarejestrowana w magazynie ${vault} do kopii baz danych (brak kontenera obciążenia). ${kind.register.pl}`,
      ),
    );
  }
  const status = container.registrationStatus?.trim();
  const health = container.healthStatus?.trim();
  const healthNote = health ? text(`, health ${health}`, `, kondycja ${health}`) : text('', '');
  if (status === undefined || status === '') {
    return unknown(id, text(`Vault ${vault} reports no registration status for ${vmName}.`, `Magazyn ${vault} nie podaje stanu rejestracji maszyny ${vmName}.`));
  }
  if (status.toLowerCase() !== 'registered') {
    return fail(
      id,
      text(
        `VM ${vmName} is not fully registered with vault ${vault}: registration status ${status}${healthNote.en}. Re-register it (Rediscover DBs), then retry.`,
        `Maszyna ${vmName} nie jest w pełni zarejestrowana w magazynie ${vault}: stan rejestracji ${status}${healthNote.pl}. Zarejestruj ją ponownie (ponowne odnajdowanie baz danych) i ponów operację.`,
      ),
    );
  }
  if (health !== undefined && health !== '' && health.toLowerCase() !== 'healthy') {
    return fail(
      id,
      text(
        `VM ${vmName} is registered with vault ${vault} but its container is ${health}. Re-register it (Rediscover DBs), then retry.`,
        `Maszyna ${vmName} jest zarejestrowana w magazynie ${vault}, ale jej kontener ma kondycję ${health}. Zarejestruj ją ponownie (ponowne odnajdowanie baz danych) i ponów operację.`,
      ),
    );
  }
  return pass(id, text(`VM ${vmName} is registered with vault ${vault} (${status}${healthNote.en}).`, `Maszyna ${vmName} jest zarejestrowana w magazynie ${vault} (${status}${healthNote.pl}).`));
}
