import { CONFIDENT, createIdentifier } from '../../../src/core/identify';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { allCases, TABLE_MARGIN, unknownCases, type IdentifyCase } from './cases';

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

  // Every specific message of the catalogue, as Azure prints it, names its own code (or, for a message two codes share, one of them).
  // A message another workload's code shares but for the workload's words, quoted without them, is asked about: its code and that twin.
  const messages = kb.codes.flatMap((code) => (['en', 'pl'] as const).flatMap((language) => code.messages[language].map((message) => ({ code: code.id, kind: code.messageKind, language, message }))));
  // Two codes may print one message with different punctuation (the Disk snapshot resource group pair): the same words are the same message.
  const words = (text: string): string => text.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
  it.each(messages.filter((m) => m.kind === 'specific').map((m) => [m.code, m.language, m.message] as const))('catalogue message of %s (%s): %s', (_code, language, message) => {
    const owners = kb.codes.filter((code) => code.messages[language].some((own) => words(own) === words(message))).map((code) => code.id);
    const allowed = [...owners, ...owners.flatMap((id) => kb.requireCode(id).workloadTwins)];
    const result = identifier.identify(message);
    const confident = result.candidates.filter((candidate) => candidate.confidence >= CONFIDENT).map((candidate) => candidate.code.id);
    expect(allowed).toContain(result.candidates[0]?.code.id);
    expect(confident.filter((id) => !allowed.includes(id))).toEqual([]);
    expect(confident.some((id) => owners.includes(id))).toBe(true);
    expect(result.language).toBe(language);
  });

  // A generic message alone is no answer: "I don't know this one", with its code among the closest. Beside the code's
  // workload (named beyond what the message itself says) it is.
  const workloadWords: Readonly<Record<string, { en: string; pl: string }>> = {
    'azure-disk': { en: 'Backup of the managed disk disk-data01 failed:', pl: 'Kopia dysku zarządzanego disk-data01 nie powiodła się:' },
    'azure-files': { en: 'Azure Files backup of share01 failed:', pl: 'Kopia udziału plików share01 nie powiodła się:' },
    'sap-hana': { en: 'The backup of my HANA database hdb01 failed:', pl: 'Kopia bazy HANA hdb01 nie powiodła się:' },
    'mars-agent': { en: 'The MARS agent on srv-file01 says:', pl: 'Agent MARS na srv-file01 zgłasza:' },
    'mabs-dpm': { en: 'MABS (DPM) on srv-backup01 says:', pl: 'MABS (DPM) na srv-backup01 zgłasza:' },
  };
  it.each(messages.filter((m) => m.kind === 'generic').map((m) => [m.code, m.language, m.message] as const))('generic catalogue message of %s (%s): %s', (code, language, message) => {
    const alone = identifier.identify(message);
    expect(alone.candidates.filter((candidate) => candidate.confidence >= CONFIDENT).map((candidate) => candidate.code.id)).toEqual([]);
    expect(identifier.closest(message, 3).map((entry) => entry.id)).toContain(code);
    const entry = kb.requireCode(code);
    const withWorkload = identifier.identify(`${workloadWords[entry.workload]?.[language] ?? ''} ${message}`);
    const confident = withWorkload.candidates.filter((candidate) => candidate.confidence >= CONFIDENT).map((candidate) => candidate.code.id);
    const sameWords = kb.codes.filter((other) => other.messages[language].some((own) => words(own) === words(message))).map((other) => other.id);
    expect(confident).toEqual(expect.arrayContaining([code]));
    expect(confident.filter((id) => !sameWords.includes(id))).toEqual([]);
    expect(identifier.identify(`${code}: ${message}`).candidates[0]?.code.id).toBe(code);
  });

  it.each(allCases.map((c) => [c.name, c] as const))('%s', (_name, c: IdentifyCase) => {
    const result = identifier.identify(c.input);
    const confident = result.candidates.filter((candidate) => candidate.confidence >= CONFIDENT);
    const summary = result.candidates.map((candidate) => `${candidate.code.id} ${candidate.confidence} ${candidate.matchedBy}`);
    if (c.top === null) {
      expect({ confident: confident.map((candidate) => candidate.code.id), summary }).toEqual({ confident: [], summary });
      expect(result.candidates[0]?.confidence ?? 0).toBeLessThanOrEqual(CONFIDENT - TABLE_MARGIN);
    } else {
      expect({ top: result.candidates[0]?.code.id, summary }).toEqual({ top: c.top, summary });
      expect(result.candidates[0]?.confidence).toBeGreaterThanOrEqual(CONFIDENT + TABLE_MARGIN);
      for (const other of c.alsoConfident ?? []) expect(confident.map((candidate) => candidate.code.id)).toContain(other);
      if (c.matchedBy !== undefined) expect(result.candidates[0]?.matchedBy).toBe(c.matchedBy);
    }
    if (c.language !== undefined) expect(result.language).toBe(c.language);
  });
});
