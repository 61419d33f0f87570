import type { AlertLedger } from '../core/incidents/accept-alert';
import type { AzurePort } from '../core/azure-port';
import { type CodeIdentifier, identifyJobCode, jobMessage } from '../core/incidents/identify-alert-code';
import type { AlertInbox } from '../core/incidents/ports';
import type { Clock } from '../core/ports';
import type { Logger } from '../logger';

export interface AlertProcessorDeps {
  readonly inbox: AlertInbox;
  readonly ledger: AlertLedger;
  readonly identifier: CodeIdentifier;
  readonly azure: AzurePort | undefined;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Called after alerts were grouped (wakes the delivery worker). */
  readonly onGrouped?: () => void;
}

/**
 * After the 202: alerts whose code neither the message nor the hints told wait in the inbox
 * for their job. The processor fetches the job through AzurePort, identifies the code from its
 * error strings and groups the alert. If Azure cannot tell, the alert is grouped as unidentified
 * rather than held forever.
 */
export class AlertProcessor {
  private busy: Promise<number> | undefined;

  constructor(private readonly deps: AlertProcessorDeps) {}

  /** Processes everything waiting; concurrent calls share one run. */
  processPending(): Promise<number> {
    this.busy ??= this.run().finally(() => (this.busy = undefined));
    return this.busy;
  }

  private async run(): Promise<number> {
    const { inbox, ledger, identifier, azure, clock, logger } = this.deps;
    let processed = 0;
    for (;;) {
      const pending = inbox.listByStatus('needs-job', 50);
      if (pending.length === 0) break;
      for (const entry of pending) {
        const alert = entry.alert;
        let code: string | null = null;
        let message = alert.message;
        const vault = alert.vault;
        if (azure && alert.jobId && vault.subscriptionId && vault.resourceGroup) {
          try {
            const job = await azure.getBackupJob({ subscriptionId: vault.subscriptionId, resourceGroup: vault.resourceGroup, name: vault.name }, alert.jobId);
            code = identifyJobCode(job, identifier) ?? null;
            message ??= jobMessage(job);
          } catch (error) {
            logger.warn({ err: error, jobId: alert.jobId }, 'job lookup failed; grouping the alert as unidentified');
          }
        }
        ledger.groupPending(entry.id, message ? { ...alert, message } : alert, code, clock.now());
        processed += 1;
      }
      this.deps.onGrouped?.();
    }
    return processed;
  }
}
