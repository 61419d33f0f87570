import { RecentActivityIds } from '../../../src/channels/teams/recent-activity-ids';

describe('recently handled activity ids', () => {
  it('knows a repeat within its window and forgets it after', () => {
    let now = 0;
    const ids = new RecentActivityIds(100, 60_000, () => now);
    expect(ids.firstTime('a')).toBe(true);
    expect(ids.firstTime('a')).toBe(false);
    now = 59_999;
    expect(ids.firstTime('a')).toBe(false);
    now = 60_000;
    expect(ids.firstTime('a')).toBe(true);
  });

  it('holds at most its number of ids, forgetting the oldest first', () => {
    const ids = new RecentActivityIds(3, 60_000, () => 0);
    for (const id of ['a', 'b', 'c', 'd']) expect(ids.firstTime(id)).toBe(true);
    expect(ids.firstTime('d')).toBe(false);
    expect(ids.firstTime('c')).toBe(false);
    // 'a' was the oldest and made room for 'd'.
    expect(ids.firstTime('a')).toBe(true);
  });
});
