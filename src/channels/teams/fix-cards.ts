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
      action: { type: 'Action.Execute', title: 'Refresh', verb: refresh.button.verb, data: refresh.button.data },
      ...(refresh.userIds && refresh.userIds.length > 0 ? { userIds: refresh.userIds.slice(0, 60) } : {}),
    },
  };
}
