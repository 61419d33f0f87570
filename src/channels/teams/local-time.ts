/** Teams shows these in the reader's own time zone and format (kept as TextBlock by plain-text.ts). */
export function teamsTime(time: Date): string {
  const iso = time.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return `{{DATE(${iso}, SHORT)}} {{TIME(${iso})}}`;
}

/** The time fields of an activity as botbuilder hands them over (`rawLocalTimestamp` is set by its validator, not typed). */
export interface ActivityTime {
  readonly localTimestamp?: Date | string;
  readonly rawLocalTimestamp?: string;
  readonly localTimezone?: string;
  readonly timestamp?: Date;
}

/** UTC offsets people live in: UTC-12:00 to UTC+14:00. */
const minOffset = -12 * 60;
const maxOffset = 14 * 60;

/**
 * The sender's offset from UTC in minutes (Warsaw in summer: 120), so "today" means the asker's
 * today. Teams sends `localTimestamp` with the client's offset (botbuilder keeps the original
 * string as `rawLocalTimestamp` and turns `localTimestamp` into a Date, which loses the offset)
 * and, from newer clients, the IANA `localTimezone`. Undefined when neither says.
 */
export function utcOffsetMinutesOf(activity: ActivityTime): number | undefined {
  const raw = typeof activity.rawLocalTimestamp === 'string' ? activity.rawLocalTimestamp : typeof activity.localTimestamp === 'string' ? activity.localTimestamp : undefined;
  const fromStamp = raw === undefined ? undefined : offsetOfTimestamp(raw);
  if (fromStamp !== undefined) return fromStamp;
  const zone = activity.localTimezone;
  if (typeof zone !== 'string' || zone.length === 0) return undefined;
  const at = activity.timestamp instanceof Date && !Number.isNaN(activity.timestamp.getTime()) ? activity.timestamp : new Date();
  return offsetOfZone(zone, at);
}

/** "2026-03-01T09:30:00.000+01:00" -> 60; a trailing Z -> 0; no offset -> undefined. */
export function offsetOfTimestamp(timestamp: string): number | undefined {
  const match = /(?:([+-])(\d{2}):?(\d{2})|Z)$/i.exec(timestamp.trim());
  if (!match) return undefined;
  if (match[1] === undefined) return 0;
  const minutes = (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3]));
  return minutes >= minOffset && minutes <= maxOffset ? minutes : undefined;
}

/** The offset of an IANA zone ("Europe/Warsaw") at an instant; undefined for a zone the runtime does not know. */
export function offsetOfZone(zone: string, at: Date): number | undefined {
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' }).formatToParts(at);
    const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
    const localAsUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
    const minutes = Math.round((localAsUtc - Math.floor(at.getTime() / 60_000) * 60_000) / 60_000);
    return Number.isFinite(minutes) && minutes >= minOffset && minutes <= maxOffset ? minutes : undefined;
  } catch {
    // RangeError: an unknown zone name; "today" then falls back to UTC.
    return undefined;
  }
}
