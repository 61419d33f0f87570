import type { QuestionWindow } from './question-intent';

export interface TimeRange {
  readonly from: Date;
  readonly to: Date;
}

const HOUR_MS = 3_600_000;

/**
 * The concrete time range of a question's window. "Today" and "yesterday" are calendar days
 * in the asker's time zone when the channel knows its offset from UTC, else in UTC.
 */
export function resolveWindow(window: QuestionWindow, now: Date, utcOffsetMinutes = 0): TimeRange {
  switch (window.kind) {
    case 'last-hours':
      return { from: new Date(now.getTime() - window.hours * HOUR_MS), to: now };
    case 'today':
      return { from: startOfLocalDay(now, utcOffsetMinutes), to: now };
    case 'yesterday': {
      const today = startOfLocalDay(now, utcOffsetMinutes);
      return { from: new Date(today.getTime() - 24 * HOUR_MS), to: today };
    }
  }
}

function startOfLocalDay(now: Date, utcOffsetMinutes: number): Date {
  const offsetMs = utcOffsetMinutes * 60_000;
  const local = new Date(now.getTime() + offsetMs);
  const midnightLocalAsUtc = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate());
  return new Date(midnightLocalAsUtc - offsetMs);
}
