import type { Language } from '../knowledge/schema';

/**
 * What kind of thing a backup protects. Azure Backup alerts name it in `sourceType` /
 * `formattedSourceType` (VM, SQLDataBase, SAPHanaDatabase, AzureFileShare, MAB, DPM, ...), the
 * Backup Health metric in `dataSourceType`, and every one of them in the protected item's id
 * (`.../protectionContainers/VMAppContainer;Compute;<rg>;<vm>/protectedItems/SQLDataBase;MSSQLSERVER;<db>`).
 * Incidents are grouped per workload: a database that fails is not a VM that fails.
 */
export type BackupWorkload = 'azure-vm' | 'sql-in-vm' | 'sap-hana-in-vm' | 'azure-files' | 'mars-agent' | 'mabs-dpm' | 'azure-disk' | 'azure-blob' | 'other';

export const backupWorkloads: readonly BackupWorkload[] = ['azure-vm', 'sql-in-vm', 'sap-hana-in-vm', 'azure-files', 'mars-agent', 'mabs-dpm', 'azure-disk', 'azure-blob', 'other'];

/**
 * Matched against type names only (never against resource names, which are anyone's words: a VM
 * may be called "sql-prod"). Ordered: SQL and HANA come before the VM rule because their types
 * name the VM too ("AzureVmSQL", "VMAppContainer").
 */
const rules: ReadonlyArray<readonly [BackupWorkload, RegExp]> = [
  ['sql-in-vm', /sql/i],
  ['sap-hana-in-vm', /hana/i],
  ['azure-files', /fileshare|azurefiles|fileservices|storagecontainer/i],
  ['mabs-dpm', /dpm|azurebackupserver|mabs/i],
  ['mars-agent', /^mab|mars/i],
  ['azure-disk', /disk/i],
  ['azure-blob', /blob/i],
  ['azure-vm', /^vm$|iaasvm|azurevm|virtualmachine/i],
];

/**
 * The workload named by type texts: sourceType, formattedSourceType, dataSourceType, the type
 * prefix of a protected item or container name ("SQLDataBase", "IaasVMContainer"), an ARM
 * resource type. Undefined when none names one.
 */
export function workloadFrom(...types: ReadonlyArray<string | null | undefined>): BackupWorkload | undefined {
  const present = types.filter((t): t is string => typeof t === 'string' && t.trim().length > 0).map((t) => t.trim());
  for (const [workload, pattern] of rules) {
    if (present.some((t) => pattern.test(t))) return workload;
  }
  return undefined;
}

const labels: Record<BackupWorkload, Record<Language, string>> = {
  'azure-vm': { en: 'Azure VM', pl: 'Maszyna wirtualna Azure' },
  'sql-in-vm': { en: 'SQL Server in Azure VM', pl: 'SQL Server w maszynie wirtualnej Azure' },
  'sap-hana-in-vm': { en: 'SAP HANA in Azure VM', pl: 'SAP HANA w maszynie wirtualnej Azure' },
  'azure-files': { en: 'Azure Files (file share)', pl: 'Azure Files (udział plików)' },
  'mars-agent': { en: 'MARS agent (files and folders)', pl: 'Agent MARS (pliki i foldery)' },
  'mabs-dpm': { en: 'MABS / DPM server', pl: 'Serwer MABS / DPM' },
  'azure-disk': { en: 'Azure Disk (Backup vault)', pl: 'Dysk Azure (magazyn Backup vault)' },
  'azure-blob': { en: 'Azure Blobs (Backup vault)', pl: 'Obiekty blob Azure (magazyn Backup vault)' },
  other: { en: 'Other backup item', pl: 'Inny element kopii zapasowej' },
};

export function workloadLabel(workload: BackupWorkload, lang: Language): string {
  return labels[workload][lang];
}

export function isBackupWorkload(value: string): value is BackupWorkload {
  return (backupWorkloads as readonly string[]).includes(value);
}
