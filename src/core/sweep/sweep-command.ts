import type { Language } from '../knowledge/schema';
import { trimTrailing } from '../trim-trailing';

const english = /^(?:(?:vms?\s+)?at[\s-]risk|(?:fleet\s+)?health|health\s+sweep)$/;
const polish = /^(?:zagro[zż]one(?:\s+maszyny)?|kondycja(?:\s+floty)?)$/;

/**
 * The sweep's chat command: `at risk` / `health`, in Polish `zagrożone` / `kondycja` (with or
 * without the diacritic, a trailing "?" or "!"). Returns the language it was written in.
 */
export function parseSweepCommand(text: string): Language | undefined {
  const folded = trimTrailing(text.trim().toLowerCase(), '?!.').replace(/\s+/g, ' ');
  if (english.test(folded)) return 'en';
  if (polish.test(folded)) return 'pl';
  return undefined;
}
