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
  'fix.verification-started',
  'fix.verified-fixed',
  'fix.still-failing',
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
