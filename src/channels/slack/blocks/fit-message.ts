import { BlockKitLimits, type SlackBlock, type SlackMessage, ellipsis, escapeMrkdwn, link, section, truncate } from './block-kit';

export interface FitOptions {
  /** Where the full text lives (the cause's documentation page); the cut text links to it. */
  readonly moreUrl?: string;
  /** The link's label, in the message's language ("Read more" / "Więcej"). */
  readonly moreLabel: string;
}

const minSectionChars = 200;

/**
 * Makes a message fit Block Kit's limits without losing its buttons: section texts over
 * 3,000 characters are cut with "…" and a link to the full text; over 50 blocks, the
 * middle is dropped (the header and every actions block stay) and a "…" line says so; over
 * the total budget, the longest sections are cut first, then trailing text blocks dropped.
 */
export function fitMessage(message: SlackMessage, options: FitOptions): SlackMessage {
  return { text: notificationText(message.text), blocks: fitBlocks(message.blocks, options) };
}

/** The blocks part of `fitMessage`: what the messenger's last check applies to a message already rendered (its text escaped). */
export function fitBlocks(message: readonly SlackBlock[], options: FitOptions): SlackBlock[] {
  const more = options.moreUrl ? ` ${link(options.moreUrl, options.moreLabel)}` : '';
  const cut = (text: string, max: number): string => (text.length <= max ? text : `${truncate(text, Math.max(1, max - more.length - 1))}${more}`);

  let blocks: SlackBlock[] = message.map((block) => {
    if (block.type === 'section') return { ...block, text: { ...block.text, text: cut(block.text.text, BlockKitLimits.sectionTextChars) } };
    if (block.type === 'context') return { ...block, elements: block.elements.slice(0, BlockKitLimits.contextElements).map((e) => ({ ...e, text: cut(e.text, BlockKitLimits.sectionTextChars) })) };
    return block;
  });

  const note = section(`${ellipsis}${more}`);
  if (blocks.length > BlockKitLimits.blocksPerMessage) blocks = dropMiddle(blocks, BlockKitLimits.blocksPerMessage, note);

  for (let guard = 0; guard < 200 && blockChars(blocks) > BlockKitLimits.totalBlockChars; guard += 1) {
    const excess = blockChars(blocks) - BlockKitLimits.totalBlockChars;
    const longest = longestSection(blocks);
    if (longest !== undefined && longest.length > minSectionChars) {
      const target = Math.max(minSectionChars, longest.length - excess - 20);
      blocks = blocks.map((b, i) => (i === longest.index && b.type === 'section' ? { ...b, text: { ...b.text, text: cut(b.text.text, target) } } : b));
      continue;
    }
    const removable = lastRemovable(blocks, note);
    if (removable === undefined) break;
    blocks = blocks.filter((_, i) => i !== removable);
    if (!blocks.includes(note)) blocks.splice(Math.min(removable, blocks.length), 0, note);
  }
  return blocks;
}

/**
 * The top-level text (notifications, screen readers) is mrkdwn too: escaped like every block,
 * so a name from an alert or a user can never become a real mention (<!channel>) or a link.
 * Every renderer passes it raw and it is escaped here, once.
 */
function notificationText(raw: string): string {
  const escaped = escapeMrkdwn(truncate(raw, BlockKitLimits.messageTextChars));
  // Escaping can lengthen it (& becomes &amp;): cut the raw text shorter by the worst case.
  return escaped.length <= BlockKitLimits.messageTextChars ? escaped : escapeMrkdwn(truncate(raw, Math.floor(BlockKitLimits.messageTextChars / 5)));
}

/** The characters Slack counts against a message: its blocks as JSON. */
export function blockChars(blocks: readonly SlackBlock[]): number {
  return JSON.stringify(blocks).length;
}

function isEssential(block: SlackBlock): boolean {
  return block.type === 'header' || block.type === 'actions';
}

function dropMiddle(blocks: readonly SlackBlock[], max: number, note: SlackBlock): SlackBlock[] {
  const essential = blocks.filter(isEssential).length;
  let room = max - essential - 1;
  const kept: SlackBlock[] = [];
  let noted = false;
  for (const block of blocks) {
    if (isEssential(block)) kept.push(block);
    else if (room > 0) {
      kept.push(block);
      room -= 1;
    } else if (!noted) {
      kept.push(note);
      noted = true;
    }
  }
  return kept.slice(0, max);
}

function longestSection(blocks: readonly SlackBlock[]): { index: number; length: number } | undefined {
  let best: { index: number; length: number } | undefined;
  blocks.forEach((block, index) => {
    if (block.type === 'section' && (best === undefined || block.text.text.length > best.length)) best = { index, length: block.text.text.length };
  });
  return best;
}

/** The last block that may go; the first goes last of all (a context full of escaped control characters can be the whole excess). */
function lastRemovable(blocks: readonly SlackBlock[], note: SlackBlock): number | undefined {
  for (let i = blocks.length - 1; i >= 0; i -= 1) {
    const block = blocks[i];
    if (block !== undefined && block !== note && !isEssential(block)) return i;
  }
  return undefined;
}
