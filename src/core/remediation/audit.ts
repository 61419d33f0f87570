import type { VmRef } from '../azure-port';
import type { Actor } from './actor';

/**
 * One audit entry: who did what to which VM, when, with what outcome, and the
 * correlation id that ties together a request, its decision, execution and verification.
 */
export const AuditActions = [
  'fix.requested',
  'fix.approved',
  'fix.rejected',
  'fix.expired',
  'fix.refused',
  'fix.execution-started',
  'fix.succeeded',
  'fix.failed',
  /** An approved fix the bot did not run after all (the policy changed, or it waited too long through an outage). */
  'fix.abandoned',
  /** A run cut off by a restart: marked, never re-run blindly. */
  'fix.interrupted',
  /** A run picked up again after a restart (approved but not started, or a verification job to follow). */
  'fix.resumed',
  'fix.verification-started',
  'fix.verified-fixed',
  'fix.still-failing',
  /** The fix ran, but its verification backup could not be followed to an end (Azure error, timeout, restart). */
  'fix.unverified',
  /** A lock the fix had lifted, put back by the recovery after a crash or a failed restore. */
  'fix.lock-restored',
  /** A lifted lock that could not be put back yet: the recovery keeps trying, and a person should look. */
  'fix.lock-not-restored',
] as const;
export type AuditAction = (typeof AuditActions)[number];

export type AuditOutcome = 'ok' | 'refused' | 'failed';

export interface AuditEvent {
  readonly id: string;
  /** ISO time. */
  readonly at: string;
  readonly correlationId: string;
  readonly action: AuditAction;
  readonly outcome: AuditOutcome;
  /** Who acted; the system itself (execution, verification) is `{ channel: 'api', userId: 'backup-doctor' }`. */
  readonly actor: Actor;
  readonly fixId?: string;
  readonly requestId?: string;
  readonly target?: VmRef;
  /** One line, in English: what happened (Azure outcome, refusal reason, error code). */
  readonly detail: string;
  /** Refusal reason or Azure error code, for filtering. */
  readonly reason?: string;
}

export interface AuditQuery {
  /** VM name, case-insensitive. */
  readonly vm?: string;
  readonly correlationId?: string;
  /** Only entries at or after this time. */
  readonly since?: Date;
  readonly limit?: number;
}

export const systemActor: Actor = Object.freeze({ channel: 'api', userId: 'backup-doctor', displayName: 'Backup Doctor' });

/**
 * Credentials that could reach an audit line through an Azure error or a reason typed by a
 * person (SAS signatures, account keys, bearer tokens, JWTs, passwords): masked before the
 * line is written, and again on export for entries written before this existed.
 */
const secretPatterns: readonly [RegExp, string][] = [
  [/\b(sig|signature|AccountKey|SharedAccessKey|SharedAccessSignature|password|passwd|pwd|secret|client_secret|access_token|refresh_token|api[-_]?key|code)=([^&;\s"'\\]+)/gi, '$1=***'],
  [/\bBearer\s+[A-Za-z0-9._~+/-]+=*/gi, 'Bearer ***'],
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '***'],
];

export function redactSecrets(text: string): string {
  return secretPatterns.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** Every text of an entry with secrets masked (ids and times never match the patterns). */
export function redactAuditEvent(event: AuditEvent): AuditEvent {
  return redactValue(event) as AuditEvent;
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v)]));
  return value;
}
