import { CONFIDENT, createIdentifier } from '../../../src/core/identify';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';

const kb = loadKnowledgeBase();
const identifier = createIdentifier(kb);

/** Microsoft's Polish editions disagree on words ("moduły zapisu" / "składniki zapisywania" for VSS writers): each wording names its code. */
const vssWriters: readonly { edition: string; text: string }[] = [
  { edition: 'microsoft-2020-03-05', text: 'Operacja migawki nie powiodła się z powodu nieprawidłowego stanu składników zapisywania usługi VSS.' },
  { edition: 'microsoft-2020-03-28', text: 'Operacja migawki nie powiodła się, ponieważ moduły zapisu programu VSS były w złym stanie.' },
  { edition: 'project', text: 'Operacja migawki nie powiodła się, ponieważ moduły zapisujące VSS były w złym stanie.' },
];

describe('every published Polish wording of the VM messages names its code', () => {
  it.each(vssWriters.map((w) => [w.edition, w.text] as const))('VSS writers, %s: %s', (_edition, text) => {
    const result = identifier.identify(text);
    expect(result.candidates[0]?.code.id).toBe('ExtensionFailedVssWriterInBadState');
    expect(result.candidates.filter((c) => c.confidence >= CONFIDENT).map((c) => c.code.id)).toEqual(['ExtensionFailedVssWriterInBadState']);
  });

  const published = (kb.codesByWorkload().get('azure-vm') ?? []).flatMap((code) =>
    code.polishWordings.filter((w) => w.edition !== 'project').map((w) => ({ code: code.id, edition: w.edition, text: w.text })),
  );

  it('has the wordings of the 2018 edition and the three 2020 editions', () => {
    expect(new Set(published.map((p) => p.edition))).toEqual(new Set(['microsoft-2018-09-13', 'microsoft-2020-03-05', 'microsoft-2020-03-28', 'microsoft-2020-08-13']));
    expect(published.length).toBeGreaterThanOrEqual(30);
  });

  it.each(published.map((p) => [p.code, p.edition, p.text] as const))('%s (%s): %s', (code, _edition, text) => {
    const owners = kb.codes.filter((c) => c.messages.pl.includes(text)).map((c) => c.id);
    expect(owners).toContain(code);
    const result = identifier.identify(text);
    expect(owners).toContain(result.candidates[0]?.code.id);
    expect(result.candidates.filter((c) => c.confidence >= CONFIDENT && !owners.includes(c.code.id)).map((c) => c.code.id)).toEqual([]);
    expect(result.language).toBe('pl');
  });
});
