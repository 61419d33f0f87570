import type { Language } from '../knowledge/schema';
import { fold, MAX_INPUT_CHARS, tokenize, type Token } from './text-fold';

/**
 * Function words and domain words that mark a language. Words both languages use
 * (`a`, `i`, `to`, `do`, `no`, `on`, `co`, `backup`, `azure`, `vm`) are in neither list.
 */
const POLISH_WORDS: ReadonlySet<string> = new Set([
  'nie', 'sie', 'jest', 'sa', 'jak', 'czy', 'na', 'ze', 'z', 'w', 'dla', 'przez', 'oraz', 'lub', 'ale', 'juz', 'tego', 'tej',
  'mam', 'mamy', 'moja', 'moj', 'moje', 'mi', 'mnie', 'prosze', 'dzien', 'dobry', 'czesc', 'witam', 'pomocy', 'pomoz', 'dlaczego',
  'dziala', 'kod', 'kodu', 'blad', 'bledu', 'bledem', 'komunikat', 'kopii', 'kopia', 'kopie', 'zapasowej', 'zapasowa', 'maszyny',
  'maszynie', 'maszyna', 'wirtualnej', 'wirtualna', 'mozna', 'powiodla', 'powiodlo', 'powodu', 'ponow', 'agenta', 'agentem',
  'migawki', 'migawka', 'operacja', 'operacji', 'rozszerzenia', 'rozszerzenie', 'usluga', 'uslugi', 'gdy', 'po',
  'wystapil', 'wystepuje', 'zadanie', 'zadania', 'nieudane', 'udalo', 'tworzenie', 'zrobic', 'robic', 'jaki', 'jakie',
]);

const ENGLISH_WORDS: ReadonlySet<string> = new Set([
  'the', 'is', 'an', 'of', 'and', 'for', 'with', 'in', 'not', 'could', 'unable', 'failed', 'fails', 'failing', 'failure', 'error',
  'please', 'how', 'why', 'what', 'my', 'help', 'hello', 'hi', 'hey', 'it', 'this', 'that', 'can', 'does', 'was', 'are', 'due',
  'from', 'has', 'have', 'our', 'get', 'getting', 'got', 'keeps', 'again', 'because', 'machine', 'virtual', 'snapshot',
  'operation', 'communicate', 'agent', 'state', 'after', 'when', 'there', 'be', 'by', 'at', 'as', 'any', 'fix', 'issue',
]);

/** Letters only Polish uses (ó is shared with other languages but still counts). */
const POLISH_LETTERS = /[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]/g;

/**
 * Polish when Polish letters or Polish words outweigh English words; English otherwise
 * (also for a bare code, which has no language: the channel's locale decides then).
 */
export function detectLanguage(text: string): Language {
  const capped = text.length > MAX_INPUT_CHARS ? text.slice(0, MAX_INPUT_CHARS) : text;
  return detectLanguageOf(capped, tokenize(fold(capped)));
}

/** Words only one language's catalogue messages use (folded), so a pasted Polish message counts even without diacritics. */
export interface LanguageVocabulary {
  readonly pl: ReadonlySet<string>;
  readonly en: ReadonlySet<string>;
}

/** Endings of Polish inflection that English words do not have. */
const POLISH_ENDING = /(?:ych|ego|osci|ania|enia|anie|enie|owac|iem|owi|ami)$/;

/** The same, over text already folded and tokenised by the identifier. */
export function detectLanguageOf(original: string, tokens: readonly Token[], vocabulary?: LanguageVocabulary): Language {
  let polish = 0;
  let english = 0;
  for (const token of tokens) {
    const word = token.text;
    if (POLISH_WORDS.has(word) || vocabulary?.pl.has(word) === true) polish++;
    else if (ENGLISH_WORDS.has(word) || vocabulary?.en.has(word) === true) english++;
    else if (word.length >= 6 && POLISH_ENDING.test(word)) polish++;
  }
  const polishLetters = original.match(POLISH_LETTERS)?.length ?? 0;
  // A Polish letter is strong evidence, but cap it so one name in an English sentence does not flip it.
  polish += Math.min(polishLetters, 2 + Math.floor(tokens.length / 4)) * 2;
  return polish > english ? 'pl' : 'en';
}
