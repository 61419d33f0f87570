import { polishStem } from '../../../src/core/identify/polish-stem';
import { fold } from '../../../src/core/identify/text-fold';

const stem = (word: string): string => polishStem(fold(word));

describe('Polish stemmer (folded words)', () => {
  it.each([
    ['baza', 'bazy', 'bazie', 'bazach'],
    ['magazyn', 'magazynu', 'magazynie', 'magazynów'],
    ['usługa', 'usługi', 'usłudze', 'usługą'],
    ['serwer', 'serwera', 'serwerze', 'serwerów'],
    ['agent', 'agenta', 'agencie', 'agentem'],
    ['wirtualna', 'wirtualnej', 'wirtualnych', 'wirtualną'],
    ['udział', 'udziału', 'udziałów', 'udziałem'],
    ['tworzenie', 'tworzenia', 'tworzeniu'],
    ['moduł', 'moduły', 'modułów'],
    ['kontekst', 'kontekście'],
  ])('%s and its other forms share one stem', (first, ...others) => {
    for (const other of others) expect({ other, stem: stem(other) }).toEqual({ other, stem: stem(first) });
  });

  it.each([
    ['baza', 'bazar'],
    ['magazyn', 'magazynier'],
    ['dysk', 'dyskusja'],
    ['kopia', 'kopiec'],
  ])('tells %s from %s', (a, b) => {
    expect(stem(a)).not.toBe(stem(b));
  });

  it('keeps short words whole', () => {
    expect(stem('sql')).toBe('sql');
    expect(stem('kod')).toBe('kod');
    expect(stem('nie')).toBe('nie');
  });
});
