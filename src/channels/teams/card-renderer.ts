import { Template } from 'adaptivecards-templating';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CardButton } from '../../core/views/card-actions';
import type { ChooseCodeView, CodesView, HelpView, NoticeView, UnknownView, WelcomeView } from '../../core/views/conversation-views';
import type { IncidentCardData } from '../../core/incidents/incident-view';
import type { TroubleshootView } from '../../core/views/troubleshoot-view';
import type { FailedBackupsView, VaultStatusView } from '../../core/questions/question-views';
import type { AuditView, FixCardView } from '../../core/remediation/fix-view';
import type { SweepDigestView } from '../../core/sweep/sweep-digest-view';
import { expandCard } from './plain-text';

/** The JSON of an Adaptive Card as sent to Teams. */
export interface AdaptiveCardJson {
  readonly type: 'AdaptiveCard';
  readonly version: string;
  readonly [key: string]: unknown;
}

/** Each template in cards/ and the view model it binds. A new card adds a line here. */
export interface CardTemplates {
  troubleshoot: TroubleshootView;
  welcome: WelcomeView;
  help: HelpView;
  codes: CodesView;
  'unknown-code': UnknownView;
  'choose-code': ChooseCodeView;
  notice: NoticeView;
  incident: IncidentCardData;
  'failed-backups': FailedBackupsView;
  'vault-status': VaultStatusView;
  'fix-request': FixCardView;
  'fix-audit': AuditView;
  'sweep-digest': SweepDigestView;
}
export type CardTemplateName = keyof CardTemplates;
export const cardTemplateNames: readonly CardTemplateName[] = ['troubleshoot', 'welcome', 'help', 'codes', 'unknown-code', 'choose-code', 'notice', 'incident', 'failed-backups', 'vault-status', 'fix-request', 'fix-audit', 'sweep-digest'];

/** Teams' smallest path (Workflows) takes about 28 KB; every card stays under it. */
export const maxCardBytes = 28 * 1024;

const templates = new Map<string, Template>();
let cardsDir: string | undefined;

/** The repository's cards/ folder, found from here so it works from src/ (tsx, jest) and dist/src/. */
export function cardsDirectory(): string {
  if (cardsDir) return cardsDir;
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    const candidate = join(dir, 'cards');
    if (existsSync(join(candidate, 'troubleshoot.json'))) {
      cardsDir = candidate;
      return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error(`cards/ folder not found above ${__dirname}`);
}

function template(name: string): Template {
  let cached = templates.get(name);
  if (!cached) {
    const json: unknown = JSON.parse(readFileSync(join(cardsDirectory(), `${name}.json`), 'utf8'));
    cached = new Template(json);
    templates.set(name, cached);
  }
  return cached;
}

/** Loads every template once (at start-up, so a broken template fails start-up, not a user's turn). */
export function preloadCardTemplates(): void {
  for (const name of cardTemplateNames) template(name);
}

/**
 * Expands a template with its view model. The view is bound as data: text from users and
 * from Azure is never parsed as a template expression (a `${x}` in it stays literal).
 */
export function renderCard<K extends CardTemplateName>(name: K, view: CardTemplates[K]): AdaptiveCardJson {
  const data = withChannelButtons(view);
  // Template expansion is the costliest part of a turn, and most cards differ only by the
  // session's opaque id: expand once per distinct view with the id swapped for a placeholder,
  // then put the id back into a copy of the cached card.
  const sessionId = (view as { sessionId?: unknown }).sessionId;
  if (typeof sessionId !== 'string' || sessionId.length < 8) return expandCard(template(name), data);
  const key = `${name}\u0000${JSON.stringify(data).split(sessionId).join(sessionPlaceholder)}`;
  let cached = expandedCards.get(key);
  if (cached === undefined) {
    cached = JSON.stringify(expandCard(template(name), JSON.parse(key.slice(name.length + 1)) as unknown));
    if (expandedCards.size >= maxExpandedCards) expandedCards.delete(expandedCards.keys().next().value as string);
    expandedCards.set(key, cached);
  }
  return JSON.parse(cached.split(sessionPlaceholder).join(sessionId)) as AdaptiveCardJson;
}

/** Cannot occur in a session id (base64url) nor, in practice, in catalogue or Azure text. */
const sessionPlaceholder = '\u2063session\u2063';
const maxExpandedCards = 500;
const expandedCards = new Map<string, string>();

export interface TeamsButton extends Omit<CardButton, 'style'> {
  readonly style: 'default' | 'positive' | 'destructive';
  /** Action.Submit fallback data: the same payload plus the verb (old clients send data only). */
  readonly submitData: Readonly<Record<string, string | number | boolean>>;
}

export function toTeamsButton(button: CardButton): TeamsButton {
  return { ...button, style: button.style ?? 'default', submitData: { ...button.data, verb: button.verb } };
}

/** Gives every `actions` / `causeActions` list the fields the Teams templates need (style, submit fallback data). */
function withChannelButtons(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withChannelButtons);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = (key === 'actions' || key === 'causeActions') && Array.isArray(child) ? (child as CardButton[]).map(toTeamsButton) : withChannelButtons(child);
  }
  return out;
}

export function cardByteSize(card: AdaptiveCardJson): number {
  return Buffer.byteLength(JSON.stringify(card), 'utf8');
}
