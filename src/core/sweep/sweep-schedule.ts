/**
 * SWEEP_SCHEDULE: when the scheduled fleet sweep runs, as UTC times of day, "HH:MM" or several
 * separated by commas ("04:00" daily two hours before a 06:00 backup window; "04:00,16:00"
 * twice a day). Parsed once by src/config.ts; empty means no scheduled sweep.
 */
export interface SweepSchedule {
  /** Minutes after midnight UTC, ascending, each once. */
  readonly minutesOfDay: readonly number[];
}

export function parseSweepSchedule(text: string): { ok: true; schedule: SweepSchedule } | { ok: false; reason: string } {
  const parts = text
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) return { ok: false, reason: 'give one or more UTC times of day as HH:MM, separated by commas (e.g. 04:00)' };
  const minutes = new Set<number>();
  for (const part of parts) {
    const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(part);
    if (!match) return { ok: false, reason: `"${part}" is not a UTC time of day as HH:MM (00:00 to 23:59)` };
    minutes.add(Number(match[1]) * 60 + Number(match[2]));
  }
  return { ok: true, schedule: { minutesOfDay: [...minutes].sort((a, b) => a - b) } };
}

/** The latest scheduled time at or before `now`. */
export function latestSlot(schedule: SweepSchedule, now: Date): Date {
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const minuteNow = (now.getTime() - dayStart) / 60_000;
  const today = [...schedule.minutesOfDay].reverse().find((m) => m <= minuteNow);
  if (today !== undefined) return new Date(dayStart + today * 60_000);
  const last = schedule.minutesOfDay[schedule.minutesOfDay.length - 1] ?? 0;
  return new Date(dayStart - 86_400_000 + last * 60_000);
}

/**
 * Whether a scheduled sweep is due: a slot has passed since the last stored sweep started. The
 * stored sweep is the memory, so a restart after a slot's sweep neither runs nor posts it again;
 * a bot that was down at a slot sweeps once when it is back, not once per missed slot.
 */
export function sweepDue(schedule: SweepSchedule, lastStartedAt: Date | undefined, now: Date): boolean {
  const slot = latestSlot(schedule, now);
  return lastStartedAt === undefined ? true : lastStartedAt.getTime() < slot.getTime();
}
