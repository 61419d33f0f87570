import { ConversationRateLimiter, parseRetryAfter, retryDelayMs } from '../../../src/core/incidents/delivery-policy';
import { matchingConversations, parseSubscriptionCommand } from '../../../src/core/incidents/subscription';

describe('ConversationRateLimiter (Teams: 7/1 s, 60/30 s, 1,800/h per conversation)', () => {
  it('lets 7 sends through in a second, then makes the 8th wait for the window', () => {
    const l = new ConversationRateLimiter();
    for (let i = 0; i < 7; i++) {
      expect(l.delayMs('c', 1000 + i)).toBe(0);
      l.record('c', 1000 + i);
    }
    const wait = l.delayMs('c', 1010);
    expect(wait).toBeGreaterThan(900);
    expect(l.delayMs('other', 1010)).toBe(0);
  });

  it('never allows more than 60 sends in any 30 s when sending as fast as allowed', () => {
    const l = new ConversationRateLimiter();
    const sent: number[] = [];
    let now = 0;
    while (now < 120_000) {
      const d = l.delayMs('c', now);
      if (d === 0) {
        l.record('c', now);
        sent.push(now);
      } else now += d;
    }
    for (const start of sent) expect(sent.filter((t) => t >= start && t < start + 30_000).length).toBeLessThanOrEqual(60);
    for (const start of sent) expect(sent.filter((t) => t >= start && t < start + 1_000).length).toBeLessThanOrEqual(7);
    expect(sent.length).toBeGreaterThanOrEqual(230);
  });

  it('caps an hour at 1,800', () => {
    const l = new ConversationRateLimiter();
    let now = 0;
    let count = 0;
    while (now < 3_600_000) {
      const d = l.delayMs('c', now);
      if (d === 0) {
        l.record('c', now);
        count++;
      } else now += d;
    }
    expect(count).toBe(1_800);
  });
});

describe('retry timing', () => {
  it('honours Retry-After in seconds or as a date', () => {
    const now = new Date('2025-01-01T00:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(retryDelayMs(1, 3000, () => 0.5)).toBe(3000);
  });

  it('backs off exponentially with jitter between half and the full step', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(500);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(4, undefined, () => 0)).toBe(4000);
    expect(retryDelayMs(30, undefined, () => 1)).toBe(60_000);
  });
});

describe('subscriptions', () => {
  it('parses the commands and rejects wrong arguments with a reason', () => {
    expect(parseSubscriptionCommand('subscribe')).toEqual({ kind: 'subscribe', scope: { kind: 'all' } });
    expect(parseSubscriptionCommand('subscribe vault Vault-Prod')).toEqual({ kind: 'subscribe', scope: { kind: 'vault', vault: 'Vault-Prod' } });
    expect(parseSubscriptionCommand('Subscribe subscription 00000000-0000-0000-0000-0000000000AA')).toEqual({
      kind: 'subscribe',
      scope: { kind: 'subscription', subscriptionId: '00000000-0000-0000-0000-0000000000aa' },
    });
    expect(parseSubscriptionCommand('unsubscribe')).toEqual({ kind: 'unsubscribe' });
    expect(parseSubscriptionCommand('subscriptions')).toEqual({ kind: 'list' });
    expect(parseSubscriptionCommand('subscribe subscription nope')).toMatchObject({ kind: 'invalid' });
    expect(parseSubscriptionCommand('UserErrorGuestAgentStatusUnavailable')).toBeUndefined();
  });

  it('matches by vault (any case) or subscription id, one entry per conversation', () => {
    const base = { conversationReference: {}, language: 'en' as const, createdAt: new Date(0) };
    const subs = [
      { ...base, id: '1', conversationKey: 'a', scope: { kind: 'vault' as const, vault: 'Vault-X' } },
      { ...base, id: '2', conversationKey: 'a', scope: { kind: 'all' as const } },
      { ...base, id: '3', conversationKey: 'b', scope: { kind: 'subscription' as const, subscriptionId: 'sub-1' } },
      { ...base, id: '4', conversationKey: 'c', scope: { kind: 'vault' as const, vault: 'other' } },
    ];
    expect(matchingConversations(subs, { name: 'vault-x', subscriptionId: 'SUB-1' }).map((s) => s.id)).toEqual(['1', '3']);
    expect(matchingConversations(subs, { name: 'vault-y' }).map((s) => s.id)).toEqual(['2']);
  });
});
