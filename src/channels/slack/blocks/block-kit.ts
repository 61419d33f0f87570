/**
 * The slice of Block Kit the bot sends, typed narrowly so every message is checked by the
 * compiler against what we render (and stays assignable to @slack/types' KnownBlock), plus
 * the text helpers every renderer shares. Limits are Slack's documented ones.
 */

export interface PlainText {
  readonly type: 'plain_text';
  readonly text: string;
  readonly emoji?: boolean;
}

export interface Mrkdwn {
  readonly type: 'mrkdwn';
  readonly text: string;
}

export interface ButtonElement {
  readonly type: 'button';
  readonly text: PlainText;
  readonly action_id: string;
  readonly value?: string;
  readonly url?: string;
  readonly style?: 'primary' | 'danger';
}

export interface HeaderBlock {
  readonly type: 'header';
  readonly block_id?: string;
  readonly text: PlainText;
}

export interface SectionBlock {
  readonly type: 'section';
  readonly block_id?: string;
  readonly text: Mrkdwn;
}

export interface ContextBlock {
  readonly type: 'context';
  readonly block_id?: string;
  readonly elements: Mrkdwn[];
}

export interface DividerBlock {
  readonly type: 'divider';
  readonly block_id?: string;
}

export interface ActionsBlock {
  readonly type: 'actions';
  readonly block_id?: string;
  readonly elements: ButtonElement[];
}

export type SlackBlock = HeaderBlock | SectionBlock | ContextBlock | DividerBlock | ActionsBlock;

/** One rendered message: `text` is the notification / fallback line, `blocks` what Slack shows. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly SlackBlock[];
}

export const BlockKitLimits = {
  blocksPerMessage: 50,
  sectionTextChars: 3000,
  headerTextChars: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonTextChars: 75,
  buttonValueChars: 2000,
  actionIdChars: 255,
  urlChars: 3000,
  messageTextChars: 40000,
  /** Slack answers msg_blocks_too_long around 13 k characters of blocks; we stay well under it. */
  totalBlockChars: 12000,
} as const;

export const ellipsis = '…';

/** mrkdwn needs only &, < and > escaped; everything else is shown as typed. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Verbatim text (a command, a path, a setting) in code formatting. A backtick inside would
 * end inline code early, so such text goes into a code block instead.
 */
export function code(text: string): string {
  const escaped = escapeMrkdwn(text);
  return text.includes('`') ? `\`\`\`${escaped.replace(/```/g, '`\u200b``')}\`\`\`` : `\`${escaped}\``;
}

export function bold(text: string): string {
  return `*${escapeMrkdwn(text)}*`;
}

/** A link in mrkdwn; the label is escaped, `|` and `>` would end the link early. */
export function link(url: string, label: string): string {
  return `<${url.replace(/[<>|\s]/g, encodeURIComponent)}|${escapeMrkdwn(label).replace(/\|/g, '¦')}>`;
}

/** Cuts `text` to `max` characters, ending with "…"; never splits an escape (&amp;) or a surrogate pair. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= ellipsis.length) return ellipsis.slice(0, Math.max(0, max));
  let cut = text.slice(0, max - ellipsis.length);
  const amp = cut.lastIndexOf('&');
  if (amp >= 0 && !cut.slice(amp).includes(';') && cut.length - amp < 6) cut = cut.slice(0, amp);
  // An unterminated link or inline code would swallow the rest of the block's formatting.
  const open = cut.lastIndexOf('<');
  if (open > cut.lastIndexOf('>')) cut = cut.slice(0, open);
  if ((cut.match(/```/g) ?? []).length % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('```'));
  else if ((cut.replace(/```/g, '').match(/`/g) ?? []).length % 2 === 1) cut = cut.slice(0, cut.lastIndexOf('`'));
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut.trimEnd()}${ellipsis}`;
}

export function header(text: string): HeaderBlock {
  return { type: 'header', text: { type: 'plain_text', text: truncate(text, BlockKitLimits.headerTextChars), emoji: true } };
}

export function section(text: string): SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

export function context(...texts: string[]): ContextBlock {
  return { type: 'context', elements: texts.slice(0, BlockKitLimits.contextElements).map((text) => ({ type: 'mrkdwn', text })) };
}

export const divider: DividerBlock = { type: 'divider' };
