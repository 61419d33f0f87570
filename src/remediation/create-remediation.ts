import type { AzurePort, BackupJob } from '../core/azure-port';
import { type Identifier, singleJobCode } from '../core/identify';
import type { Clock, IdGenerator } from '../core/ports';
import { parseFixCatalogue, type FixCatalogue } from '../core/remediation/fix-catalogue';
import type { PolicyState } from '../core/remediation/policy';
import { RemediationService, type Liveness } from '../core/remediation/remediation-service';
import { SqliteAuditLog } from '../storage/sqlite-audit-log';
import type { SqliteDatabase } from '../storage/sqlite-database';
import { SqliteFixRequestStore } from '../storage/sqlite-fix-request-store';
import type { AuditLog, FixRequestStore } from '../core/remediation/ports';

export interface RemediationWiring {
  readonly service: RemediationService;
  readonly audit: AuditLog;
  readonly store: FixRequestStore;
  readonly catalogue: FixCatalogue;
}

export interface CreateRemediationInput {
  readonly db: SqliteDatabase;
  readonly azure: AzurePort;
  /** The knowledge base's fixes (knowledge/fixes.json, passthrough-parsed); validated strictly here. */
  readonly fixes: readonly unknown[];
  readonly policy: PolicyState;
  /** Names the code of a failed verification backup. */
  readonly identifier: Identifier;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly verification?: { readonly pollIntervalMs: number; readonly timeoutMs: number };
  /** Heartbeats of running fixes (timers) and when a silent run counts as interrupted. */
  readonly liveness?: Partial<Liveness>;
  /** This process's name on the requests it runs (default: a fresh id). */
  readonly instanceId?: string;
  /** How long the run waits for one card update (the chat's own deadline). */
  readonly chatDeadlineMs?: number;
  /** Scale-out (STATE_STORE=blob): fix requests and audit elsewhere; default: the SQLite file's fix_* and audit_* tables. */
  readonly store?: FixRequestStore;
  readonly audit?: AuditLog;
}

/** Resolves after ms, or at once when the signal aborts (shutdown must not wait out a poll interval). */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Builds the remediation service over the bot's SQLite file (fix_* and audit_* tables). */
export function createRemediation(input: CreateRemediationInput): RemediationWiring {
  const catalogue = parseFixCatalogue({ fixes: input.fixes });
  const store = input.store ?? new SqliteFixRequestStore(input.db);
  const audit = input.audit ?? new SqliteAuditLog(input.db);
  const service = new RemediationService({
    catalogue,
    policy: () => input.policy,
    store,
    audit,
    azure: input.azure,
    clock: input.clock,
    ids: input.ids,
    sleep: input.sleep ?? abortableSleep,
    // The identification the incident card and "why did X fail?" use, so a fix is judged against the code the user saw.
    identifyCode: (job: BackupJob) => singleJobCode(job, input.identifier),
    ...(input.verification ? { verification: input.verification } : {}),
    ...(input.liveness ? { liveness: input.liveness } : {}),
    ...(input.instanceId ? { instanceId: input.instanceId } : {}),
    ...(input.chatDeadlineMs !== undefined ? { chatDeadlineMs: input.chatDeadlineMs } : {}),
  });
  return { service, audit, store, catalogue };
}
