import type { Template } from 'adaptivecards-templating';
import type { AdaptiveCardJson } from './card-renderer';

/**
 * TextBlock text and FactSet values are markdown, and Teams strips anything that looks like HTML:
 * a command such as `net stop <ServiceName>` would lose its placeholder, `/var/log/azure/*` could
 * turn italic, and a `[link](...)` inside an alert description or a resource name would become a
 * live link. Our cards carry knowledge-base, Azure and user text that must show exactly as
 * written, so every TextBlock becomes a RichTextBlock whose TextRun is plain text (same look:
 * size, weight, colour, subtle, monospace), and every FactSet becomes rows of plain runs.
 *
 * One exception: Teams' {{DATE()}} / {{TIME()}} formatting only works in a TextBlock. A block
 * keeps it only when everything outside those expressions is inert (letters, digits, spaces and
 * plain punctuation): bound text that smuggles markdown in beside a date loses the formatting,
 * never its plainness.
 */
const runStyle = ['size', 'weight', 'color', 'isSubtle', 'fontType'] as const;
const blockLayout = ['id', 'spacing', 'separator', 'horizontalAlignment', 'height', 'isVisible', 'targetWidth', 'fallback'] as const;
const dateOrTime = /\{\{(?:DATE|TIME)\([^(){}]*\)\}\}/g;
const inert = /^[\p{L}\p{N}\s.,:;·–\-/()'"!?%+=@°]*$/u;

/** True when a TextBlock may stay markdown: it formats a date or time and carries nothing else that markdown or HTML would act on. */
export function isSafeDateText(text: string): boolean {
  if (!/\{\{(DATE|TIME)\(/.test(text)) return false;
  return inert.test(text.replace(dateOrTime, ''));
}

function plainRun(text: string, style: Record<string, unknown>): Record<string, unknown> {
  const run: Record<string, unknown> = { type: 'TextRun', text };
  for (const key of runStyle) if (style[key] !== undefined) run[key] = style[key];
  return run;
}

function withLayout(block: Record<string, unknown>, from: Record<string, unknown>): Record<string, unknown> {
  for (const key of blockLayout) if (from[key] !== undefined) block[key] = from[key];
  return block;
}

function plainFacts(factSet: Record<string, unknown>): Record<string, unknown> {
  const facts = Array.isArray(factSet['facts']) ? (factSet['facts'] as { title?: unknown; value?: unknown }[]) : [];
  const rows = facts.map((fact) => ({
    type: 'ColumnSet',
    spacing: 'None',
    columns: [
      { type: 'Column', width: 'auto', items: [{ type: 'RichTextBlock', inlines: [plainRun(String(fact.title ?? ''), { weight: 'Bolder' })] }] },
      { type: 'Column', width: 'stretch', items: [{ type: 'RichTextBlock', inlines: [plainRun(String(fact.value ?? ''), {})] }] },
    ],
  }));
  return withLayout({ type: 'Container', items: rows }, factSet);
}

export function asPlainTextCard<T>(node: T): T {
  if (Array.isArray(node)) return node.map((child: unknown) => asPlainTextCard(child)) as T;
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (record['type'] === 'TextBlock' && typeof record['text'] === 'string' && !isSafeDateText(record['text'])) {
    return withLayout({ type: 'RichTextBlock', inlines: [plainRun(record['text'], record)] }, record) as T;
  }
  if (record['type'] === 'FactSet') return plainFacts(record) as T;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) out[key] = asPlainTextCard(child);
  return out as T;
}

/** The one way a template becomes a card: expand with the view as data, then make text plain. */
export function expandCard(template: Template, data: unknown): AdaptiveCardJson {
  return asPlainTextCard(template.expand({ $root: data }) as AdaptiveCardJson);
}
