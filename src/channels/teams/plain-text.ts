import type { Template } from 'adaptivecards-templating';
import type { AdaptiveCardJson } from './card-renderer';

/**
 * TextBlock text is markdown, and Teams strips anything that looks like HTML: a command such as
 * `net stop <ServiceName>` would lose its placeholder, `/var/log/azure/*` could turn italic, and
 * a `[link](...)` inside an alert description would become a live link. Our cards carry
 * knowledge-base, Azure and user text that must show exactly as written, so every TextBlock is
 * turned into a RichTextBlock whose TextRun is plain text (same look: size, weight, colour,
 * subtle, monospace).
 *
 * Kept as TextBlock: text that uses Teams' {{DATE()}} / {{TIME()}} formatting, which only
 * TextBlock understands; such blocks hold a timestamp the bot wrote, nothing else.
 */
const runStyle = ['size', 'weight', 'color', 'isSubtle', 'fontType'] as const;
const blockLayout = ['id', 'spacing', 'separator', 'horizontalAlignment', 'height', 'isVisible', 'targetWidth', 'fallback'] as const;

export function asPlainTextCard<T>(node: T): T {
  if (Array.isArray(node)) return node.map((child: unknown) => asPlainTextCard(child)) as T;
  if (node === null || typeof node !== 'object') return node;
  const record = node as Record<string, unknown>;
  if (record['type'] === 'TextBlock' && typeof record['text'] === 'string' && !/\{\{(DATE|TIME)\(/.test(record['text'])) {
    const run: Record<string, unknown> = { type: 'TextRun', text: record['text'] };
    for (const key of runStyle) if (record[key] !== undefined) run[key] = record[key];
    const block: Record<string, unknown> = { type: 'RichTextBlock', inlines: [run] };
    for (const key of blockLayout) if (record[key] !== undefined) block[key] = record[key];
    return block as T;
  }
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(record)) out[key] = asPlainTextCard(child);
  return out as T;
}

/** The one way a template becomes a card: expand with the view as data, then make text plain. */
export function expandCard(template: Template, data: unknown): AdaptiveCardJson {
  return asPlainTextCard(template.expand({ $root: data }) as AdaptiveCardJson);
}
