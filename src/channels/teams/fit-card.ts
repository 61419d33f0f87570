import { type AdaptiveCardJson, cardByteSize, maxCardBytes } from './card-renderer';

/**
 * Every card the bot sends is fitted to Teams' size limit here, at the door (replies, updates,
 * proactive posts, invoke answers): an incident with an 8,000-character description and long
 * resource names must still reach the channel, shortened, rather than be refused with 413.
 */
export interface FitCardOptions {
  /** Default: maxCardBytes (the smallest Teams path takes about 28 KB). */
  readonly maxBytes?: number;
  /** Where the whole text can be read; linked under the card when something was cut. */
  readonly more?: { readonly url: string; readonly label: string };
}

export const ellipsis = '…';

/** Texts are not cut below this (a line still says what it is about); beyond it, trailing rows go. */
const minTextChars = 40;

/** A cut text ends in "…" and never splits a surrogate pair (an emoji, a rare letter). */
export function cutText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  let head = text.slice(0, Math.max(0, maxChars - 1));
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return `${head}${ellipsis}`;
}

/** Teams' date and time expressions: a cut inside one would show the broken template to the reader. */
const dateOrTimeExpression = /\{\{(?:DATE|TIME)\([^{}]*?\)\}\}/g;

/** As cutText, but a cut that would fall inside a {{DATE()}} / {{TIME()}} expression moves to before it. */
function cutOutsideExpressions(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const end = Math.max(0, maxChars - 1);
  for (const match of text.matchAll(dateOrTimeExpression)) {
    const start = match.index;
    if (start < end && end < start + match[0].length) return cutText(text, start + 1);
  }
  return cutText(text, maxChars);
}

interface TextSlot {
  readonly holder: Record<string, unknown>;
  readonly key: string;
  readonly original: string;
  /** The text formats dates or times: it is cut only between expressions. */
  readonly expressions: boolean;
}

type JsonRecord = Record<string, unknown>;

function isRecord(value: unknown): value is JsonRecord {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The texts a reader sees and that may be shortened: TextRun and TextBlock text, fact titles and
 * values, button titles. Never ids, verbs, urls or button data (a press must still work). A
 * TextBlock with Teams' {{DATE()}} / {{TIME()}} is cut only outside its expressions: left whole,
 * a long one (bound text beside a date) would keep the card over the limit for good.
 */
function textSlots(node: unknown, inFacts: boolean, slots: TextSlot[]): void {
  if (Array.isArray(node)) {
    for (const child of node) textSlots(child, inFacts, slots);
    return;
  }
  if (!isRecord(node)) return;
  const type = typeof node['type'] === 'string' ? node['type'] : '';
  const keys = inFacts ? ['title', 'value'] : type === 'TextRun' ? ['text'] : type === 'TextBlock' ? ['text'] : type.startsWith('Action.') ? ['title'] : [];
  for (const key of keys) {
    const value = node[key];
    if (typeof value !== 'string') continue;
    slots.push({ holder: node, key, original: value, expressions: type === 'TextBlock' && /\{\{(?:DATE|TIME)\(/.test(value) });
  }
  for (const [key, child] of Object.entries(node)) {
    if (key === 'data') continue;
    textSlots(child, key === 'facts', slots);
  }
}

function applyCap(slots: readonly TextSlot[], cap: number): void {
  for (const slot of slots) slot.holder[slot.key] = slot.expressions ? cutOutsideExpressions(slot.original, cap) : cutText(slot.original, cap);
}

/** The list of rows that can lose its last entry: the longest body or container list. */
function longestDroppable(node: unknown, best: { list: unknown[] } | undefined = undefined): { list: unknown[] } | undefined {
  if (Array.isArray(node)) {
    for (const child of node) best = longestDroppable(child, best);
    return best;
  }
  if (!isRecord(node)) return best;
  for (const [key, child] of Object.entries(node)) {
    if ((key === 'body' || key === 'items') && Array.isArray(child) && child.length > 1 && (best === undefined || child.length >= best.list.length)) best = { list: child };
    best = longestDroppable(child, best);
  }
  return best;
}

/**
 * The card, at most `maxBytes` of JSON. Unchanged when it fits. Otherwise the longest texts are
 * cut first, all to one common length (short ones stay whole), each ending in "…", and a link to
 * the whole text is added when one is given. Should that not be enough, the last rows of the
 * longest lists give way to a "…" row. Buttons and their data are never touched.
 */
export function fitCard(card: AdaptiveCardJson, options: FitCardOptions = {}): AdaptiveCardJson {
  const maxBytes = options.maxBytes ?? maxCardBytes;
  if (cardByteSize(card) <= maxBytes) return card;
  const fitted = JSON.parse(JSON.stringify(card)) as AdaptiveCardJson & { body?: unknown[] };
  const slots: TextSlot[] = [];
  textSlots(fitted, false, slots);
  if (options.more && Array.isArray(fitted.body)) {
    fitted.body.push({ type: 'ActionSet', actions: [{ type: 'Action.OpenUrl', title: options.more.label, url: options.more.url }] });
  }
  const fits = () => cardByteSize(fitted) <= maxBytes;

  // The largest common cap that fits: binary search between the shortest allowed cut and the longest text.
  const longest = Math.max(0, ...slots.map((s) => s.original.length));
  let low = minTextChars;
  let high = longest;
  let best: number | undefined;
  while (low <= high) {
    const cap = Math.floor((low + high) / 2);
    applyCap(slots, cap);
    if (fits()) {
      best = cap;
      low = cap + 1;
    } else {
      high = cap - 1;
    }
  }
  applyCap(slots, best ?? minTextChars);
  if (best !== undefined) return fitted;

  const marker = { type: 'TextBlock', text: ellipsis, isSubtle: true, wrap: true };
  for (let guard = 0; guard < 10_000 && !fits(); guard += 1) {
    const target = longestDroppable(fitted.body);
    if (!target) break;
    const { list } = target;
    if (list.at(-1) === marker) list.splice(list.length - 2, 1);
    else list[list.length - 1] = marker;
  }
  return fitted;
}

/** A budget half the size of what was refused, never below what a heading and its buttons need. */
const minBudgetBytes = 4 * 1024;

/** The HTTP status of a failed connector call (RestError and its wrappers). */
export function httpStatusOf(error: unknown): number | undefined {
  const e = error as { statusCode?: unknown; status?: unknown; response?: { status?: unknown } } | undefined;
  const status = e?.statusCode ?? e?.status ?? e?.response?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Sends a card fitted to the limit; when the channel still answers 413 (a stricter path, or an
 * envelope larger than we counted), fits it to half that size and sends again, down to a floor.
 * A card too large is shortened, never dropped.
 */
export async function sendFitted<T>(card: AdaptiveCardJson, send: (fitted: AdaptiveCardJson) => Promise<T>, options: FitCardOptions = {}): Promise<T> {
  let budget = options.maxBytes ?? maxCardBytes;
  let fitted = fitCard(card, { ...options, maxBytes: budget });
  for (;;) {
    try {
      return await send(fitted);
    } catch (error) {
      if (httpStatusOf(error) !== 413) throw error;
      const refusedBytes = cardByteSize(fitted);
      budget = Math.max(minBudgetBytes, Math.floor(Math.min(budget, refusedBytes) / 2));
      fitted = fitCard(card, { ...options, maxBytes: budget });
      // Nothing left to cut (buttons and their data stay whole): the caller retries later.
      if (cardByteSize(fitted) >= refusedBytes) throw error;
    }
  }
}
