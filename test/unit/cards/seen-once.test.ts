import { SeenOnce } from '../../../src/core/seen-once';

describe('keys seen once', () => {
  it('knows a repeat, holds at most its capacity, and forgets the oldest first', () => {
    const seen = new SeenOnce(3);
    for (const key of ['a', 'b', 'c']) expect(seen.firstTime(key)).toBe(true);
    expect(seen.firstTime('b')).toBe(false);
    expect(seen.firstTime('d')).toBe(true);
    expect(seen.firstTime('c')).toBe(false);
    expect(seen.firstTime('d')).toBe(false);
    // 'a' was the oldest and made room for 'd'.
    expect(seen.firstTime('a')).toBe(true);
  });
});
