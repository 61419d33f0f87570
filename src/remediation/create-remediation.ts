import type { AzurePort, BackupJob } from '../core/azure-port';
import type { Identifier } from '../core/identify';
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
  readonly sleep?: (ms: number) => Promise<void>;
  readonly verification?: { readonly pollIntervalMs: number; readonly timeoutMs: number };
  /** Heartbeats of running fixes (timers) and when a silent run counts as interrupted. */
  readonly liveness?: Partial<Liveness>;
  /** This process's name on the requests it runs (default: a fresh id). */
  readonly instanceId?: string;
  /** Scale-out (STATE_STORE=blob): fix requests and audit elsewhere; default: the SQLite file's fix_* and audit_* tables. */
  readonly store?: FixRequestStore;
  readonly audit?: AuditLog;
}

/** Same bar the bot uses to answer a question with a code. */
const MIN_CONFIDENCE = 0.6;

/** The code of a failed job, from its messages (the job API types the code as an integer only). */
export function jobCode(job: BackupJob, identifier: Identifier): string | undefined {
  const texts = [...job.errors.flatMap((e) => [e.message, e.title ?? '', ...e.recommendations]), job.dynamicErrorMessage ?? ''].filter((t) => t.trim().length > 0);
  for (const text of texts) {
    const top = identifier.identify(text).candidates[0];
    if (top && top.confidence >= MIN_CONFIDENCE) return top.code.id;
  }
  return undefined;
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
    sleep: input.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    identifyCode: (job: BackupJob) => jobCode(job, input.identifier),
    ...(input.verification ? { verification: input.verification } : {}),
    ...(input.liveness ? { liveness: input.liveness } : {}),
    ...(input.instanceId ? { instanceId: input.instanceId } : {}),
  });
  return { service, audit, store, catalogue };
}
