import { offsetOfTimestamp, offsetOfZone, utcOffsetMinutesOf } from '../../../src/channels/teams/local-time';

describe('the asker\'s UTC offset from a Teams activity', () => {
  test('from localTimestamp as Teams sends it (botbuilder keeps the string as rawLocalTimestamp)', () => {
    expect(utcOffsetMinutesOf({ rawLocalTimestamp: '2026-07-01T09:30:00.123+02:00', localTimestamp: new Date('2026-07-01T07:30:00.123Z') })).toBe(120);
    expect(utcOffsetMinutesOf({ localTimestamp: '2026-01-15T20:00:00-05:00' })).toBe(-300);
    expect(offsetOfTimestamp('2026-01-15T20:00:00+0530')).toBe(330);
    expect(offsetOfTimestamp('2026-01-15T20:00:00Z')).toBe(0);
    expect(offsetOfTimestamp('2026-01-15T20:00:00')).toBeUndefined();
    // Out of the range people live in: ignored rather than trusted.
    expect(offsetOfTimestamp('2026-01-15T20:00:00+23:00')).toBeUndefined();
  });

  test('from localTimezone when there is no usable timestamp, with daylight saving at the activity\'s time', () => {
    expect(utcOffsetMinutesOf({ localTimezone: 'Europe/Warsaw', timestamp: new Date('2026-07-01T12:00:00Z') })).toBe(120);
    expect(utcOffsetMinutesOf({ localTimezone: 'Europe/Warsaw', timestamp: new Date('2026-01-01T12:00:00Z') })).toBe(60);
    expect(offsetOfZone('Asia/Kolkata', new Date('2026-01-01T12:00:00Z'))).toBe(330);
    expect(offsetOfZone('Not/AZone', new Date())).toBeUndefined();
    expect(utcOffsetMinutesOf({})).toBeUndefined();
  });
});
