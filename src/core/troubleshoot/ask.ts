import { CONFIDENT, type Identifier, MAX_INPUT_CHARS, detectLanguage } from '../identify';
import type { Language } from '../knowledge/schema';
import { trimTrailing } from '../trim-trailing';

/** What a person's message asks for, decided without any channel types. */
export type AskOutcome =
  | { readonly kind: 'help'; readonly language: Language }
  | { readonly kind: 'codes'; readonly language: Language }
  | { readonly kind: 'troubleshoot'; readonly language: Language; readonly codeId: string }
  | { readonly kind: 'choose'; readonly language: Language; readonly codeIds: readonly string[] }
  | { readonly kind: 'unknown'; readonly language: Language; readonly closestCodeIds: readonly string[] };

const helpWords = new Set(['help', 'pomoc', '?', 'start', 'hi', 'hello', 'cześć', 'czesc']);
const codesWords = new Set(['codes', 'kody', 'list', 'lista', 'list codes', 'lista kodów', 'lista kodow']);

/** Polish when the text is Polish or the client's locale is pl-*; otherwise English. */
export function chooseLanguage(textLanguage: Language, locale: string | undefined): Language {
  if (textLanguage === 'pl') return 'pl';
  return locale?.toLowerCase().startsWith('pl') ? 'pl' : 'en';
}

/** The language for text that identification does not look at (commands, button presses). */
/** Commands whose first word is Polish: answered in Polish whatever the client's locale (Slack sends none). */
const polishCommandWords: ReadonlySet<string> = new Set(['pomoc', 'kody', 'subskrybuj', 'subskrypcje', 'wypisz', 'odsubskrybuj']);

export function languageOf(text: string, locale: string | undefined): Language {
  const trimmed = text.trim().toLowerCase();
  if (polishCommandWords.has(trimmed.split(/\s+/)[0] ?? '') || trimmed.startsWith('lista')) return 'pl';
  return chooseLanguage(trimmed.length > 0 ? detectLanguage(text) : 'en', locale);
}

/**
 * The part of a message the bot reads: the first 64 KiB. A longer paste (a whole log) is read
 * only that far, so one message can never hold the process for long; `cut` says it was shortened,
 * so an answer that found nothing can say where it stopped reading.
 */
export function readablePart(text: string): { readonly text: string; readonly cut: boolean } {
  return text.length > MAX_INPUT_CHARS ? { text: text.slice(0, MAX_INPUT_CHARS), cut: true } : { text, cut: false };
}

export function normalizeCommandText(text: string): string {
  return trimTrailing(text.trim().replace(/^[/!]/, ''), '.!?')
    .trim()
    .toLowerCase();
}

/**
 * Turns a message into an outcome: the help and codes commands, else identification.
 * One confident candidate -> troubleshoot; several -> choose; none -> unknown with the
 * closest codes.
 */
export function ask(text: string, locale: string | undefined, identifier: Identifier): AskOutcome {
  const command = normalizeCommandText(text);
  if (command.length === 0 || helpWords.has(command)) return { kind: 'help', language: languageOf(command === 'pomoc' ? 'pomoc' : text, locale) };
  if (codesWords.has(command)) return { kind: 'codes', language: command.startsWith('kod') || command.startsWith('lista') ? 'pl' : chooseLanguage('en', locale) };

  const identification = identifier.identify(text);
  const language = chooseLanguage(identification.language, locale);
  const confident = identification.candidates.filter((c) => c.confidence >= CONFIDENT);
  if (confident.length === 1) return { kind: 'troubleshoot', language, codeId: (confident[0] as (typeof confident)[number]).code.id };
  if (confident.length > 1) return { kind: 'choose', language, codeIds: confident.map((c) => c.code.id) };
  const closest = identification.candidates.length > 0 ? identification.candidates.map((c) => c.code.id) : identifier.closest(text, 3).map((c) => c.id);
  return { kind: 'unknown', language, closestCodeIds: closest.slice(0, 3) };
}
