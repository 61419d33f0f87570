import type { CardButton } from '../../../core/views/card-actions';
import { type ActionsBlock, BlockKitLimits, type ButtonElement, truncate } from './block-kit';

/** Link buttons still send block_actions; this id lets the channel ack them and do nothing else. */
export const LinkActionId = 'link.open';

/**
 * A view's button as a Slack button: `action_id` is the verb, `value` the view's small
 * versioned payload as JSON (opaque ids only; the server reloads everything it names).
 * Slack wants action ids unique within a block, so a repeated verb gets a ":n" suffix.
 */
export function toSlackButton(button: CardButton, index = 0): ButtonElement {
  const style = button.style === 'positive' ? 'primary' : button.style === 'destructive' ? 'danger' : undefined;
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(button.title, BlockKitLimits.buttonTextChars), emoji: true },
    action_id: index === 0 ? button.verb : `${button.verb}:${index}`,
    value: JSON.stringify(button.data),
    ...(style ? { style } : {}),
  };
}

export function linkButton(title: string, url: string, index = 0): ButtonElement {
  return {
    type: 'button',
    text: { type: 'plain_text', text: truncate(title, BlockKitLimits.buttonTextChars), emoji: true },
    action_id: `${LinkActionId}:${index}`,
    url: url.slice(0, BlockKitLimits.urlChars),
  };
}

/** The verb a pressed button stands for (its action id without the ":n" suffix). */
export function verbOfActionId(actionId: string): string {
  return actionId.replace(/:\d+$/, '');
}

/**
 * Buttons as actions blocks of at most 25 elements each (Slack's limit), with unique action
 * ids across the whole message so a press is never ambiguous.
 */
export function actionsBlocks(buttons: readonly CardButton[], blockIdPrefix: string, seen = new Map<string, number>()): ActionsBlock[] {
  // Pass the same `seen` to several calls on one message to keep ids unique across their blocks.
  const elements = buttons.map((button) => {
    const count = seen.get(button.verb) ?? 0;
    seen.set(button.verb, count + 1);
    return toSlackButton(button, count);
  });
  const blocks: ActionsBlock[] = [];
  for (let i = 0; i < elements.length; i += BlockKitLimits.actionsElements) {
    blocks.push({ type: 'actions', block_id: `${blockIdPrefix}-${blocks.length}`, elements: elements.slice(i, i + BlockKitLimits.actionsElements) });
  }
  return blocks;
}
