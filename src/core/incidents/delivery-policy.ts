/**
 * Delivery decisions, pure and clock-injected: when an outbox entry is due (storm
 * coalescing), whether a conversation may take another send now (Teams' per-conversation
 * limits), and how long to wait before a retry.
 */
import type { OutboxEntry } from './ports';

/**
 * When the conversation should next see this incident. The first card goes at once; once a
 * card exists, updates are coalesced to at most one per `coalesceMs`. An entry already
 * pending keeps its time (a later alert rides along; a retry backoff is not shortened).
 */
export function planDueAt(existing: Pick<OutboxEntry, 'dueAt' | 'lastSentAt' | 'wantedRevision' | 'deliveredRevision' | 'status'> | undefined, now: Date, coalesceMs: number): Date {
  if (!existing) return now;
  const pending = existing.status === 'pending' && existing.wantedRevision > existing.deliveredRevision;
  if (pending) return existing.dueAt;
  const earliest = existing.lastSentAt ? existing.lastSentAt.getTime() + coalesceMs : now.getTime();
  return new Date(Math.max(now.getTime(), earliest));
}

export interface RateWindow {
  readonly limit: number;
  readonly windowMs: number;
}

/** Teams, per bot per conversation: 7 per second, 60 per 30 seconds, 1,800 per hour (8 per 2 s is implied by 7/1 s closely enough). */
export const teamsConversationLimits: readonly RateWindow[] = [
  { limit: 7, windowMs: 1_000 },
  { limit: 8, windowMs: 2_000 },
  { limit: 60, windowMs: 30_000 },
  { limit: 1_800, windowMs: 3_600_000 },
];

/** Slack, per channel: about one message a second (chat.postMessage's documented special limit; updates count too). */
export const slackChannelLimits: readonly RateWindow[] = [{ limit: 1, windowMs: 1_000 }];

/** Conversations remembered as throttled at once: a pause is minutes at most, so this bounds memory, not behaviour. */
const maxPausedConversations = 10_000;

/** A sliding-window log per conversation. */
export class ConversationRateLimiter {
  private readonly sends = new Map<string, number[]>();
  /** Until when a conversation the channel throttled (429 with Retry-After) takes nothing. */
  private readonly pausedUntil = new Map<string, number>();
  private readonly longest: number;

  constructor(private readonly windows: readonly RateWindow[] = teamsConversationLimits) {
    this.longest = Math.max(...windows.map((w) => w.windowMs));
  }

  /** Milliseconds to wait before this conversation may take one more send (0: now). */
  delayMs(conversationKey: string, now: number): number {
    const log = this.prune(conversationKey, now);
    const paused = this.pausedUntil.get(conversationKey);
    if (paused !== undefined && paused <= now) this.pausedUntil.delete(conversationKey);
    let wait = paused !== undefined && paused > now ? paused - now : 0;
    for (const w of this.windows) {
      const inWindow = log.filter((t) => t > now - w.windowMs);
      if (inWindow.length >= w.limit) {
        // The oldest send still inside the window must leave it first.
        const oldest = inWindow[inWindow.length - w.limit] as number;
        wait = Math.max(wait, oldest + w.windowMs - now + 1);
      }
    }
    return wait;
  }

  /**
   * The channel refused a send for this conversation's rate (429): its Retry-After holds for the
   * conversation, not only the message refused (Teams limits per bot and conversation, Slack per channel).
   */
  pause(conversationKey: string, until: number): void {
    this.pausedUntil.set(conversationKey, Math.max(until, this.pausedUntil.get(conversationKey) ?? 0));
    if (this.pausedUntil.size > maxPausedConversations) {
      const oldest = this.pausedUntil.keys().next().value;
      if (oldest !== undefined) this.pausedUntil.delete(oldest);
    }
  }

  record(conversationKey: string, at: number): void {
    const log = this.prune(conversationKey, at);
    log.push(at);
  }

  private prune(key: string, now: number): number[] {
    let log = this.sends.get(key);
    if (!log) {
      log = [];
      this.sends.set(key, log);
    }
    while (log.length > 0 && (log[0] as number) <= now - this.longest) log.shift();
    return log;
  }
}

/**
 * Retried later: those Teams asks to retry (429, 412, 502, 504), and a service that is failing or
 * unavailable for a while (500, 503) once the SDK's own few quick retries are spent, so a longer
 * outage delays a card instead of losing it. A 4xx that names the request itself is not retried.
 */
export const retryableStatuses: ReadonlySet<number> = new Set([429, 412, 500, 502, 503, 504]);

/**
 * 413: the message is too large. The channel shortens the card and sends it again at once; should
 * even its smallest form be refused, the delivery is retried later like a throttled one: an
 * incident is never dropped for its size.
 */
export const tooLargeStatus = 413;

export interface RetryPolicy {
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly maxAttempts: number;
}

export const defaultRetryPolicy: RetryPolicy = { baseDelayMs: 1_000, maxDelayMs: 60_000, maxAttempts: 8 };

/**
 * Delay before attempt `attempt + 1`: the server's Retry-After when it gave one, else
 * exponential backoff with jitter (half fixed, half random) so conversations do not retry in step.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random: () => number, policy: RetryPolicy = defaultRetryPolicy): number {
  if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) return Math.min(retryAfterMs, policy.maxDelayMs * 5);
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Retry-After is seconds or an HTTP date. */
export function parseRetryAfter(value: string | undefined | null, now: Date): number | undefined {
  if (value === undefined || value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
