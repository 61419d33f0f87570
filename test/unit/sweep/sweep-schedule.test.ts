import { parseConfig } from '../../../src/config';
import { latestSlot, parseSweepSchedule, sweepDue } from '../../../src/core/sweep/sweep-schedule';

function schedule(text: string) {
  const parsed = parseSweepSchedule(text);
  if (!parsed.ok) throw new Error(parsed.reason);
  return parsed.schedule;
}

describe('SWEEP_SCHEDULE', () => {
  it('takes UTC times of day, in any order, each once', () => {
    expect(schedule('16:00, 04:00,04:00').minutesOfDay).toEqual([240, 960]);
    expect(schedule('0:05').minutesOfDay).toEqual([5]);
  });

  it.each([
    ['24:00', '"24:00" is not a UTC time of day as HH:MM (00:00 to 23:59)'],
    ['4am', '"4am" is not a UTC time of day as HH:MM (00:00 to 23:59)'],
    [' , ', 'give one or more UTC times of day as HH:MM, separated by commas (e.g. 04:00)'],
  ])('refuses %s and says why', (text, reason) => {
    expect(parseSweepSchedule(text)).toEqual({ ok: false, reason });
  });

  it('is named in the configuration error, and absent means no scheduled sweep', () => {
    expect(() => parseConfig({ BOT_MODE: 'local', SWEEP_SCHEDULE: '25:00' })).toThrow(/SWEEP_SCHEDULE/);
    expect(parseConfig({ BOT_MODE: 'local' }).sweepSchedule).toBeUndefined();
    expect(parseConfig({ BOT_MODE: 'local', SWEEP_SCHEDULE: '04:00' }).sweepSchedule).toEqual({ minutesOfDay: [240] });
  });

  it('finds the latest scheduled time, yesterday’s last one before today’s first', () => {
    const twice = schedule('04:00,16:00');
    expect(latestSlot(twice, new Date('2026-12-04T10:00:00Z')).toISOString()).toBe('2026-12-04T04:00:00.000Z');
    expect(latestSlot(twice, new Date('2026-12-04T16:00:00Z')).toISOString()).toBe('2026-12-04T16:00:00.000Z');
    expect(latestSlot(twice, new Date('2026-12-04T03:59:00Z')).toISOString()).toBe('2026-12-03T16:00:00.000Z');
  });

  it('is due once per scheduled time, judged from the last scheduled sweep (so a restart does not sweep again, and missed times sweep once)', () => {
    const daily = schedule('04:00');
    expect(sweepDue(daily, undefined, new Date('2026-12-04T05:00:00Z'))).toBe(true);
    expect(sweepDue(daily, new Date('2026-12-04T04:00:30Z'), new Date('2026-12-04T23:00:00Z'))).toBe(false);
    expect(sweepDue(daily, new Date('2026-12-04T04:00:30Z'), new Date('2026-12-05T04:00:00Z'))).toBe(true);
    expect(sweepDue(daily, new Date('2026-12-01T04:00:30Z'), new Date('2026-12-05T05:00:00Z'))).toBe(true);
  });
});
