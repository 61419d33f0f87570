import type { Language } from '../../core/knowledge/schema';
import { buildAuditView, type AuditView } from '../../core/remediation/fix-view';
import { isPrincipal, type PolicyState } from '../../core/remediation/policy';
import type { AuditLog } from '../../core/remediation/ports';
import type { Actor } from '../../core/remediation/actor';
import type { Interaction } from '../interaction';

/** `audit`, `audit <vm>`, `audyt [vm]`: the VM name is the only argument. */
export const AuditCommand = /^(?:audit|audyt)(?:\s+([A-Za-z0-9._()-]{1,80}))?\s*$/i;

export type AuditAnswer = { readonly kind: 'text'; readonly text: string } | { readonly kind: 'audit'; readonly view: AuditView };

/**
 * Whether this person may read the audit: the requesters and approvers the policy names.
 * Without a policy nobody is named, so nobody reads it in chat (the answer says how to enable
 * fixes instead); GET /api/audit with its key stays the way to export it.
 */
export function mayReadAudit(state: PolicyState, actor: Actor): boolean {
  if (state.kind === 'missing') return false;
  return isPrincipal(state.policy, actor, [...state.policy.requesters, ...state.policy.approvers]);
}

/** The latest fix audit entries (optionally for one VM), for the people the fix policy names, in any channel. */
export class AuditQuery {
  constructor(private readonly deps: { readonly audit: AuditLog; readonly policy: () => PolicyState; readonly limit?: number }) {}

  /**
   * `shownTo`: who will see the answer. The audit names people (with their Entra ids), VMs and
   * subscriptions, so it is shown only to the person who asked (a personal chat, a Slack note only
   * they see); asked where everyone would read it, the answer says where to ask instead.
   */
  async answer(i: Interaction, vm: string | undefined, shownTo: 'asker' | 'conversation'): Promise<AuditAnswer> {
    const state = this.deps.policy();
    const lang: Language = i.language;
    if (state.kind === 'missing') {
      const note = { en: 'The fix audit is shown to the requesters and approvers a fix policy names, and there is no fix policy yet.', pl: 'Audyt poprawek widzą osoby zlecające i zatwierdzające wskazane w polityce poprawek, a polityki jeszcze nie ma.' };
      return { kind: 'text', text: `${note[lang]} ${state.howToEnable[lang]}` };
    }
    if (!mayReadAudit(state, i.actor)) return { kind: 'text', text: lang === 'pl' ? 'Polityka poprawek nie pozwala Ci czytać audytu.' : 'The fix policy does not let you read the audit.' };
    if (shownTo === 'conversation') {
      return {
        kind: 'text',
        text:
          lang === 'pl'
            ? 'Audyt zawiera nazwiska, identyfikatory i zasoby, więc pokazuję go tylko w czacie prywatnym: napisz do mnie `audit` bezpośrednio.'
            : 'The audit names people, their ids and resources, so it is shown only in a personal chat: write `audit` to me directly.',
      };
    }
    const entries = await this.deps.audit.list({ ...(vm ? { vm } : {}), limit: this.deps.limit ?? 15 });
    return { kind: 'audit', view: buildAuditView(entries, vm, lang) };
  }
}
