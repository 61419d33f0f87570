import type { Language, LocalizedText } from '../knowledge/schema';

/** Every fixed string of the resource-question answers, in English and natural Polish. */
export const questionText = {
  troubleshoot: { en: 'Troubleshoot', pl: 'Diagnozuj' },
  troubleshootAs: { en: 'Troubleshoot as {code}', pl: 'Diagnozuj jako {code}' },
  vm: { en: 'VM', pl: 'Maszyna' },
  vault: { en: 'Vault', pl: 'Magazyn' },
  time: { en: 'Failed at', pl: 'Czas' },
  code: { en: 'Error code', pl: 'Kod błędu' },
  unidentified: { en: 'Not recognised', pl: 'Nierozpoznany' },
  or: { en: '{a} or {b}', pl: '{a} lub {b}' },
  more: { en: 'and {n} more', pl: 'i {n} więcej' },

  listTitleToday: { en: 'Failed backups today', pl: 'Nieudane kopie zapasowe dzisiaj' },
  severalVmsTitle: { en: '{count} VMs are named {vm}: the latest failed backup of each', pl: 'Nazwę {vm} noszą maszyny: {count}; ostatnia nieudana kopia każdej z nich' },
  severalVmsSummary: { en: 'Troubleshoot the one you mean; each row names its vault, and its resource group is on its card.', pl: 'Wybierz Diagnozuj przy właściwej; każdy wiersz podaje magazyn, a grupę zasobów pokaże jej karta.' },
  listTitleYesterday: { en: 'Failed backups yesterday', pl: 'Nieudane kopie zapasowe wczoraj' },
  listTitleHours: { en: 'Failed backups in the last {hours} hours', pl: 'Nieudane kopie zapasowe z ostatnich {hours} godz.' },
  listTitleDays: { en: 'Failed backups in the last {days} days', pl: 'Nieudane kopie zapasowe z ostatnich {days} dni' },
  listInVault: { en: '{title} in vault {vault}', pl: '{title} w magazynie {vault}' },
  listSummary: { en: 'Failed jobs: {count}. Vaults searched: {vaults}.', pl: 'Nieudane zadania: {count}. Przeszukane magazyny: {vaults}.' },
  listEmpty: { en: 'No failed backups in this time. Vaults searched: {vaults}.', pl: 'Brak nieudanych kopii zapasowych w tym czasie. Przeszukane magazyny: {vaults}.' },
  vaultNotRead: { en: 'Vault {vault} could not be read: {reason}', pl: 'Nie udało się odczytać magazynu {vault}: {reason}' },

  latestFailureTitle: { en: 'Latest failed backup of {vm}', pl: 'Ostatnia nieudana kopia zapasowa {vm}' },
  ambiguousText: {
    en: 'Its error fits more than one documented code. Which one do you want to troubleshoot?',
    pl: 'Ten błąd pasuje do więcej niż jednego udokumentowanego kodu. Który chcesz zdiagnozować?',
  },
  unidentifiedTitle: { en: 'The latest failed backup of {vm}: an error I do not know', pl: 'Ostatnia nieudana kopia zapasowa {vm}: nieznany mi błąd' },
  unidentifiedText: {
    en: 'Vault {vault}, job {job}, {time}. Azure says: "{message}". This error is not in my catalogue yet; the job in the Azure portal has the details.',
    pl: 'Magazyn {vault}, zadanie {job}, {time}. Azure podaje: „{message}”. Tego błędu nie ma jeszcze w moim katalogu; szczegóły są w zadaniu w portalu Azure.',
  },
  noMessage: { en: '(no message)', pl: '(brak komunikatu)' },
  severalVaultsTitle: { en: '{count} vaults are named {vault}', pl: 'Nazwę {vault} noszą magazyny: {count}' },
  severalVaultsLine: {
    en: '{vault} in subscription {subscription} ({rg}): {vms} protected VMs, {failed} failed backups in the last 24 hours.',
    pl: '{vault} w subskrypcji {subscription} ({rg}): chronione maszyny: {vms}, nieudane kopie z ostatnich 24 godz.: {failed}.',
  },
  severalVaultsUnread: { en: '{vault} in subscription {subscription} ({rg}) could not be read.', pl: 'Nie udało się odczytać magazynu {vault} w subskrypcji {subscription} ({rg}).' },
  recoveredTitle: { en: '{vm} has backed up since its last failure', pl: 'Maszyna {vm} ma udaną kopię zapasową po ostatnim błędzie' },
  recoveredText: {
    en: 'Its last backup, {time}, was {status}. The failure before it, {failedAt}, was {code}: Troubleshoot it only if it comes back.',
    pl: 'Ostatnia kopia, {time}: {status}. Błąd przed nią, {failedAt}: {code}. Diagnozuj go tylko, jeśli wróci.',
  },
  noFailureTitle: { en: 'No failed backup of {vm} in the last {days} days', pl: 'Brak nieudanych kopii zapasowych {vm} z ostatnich {days} dni' },
  noFailureText: { en: 'It is protected in vault {vault}; last backup: {status}, {time}.', pl: 'Jest chroniona w magazynie {vault}; ostatnia kopia: {status}, {time}.' },
  noFailureNever: { en: 'It is protected in vault {vault}; no backup has run yet.', pl: 'Jest chroniona w magazynie {vault}; nie wykonano jeszcze żadnej kopii.' },
  vmNotFoundTitle: { en: 'I could not find {vm}', pl: 'Nie znalazłem {vm}' },
  vmNotFoundText: {
    en: 'No VM named {vm} is protected in the vaults I watch ({vaults}), and none of their failed jobs in the last {days} days names it.',
    pl: 'Żadna maszyna o nazwie {vm} nie jest chroniona w obserwowanych przeze mnie magazynach ({vaults}) i nie występuje w ich nieudanych zadaniach z ostatnich {days} dni.',
  },
  didYouMean: { en: 'Did you mean: {names}?', pl: 'Czy chodziło o: {names}?' },
  noVaultsTitle: { en: 'I do not see any Recovery Services vault', pl: 'Nie widzę żadnego magazynu Recovery Services' },
  noVaultsText: {
    en: 'Set WATCHED_VAULTS to the vaults to watch, or give the bot\'s identity the Backup Reader role on them.',
    pl: 'Ustaw WATCHED_VAULTS na magazyny do obserwowania albo przypisz tożsamości bota rolę Backup Reader na nich.',
  },
  vaultNotFoundTitle: { en: 'I do not watch a vault named {vault}', pl: 'Nie obserwuję magazynu o nazwie {vault}' },
  vaultNotFoundText: { en: 'The vaults I watch: {vaults}.', pl: 'Obserwowane magazyny: {vaults}.' },
  jobGoneTitle: { en: 'This failed job is no longer available', pl: 'To nieudane zadanie nie jest już dostępne' },
  jobGoneText: {
    en: 'The job is gone, no longer failed, or in a vault I do not watch. Ask again, for example "failed backups today".',
    pl: 'Zadanie zniknęło, nie jest już nieudane albo jest w magazynie, którego nie obserwuję. Zapytaj ponownie, na przykład „nieudane kopie zapasowe dzisiaj”.',
  },

  statusTitle: { en: 'Vault {vault}', pl: 'Magazyn {vault}' },
  subscription: { en: 'Subscription', pl: 'Subskrypcja' },
  resourceGroup: { en: 'Resource group', pl: 'Grupa zasobów' },
  protectedVms: { en: 'Protected VMs', pl: 'Chronione maszyny' },
  needsAttention: { en: 'Last backup failed', pl: 'Ostatnia kopia nieudana' },
  failed24h: { en: 'Failed jobs (24 h)', pl: 'Nieudane zadania (24 godz.)' },
  groupsTitle: { en: 'Failed jobs in the last 24 hours, by error code', pl: 'Nieudane zadania z ostatnich 24 godzin według kodu błędu' },
  groupLine: { en: '{count} × {code}: {vms}', pl: '{count} × {code}: {vms}' },
  noFailures24h: { en: 'No failed backup jobs in the last 24 hours.', pl: 'Brak nieudanych zadań kopii zapasowej w ostatnich 24 godzinach.' },
  troubleshootVm: { en: 'Troubleshoot {vm}', pl: 'Diagnozuj {vm}' },

  timeoutTitle: { en: 'Azure did not answer in time', pl: 'Azure nie odpowiedział na czas' },
  timeoutText: {
    en: 'I stopped waiting after {seconds} s so the chat is not held up. Nothing was changed; try again in a moment.',
    pl: 'Przestałem czekać po {seconds} s, żeby nie blokować rozmowy. Niczego nie zmieniono; spróbuj ponownie za chwilę.',
  },
  forbiddenTitle: { en: 'The bot is missing a permission in Azure', pl: 'Botowi brakuje uprawnień w Azure' },
  forbiddenRole: {
    en: 'The bot\'s identity needs the {role} role on {scope}. Ask an owner to assign it, for example: az role assignment create --assignee <bot identity> --role "{role}" --scope {scope}',
    pl: 'Tożsamość bota potrzebuje roli {role} w zakresie {scope}. Poproś właściciela o jej przypisanie, na przykład: az role assignment create --assignee <tożsamość bota> --role "{role}" --scope {scope}',
  },
  forbiddenOther: { en: 'Azure refused access: {message}', pl: 'Azure odmówił dostępu: {message}' },
  signInTitle: { en: 'The bot could not sign in to Azure', pl: 'Bot nie mógł zalogować się do Azure' },
  signInText: {
    en: 'Check the bot\'s managed identity (AZURE_MANAGED_IDENTITY_CLIENT_ID). Azure said: {message}',
    pl: 'Sprawdź tożsamość zarządzaną bota (AZURE_MANAGED_IDENTITY_CLIENT_ID). Azure podał: {message}',
  },
  throttledTitle: { en: 'Azure is busy', pl: 'Azure jest przeciążony' },
  throttledText: { en: 'Azure is throttling requests right now; I retried and gave up. Try again in a few minutes.', pl: 'Azure ogranicza teraz liczbę zapytań; ponawiałem i zrezygnowałem. Spróbuj ponownie za kilka minut.' },
  unavailableTitle: { en: 'Azure is unavailable', pl: 'Azure jest niedostępny' },
  unavailableText: { en: 'Azure did not answer properly; try again in a few minutes. ({message})', pl: 'Azure nie odpowiedział prawidłowo; spróbuj ponownie za kilka minut. ({message})' },
  failedTitle: { en: 'Azure answered with an error', pl: 'Azure odpowiedział błędem' },
  failedText: { en: '{message}', pl: '{message}' },
  inVault: { en: '(vault {vault})', pl: '(magazyn {vault})' },
  timeoutShort: { en: 'Azure did not answer in time.', pl: 'Azure nie odpowiedział na czas.' },
  forbiddenShort: { en: 'the bot\'s identity needs the {role} role on {scope}.', pl: 'tożsamość bota potrzebuje roli {role} w zakresie {scope}.' },
  help: { en: 'Help', pl: 'Pomoc' },
  noAzureTitle: { en: 'I cannot look at Azure', pl: 'Nie mam dostępu do Azure' },
  noAzureText: {
    en: 'No Azure connection is configured for me, so I cannot read vaults and backup jobs. Ask the bot administrator to give my identity the Backup Reader role; meanwhile, paste the error code or message and I will walk you through its causes.',
    pl: 'Nie skonfigurowano mi połączenia z Azure, więc nie mogę odczytać magazynów ani zadań kopii zapasowej. Poproś administratora bota o przypisanie mojej tożsamości roli Backup Reader; tymczasem wklej kod lub komunikat błędu, a przeprowadzę Cię przez jego przyczyny.',
  },
} as const satisfies Record<string, LocalizedText>;

export type QuestionTextKey = keyof typeof questionText;

export function qt(key: QuestionTextKey, language: Language, values: Readonly<Record<string, string | number>> = {}): string {
  return questionText[key][language].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
