import { type AdaptiveCardJson, cardByteSize, maxCardBytes, renderCard } from '../../../src/channels/teams/card-renderer';
import { cutText, fitCard, sendFitted } from '../../../src/channels/teams/fit-card';
import type { Incident, IncidentVm } from '../../../src/core/incidents/incident';
import { incidentCardData } from '../../../src/core/incidents/incident-view';
import { checkCard } from '../../helpers/card-validator';
import { cardText } from '../../helpers/connector-stub';

/** Every card the bot sends stays within Teams' limit, however long the Azure and user text in it. */

const at = new Date('2026-11-26T21:12:55Z');
const longName = (i: number) => `vm-${i}-${'x'.repeat(1000)}`;

/** The incident that once made a 49,615-byte card: an 8,000-character description and 1,000-character names. */
function hugeIncident(): Incident {
  const vms: IncidentVm[] = Array.from({ length: 12 }, (_, i) => ({
    key: longName(i).toLowerCase(),
    name: longName(i),
    resourceGroup: `rg-${'r'.repeat(1000)}`,
    state: 'fired',
    firstSeenAt: at,
    lastSeenAt: at,
  }));
  return {
    id: 'inc-huge-000001',
    groupKey: 'v|userErrorGuestAgentStatusUnavailable',
    vault: { name: `rsv-${'v'.repeat(1000)}`, subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: `rg-${'b'.repeat(1000)}` },
    code: 'UserErrorGuestAgentStatusUnavailable',
    message: `VM Agent unable to communicate with Azure Backup. ${'Details. '.repeat(1000)}`.slice(0, 8000),
    openedAt: at,
    lastAlertAt: at,
    revision: 1,
    vmCount: vms.length,
    recoveredCount: 0,
    vms,
  };
}

interface Action {
  readonly type: string;
  readonly title: string;
  readonly url?: string;
  readonly data?: { vm?: string };
}

function actionsOf(card: unknown): Action[] {
  const found: Action[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record['type'] === 'string' && record['type'].startsWith('Action.') && record['type'] !== 'Action.Submit') found.push(record as unknown as Action);
      for (const [key, child] of Object.entries(record)) if (key !== 'fallback') walk(child);
    }
  };
  walk(card);
  return found;
}

describe('fitting a card to Teams’ size limit', () => {
  it('a 50 KB incident card becomes one under 28 KB: long texts cut with "…", buttons whole, a link to the rest, still a valid card', () => {
    const data = incidentCardData(hugeIncident(), 'en');
    const card = renderCard('incident', data);
    expect(cardByteSize(card)).toBeGreaterThan(45_000);

    const fitted = fitCard(card, { more: { url: 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot', label: 'Read more' } });
    expect(cardByteSize(fitted)).toBeLessThanOrEqual(maxCardBytes);
    const problems = checkCard(fitted, data);
    expect(problems.parse).toEqual([]);
    expect(problems.validation).toEqual([]);
    expect(problems.actions).toEqual([]);

    const text = cardText(fitted);
    expect(text).toContain('Backup failures');
    expect(text).toContain('VM Agent unable to communicate with Azure Backup. Details.');
    expect(text).toContain('…');
    expect(text).toContain('12 VMs affected, 0 recovered');
    // Every Troubleshoot press still names its VM in full; the link leads to the whole story.
    const buttons = actionsOf(fitted);
    expect(buttons.filter((b) => b.type === 'Action.Execute').map((b) => b.data?.vm)).toEqual([0, 1, 2].map((i) => longName(i).toLowerCase()));
    expect(buttons.find((b) => b.type === 'Action.OpenUrl')).toMatchObject({ title: 'Read more', url: 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot' });
    // The original is left alone (renderers cache cards).
    expect(cardByteSize(card)).toBeGreaterThan(45_000);
  });

  it('a card within the limit is sent exactly as rendered', () => {
    const card = renderCard('incident', incidentCardData({ ...hugeIncident(), message: 'short', vms: [], vmCount: 0, vault: { name: 'rsv' } }, 'pl'));
    expect(fitCard(card)).toBe(card);
  });

  it('short texts stay whole while the longest are cut to one common length', () => {
    const card: AdaptiveCardJson = {
      type: 'AdaptiveCard',
      version: '1.5',
      body: [
        { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Heading' }] },
        { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'a'.repeat(5000) }] },
        { type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'b'.repeat(3000) }] },
      ],
    };
    const fitted = fitCard(card, { maxBytes: 2000 });
    expect(cardByteSize(fitted)).toBeLessThanOrEqual(2000);
    const texts = cardText(fitted).split('\n');
    expect(texts[0]).toBe('Heading');
    expect(texts[1]!.endsWith('…')).toBe(true);
    expect(texts[1]!.length).toBe(texts[2]!.length);
  });

  it('when cutting texts is not enough, trailing rows give way to a "…" row, and the heading stays', () => {
    const rows = Array.from({ length: 400 }, (_, i) => ({ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: `row ${i}: ${'z'.repeat(30)}` }] }));
    const card: AdaptiveCardJson = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'RichTextBlock', inlines: [{ type: 'TextRun', text: 'Heading' }] }, { type: 'Container', items: rows }] };
    const fitted = fitCard(card, { maxBytes: 6000 });
    expect(cardByteSize(fitted)).toBeLessThanOrEqual(6000);
    const texts = cardText(fitted).split('\n');
    expect(texts[0]).toBe('Heading');
    expect(texts[1]).toMatch(/^row 0: z+$/);
    expect(texts.at(-1)).toBe('…');
  });

  it('a cut never splits an emoji', () => {
    expect(cutText('ab😀cd', 4)).toBe('ab…');
    expect(cutText('abc', 3)).toBe('abc');
  });

  it('a 413 from the channel is answered with a smaller card, sent again, until it is taken', async () => {
    const card = renderCard('incident', incidentCardData(hugeIncident(), 'en'));
    const sizes: number[] = [];
    const id = await sendFitted(card, async (fitted) => {
      sizes.push(cardByteSize(fitted));
      if (cardByteSize(fitted) > 9_000) throw Object.assign(new Error('MessageSizeTooBig'), { statusCode: 413 });
      return 'activity-1';
    });
    expect(id).toBe('activity-1');
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes[0]).toBeLessThanOrEqual(maxCardBytes);
    expect(sizes.at(-1)).toBeLessThanOrEqual(9_000);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1]!);
  });

  it('other failures are not retried here', async () => {
    let calls = 0;
    await expect(
      sendFitted(renderCard('incident', incidentCardData(hugeIncident(), 'en')), async () => {
        calls += 1;
        throw Object.assign(new Error('throttled'), { statusCode: 429 });
      }),
    ).rejects.toThrow('throttled');
    expect(calls).toBe(1);
  });
});
