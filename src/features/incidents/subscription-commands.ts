import type { OpenIncidentsPlan } from '../../core/incidents/open-incidents';
import { openIncidentsText } from '../../core/incidents/open-incidents';
import type { SharedSubscriptionStore } from '../../core/incidents/ports';
import { type Subscription, type SubscriptionScope, parseSubscriptionCommand, scopeKey } from '../../core/incidents/subscription';
import type { Language } from '../../core/knowledge/schema';
import type { Clock, IdGenerator } from '../../core/ports';
import { decideSubscriptionChange, type PolicyState } from '../../core/remediation/policy';
import type { Interaction } from '../interaction';

export interface SubscriptionCommandsDeps {
  readonly subscriptions: SharedSubscriptionStore;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  /** The fix policy names the operators who may change where cards go; undefined: no policy (anyone may). */
  readonly policy: () => PolicyState | undefined;
  /**
   * Stores the subscription and queues messages for the incidents already open that it matches
   * (the alert ledger's subscribe). Without it the subscription is only stored.
   */
  readonly subscribe?: (subscription: Subscription) => Promise<OpenIncidentsPlan>;
  /** Called after the answer (e.g. to wake the delivery worker for the queued messages). */
  readonly onSubscribed?: (subscription: Subscription) => void;
}

/** Where incident messages for a conversation go: its key, and what the channel needs to post there later. */
export interface SubscriptionPlace {
  readonly conversationKey: string;
  readonly reference: Readonly<Record<string, unknown>>;
}

function describe(scope: SubscriptionScope, lang: Language): string {
  switch (scope.kind) {
    case 'all':
      return lang === 'en' ? 'all vaults' : 'wszystkie magazyny';
    case 'vault':
      return lang === 'en' ? `vault ${scope.vault}` : `magazyn ${scope.vault}`;
    case 'subscription':
      return lang === 'en' ? `subscription ${scope.subscriptionId}` : `subskrypcja ${scope.subscriptionId}`;
  }
}

/**
 * `subscribe`, `subscribe vault <name>`, `subscribe subscription <id>`, `unsubscribe [...]`,
 * `subscriptions`, for every channel. The channel says where the conversation is (its key and
 * the reference its sender needs), and shows the answer as text. Incident messages then reach
 * that conversation from the outbox, in the language the command was written in.
 */
export class SubscriptionCommands {
  constructor(private readonly deps: SubscriptionCommandsDeps) {}

  recognises(text: string): boolean {
    return parseSubscriptionCommand(text) !== undefined;
  }

  /**
   * The answer to one command, or undefined when the text is not one. `afterSent` is for the
   * channel to call once the answer is posted: the open incidents' messages follow it.
   */
  async answer(i: Interaction, text: string, where: SubscriptionPlace): Promise<{ readonly text: string; readonly afterSent?: () => void } | undefined> {
    const command = parseSubscriptionCommand(text);
    if (!command) return undefined;
    const lang = i.language;
    const key = where.conversationKey;
    // Where the on-call channel's messages go is an operator's call when a fix policy names them;
    // a mistyped subscribe is one too, so a non-operator hears the refusal, not a lesson in syntax.
    if (command.kind !== 'list') {
      const permission = decideSubscriptionChange(this.deps.policy(), i.actor);
      if (!permission.allowed) return { text: permission.message[lang] };
    }
    switch (command.kind) {
      case 'invalid':
        return { text: command.reason[lang] };
      case 'subscribe': {
        const subscription: Subscription = {
          id: this.deps.ids.next(),
          conversationKey: key,
          conversationReference: where.reference,
          scope: command.scope,
          language: lang,
          createdBy: i.actor.aadObjectId ?? i.actor.userId,
          createdAt: this.deps.clock.now(),
        };
        let plan: OpenIncidentsPlan | undefined;
        if (this.deps.subscribe) plan = await this.deps.subscribe(subscription);
        else await this.deps.subscriptions.add(subscription);
        const open = plan ? ` ${openIncidentsText(plan, lang)}` : '';
        const confirmation =
          lang === 'en'
            ? `Subscribed: incident cards for ${describe(command.scope, lang)} will be posted here.${open} Write \`unsubscribe\` to stop.`
            : `Subskrypcja dodana: karty incydentów dla: ${describe(command.scope, lang)} będą publikowane tutaj.${open} Napisz \`unsubscribe\`, aby zakończyć.`;
        return { text: confirmation, afterSent: () => this.deps.onSubscribed?.(subscription) };
      }
      case 'unsubscribe': {
        const removed = await this.deps.subscriptions.remove(key, command.scope ? scopeKey(command.scope) : undefined);
        if (removed === 0) return { text: lang === 'en' ? 'This conversation had no such subscription.' : 'Ta rozmowa nie miała takiej subskrypcji.' };
        return {
          text:
            lang === 'en'
              ? `Unsubscribed (${removed} removed). No more incident cards here${command.scope ? ` for ${describe(command.scope, lang)}` : ''}.`
              : `Subskrypcja usunięta (usunięto: ${removed}). Karty incydentów nie będą już tu publikowane${command.scope ? ` dla: ${describe(command.scope, lang)}` : ''}.`,
        };
      }
      case 'list': {
        const subs = await this.deps.subscriptions.listForConversation(key);
        if (subs.length === 0) {
          return {
            text:
              lang === 'en'
                ? 'No subscriptions here. Write `subscribe` (or `subscribe vault <name>`) to get incident cards.'
                : 'Brak subskrypcji w tej rozmowie. Napisz `subscribe` (albo `subscribe vault <nazwa>`), aby otrzymywać karty incydentów.',
          };
        }
        const lines = subs.map((s) => `- ${describe(s.scope, lang)}`);
        return { text: `${lang === 'en' ? 'This conversation receives incident cards for:' : 'Ta rozmowa otrzymuje karty incydentów dla:'}\n${lines.join('\n')}` };
      }
    }
  }
}
