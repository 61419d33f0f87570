import type { LocalizedText, Workload } from './schema';

/**
 * What each workload is called, wherever the bot names one: the `codes` card's headings and an
 * incident card's Workload line. One table, so a code's workload and an alert's read the same.
 */
const labels: Readonly<Record<Workload, LocalizedText>> = {
  'azure-vm': { en: 'Azure VM', pl: 'Maszyna wirtualna Azure' },
  'sql-server': { en: 'SQL Server in Azure VM', pl: 'SQL Server w maszynie wirtualnej Azure' },
  'sap-hana': { en: 'SAP HANA in Azure VM', pl: 'SAP HANA w maszynie wirtualnej Azure' },
  'azure-files': { en: 'Azure Files (file share)', pl: 'Azure Files (udział plików)' },
  'mars-agent': { en: 'MARS agent (files and folders)', pl: 'Agent MARS (pliki i foldery)' },
  'mabs-dpm': { en: 'Azure Backup Server (MABS) and DPM', pl: 'Azure Backup Server (MABS) i DPM' },
  'azure-disk': { en: 'Azure Disk (Backup vault)', pl: 'Dysk Azure (magazyn kopii zapasowych)' },
  'azure-blob': { en: 'Azure Blob (Backup vault)', pl: 'Obiekty blob Azure (magazyn kopii zapasowych)' },
};

export function knowledgeWorkloadLabel(workload: Workload): LocalizedText {
  return labels[workload];
}

/** The workloads in the order the `codes` card lists them. */
export const workloadOrder: readonly Workload[] = Object.keys(labels) as Workload[];
