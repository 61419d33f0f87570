import { parseRetryAfter } from '../core/incidents/delivery-policy';

/**
 * The HTTP status and Retry-After of a failed channel call, whichever channel's client threw it: the
 * Bot Connector's RestError (and its compat wrappers) or a Slack client's refusal.
 */
export function channelFailureOf(error: unknown, now: Date): { status?: number; retryAfterMs?: number } {
  const e = error as { statusCode?: number; status?: number; retryAfterMs?: number; response?: { status?: number; headers?: { get?: (n: string) => string | undefined | null } & Record<string, unknown> } };
  const status = e?.statusCode ?? e?.status ?? e?.response?.status;
  const headers = e?.response?.headers;
  const raw = typeof headers?.get === 'function' ? headers.get('retry-after') : (headers?.['retry-after'] as string | undefined);
  // A channel's own client may have read Retry-After already (Slack's Web API client does).
  const retryAfterMs = typeof e?.retryAfterMs === 'number' ? e.retryAfterMs : parseRetryAfter(raw ?? undefined, now);
  return { ...(typeof status === 'number' ? { status } : {}), ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}
