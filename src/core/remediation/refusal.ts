import type { LocalizedText } from '../knowledge/schema';

/**
 * Why the server refused a fix action. Every refusal is shown to the person with a clear
 * message and written to the audit, because a refused action may be an attack.
 */
export type RefusalReason =
  | 'policy-missing'
  | 'fix-disabled'
  | 'unknown-fix'
  | 'fix-not-offered'
  | 'not-requester'
  | 'not-approver'
  | 'out-of-scope'
  | 'self-approval'
  | 'unknown-request'
  | 'tampered'
  | 'expired'
  | 'not-pending'
  | 'precondition-failed'
  | 'target-unresolved'
  | 'unknown-session'
  | 'already-requested'
  | 'unverified-identity';

export interface Refusal {
  readonly reason: RefusalReason;
  readonly message: LocalizedText;
}

export type Decision = { readonly allowed: true } | { readonly allowed: false; readonly refusal: Refusal };

export const allowed: Decision = Object.freeze({ allowed: true });

export function refuse(reason: RefusalReason, message: LocalizedText): Decision {
  return { allowed: false, refusal: { reason, message } };
}

const standard: Readonly<Record<RefusalReason, LocalizedText>> = {
  'policy-missing': {
    en: 'Fixes are disabled: no fix policy is configured.',
    pl: 'Poprawki są wyłączone: nie skonfigurowano polityki poprawek.',
  },
  'fix-disabled': { en: 'This fix is not enabled in the fix policy.', pl: 'Ta poprawka nie jest włączona w polityce poprawek.' },
  'unknown-fix': { en: 'There is no such fix.', pl: 'Nie ma takiej poprawki.' },
  'fix-not-offered': { en: 'This fix is not offered for the cause on this card.', pl: 'Ta poprawka nie jest proponowana dla przyczyny na tej karcie.' },
  'not-requester': { en: 'You are not allowed to request fixes under the fix policy.', pl: 'Polityka poprawek nie pozwala Ci zlecać poprawek.' },
  'not-approver': { en: 'You are not allowed to approve or reject fixes under the fix policy.', pl: 'Polityka poprawek nie pozwala Ci zatwierdzać ani odrzucać poprawek.' },
  'out-of-scope': { en: 'This VM is outside the subscriptions and resource groups where the fix policy allows fixes.', pl: 'Ta maszyna jest poza subskrypcjami i grupami zasobów, w których polityka poprawek pozwala na poprawki.' },
  // The fix policy decides which fixes need a second person (high-risk ones, or every fix): the words fit both.
  'self-approval': {
    en: 'The fix policy needs a second person for this fix: the person who requested it cannot approve it. Ask another approver.',
    pl: 'Polityka poprawek wymaga drugiej osoby dla tej poprawki: osoba, która ją zleciła, nie może jej zatwierdzić. Poproś innego zatwierdzającego.',
  },
  'unknown-request': { en: 'This fix request does not exist.', pl: 'To zlecenie poprawki nie istnieje.' },
  tampered: { en: 'The card data was changed: the action was refused.', pl: 'Dane karty zostały zmienione: akcję odrzucono.' },
  expired: { en: 'This fix request has expired. Request the fix again.', pl: 'To zlecenie poprawki wygasło. Zleć poprawkę ponownie.' },
  'not-pending': { en: 'This fix request has already been decided.', pl: 'To zlecenie poprawki zostało już rozpatrzone.' },
  'precondition-failed': { en: 'The fix cannot run on this VM right now.', pl: 'Tej poprawki nie można teraz uruchomić na tej maszynie.' },
  'target-unresolved': { en: 'The card does not name a VM the bot can find.', pl: 'Karta nie wskazuje maszyny, którą bot może odnaleźć.' },
  'unknown-session': { en: 'This troubleshooting card has expired or does not exist.', pl: 'Ta karta rozwiązywania problemów wygasła lub nie istnieje.' },
  'unverified-identity': {
    en: 'Fix actions need your Microsoft Entra identity, which this message did not carry. Use Microsoft Teams signed in with your work account.',
    pl: 'Akcje poprawek wymagają Twojej tożsamości Microsoft Entra, której ta wiadomość nie zawierała. Użyj Microsoft Teams zalogowanego kontem służbowym.',
  },
  'already-requested': {
    en: 'A fix for this VM is already open, and only one change runs on a VM at a time: decide or finish that one first (see its card).',
    pl: 'Dla tej maszyny jest już otwarta poprawka, a na jednej maszynie naraz działa tylko jedna zmiana: najpierw rozstrzygnij lub zakończ tamtą (zobacz jej kartę).',
  },
};

export function standardRefusal(reason: RefusalReason, detail?: LocalizedText): Refusal {
  const base = standard[reason];
  return { reason, message: detail ? { en: `${base.en} ${detail.en}`, pl: `${base.pl} ${detail.pl}` } : base };
}
