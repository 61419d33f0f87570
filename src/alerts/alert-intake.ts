import type { AcceptInput, AcceptOutcome } from '../core/incidents/accept-alert';
import type { AlertAcceptor } from '../core/incidents/alert-acceptor';
import type { BackupAlert } from '../core/incidents/backup-alert';
import { type CodeIdentifier, identifyAlertCode } from '../core/incidents/identify-alert-code';
import type { Clock } from '../core/ports';

export interface AlertIntakeDeps {
  readonly ledger: AlertAcceptor;
  readonly identifier: CodeIdentifier;
  readonly clock: Clock;
  /** Azure is reachable, so an alert without a recognisable code can wait for its job. */
  readonly canLookUpJobs: boolean;
  /** Called after each committed batch (wakes the processor and the delivery worker). */
  readonly onCommitted?: (outcomes: readonly AcceptOutcome[]) => void;
  readonly maxBatch?: number;
  /** A batch smaller than this waits one more turn of the event loop for the alerts still arriving (default 16). */
  readonly gatherUpTo?: number;
}

interface Waiting {
  readonly alert: BackupAlert;
  readonly resolve: (outcome: AcceptOutcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Accepts alerts durably with group commit: alerts arriving in the same tick go to the ledger as
 * one batch (one SQLite transaction; on Azure Storage, the batch's groups side by side), and each
 * caller's promise settles only after the batch is stored. This is what a 202 waits for, and it
 * keeps a storm from costing one fsync per alert.
 *
 * A storm's requests reach the event loop a few per turn, so a batch taken at the first turn held
 * about five alerts, and each batch pays its commit and rewrites the pages every alert shares (the
 * incident, the tail of the inbox). A small batch therefore waits one more turn, which gathers the
 * requests read meanwhile: a lone alert loses one turn (microseconds), a storm's commits fall by a
 * third. (Under jest's fake timers a batch therefore needs two turns of setImmediate to settle.)
 */
export class AlertIntake {
  private queue: Waiting[] = [];
  private scheduled = false;
  /** The next flush is the batch's second look: it takes what is there. */
  private gathered = false;

  constructor(private readonly deps: AlertIntakeDeps) {}

  submit(alert: BackupAlert): Promise<AcceptOutcome> {
    return new Promise((resolve, reject) => {
      this.queue.push({ alert, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Accepts a batch directly (the job poller). */
  async acceptNow(alerts: readonly BackupAlert[]): Promise<AcceptOutcome[]> {
    const outcomes = await this.deps.ledger.acceptMany(alerts.map((a) => this.input(a)));
    this.deps.onCommitted?.(outcomes);
    return outcomes;
  }

  private input(alert: BackupAlert): AcceptInput {
    const code = identifyAlertCode(alert, this.deps.identifier);
    const lookable = alert.jobId !== undefined && alert.vault.subscriptionId !== undefined && alert.vault.resourceGroup !== undefined;
    return { alert, code, awaitJob: this.deps.canLookUpJobs && lookable, receivedAt: this.deps.clock.now() };
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    if (!this.gathered && this.queue.length < (this.deps.gatherUpTo ?? 16)) {
      this.gathered = true;
      this.scheduled = true;
      setImmediate(() => void this.flush());
      return;
    }
    this.gathered = false;
    const max = this.deps.maxBatch ?? 500;
    const batch = this.queue.splice(0, max);
    if (this.queue.length > 0) {
      this.scheduled = true;
      setImmediate(() => void this.flush());
    }
    if (batch.length === 0) return;
    let outcomes: AcceptOutcome[];
    try {
      outcomes = await this.deps.ledger.acceptMany(batch.map((w) => this.input(w.alert)));
    } catch (error) {
      for (const w of batch) w.reject(error);
      return;
    }
    batch.forEach((w, i) => w.resolve(outcomes[i] as AcceptOutcome));
    this.deps.onCommitted?.(outcomes);
  }
}
