import * as AC from 'adaptivecards';
import { cardByteSize, maxCardBytes, type AdaptiveCardJson } from '../../src/channels/teams/card-renderer';

export interface CardProblems {
  readonly parse: string[];
  readonly validation: string[];
  readonly unresolved: string[];
  readonly actions: string[];
  readonly bytes: number;
}

/**
 * Checks a rendered card the way a client would: parsed by the adaptivecards library
 * (parse events and property validation), no template expression left unexpanded (a `${`
 * is allowed only where the bound data itself contained it), every Action.Execute with a
 * verb and an Action.Submit fallback carrying the same data plus the verb, and the size.
 */
export function checkCard(card: AdaptiveCardJson, boundData: unknown): CardProblems {
  const context = new AC.SerializationContext();
  const parsed = new AC.AdaptiveCard();
  parsed.parse(card, context);
  const parse = Array.from({ length: context.eventCount }, (_, i) => context.getEventAt(i)).map((e) => `${e.phase}/${e.event}: ${e.message}`);
  const results = parsed.validateProperties();
  const validation = results.validationEvents.map((e) => `${e.phase}/${e.event}: ${e.message}`);

  const dataStrings = new Set<string>();
  collectStrings(boundData, (s) => dataStrings.add(s));
  const unresolved: string[] = [];
  collectStrings(card, (s) => {
    if (s.includes('${') && ![...dataStrings].some((d) => d.includes('${') && s.includes(d))) unresolved.push(s);
  });

  const actions: string[] = [];
  walk(card, (node) => {
    if (node['type'] !== 'Action.Execute') return;
    const verb = node['verb'];
    const fallback = node['fallback'] as Record<string, unknown> | undefined;
    if (typeof verb !== 'string' || verb.length === 0) actions.push(`Action.Execute "${String(node['title'])}" has no verb`);
    if (!fallback || fallback['type'] !== 'Action.Submit') actions.push(`Action.Execute "${String(node['title'])}" has no Action.Submit fallback`);
    else {
      const data = fallback['data'] as Record<string, unknown> | undefined;
      if (!data || data['verb'] !== verb) actions.push(`fallback of "${String(node['title'])}" does not carry the verb`);
      const { verb: _v, ...rest } = data ?? {};
      if (JSON.stringify(rest) !== JSON.stringify(node['data'])) actions.push(`fallback of "${String(node['title'])}" carries different data`);
    }
  });
  return { parse, validation, unresolved, actions, bytes: cardByteSize(card) };
}

export { maxCardBytes };

function collectStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((v) => collectStrings(v, visit));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => collectStrings(v, visit));
}

function walk(value: unknown, visit: (node: Record<string, unknown>) => void): void {
  if (Array.isArray(value)) value.forEach((v) => walk(v, visit));
  else if (value && typeof value === 'object') {
    visit(value as Record<string, unknown>);
    Object.values(value).forEach((v) => walk(v, visit));
  }
}
