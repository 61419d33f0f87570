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
 *
 * A session's card comes back frozen: it may share branches with other sessions' cards, and its
 * size is known (see cardByteSize). fitCard and anything else that changes a card works on a copy.
 */
export function renderCard<K extends CardTemplateName>(name: K, view: CardTemplates[K]): AdaptiveCardJson {
  // Template expansion is the costliest part of a turn, and most cards differ only by the
  // session's opaque id: expand once per distinct view with the id swapped for a placeholder,
  // then copy only the branches of the cached card that hold the id, sharing the rest.
  const sessionId = (view as { sessionId?: unknown }).sessionId;
  // Cards without a session (incidents, digests, help) are mostly one of a kind: expanded each time, never kept.
  if (typeof sessionId !== 'string' || sessionId.length < 8) return expandCard(template(name), withChannelButtons(view));
  const id = sessionId;
  const key = JSON.stringify(view).replaceAll(id, sessionPlaceholder);
  let byView = expandedCards.get(name);
  if (byView === undefined) {
    byView = new Map();
    expandedCards.set(name, byView);
  }
  let cached = byView.get(key);
  if (cached === undefined) {
    // Expanded from the key itself, so a cached card never depends on more than the key.
    cached = prepareExpanded(expandCard(template(name), withChannelButtons(JSON.parse(key) as unknown)));
    if (byView.size >= maxExpandedCardsPerTemplate) byView.delete(byView.keys().next().value as string);
    byView.set(key, cached);
  }
  if (cached.placeholders === 0) return cached.card;
  const card = withSessionId(cached.card, id, cached.holders) as AdaptiveCardJson;
  knownByteSizes.set(card, cached.bytes + cached.placeholders * (Buffer.byteLength(id, 'utf8') - placeholderBytes));
  return card;
}

/** Cannot occur in a session id (base64url) nor, in practice, in catalogue or Azure text. */
const sessionPlaceholder = '\u2063session\u2063';
const placeholderBytes = Buffer.byteLength(sessionPlaceholder, 'utf8');
const maxExpandedCardsPerTemplate = 200;

interface ExpandedCard {
  /** Deep-frozen; with the session id as the placeholder. */
  readonly card: AdaptiveCardJson;
  readonly bytes: number;
  /** How often the placeholder occurs in the card's JSON. */
  readonly placeholders: number;
  /** The objects and arrays with the placeholder somewhere below them: the only ones copied per session. */
  readonly holders: ReadonlySet<object>;
}

/** Per template, by the view's JSON with the session id as the placeholder. */
const expandedCards = new Map<string, Map<string, ExpandedCard>>();
/** Sizes of frozen cards, so fitting and sending do not serialise a card again just to measure it. */
const knownByteSizes = new WeakMap<object, number>();

function prepareExpanded(card: AdaptiveCardJson): ExpandedCard {
  const json = JSON.stringify(card);
  const holders = new Set<object>();
  markHolders(card, holders);
  deepFreeze(card);
  const bytes = Buffer.byteLength(json, 'utf8');
  const placeholders = json.split(sessionPlaceholder).length - 1;
  if (placeholders === 0) knownByteSizes.set(card, bytes);
  return { card, bytes, placeholders, holders };
}

function markHolders(node: unknown, holders: Set<object>): boolean {
  if (typeof node === 'string') return node.includes(sessionPlaceholder);
  if (node === null || typeof node !== 'object') return false;
  let holds = false;
  for (const child of Array.isArray(node) ? node : Object.values(node)) if (markHolders(child, holders)) holds = true;
  if (holds) holders.add(node);
  return holds;
}

function deepFreeze(node: unknown): void {
  if (node === null || typeof node !== 'object' || Object.isFrozen(node)) return;
  Object.freeze(node);
  for (const child of Array.isArray(node) ? node : Object.values(node)) deepFreeze(child);
}

function withSessionId(node: unknown, id: string, holders: ReadonlySet<object>): unknown {
  if (typeof node === 'string') return node.includes(sessionPlaceholder) ? node.replaceAll(sessionPlaceholder, id) : node;
  if (node === null || typeof node !== 'object' || !holders.has(node)) return node;
  if (Array.isArray(node)) return Object.freeze(node.map((child: unknown) => withSessionId(child, id, holders)));
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(node)) out[key] = withSessionId(child, id, holders);
  return Object.freeze(out);
}

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
  return knownByteSizes.get(card) ?? Buffer.byteLength(JSON.stringify(card), 'utf8');
}
