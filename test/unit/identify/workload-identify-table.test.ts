import { CONFIDENT, createIdentifier } from '../../../src/core/identify';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { TABLE_MARGIN, type IdentifyCase } from './cases';
import { workloadCases } from './workload-cases';

const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);

describe('identification table for every workload (real knowledge base)', () => {
  describe.each(Object.entries(workloadCases))('%s', (_workload, cases) => {
    it('has at least ten cases, in English and in Polish', () => {
      expect(cases.length).toBeGreaterThanOrEqual(10);
      expect(cases.filter((c) => c.language === 'pl').length).toBeGreaterThanOrEqual(3);
    });

    it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c: IdentifyCase) => {
      const result = identifier.identify(c.input);
      const summary = result.candidates.map((candidate) => `${candidate.code.id} ${candidate.confidence} ${candidate.matchedBy}`);
      expect({ top: result.candidates[0]?.code.id, summary }).toEqual({ top: c.top, summary });
      expect(result.candidates[0]?.confidence).toBeGreaterThanOrEqual(CONFIDENT + TABLE_MARGIN);
      const answers = [c.top, ...(c.alsoConfident ?? [])];
      expect(result.candidates.filter((candidate) => !answers.includes(candidate.code.id)).every((candidate) => candidate.confidence <= CONFIDENT - TABLE_MARGIN)).toBe(true);
      // One answer: no other code is confident for a message that is one code's.
      // (Or, for a message two codes print, those two.)
      expect(result.candidates.filter((candidate) => candidate.confidence >= CONFIDENT).map((candidate) => candidate.code.id).sort()).toEqual([c.top, ...(c.alsoConfident ?? [])].sort());
      if (c.matchedBy !== undefined) expect(result.candidates[0]?.matchedBy).toBe(c.matchedBy);
      if (c.language !== undefined) expect(result.language).toBe(c.language);
    });
  });
});
