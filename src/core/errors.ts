/**
 * Typed errors with string codes, after slackapi/bolt-js `src/errors.ts`:
 * one union of codes, one class that carries the code, and `asCodedError` at the edges.
 */
export type ErrorCode =
  | 'knowledge_invalid'
  | 'knowledge_reference_missing'
  | 'config_invalid'
  | 'session_not_found'
  | 'session_expired'
  | 'card_action_invalid'
  | 'azure_forbidden'
  | 'azure_not_found'
  | 'azure_conflict'
  | 'azure_locked'
  | 'azure_throttled'
  | 'azure_unavailable'
  | 'azure_failed'
  | 'lock_not_restored'
  | 'chat_timeout'
  | 'store_conflict'
  | 'alert_invalid'
  | 'alert_unauthenticated'
  | 'policy_denied'
  | 'fix_request_invalid'
  | 'fix_plan_changed'
  | 'internal';

export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CodedError';
  }
}

export function isCodedError(value: unknown, code?: ErrorCode): value is CodedError {
  return value instanceof CodedError && (code === undefined || value.code === code);
}

export function asCodedError(value: unknown): CodedError {
  if (value instanceof CodedError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new CodedError('internal', message, {}, { cause: value });
}
