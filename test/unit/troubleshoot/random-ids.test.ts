import { randomIds, timeOrderedIds } from '../../../src/app';

describe('random ids (sessions, alerts, incidents, fix requests)', () => {
  it('are 128-bit base64url and never repeat, across many refills of the entropy pool', () => {
    const ids = Array.from({ length: 2_000 }, () => randomIds.next());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('time-ordered ids (the SQLite alert path: alerts, incidents)', () => {
  it('sort by the time they were made and keep 128 random bits after it', async () => {
    const first = Array.from({ length: 500 }, () => timeOrderedIds.next());
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = timeOrderedIds.next();
    for (const id of first) {
      expect(id).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{22}$/);
      expect(id < later).toBe(true);
    }
    expect(new Set(first).size).toBe(first.length);
  });
});
