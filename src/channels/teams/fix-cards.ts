import type { CardButton } from '../../core/views/card-actions';
import { type AdaptiveCardJson, type CardTemplates, renderCard } from './card-renderer';

/**
 * The fix cards (cards/fix-request.json, cards/fix-audit.json). Their templates live in the
 * card renderer's cache with every other card, so start-up's preloadCardTemplates() fails on
 * a broken fix template instead of a user's turn.
 */
type FixTemplateName = Extract<keyof CardTemplates, 'fix-request' | 'fix-audit'>;

/** Teams' limit on `refresh.userIds`. */
export const MAX_REFRESH_USERS = 60;

export function renderFixCard<K extends FixTemplateName>(name: K, view: CardTemplates[K], refresh?: { readonly button: CardButton; readonly userIds?: readonly string[] }): AdaptiveCardJson {
  const card = renderCard(name, view);
  if (!refresh) return card;
  // Universal Actions: each viewer's client asks for its own view (approvers get Approve / Reject).
  return {
    ...card,
    refresh: {
      // Same shape as every other button: a verb, and an Action.Submit fallback carrying the same data plus the verb.
      action: { type: 'Action.Execute', title: refresh.button.title, verb: refresh.button.verb, data: refresh.button.data, fallback: { type: 'Action.Submit', title: refresh.button.title, data: { ...refresh.button.data, verb: refresh.button.verb } } },
      // Teams refreshes automatically for at most 60 listed users; beyond that, viewers press Refresh.
      ...(refresh.userIds && refresh.userIds.length > 0 ? { userIds: refresh.userIds.slice(0, MAX_REFRESH_USERS) } : {}),
    },
  };
}
