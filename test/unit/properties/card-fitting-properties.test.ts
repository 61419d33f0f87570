import fc from 'fast-check';
import { BlockKitLimits, type ActionsBlock, type SlackBlock, type SlackMessage } from '../../../src/channels/slack/blocks/block-kit';
import { blockChars, fitMessage } from '../../../src/channels/slack/blocks/fit-message';
import { type AdaptiveCardJson, cardByteSize, maxCardBytes } from '../../../src/channels/teams/card-renderer';
import { fitCard } from '../../../src/channels/teams/fit-card';
import { asPlainTextCard } from '../../../src/channels/teams/plain-text';
import { hostileText, oneMegabyte } from './arbitraries';

/** Text of any length a card can carry: usually short, sometimes far over every limit. */
const cardText = fc.oneof({ weight: 4, arbitrary: hostileText(200) }, { weight: 1, arbitrary: hostileText(300).map((t) => t.repeat(40)) }, { weight: 1, arbitrary: fc.constantFrom('a', '😀').map((c) => c.repeat(20_000)) });

// ---- Adaptive Cards (Teams) ----

const button = fc.record({ type: fc.constant('Action.Execute'), title: cardText, verb: fc.constantFrom('troubleshoot.next', 'fix.approve'), data: fc.record({ sessionId: fc.uuid(), step: fc.nat(50) }) });
const textBlock = fc.record({ type: fc.constant('TextBlock'), text: cardText, wrap: fc.constant(true) });
const factSet = fc.record({ type: fc.constant('FactSet'), facts: fc.array(fc.record({ title: cardText, value: cardText }), { maxLength: 12 }) });
const element = fc.letrec<{ el: Record<string, unknown> }>((tie) => ({
  el: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    textBlock,
    factSet,
    fc.record({ type: fc.constant('Container'), items: fc.array(tie('el'), { maxLength: 6 }) }),
    fc.record({ type: fc.constant('ActionSet'), actions: fc.array(button, { minLength: 1, maxLength: 4 }) }),
  ),
})).el;
const adaptiveCard = fc
  .record({ body: fc.array(element, { maxLength: 30 }), actions: fc.array(button, { maxLength: 5 }) })
  .map(({ body, actions }): AdaptiveCardJson => ({ type: 'AdaptiveCard', version: '1.5', body, actions }));

/** Every button's verb and data, in order: what a press needs, which fitting must never change. */
function presses(node: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(node)) for (const child of node) presses(child, out);
  else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (typeof record['type'] === 'string' && record['type'].startsWith('Action.')) out.push([record['verb'], record['data'], record['url']]);
    for (const [key, child] of Object.entries(record)) if (key !== 'data') presses(child, out);
  }
  return out;
}

describe('Adaptive Card fitting holds for any card', () => {
  const more = { url: 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot', label: 'Read more' };

  it('never throws; the card fits Teams\' limit and every button keeps its verb and data; the input is left alone', () => {
    fc.assert(
      fc.property(adaptiveCard, fc.boolean(), (card, withMore) => {
        const before = JSON.stringify(card);
        const fitted = fitCard(card, withMore ? { more } : {});
        expect(JSON.stringify(card)).toBe(before);
        expect(cardByteSize(fitted)).toBeLessThanOrEqual(maxCardBytes);
        // The "Read more" link fitting adds is the one new button.
        const kept = presses(fitted).filter((p) => !(Array.isArray(p) && p[2] === more.url));
        // Rows may give way (the last ones of the longest list), never a button's payload.
        for (const press of kept) expect(presses(card)).toContainEqual(press);
        if (cardByteSize(card) <= maxCardBytes) expect(fitted).toEqual(card);
        else expect(presses(fitted.actions)).toEqual(presses(card.actions));
      }),
      { numRuns: 60 },
    );
  });

  it('holds for cards in the form Teams is sent them (text as TextRuns, facts as rows): they fit and keep every button', () => {
    fc.assert(
      fc.property(adaptiveCard.map((card) => asPlainTextCard(card)), (card) => {
        const fitted = fitCard(card);
        expect(cardByteSize(fitted)).toBeLessThanOrEqual(maxCardBytes);
        for (const press of presses(fitted)) expect(presses(card)).toContainEqual(press);
        if (cardByteSize(card) <= maxCardBytes) expect(fitted).toEqual(card);
        else expect(presses(fitted.actions)).toEqual(presses(card.actions));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same card for the same card', () => {
    fc.assert(
      fc.property(adaptiveCard, (card) => {
        expect(fitCard(card)).toEqual(fitCard(structuredClone(card)));
      }),
      { numRuns: 40 },
    );
  });

  it('does bounded work on 1 MB of text: the cut is a binary search, so the card fits whatever the size', () => {
    fc.assert(
      fc.property(hostileText(200), fc.nat(10), (seed, rows) => {
        const card: AdaptiveCardJson = {
          type: 'AdaptiveCard',
          version: '1.5',
          body: [{ type: 'TextBlock', text: oneMegabyte(seed || 'a') }, ...Array.from({ length: rows }, () => ({ type: 'TextBlock', text: seed }))],
          actions: [{ type: 'Action.Execute', title: 'Next', verb: 'troubleshoot.next', data: { step: 1 } }],
        };
        const fitted = fitCard(card);
        expect(cardByteSize(fitted)).toBeLessThanOrEqual(maxCardBytes);
        expect(presses(fitted)).toEqual(presses(card));
      }),
      { numRuns: 5 },
    );
  });
});

describe('a text with Teams\' date and time expressions', () => {
  it('is cut when the card is too large, and only between expressions (a cut one would show as raw template)', () => {
    const expression = '{{DATE(2026-03-13T11:56:13Z, SHORT)}} {{TIME(2026-03-13T11:56:13Z)}}';
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant(expression), fc.string({ unit: 'grapheme-ascii', maxLength: 50 }).map((t) => t.replace(/[{}]/g, ''))), { minLength: 1, maxLength: 30 }), fc.integer({ min: 200, max: 2_000 }), (parts, repeat) => {
        const text = Array.from({ length: repeat }, () => parts.join(' ')).join(' ');
        const card: AdaptiveCardJson = { type: 'AdaptiveCard', version: '1.5', body: [{ type: 'TextBlock', text: `Last alert ${expression} ${text}` }] };
        const fitted = fitCard(card, { maxBytes: 8 * 1024 });
        const shown = String((fitted['body'] as { text: string }[])[0]?.text);
        expect(cardByteSize(fitted)).toBeLessThanOrEqual(8 * 1024);
        // Every "{{" that is left opens a whole expression.
        expect(shown.split('{{').length - 1).toBe((shown.match(/\{\{(?:DATE|TIME)\([^{}]*?\)\}\}/g) ?? []).length);
      }),
      { numRuns: 30 },
    );
  });
});

// ---- Block Kit (Slack) ----

const plain = (text: string) => ({ type: 'plain_text' as const, text });
const slackButton = fc.record({ type: fc.constant('button' as const), text: hostileText(75).map((t) => plain(t || 'Next')), action_id: fc.uuid(), value: fc.string({ maxLength: 100 }) });
const slackBlock: fc.Arbitrary<SlackBlock> = fc.oneof(
  { weight: 5, arbitrary: cardText.map((t): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: t || '-' } })) },
  { weight: 1, arbitrary: hostileText(150).map((t): SlackBlock => ({ type: 'header', text: plain(t || 'Header') })) },
  { weight: 1, arbitrary: fc.array(cardText, { minLength: 1, maxLength: 12 }).map((ts): SlackBlock => ({ type: 'context', elements: ts.map((t) => ({ type: 'mrkdwn', text: t || '-' })) })) },
  { weight: 1, arbitrary: fc.constant<SlackBlock>({ type: 'divider' }) },
);
const slackMessage = fc
  .tuple(fc.array(slackBlock, { maxLength: 80 }), fc.array(fc.array(slackButton, { minLength: 1, maxLength: 5 }), { maxLength: 3 }), cardText)
  .map(([blocks, actionRows, text]): SlackMessage => ({ text: text || 'fallback', blocks: [...blocks, ...actionRows.map((elements): SlackBlock => ({ type: 'actions', elements }))] }));

const actionsOf = (message: SlackMessage): ActionsBlock[] => message.blocks.filter((b): b is ActionsBlock => b.type === 'actions');

describe('Block Kit fitting holds for any message', () => {
  const options = { moreUrl: 'https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot', moreLabel: 'Read more' };

  it('never throws; the message keeps within Slack\'s limits and every button', () => {
    fc.assert(
      fc.property(slackMessage, fc.boolean(), (message, withMore) => {
        const fitted = fitMessage(message, withMore ? options : { moreLabel: 'Read more' });
        expect(fitted.blocks.length).toBeLessThanOrEqual(BlockKitLimits.blocksPerMessage);
        expect(blockChars(fitted.blocks)).toBeLessThanOrEqual(BlockKitLimits.totalBlockChars);
        expect(fitted.text.length).toBeLessThanOrEqual(BlockKitLimits.messageTextChars);
        for (const block of fitted.blocks) {
          if (block.type === 'section') expect(block.text.text.length).toBeLessThanOrEqual(BlockKitLimits.sectionTextChars);
          if (block.type === 'context') expect(block.elements.length).toBeLessThanOrEqual(BlockKitLimits.contextElements);
        }
        expect(actionsOf(fitted)).toEqual(actionsOf(message));
      }),
      { numRuns: 60 },
    );
  });

  it('gives the same message for the same message', () => {
    fc.assert(
      fc.property(slackMessage, (message) => {
        expect(fitMessage(message, options)).toEqual(fitMessage(structuredClone(message), options));
      }),
      { numRuns: 40 },
    );
  });

  it('does bounded work on 1 MB sections: the result is within the limits whatever the input size', () => {
    fc.assert(
      fc.property(hostileText(200), fc.integer({ min: 1, max: 4 }), (seed, sections) => {
        const message: SlackMessage = {
          text: oneMegabyte(seed || 'a'),
          blocks: [...Array.from({ length: sections }, (): SlackBlock => ({ type: 'section', text: { type: 'mrkdwn', text: oneMegabyte(seed || 'a') } })), { type: 'actions', elements: [{ type: 'button', text: plain('Next'), action_id: 'next', value: '1' }] }],
        };
        const fitted = fitMessage(message, options);
        expect(blockChars(fitted.blocks)).toBeLessThanOrEqual(BlockKitLimits.totalBlockChars);
        expect(actionsOf(fitted)).toEqual(actionsOf(message));
      }),
      { numRuns: 5 },
    );
  });
});
