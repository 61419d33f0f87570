import { randomIds } from '../../../src/app';

describe('random ids (sessions, alerts, incidents, fix requests)', () => {
  it('are 128-bit base64url and never repeat, across many refills of the entropy pool', () => {
    const ids = Array.from({ length: 2_000 }, () => randomIds.next());
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
