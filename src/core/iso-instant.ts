/**
 * ISO 8601 instants, parsed strictly. Date.parse accepts "1", "12/5/2026" and 2026-02-30 (which
 * rolls over to 2 March), and a year past 9999 has no four-digit ISO form, so such times would
 * sort wrongly wherever they are stored as text. This parser accepts only calendar dates that
 * exist, times that exist, offsets up to ±14:00, and instants from 1970 to the end of 9999.
 */
export interface IsoInstantRules {
  /** A bare date (2026-12-03) is midnight UTC unless a time is required. */
  readonly requireTime?: boolean;
  /** Without a zone the time is UTC unless a zone is required. */
  readonly requireZone?: boolean;
}

const shape = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

const earliest = Date.UTC(1970, 0, 1);
const latest = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

export function parseIsoInstant(text: string, rules: IsoInstantRules = {}): Date | undefined {
  if (text.length > 40) return undefined;
  const m = shape.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, fraction, z, sign, oh, om] = m;
  const hasTime = h !== undefined;
  const hasZone = z !== undefined || sign !== undefined;
  if ((rules.requireTime && !hasTime) || (rules.requireZone && !hasZone) || (!hasTime && hasZone)) return undefined;
  const year = Number(y);
  // Date.UTC reads years 0-99 as 1900-1999, so "0070" would pass as 1970: refuse them before.
  if (year < 1969) return undefined;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h ?? 0);
  const minute = Number(mi ?? 0);
  const second = Number(s ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  if (Math.abs(offsetMinutes) > 14 * 60 || Number(om ?? 0) > 59) return undefined;
  const millis = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const at = Date.UTC(year, month - 1, day, hour, minute, second, millis) - offsetMinutes * 60_000;
  if (at < earliest || at > latest) return undefined;
  return new Date(at);
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
