import { z } from 'zod';
import { fileShareOfIncidentItem } from '../../core/checks/file-share-target';
import { workloadOfGroupKey } from '../../core/incidents/incident';
import type { SharedIncidentStore } from '../../core/incidents/ports';
import type { TroubleshootSession } from '../../core/troubleshoot/session';
import type { TroubleshootService } from '../../core/troubleshoot/troubleshoot-service';
import { OpaqueIdSchema, PayloadVersion } from '../../core/views/card-actions';
import type { Interaction } from '../interaction';

/** "Troubleshoot <vm>" on an incident message: the incident's id and the VM's key in it; nothing else is trusted. */
export const TroubleshootIncidentPayloadSchema = z.object({
  v: z.literal(PayloadVersion),
  incidentId: OpaqueIdSchema,
  vm: z.string().min(1).max(64),
  /** The incident message's language, which the troubleshooting message keeps (Slack gives a press no locale). */
  lang: z.enum(['en', 'pl']).optional(),
});
export type TroubleshootIncidentPayload = z.infer<typeof TroubleshootIncidentPayloadSchema>;

/**
 * Opens the same stepping flow a question does, with the vault, VM and job filled in from the
 * stored incident (a disk or storage account in a Backup vault with that vault; for other workloads, the code's causes alone). Undefined when the incident or VM is not there, or its code has no causes
 * (a code another tool stated that the catalogue does not know). The channel posts the
 * session's message as a reply and attaches its id.
 */
export async function troubleshootIncidentVm(deps: { readonly incidents: Pick<SharedIncidentStore, 'get'>; readonly troubleshoot: TroubleshootService }, i: Interaction, payload: TroubleshootIncidentPayload): Promise<TroubleshootSession | undefined> {
  const incident = await deps.incidents.get(payload.incidentId);
  const vm = incident?.vms.find((v) => v.key === payload.vm);
  if (!incident || !vm || !incident.code) return undefined;
  try {
    const target = checkTargetOf(incident, vm);
    return await deps.troubleshoot.start({
      codeId: incident.code,
      language: i.language,
      conversationId: i.place.conversationId,
      createdBy: i.actor.aadObjectId ?? i.actor.userId,
      ...(target ? { target } : {}),
    });
  } catch {
    return undefined;
  }
}

type StoredIncident = NonNullable<Awaited<ReturnType<SharedIncidentStore['get']>>>;

/** What Run checks reads for the incident's item, from the stored incident only; undefined when there is nothing it can read. */
function checkTargetOf(incident: StoredIncident, vm: StoredIncident['vms'][number]): TroubleshootSession['target'] | undefined {
  const workload = workloadOfGroupKey(incident.groupKey);
  const where = {
    vault: incident.vault.name,
    ...(vm.jobId ? { jobId: vm.jobId } : {}),
    ...(incident.vault.subscriptionId ? { subscriptionId: incident.vault.subscriptionId } : {}),
  };
  // A disk or a storage account in a Backup vault: the card names it and its vault, and Run checks looks it up there.
  if (workload === 'azure-disk' || workload === 'azure-blob') {
    return {
      ...where,
      datasource: {
        workload,
        name: vm.name,
        ...(vm.resourceGroup ? { resourceGroup: vm.resourceGroup } : {}),
        ...(incident.vault.resourceGroup ? { vaultResourceGroup: incident.vault.resourceGroup } : {}),
      },
    };
  }
  // An Azure file share: the card names it and its storage account, and Run checks reads them.
  if (workload === 'azure-files') {
    const fileShare = fileShareOfIncidentItem(vm.name, vm.resourceGroup);
    return fileShare === undefined ? undefined : { ...where, fileShare };
  }
  // Another workload's protected item (a database, a server) is no VM: its card opens the code's causes with nothing filled in for Run checks to read.
  if (workload !== 'azure-vm') return undefined;
  return { vm: vm.name, ...where, ...(vm.resourceGroup ? { resourceGroup: vm.resourceGroup } : {}) };
}
