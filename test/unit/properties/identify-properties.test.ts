import fc from 'fast-check';
import { createIdentifier, MAX_INPUT_CHARS, type Identification } from '../../../src/core/identify';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { hostileText, oneMegabyte } from './arbitraries';

const knowledge = loadKnowledgeBase(undefined);
const identifier = createIdentifier(knowledge);
const knownIds = new Set(knowledge.codes.map((c) => c.id));

/** What the user sees of an identification: which codes, how sure, matched how, and the language. */
const answer = (result: Identification) => ({ language: result.language, candidates: result.candidates.map((c) => [c.code.id, c.confidence, c.matchedBy, c.evidence]) });

/** Any text a person can paste: free text, JSON (a failed job) and real codes inside noise. */
const pasted = fc.oneof(
  hostileText(2_000),
  fc.json({ maxDepth: 4 }),
  fc.tuple(hostileText(200), fc.constantFrom(...knowledge.codes.map((c) => c.id)), hostileText(200)).map(([a, code, b]) => `${a} ${code} ${b}`),
);

describe('identification holds for any text', () => {
  it('never throws, answers only known codes with confidences in 0..1, best first', () => {
    fc.assert(
      fc.property(pasted, (text) => {
        const result = identifier.identify(text);
        const confidences = result.candidates.map((c) => c.confidence);
        expect(result.candidates.every((c) => knownIds.has(c.code.id))).toBe(true);
        expect(confidences.every((c) => c >= 0 && c <= 1)).toBe(true);
        expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
        expect(['en', 'pl']).toContain(result.language);
        expect(identifier.closest(text, 3).length).toBeLessThanOrEqual(3);
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same answer for the same text, whatever was asked before', () => {
    fc.assert(
      fc.property(pasted, pasted, (text, other) => {
        const first = answer(identifier.identify(text));
        identifier.identify(other);
        expect(answer(identifier.identify(text))).toEqual(first);
      }),
      { numRuns: 80 },
    );
  });

  it('does bounded work on a paste up to 1 MB: everything past the input limit is ignored', () => {
    // The bound is structural: the answer for 1 MB is the answer for its first MAX_INPUT_CHARS,
    // so the work is that of a 64 KB paste whatever follows.
    fc.assert(
      fc.property(pasted, hostileText(300), (head, seed) => {
        const text = `${head} ${oneMegabyte(seed || 'x')}`;
        expect(text.length).toBeGreaterThan(MAX_INPUT_CHARS);
        expect(answer(identifier.identify(text))).toEqual(answer(identifier.identify(text.slice(0, MAX_INPUT_CHARS))));
      }),
      { numRuns: 6 },
    );
  });
});
