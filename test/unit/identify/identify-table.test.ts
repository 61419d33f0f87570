import { CONFIDENT, createIdentifier } from '../../../src/core/identify';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { allCases, unknownCases, type IdentifyCase } from './cases';

const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);

describe('identification table (real knowledge base)', () => {
  it('has at least 70 cases, 10 of them unknown', () => {
    expect(allCases.length).toBeGreaterThanOrEqual(70);
    expect(unknownCases.length).toBeGreaterThanOrEqual(10);
  });

  it('names only codes the knowledge base has', () => {
    const ids = new Set(kb.codes.map((c) => c.id));
    const named = allCases.flatMap((c) => [c.top, ...(c.alsoConfident ?? [])]).filter((id): id is string => id !== null);
    expect(named.filter((id) => !ids.has(id))).toEqual([]);
  });

  // Every message of the catalogue, as Azure prints it, names its own code (or, for a message two codes share, one of them).
  // A message another workload's code shares but for the workload's words, quoted without them, is asked about: its code and that twin.
  const messages = kb.codes.flatMap((code) => (['en', 'pl'] as const).flatMap((language) => code.messages[language].map((message) => ({ code: code.id, language, message }))));
  it.each(messages.map((m) => [m.code, m.language, m.message] as const))('catalogue message of %s (%s): %s', (_code, language, message) => {
    const owners = kb.codes.filter((code) => code.messages[language].includes(message)).map((code) => code.id);
    const allowed = [...owners, ...owners.flatMap((id) => kb.requireCode(id).workloadTwins)];
    const result = identifier.identify(message);
    const confident = result.candidates.filter((candidate) => candidate.confidence >= CONFIDENT).map((candidate) => candidate.code.id);
    expect(allowed).toContain(result.candidates[0]?.code.id);
    expect(confident.filter((id) => !allowed.includes(id))).toEqual([]);
    expect(confident.some((id) => owners.includes(id))).toBe(true);
    expect(result.language).toBe(language);
  });

  it.each(allCases.map((c) => [c.name, c] as const))('%s', (_name, c: IdentifyCase) => {
    const result = identifier.identify(c.input);
    const confident = result.candidates.filter((candidate) => candidate.confidence >= CONFIDENT);
    const summary = result.candidates.map((candidate) => `${candidate.code.id} ${candidate.confidence} ${candidate.matchedBy}`);
    if (c.top === null) {
      expect({ confident: confident.map((candidate) => candidate.code.id), summary }).toEqual({ confident: [], summary });
    } else {
      expect({ top: result.candidates[0]?.code.id, summary }).toEqual({ top: c.top, summary });
      expect(result.candidates[0]?.confidence).toBeGreaterThanOrEqual(CONFIDENT);
      for (const other of c.alsoConfident ?? []) expect(confident.map((candidate) => candidate.code.id)).toContain(other);
      if (c.matchedBy !== undefined) expect(result.candidates[0]?.matchedBy).toBe(c.matchedBy);
    }
    if (c.language !== undefined) expect(result.language).toBe(c.language);
  });
});
