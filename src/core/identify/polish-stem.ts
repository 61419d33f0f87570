/**
 * A small suffix-stripping stemmer for folded Polish (lower-case ASCII, diacritics removed),
 * so that one word in another case or number meets its catalogue form: `baza`/`bazy`/`bazie`,
 * `magazyn`/`magazynie`, `usluga`/`usludze`, `serwer`/`serwerze`, `agent`/`agencie`.
 *
 * No maintained Polish stemmer fits here: the registry's Snowball build for Polish is an
 * ES module for Node 22 that loads WebAssembly asynchronously, and this project is CommonJS on
 * Node 20 with a synchronous identify(). So the rules are few and documented:
 * 1. strip the longest inflectional ending from the list below, keeping a stem of three letters;
 * 2. undo the consonant alternation that the locative and dative cause at the stem's end
 *    (`dz`->`g`, `rz`->`r`, `c`->`t` after `n`, `sc`->`st`).
 * Vowel alternations inside the stem (`blad`/`bledu`) are not handled.
 */
const ENDINGS: readonly string[] = [
  'owaniami', 'owaniach', 'owaniem', 'owania', 'owanie', 'owaniu',
  'eniami', 'eniach', 'eniem', 'enia', 'enie', 'eniu', 'aniami', 'aniach', 'aniem', 'ania', 'anie', 'aniu',
  'osciami', 'osciach', 'osci', 'osc',
  'ami', 'ach', 'ych', 'ich', 'ymi', 'imi', 'ego', 'emu', 'owi', 'owy', 'owa', 'owe', 'owej', 'owych', 'owym',
  'iem', 'iom', 'om', 'ow', 'em', 'ej', 'ie', 'ym', 'im',
  'a', 'e', 'i', 'o', 'u', 'y',
].sort((a, b) => b.length - a.length);

const MIN_STEM = 3;

const ALTERNATIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/dz$/, 'g'],
  [/rz$/, 'r'],
  [/nc$/, 'nt'],
  [/sc$/, 'st'],
];

export function polishStem(word: string): string {
  let stem = word;
  for (const ending of ENDINGS) {
    if (word.length - ending.length >= MIN_STEM && word.endsWith(ending)) {
      stem = word.slice(0, word.length - ending.length);
      break;
    }
  }
  if (stem === word) return stem;
  for (const [pattern, replacement] of ALTERNATIONS) {
    if (pattern.test(stem)) return stem.replace(pattern, replacement);
  }
  return stem;
}
