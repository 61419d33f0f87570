import type { VmExtension, WorkloadContainer } from '../azure-port';
import { fail, pass, text, unknown, type CheckResult } from './check-types';

/** The extension Azure Backup installs on a VM when it is registered for SQL Server backup. */
const WORKLOAD_EXTENSION = /^azurebackupwindowsworkload$/i;

function isWorkloadExtension(e: VmExtension): boolean {
  return WORKLOAD_EXTENSION.test(e.type ?? '') || WORKLOAD_EXTENSION.test(e.name);
}

/** sql-workload-extension: AzureBackupWindowsWorkload is on the VM and provisioned. */
export function evaluateSqlWorkloadExtension(vmName: string, extensions: readonly VmExtension[]): CheckResult {
  const id = 'sql-workload-extension';
  const extension = extensions.find(isWorkloadExtension);
  if (extension === undefined) {
    return fail(
      id,
      text(
        `The workload extension AzureBackupWindowsWorkload is not installed on ${vmName}: the VM is not (or no longer) registered for SQL Server backup. Rediscover the databases from the vault to install it.`,
        `Rozszerzenie AzureBackupWindowsWorkload nie jest zainstalowane na maszynie ${vmName}: maszyna nie jest (lub już nie jest) zarejestrowana do kopii SQL Server. Ponownie odnajdź bazy danych z magazynu, aby je zainstalować.`,
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

/** sql-vm-registered: the vault has a registered workload container for the VM. */
export function evaluateSqlVmRegistered(vmName: string, vault: string | undefined, container: WorkloadContainer | undefined): CheckResult {
  const id = 'sql-vm-registered';
  if (vault === undefined) {
    return unknown(id, text(`No vault is known for ${vmName}, so its registration cannot be read.`, `Nie wiadomo, który magazyn chroni maszynę ${vmName}, więc nie da się odczytać jej rejestracji.`));
  }
  if (container === undefined) {
    return fail(
      id,
      text(
        `VM ${vmName} is not registered with vault ${vault} for database backup (no workload container). Register it from the vault (Backup > SQL Server in Azure VM > Start discovery).`,
        `Maszyna ${vmName} nie jest zarejestrowana w magazynie ${vault} do kopii baz danych (brak kontenera obciążenia). Zarejestruj ją z magazynu (Kopia zapasowa > SQL Server na maszynie wirtualnej Azure > Rozpocznij odnajdowanie).`,
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
