import { MAX_INPUT_CHARS } from '../identify';
import type { Language, Workload } from '../knowledge/schema';
import { type CardButton, PayloadVersion, Verbs } from './card-actions';
import { knowledgeWorkloadLabel, workloadOrder } from '../knowledge/workloads';
import type { KnowledgeLookup } from './knowledge-lookup';
import { safeFindCode } from './knowledge-lookup';
import { startButton } from './troubleshoot-view';
import { t } from './ui-text';

/** View models for the conversation's fixed cards: welcome, help, codes, unknown, choose-code, notices. */

export interface WelcomeView {
  readonly title: string;
  readonly text: string;
  readonly channelHint: string;
  readonly actions: readonly CardButton[];
}

export interface HelpView {
  readonly title: string;
  readonly intro: string;
  /** Error codes and messages to paste (every channel answers these). */
  readonly examples: readonly string[];
  /** Teams commands beyond codes: questions about real resources, alert subscriptions, the fix audit. */
  readonly groups: readonly HelpGroupView[];
  readonly commands: string;
  readonly actions: readonly CardButton[];
}

export interface HelpGroupView {
  readonly title: string;
  readonly text: string;
  readonly examples: readonly string[];
}

export interface CodesView {
  readonly title: string;
  readonly intro: string;
  /** One group per workload (Azure VM, SQL Server, ...): `area` is the group's heading, kept under this name for the card templates. */
  readonly areas: readonly { readonly area: string; readonly codes: string }[];
  readonly actions: readonly CardButton[];
}

export interface UnknownView {
  readonly title: string;
  readonly text: string;
  readonly closestLabel: string;
  readonly hasClosest: boolean;
  readonly examplesLabel: string;
  readonly examples: readonly string[];
  readonly actions: readonly CardButton[];
}

export interface ChooseCodeView {
  readonly title: string;
  readonly text: string;
  readonly options: readonly { readonly codeId: string; readonly message: string }[];
  readonly actions: readonly CardButton[];
}

/** A short card that replaces a card whose button can no longer do anything. */
export interface NoticeView {
  readonly title: string;
  readonly text: string;
  readonly actions: readonly CardButton[];
}

const examples: Record<Language, readonly string[]> = {
  en: [
    'UserErrorGuestAgentStatusUnavailable',
    'Could not communicate with the VM agent for snapshot status',
    'aka.ms/AB-ExtensionSnapshotFailedNoNetwork',
    '{"errorCode": "UserErrorRpCollectionLimitReached", "errorMessage": "..."}',
  ],
  pl: [
    'UserErrorGuestAgentStatusUnavailable',
    'Nie można nawiązać komunikacji z agentem maszyny wirtualnej w celu uzyskania stanu migawki',
    'aka.ms/AB-ExtensionSnapshotFailedNoNetwork',
    '{"errorCode": "UserErrorRpCollectionLimitReached", "errorMessage": "..."}',
  ],
};

/** What else to ask, in the words the command parsers understand (a unit test feeds each example to its parser). */
export const helpGroups: Record<Language, readonly HelpGroupView[]> = {
  en: [
    {
      title: 'Questions about your backups',
      text: 'I look in the watched Recovery Services vaults and open the troubleshooting card for the failed job, with the VM, vault and job filled in.',
      examples: ['why did the backup of vm-sql01 fail?', 'failed backups today', 'status of vault rsv-prod-weu'],
    },
    {
      title: 'Alerts in this channel',
      text: '"subscribe" posts one card per backup incident here; add "vault <name>" for one vault only. "unsubscribe" stops them, "subscriptions" lists them.',
      examples: ['subscribe', 'subscribe vault rsv-prod-weu', 'unsubscribe', 'subscriptions'],
    },
    {
      title: 'Fixes and their audit',
      text: '"audit" shows the latest fix requests, approvals and results; add a VM name to see only that VM.',
      examples: ['audit', 'audit vm-sql01'],
    },
  ],
  pl: [
    {
      title: 'Pytania o Twoje kopie zapasowe',
      text: 'Szukam w obserwowanych magazynach Recovery Services i otwieram kartę diagnostyczną nieudanego zadania z uzupełnioną maszyną, magazynem i zadaniem.',
      examples: ['dlaczego nie udała się kopia zapasowa vm-sql01?', 'nieudane kopie zapasowe dzisiaj', 'status magazynu rsv-prod-weu'],
    },
    {
      title: 'Alerty na tym kanale',
      text: '„subskrybuj” publikuje tutaj jedną kartę na każdy incydent kopii zapasowej; dopisz „magazyn <nazwa>”, aby dotyczyło tylko jednego magazynu. „wypisz” je wyłącza, „subskrypcje” pokazuje listę.',
      examples: ['subskrybuj', 'subskrybuj magazyn rsv-prod-weu', 'wypisz', 'subskrypcje'],
    },
    {
      title: 'Poprawki i ich audyt',
      text: '„audyt” pokazuje ostatnie wnioski o poprawki, zatwierdzenia i wyniki; dopisz nazwę maszyny, aby zobaczyć tylko ją.',
      examples: ['audyt', 'audyt vm-sql01'],
    },
  ],
};

// These buttons carry the card's language (not a secret, only a preference) so the answer matches the card.
const helpButton = (lang: Language): CardButton => ({ title: t('showHelp', lang), verb: Verbs.help, data: { v: PayloadVersion, lang } });
const codesButton = (lang: Language): CardButton => ({ title: t('showCodes', lang), verb: Verbs.codes, data: { v: PayloadVersion, lang } });

export function buildWelcomeView(lang: Language): WelcomeView {
  return { title: t('welcomeTitle', lang), text: t('welcomeText', lang), channelHint: t('welcomeChannel', lang), actions: [helpButton(lang), codesButton(lang)] };
}

export function buildHelpView(lang: Language): HelpView {
  return { title: t('helpTitle', lang), intro: t('helpIntro', lang), examples: examples[lang], groups: helpGroups[lang], commands: t('helpCommands', lang), actions: [codesButton(lang)] };
}

export function buildCodesView(knowledge: KnowledgeLookup, lang: Language): CodesView {
  const byWorkload = new Map<Workload, string[]>();
  for (const workload of workloadOrder) byWorkload.set(workload, []);
  for (const code of knowledge.codes) byWorkload.get(code.workload)?.push(code.id);
  // Codes are shown as text grouped by workload, in the schema's order (a button per code would break Teams' action limits).
  const areas = [...byWorkload.entries()].filter(([, ids]) => ids.length > 0).map(([workload, ids]) => ({ area: knowledgeWorkloadLabel(workload)[lang], codes: ids.join(', ') }));
  return { title: t('codesTitle', lang, { n: knowledge.codes.length }), intro: t('codesIntro', lang), areas, actions: [helpButton(lang)] };
}

/** `cut`: the message was longer than the bot reads (see readablePart), so the answer says where reading stopped. */
export function buildUnknownView(knowledge: KnowledgeLookup, closestCodeIds: readonly string[], lang: Language, options: { readonly cut?: boolean } = {}): UnknownView {
  const actions = closestCodeIds
    .map((id) => safeFindCode(knowledge, id))
    .filter((c) => c !== undefined)
    .slice(0, 5)
    .map((c) => startButton(c.id, c.id, lang));
  return {
    title: t('unknownTitle', lang),
    text: options.cut ? `${t('unknownText', lang)} ${t('readOnlyFirstPart', lang, { kb: Math.round(MAX_INPUT_CHARS / 1024) })}` : t('unknownText', lang),
    closestLabel: t('closest', lang),
    hasClosest: actions.length > 0,
    examplesLabel: t('examples', lang),
    examples: examples[lang],
    actions: [...actions, helpButton(lang)],
  };
}

export function buildChooseCodeView(knowledge: KnowledgeLookup, codeIds: readonly string[], lang: Language): ChooseCodeView {
  const codes = codeIds
    .map((id) => safeFindCode(knowledge, id))
    .filter((c) => c !== undefined)
    // Teams shows at most 5 actions in a set.
    .slice(0, 5);
  return {
    title: t('chooseTitle', lang),
    text: t('chooseText', lang),
    // A code without a documented message is offered with its summary instead.
    options: codes.map((c) => ({ codeId: c.id, message: c.messages[lang][0] ?? c.messages.en[0] ?? c.summary[lang] })),
    actions: codes.map((c) => startButton(c.id, c.id, lang)),
  };
}

export function buildExpiredView(lang: Language, ttlHours: number): NoticeView {
  return { title: t('expiredTitle', lang), text: t('expiredText', lang, { hours: ttlHours }), actions: [helpButton(lang)] };
}

export function buildSessionNotFoundView(lang: Language): NoticeView {
  return { title: t('notFoundTitle', lang), text: t('notFoundText', lang), actions: [helpButton(lang)] };
}

export function buildErrorView(lang: Language): NoticeView {
  return { title: t('errorTitle', lang), text: t('errorText', lang), actions: [helpButton(lang)] };
}

/** The same press delivered a second time: it was handled the first time. */
export function buildAlreadyHandledView(lang: Language): NoticeView {
  return { title: t('alreadyHandledTitle', lang), text: t('alreadyHandledText', lang), actions: [] };
}

/** A step pressed on a card that had already moved on (someone else's press, or the same press delivered twice). */
export function buildMovedOnView(lang: Language): NoticeView {
  return { title: t('movedOnTitle', lang), text: t('movedOnText', lang), actions: [] };
}

export function buildInvalidActionView(lang: Language): NoticeView {
  return { title: t('invalidTitle', lang), text: t('invalidText', lang), actions: [helpButton(lang)] };
}
