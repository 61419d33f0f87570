import type { Language, LocalizedText } from '../knowledge/schema';

/**
 * Every fixed string the cards show, in English and natural Polish. Knowledge texts come
 * from the knowledge base; these are the card's own labels.
 */
export const uiText = {
  causeOfTotal: { en: 'Cause {k} of {n}', pl: 'Przyczyna {k} z {n}' },
  noDocumentedMessage: {
    en: 'Microsoft documents this code without its message: it is known by the code alone.',
    pl: 'Microsoft opisuje ten kod bez komunikatu: rozpoznaje się go tylko po kodzie.',
  },
  why: { en: 'Why it happens', pl: 'Dlaczego tak się dzieje' },
  steps: { en: 'What to do', pl: 'Co zrobić' },
  logs: { en: 'Logs to collect', pl: 'Logi do zebrania' },
  docs: { en: 'Microsoft documentation', pl: 'Dokumentacja Microsoft' },
  allCauses: { en: 'All causes, in the documented order', pl: 'Wszystkie przyczyny w udokumentowanej kolejności' },
  previous: { en: 'Previous', pl: 'Poprzednia' },
  next: { en: 'Next', pl: 'Następna' },
  fixedIt: { en: 'This fixed it', pl: 'To pomogło' },
  stillFailing: { en: 'Still failing', pl: 'Nadal nie działa' },
  backToCauses: { en: 'Back to the causes', pl: 'Wróć do przyczyn' },
  escalationTitle: { en: 'Every documented cause tried: contact Microsoft support', pl: 'Sprawdzono wszystkie udokumentowane przyczyny: zgłoś sprawę do pomocy technicznej Microsoft' },
  escalationIntro: {
    en: 'Open a support request and attach what is listed below.',
    pl: 'Utwórz zgłoszenie do pomocy technicznej i dołącz to, co wymieniono poniżej.',
  },
  windowsLogs: { en: 'Windows VM', pl: 'Maszyna wirtualna z Windows' },
  linuxLogs: { en: 'Linux VM', pl: 'Maszyna wirtualna z Linuksem' },
  openSupport: { en: 'Open a support request', pl: 'Utwórz zgłoszenie do pomocy technicznej' },
  fixedTitle: { en: 'Fixed: {cause}', pl: 'Rozwiązane: {cause}' },
  fixedGeneric: { en: 'Marked as fixed', pl: 'Oznaczono jako rozwiązane' },
  fixedNote: {
    en: 'Run an on-demand backup to confirm. Marked by {who}.',
    pl: 'Uruchom kopię zapasową na żądanie, aby to potwierdzić. Oznaczył(a): {who}.',
  },
  fixedNoteNoActor: {
    en: 'Run an on-demand backup to confirm.',
    pl: 'Uruchom kopię zapasową na żądanie, aby to potwierdzić.',
  },
  fixedVerifiedNote: {
    en: 'Confirmed: the backup run after the approved fix succeeded.',
    pl: 'Potwierdzone: kopia zapasowa wykonana po zatwierdzonej poprawce zakończyła się powodzeniem.',
  },
  reopen: { en: 'Reopen', pl: 'Otwórz ponownie' },
  ruledOut: { en: 'ruled out', pl: 'wykluczona' },
  // After Run checks: the verdict next to each cause ("2. ⚠️ Title: Likely").
  verdictLikely: { en: 'Likely', pl: 'Prawdopodobna' },
  verdictRuledOut: { en: 'Ruled out', pl: 'Wykluczona' },
  verdictUnknown: { en: 'Unknown', pl: 'Nie wiadomo' },
  triedStillFailing: { en: 'tried, still failing', pl: 'sprawdzona, nadal nie działa' },
  checkResults: { en: 'Check results: {target}', pl: 'Wyniki sprawdzeń: {target}' },
  checkResultsNoTarget: { en: 'Check results', pl: 'Wyniki sprawdzeń' },
  checkSummary: { en: '{likely} likely, {ruledOut} ruled out, {unknown} unknown.', pl: 'Prawdopodobne: {likely}, wykluczone: {ruledOut}, nie wiadomo: {unknown}.' },
  checkedAt: { en: 'Checked in Azure at {time}', pl: 'Sprawdzono w Azure: {time}' },
  azureCheck: { en: 'What Azure shows for this cause', pl: 'Co Azure pokazuje dla tej przyczyny' },
  goToLikely: { en: 'Go to likely cause ({k})', pl: 'Przejdź do prawdopodobnej przyczyny ({k})' },
  goToCause: { en: 'Go to a cause…', pl: 'Przejdź do przyczyny…' },
  chooseCause: { en: 'Cause', pl: 'Przyczyna' },
  openCause: { en: 'Open', pl: 'Otwórz' },
  current: { en: 'current', pl: 'bieżąca' },
  target: { en: 'Target', pl: 'Dotyczy' },
  welcomeTitle: { en: 'Backup Doctor', pl: 'Backup Doctor' },
  welcomeText: {
    en: 'I help with failed Azure VM backups. Send me an error code (for example UserErrorGuestAgentStatusUnavailable), the error message, or a whole failed-job JSON, and I will walk you through its causes in the documented order.',
    pl: 'Pomagam, gdy kopia zapasowa maszyny wirtualnej Azure się nie powiedzie. Wyślij mi kod błędu (na przykład UserErrorGuestAgentStatusUnavailable), treść komunikatu albo cały JSON nieudanego zadania, a przeprowadzę Cię przez jego przyczyny w udokumentowanej kolejności.',
  },
  welcomeChannel: {
    en: 'In a channel or group chat, mention me: @Backup Doctor <code or message>.',
    pl: 'Na kanale lub w czacie grupowym oznacz mnie: @Backup Doctor <kod lub komunikat>.',
  },
  showHelp: { en: 'Help', pl: 'Pomoc' },
  showCodes: { en: 'Known codes', pl: 'Znane kody' },
  helpTitle: { en: 'How to ask Backup Doctor', pl: 'Jak pytać Backup Doctora' },
  helpIntro: {
    en: 'Paste any of these (in a channel, mention me first):',
    pl: 'Wklej coś takiego (na kanale najpierw mnie oznacz):',
  },
  helpCommands: {
    en: '"codes" lists every code I know; "help" shows this card.',
    pl: '"kody" wypisuje wszystkie znane mi kody; "pomoc" pokazuje tę kartę.',
  },
  codesTitle: { en: 'Codes I know ({n})', pl: 'Znane kody ({n})' },
  // The codes are listed as text (39 buttons would overflow Teams' action menus): say how to use them.
  codesIntro: { en: 'Send me one of these codes, or its error message, to troubleshoot it.', pl: 'Wyślij mi jeden z tych kodów albo treść komunikatu o błędzie, a przeprowadzę Cię przez jego przyczyny.' },
  unknownTitle: { en: "I don't know this one", pl: 'Nie znam tego błędu' },
  unknownText: {
    en: 'I could not find an Azure VM Backup error code or message in what you sent.',
    pl: 'Nie znalazłem w Twojej wiadomości kodu ani komunikatu błędu kopii zapasowej maszyny wirtualnej Azure.',
  },
  readOnlyFirstPart: {
    en: 'Your message was long, so I read only its first {kb} KB: send the error code, or the error message itself, on its own.',
    pl: 'Twoja wiadomość była długa, więc przeczytałem tylko jej pierwsze {kb} KB: wyślij sam kod błędu albo sam komunikat błędu.',
  },
  closest: { en: 'Did you mean one of these?', pl: 'Czy chodziło o jeden z tych?' },
  examples: { en: 'Examples of what to send', pl: 'Przykłady, co możesz wysłać' },
  chooseTitle: { en: 'I found several codes', pl: 'Znalazłem kilka kodów' },
  chooseText: { en: 'Which one do you want to troubleshoot?', pl: 'Który z nich chcesz zdiagnozować?' },
  expiredTitle: { en: 'This troubleshooting session has ended', pl: 'Ta sesja diagnostyczna wygasła' },
  expiredText: {
    en: 'Sessions are kept for {hours} hours. Send the error code or message again to start a new one.',
    pl: 'Sesje są przechowywane przez {hours} godz. Wyślij ponownie kod lub komunikat błędu, aby rozpocząć nową.',
  },
  notFoundTitle: { en: 'I no longer have this troubleshooting session', pl: 'Nie mam już tej sesji diagnostycznej' },
  notFoundText: {
    en: 'It may have been removed. Send the error code or message again to start a new one.',
    pl: 'Mogła zostać usunięta. Wyślij ponownie kod lub komunikat błędu, aby rozpocząć nową.',
  },
  invalidTitle: { en: 'This button is no longer valid', pl: 'Ten przycisk nie jest już aktywny' },
  invalidText: {
    en: 'The card it belongs to is out of date or was not made by me. Send the error code or message again.',
    pl: 'Karta, do której należy, jest nieaktualna albo nie pochodzi ode mnie. Wyślij ponownie kod lub komunikat błędu.',
  },
  alreadyHandledTitle: { en: 'I already handled this press', pl: 'To naciśnięcie zostało już obsłużone' },
  alreadyHandledText: {
    en: 'The same press reached me twice, so I acted on it once. The card shows the result.',
    pl: 'To samo naciśnięcie dotarło do mnie dwa razy, więc wykonałem je raz. Karta pokazuje wynik.',
  },
  movedOnTitle: { en: 'This card had already moved on', pl: 'Ta karta była już przesunięta dalej' },
  movedOnText: {
    en: 'Someone else pressed a button on it first, so I did not step again. The card shows where the troubleshooting stands now.',
    pl: 'Ktoś inny nacisnął przycisk wcześniej, więc nie wykonałem kroku ponownie. Karta pokazuje, na jakim etapie jest teraz diagnostyka.',
  },
  errorTitle: { en: 'Something went wrong on my side', pl: 'Coś poszło nie tak po mojej stronie' },
  errorText: {
    en: 'Nothing was changed. Try again in a moment; if it keeps happening, tell the bot administrator.',
    pl: 'Niczego nie zmieniono. Spróbuj ponownie za chwilę; jeśli to się powtarza, powiadom administratora bota.',
  },
  startAgain: { en: 'Start again', pl: 'Zacznij od nowa' },
} as const satisfies Record<string, LocalizedText>;

export type UiTextKey = keyof typeof uiText;

/** The label in the language, with {placeholders} filled from `values`. */
export function t(key: UiTextKey, language: Language, values: Readonly<Record<string, string | number>> = {}): string {
  return uiText[key][language].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

export function localize(text: LocalizedText, language: Language): string {
  return text[language];
}
