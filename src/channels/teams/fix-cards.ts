import { Template } from 'adaptivecards-templating';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditView, FixCardView } from '../../core/remediation/fix-view';
import type { CardButton } from '../../core/views/card-actions';
import { type AdaptiveCardJson, cardsDirectory, toTeamsButton } from './card-renderer';
import { expandCard } from './plain-text';

/** The fix cards' templates (cards/fix-*.json), expanded like every other card: views bound as data. */
interface FixTemplates {
  'fix-request': FixCardView;
  'fix-audit': AuditView;
}

const cache = new Map<string, Template>();

/** Teams' limit on `refresh.userIds`. */
export const MAX_REFRESH_USERS = 60;

function template(name: keyof FixTemplates): Template {
  let t = cache.get(name);
  if (!t) {
    t = new Template(JSON.parse(readFileSync(join(cardsDirectory(), `${name}.json`), 'utf8')) as unknown);
    cache.set(name, t);
  }
  return t;
}

export function renderFixCard<K extends keyof FixTemplates>(name: K, view: FixTemplates[K], refresh?: { readonly button: CardButton; readonly userIds?: readonly string[] }): AdaptiveCardJson {
  const data = 'actions' in view ? { ...view, actions: (view.actions as readonly CardButton[]).map(toTeamsButton) } : view;
  const card = expandCard(template(name), data);
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
