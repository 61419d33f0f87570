import * as AC from 'adaptivecards';
import { asPlainTextCard, isSafeDateText } from '../../../src/channels/teams/plain-text';

function parseEvents(card: unknown): number {
  const context = new AC.SerializationContext();
  new AC.AdaptiveCard().parse(card as object, context);
  return context.eventCount;
}

describe('cards show bound text exactly as written', () => {
  const hostile = '[Approve fix here](https://evil.example/login) **now** net stop <ServiceName> /var/log/azure/*';

  it('turns a TextBlock into a plain text run with the same look', () => {
    const card = asPlainTextCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: hostile, weight: 'Bolder', fontType: 'Monospace', wrap: true, spacing: 'Small' }] });
    expect(card.body[0]).toEqual({ type: 'RichTextBlock', spacing: 'Small', inlines: [{ type: 'TextRun', text: hostile, weight: 'Bolder', fontType: 'Monospace' }] });
    expect(parseEvents(card)).toBe(0);
  });

  it('keeps Teams date formatting only when nothing else in the block could act as markdown', () => {
    expect(isSafeDateText('Last alert {{DATE(2026-11-26T21:12:55Z, SHORT)}} {{TIME(2026-11-26T21:12:55Z)}}')).toBe(true);
    expect(isSafeDateText('Ostatni alert: {{DATE(2026-11-26T21:12:55Z, SHORT)}}')).toBe(true);
    expect(isSafeDateText(`${hostile} {{DATE(2026-11-26T21:12:55Z, SHORT)}}`)).toBe(false);
    expect(isSafeDateText('vm <b>x</b> {{TIME(2026-11-26T21:12:55Z)}}')).toBe(false);
    expect(isSafeDateText('no date here')).toBe(false);
    const card = asPlainTextCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `${hostile} {{DATE(2026-11-26T21:12:55Z, SHORT)}}` }] });
    expect(card.body[0]?.type).toBe('RichTextBlock');
  });

  it('turns a FactSet into rows of plain runs, titles bold', () => {
    const card = asPlainTextCard({ type: 'AdaptiveCard', version: '1.5', body: [{ type: 'FactSet', separator: true, facts: [{ title: 'Vault', value: hostile }] }] });
    const rows = card.body[0] as unknown as { type: string; separator: boolean; items: { columns: { items: { inlines: { text: string; weight?: string }[] }[] }[] }[] };
    expect(rows.type).toBe('Container');
    expect(rows.separator).toBe(true);
    expect(rows.items[0]?.columns[0]?.items[0]?.inlines[0]).toEqual({ type: 'TextRun', text: 'Vault', weight: 'Bolder' });
    expect(rows.items[0]?.columns[1]?.items[0]?.inlines[0]?.text).toBe(hostile);
    expect(parseEvents(card)).toBe(0);
  });
});
