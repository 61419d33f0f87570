import type { BackupAlert, SenderTimeReplaced } from './backup-alert';

/**
 * How far an alert's own time may stray from the moment we received it. Grouping slides a window
 * over alert times, so one alert dated 9999-12-31 would hold its incident "latest" forever and
 * split every later alert of that vault and code into a new incident; one dated decades ago would
 * open an incident no later alert can join.
 */
export interface AlertTimeBounds {
  /** Clock skew tolerated ahead of the receiving clock. */
  readonly maxAheadMs: number;
  /** Oldest alert time taken as given (the job poller's look-back: older failures are not news). */
  readonly maxAgeMs: number;
}

/** A sender clock a few minutes fast is skew; more is a wrong clock (the same 5 minutes Slack allows a signature). */
export const defaultMaxAheadMs = 5 * 60_000;

export const defaultAlertTimeBounds: AlertTimeBounds = { maxAheadMs: defaultMaxAheadMs, maxAgeMs: 24 * 3_600_000 };

/**
 * The alert with a time we can group on: its own when plausible, otherwise the time received,
 * with what the sender said kept in `senderTimeReplaced` so the alert record shows the change.
 */
export function withPlausibleTime(alert: BackupAlert, receivedAt: Date, bounds: AlertTimeBounds = defaultAlertTimeBounds): BackupAlert {
  const replaced = senderTimeProblem(alert.occurredAt, receivedAt, bounds);
  if (!replaced) return alert;
  return { ...alert, occurredAt: receivedAt, senderTimeReplaced: replaced };
}

function senderTimeProblem(occurredAt: Date, receivedAt: Date, bounds: AlertTimeBounds): SenderTimeReplaced | undefined {
  const at = occurredAt.getTime();
  if (Number.isNaN(at)) return { senderTime: 'invalid', reason: 'invalid' };
  // The sender's time is written out only when it is replaced: nearly every alert keeps its own.
  if (at > receivedAt.getTime() + bounds.maxAheadMs) return { senderTime: occurredAt.toISOString(), reason: 'ahead' };
  if (at < receivedAt.getTime() - bounds.maxAgeMs) return { senderTime: occurredAt.toISOString(), reason: 'too-old' };
  return undefined;
}

/** One sentence for the sender (the 202 answer) and the log. */
export function describeReplacedTime(replaced: SenderTimeReplaced, bounds: AlertTimeBounds = defaultAlertTimeBounds): string {
  const instead = 'the time it was received is used instead';
  switch (replaced.reason) {
    case 'ahead':
      return `the alert's time ${replaced.senderTime} is more than ${Math.round(bounds.maxAheadMs / 60_000)} minutes ahead of the time it was received; ${instead}`;
    case 'too-old':
      return `the alert's time ${replaced.senderTime} is more than ${Math.round(bounds.maxAgeMs / 3_600_000)} hours before the time it was received; ${instead}`;
    case 'invalid':
      return `the alert's time is not a valid date; ${instead}`;
  }
}
