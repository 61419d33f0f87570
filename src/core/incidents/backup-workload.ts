import type { Language, Workload } from '../knowledge/schema';
import { knowledgeWorkloadLabel } from '../knowledge/workloads';

/**
 * What kind of thing a backup protects. Azure Backup alerts name it in `sourceType` /
 * `formattedSourceType` (VM, SQLDataBase, SAPHanaDatabase, AzureFileShare, MAB, DPM, ...), the
 * Backup Health metric in `dataSourceType`, and every one of them in the protected item's id
 * (`.../protectionContainers/VMAppContainer;Compute;<rg>;<vm>/protectedItems/SQLDataBase;MSSQLSERVER;<db>`).
 * Incidents are grouped per workload: a database that fails is not a VM that fails.
 */
/** The knowledge base's workloads (so an incident's workload names its codes' workload), or an item of none of them. */
export type BackupWorkload = Workload | 'other';

export const backupWorkloads: readonly BackupWorkload[] = ['azure-vm', 'sql-server', 'sap-hana', 'azure-files', 'mars-agent', 'mabs-dpm', 'azure-disk', 'azure-blob', 'other'];

/**
 * Matched against type names only (never against resource names, which are anyone's words: a VM
 * may be called "sql-prod"). Ordered: SQL and HANA come before the VM rule because their types
 * name the VM too ("AzureVmSQL", "VMAppContainer").
 */
const rules: ReadonlyArray<readonly [BackupWorkload, RegExp]> = [
  ['sql-server', /sql/i],
  ['sap-hana', /hana/i],
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

const otherLabel = { en: 'Other backup item', pl: 'Inny element kopii zapasowej' };

export function workloadLabel(workload: BackupWorkload, lang: Language): string {
  return (workload === 'other' ? otherLabel : knowledgeWorkloadLabel(workload))[lang];
}

export function isBackupWorkload(value: string): value is BackupWorkload {
  return (backupWorkloads as readonly string[]).includes(value);
}
