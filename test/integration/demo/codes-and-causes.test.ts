import type { Language } from '../../../src/core/knowledge/schema';
import { knowledgeWorkloadLabel, workloadOrder } from '../../../src/core/knowledge/workloads';
import { loadKnowledgeBase } from '../../../src/knowledge/load-knowledge-base';
import { type CardJson, PlaygroundDriver, button, cardButtons, cardText } from './playground-driver';

/**
 * Issue 2, "Done when", as a new user tries it in `npm run demo`: in the local Teams client each
 * of the seed's six codes, its English message and its Polish message give the right card with the
 * causes in the seed's order; a Polish question gets a Polish answer; Next / Previous update the
 * card in place; `help` and `codes` answer. Everything is read from what the playground shows.
 */

jest.setTimeout(120_000);

const kb = loadKnowledgeBase();

/** The 2018 article: each code as written there, the code it resolves to, its messages and its causes in the article's order. */
const seed = [
  {
    typed: 'UserErrorGuestAgentStatusUnavailable',
    code: 'UserErrorGuestAgentStatusUnavailable',
    en: 'VM Agent unable to communicate with Azure Backup',
    pl: 'Nie można nawiązać komunikacji z usługą Azure Backup Agent maszyny Wirtualnej',
    causes: ['no-internet-access', 'windows-agent-unresponsive', 'linux-agent-out-of-date', 'snapshot-status-unavailable', 'backup-extension-fails-to-load'],
  },
  {
    typed: 'ExtensionSnapshotFailedNoNetwork',
    code: 'ExtensionSnapshotFailedNoNetwork',
    en: 'Snapshot operation failed due to no network connectivity on the virtual machine',
    pl: 'Migawki: operacja nie powiodła się z powodu braku łączności z siecią na maszynie wirtualnej',
    causes: ['no-internet-access', 'snapshot-status-unavailable', 'backup-extension-fails-to-load'],
  },
  {
    // The article's misspelling resolves to the code's current name.
    typed: 'ExtentionOperationFailed',
    code: 'ExtensionOperationFailedForManagedDisks',
    en: 'VMSnapshot extension operation failed',
    pl: 'Operacja rozszerzenia VMSnapshot nie powiodła się.',
    causes: ['snapshot-status-unavailable', 'backup-extension-fails-to-load', 'windows-agent-unresponsive', 'linux-agent-out-of-date'],
  },
  {
    typed: 'GuestAgentSnapshotTaskStatusError',
    code: 'GuestAgentSnapshotTaskStatusError',
    en: 'Could not communicate with the VM agent for snapshot status',
    pl: 'Nie można nawiązać komunikacji z agentem maszyny Wirtualnej w celu uzyskania stanu migawki',
    causes: ['windows-agent-unresponsive', 'linux-agent-out-of-date', 'no-internet-access'],
  },
  {
    typed: 'BackUpOperationFailed',
    code: 'BackUpOperationFailed',
    en: 'Backup failed with an internal error - Please retry the operation in a few minutes',
    pl: 'kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut',
    causes: ['no-internet-access', 'windows-agent-unresponsive', 'linux-agent-out-of-date', 'snapshot-status-unavailable', 'backup-extension-fails-to-load', 'restore-point-rg-lock'],
  },
  {
    typed: 'BackUpOperationFailedV2',
    code: 'BackUpOperationFailedV2',
    en: 'Backup failed with an internal error - Please retry the operation in a few minutes',
    pl: 'kopii zapasowej nie powiodło się z powodu błędu wewnętrznego — ponów próbę operacji za kilka minut',
    causes: ['no-internet-access', 'windows-agent-unresponsive', 'linux-agent-out-of-date', 'snapshot-status-unavailable', 'backup-extension-fails-to-load', 'restore-point-rg-lock'],
  },
] as const;

const label = {
  en: { allCauses: 'All causes, in the documented order', cause: (k: number, n: number) => `Cause ${k} of ${n}`, next: 'Next', previous: 'Previous' },
  pl: { allCauses: 'Wszystkie przyczyny w udokumentowanej kolejności', cause: (k: number, n: number) => `Przyczyna ${k} z ${n}`, next: 'Następna', previous: 'Poprzednia' },
};

let d: PlaygroundDriver;

beforeAll(async () => {
  d = await PlaygroundDriver.start();
});

afterAll(async () => {
  await d?.stop();
});

function title(causeId: string, language: Language): string {
  const cause = kb.cause(causeId);
  if (!cause) throw new Error(`no cause ${causeId}`);
  return cause.title[language];
}

/** The card's "All causes" list, as the reader sees it (titles, in order). */
function causeList(card: CardJson | undefined, language: Language): string[] {
  const lines = cardText(card).split('\n');
  const start = lines.indexOf(label[language].allCauses);
  expect(start).toBeGreaterThanOrEqual(0);
  const list: string[] = [];
  for (const line of lines.slice(start + 1)) {
    // Markers after a title: the current cause, a ruled-out one, the one that fixed it.
    const m = /^(\d+)\. (.*?)(?: ◀ current| ◀ bieżąca| \(ruled out\)| \(wykluczona\)| ✔)?$/.exec(line);
    if (!m) {
      if (list.length > 0) break;
      continue;
    }
    list.push(m[2] as string);
  }
  return list;
}

/** The seed's causes come first, in the seed's order, as titles on the card; "Cause 1 of n" is the first of them. */
function expectSeedCard(card: CardJson | undefined, entry: (typeof seed)[number], language: Language): void {
  const text = cardText(card);
  const all = kb.orderedCauses(entry.code);
  expect(text.split('\n')[0]).toBe(entry.code);
  expect(text).toContain(label[language].cause(1, all.length));
  expect(text).toContain(title(entry.causes[0], language));
  const expected = entry.causes.map((id) => title(id, language));
  expect(causeList(card, language).slice(0, expected.length)).toEqual(expected);
  expect(button(card, 'troubleshoot.next').title).toBe(label[language].next);
}

describe.each(seed)('seed code $typed', (entry) => {
  test('the code gives its card, causes in the seed order (English)', async () => {
    const answer = await d.ask(entry.typed);
    expectSeedCard(answer.card, entry, 'en');
  });

  test('the English message gives its card (or, where two codes share it, a choice that opens it in place)', async () => {
    const answer = await d.ask(entry.en);
    const shared = seed.filter((s) => s.en === entry.en).map((s) => s.code);
    if (shared.length === 1) {
      expectSeedCard(answer.card, entry, 'en');
      return;
    }
    // BackUpOperationFailed and BackUpOperationFailedV2 have the same message: the bot asks which.
    expect(cardText(answer.card)).toContain('Which one do you want to troubleshoot?');
    expect(cardButtons(answer.card).map((b) => b.title)).toEqual(expect.arrayContaining(shared));
    const choice = button(answer.card, 'troubleshoot.start', entry.code);
    const mark = d.mark();
    const pressed = await d.invoke(choice.verb, choice.data, answer.messageId);
    expectSeedCard(pressed?.value as CardJson, entry, 'en');
    const updated = await d.waitForUpdate(answer.messageId, undefined, { after: mark });
    expectSeedCard(updated.card, entry, 'en');
  });

  test('the Polish message gets a Polish answer', async () => {
    const answer = await d.ask(entry.pl);
    const shared = seed.filter((s) => s.pl === entry.pl).map((s) => s.code);
    if (shared.length === 1) {
      expectSeedCard(answer.card, entry, 'pl');
      return;
    }
    expect(cardText(answer.card)).toContain('Który z nich chcesz zdiagnozować?');
    const choice = button(answer.card, 'troubleshoot.start', entry.code);
    const mark = d.mark();
    await d.invoke(choice.verb, choice.data, answer.messageId);
    const updated = await d.waitForUpdate(answer.messageId, undefined, { after: mark });
    expectSeedCard(updated.card, entry, 'pl');
  });
});

test.each(['en', 'pl'] as const)('Next and Previous update the same message in place (%s)', async (language) => {
  const entry = seed[0];
  const answer = await d.ask(language === 'en' ? entry.typed : entry.pl);
  const n = kb.orderedCauses(entry.code).length;
  const next = button(answer.card, 'troubleshoot.next', label[language].next);

  let mark = d.mark();
  const afterNext = await d.invoke(next.verb, next.data, answer.messageId);
  expect(afterNext?.type).toBe('application/vnd.microsoft.card.adaptive');
  expect(cardText(afterNext?.value)).toContain(label[language].cause(2, n));
  const shownNext = await d.waitForUpdate(answer.messageId, undefined, { after: mark });
  expect(cardText(shownNext.card)).toContain(label[language].cause(2, n));
  expect(cardText(shownNext.card)).toContain(title(entry.causes[1], language));

  const previous = button(shownNext.card, 'troubleshoot.previous', label[language].previous);
  mark = d.mark();
  await d.invoke(previous.verb, previous.data, answer.messageId);
  const shownPrevious = await d.waitForUpdate(answer.messageId, undefined, { after: mark });
  expect(cardText(shownPrevious.card)).toContain(label[language].cause(1, n));
  expect(cardText(shownPrevious.card)).toContain(title(entry.causes[0], language));
  // Stepping never posted a second card.
  expect(d.botMessages({ after: mark, conversation: d.personalChat })).toEqual([]);
});

test('help and codes answer, in English and in Polish', async () => {
  expect(cardText((await d.ask('help')).card)).toContain('How to ask Backup Doctor');
  expect(cardText((await d.ask('pomoc')).card)).toContain('Jak pytać Backup Doctora');
  const codes = cardText((await d.ask('codes')).card);
  for (const entry of seed) expect(codes).toContain(entry.code);
  expect(cardText((await d.ask('kody')).card)).toContain('Znane kody');
});

test('in a team channel, a mention with a code gets the card in that thread, and Next works there', async () => {
  const general = d.channel('General');
  const answer = await d.ask('ExtentionOperationFailed', { conversation: general, mention: true });
  expectSeedCard(answer.card, seed[2], 'en');
  const next = button(answer.card, 'troubleshoot.next');
  const mark = d.mark();
  await d.invoke(next.verb, next.data, answer.messageId, { conversation: answer.conversationId });
  const shown = await d.waitForUpdate(answer.messageId, undefined, { after: mark });
  expect(cardText(shown.card)).toContain(label.en.cause(2, kb.orderedCauses(seed[2].code).length));
});

test('a pasted failed-job JSON and nonsense both get a useful answer', async () => {
  const job = JSON.stringify({ properties: { jobType: 'AzureIaaSVMJob', status: 'Failed', errorDetails: [{ errorCode: 400021, errorString: 'Could not communicate with the VM agent for snapshot status' }] } });
  expect(cardText((await d.ask(job)).card).split('\n')[0]).toBe('GuestAgentSnapshotTaskStatusError');
  const unknown = await d.ask('my coffee machine is broken');
  expect(cardText(unknown.card)).toContain("I don't know this one");
  expect(cardButtons(unknown.card).some((b) => b.verb === 'troubleshoot.start')).toBe(true);
});

/**
 * Other workloads' failures pasted as Azure prints them (English) or as the Polish portal shows
 * them: each gets its code's card with its causes in the documented order, in the paste's language.
 */
const otherWorkloads = [
  { workload: 'SQL Server', language: 'en', paste: 'Backup job failed on sql-vm01: Azure Backup is not able to connect to the SQL instance.', code: 'UserErrorOpeningSQLConnection' },
  { workload: 'SQL Server', language: 'pl', paste: 'Nie można wykonać kopii zapasowej, ponieważ dziennik transakcji dla źródła danych jest pełny.', code: 'UserErrorBackupFailedAsTransactionLogIsFull' },
  { workload: 'SAP HANA', language: 'en', paste: 'UserErrorHDBsettingsScriptNotFound when restoring SYSTEMDB on hana-vm01', code: 'UserErrorHDBsettingsScriptNotFound' },
  { workload: 'SAP HANA', language: 'pl', paste: 'Dzień dobry, dostajemy: Nie można nawiązać połączenia z systemem HANA', code: 'UserErrorInOpeningHanaOdbcConnection' },
  { workload: 'Azure Files', language: 'en', paste: 'Backup failed as the Azure File Share is in soft-deleted state', code: 'UserErrorBackupAFSInSoftDeleteState' },
  { workload: 'Azure Files', language: 'pl', paste: 'Operacja nie powiodła się, ponieważ określone konto magazynu już nie istnieje.', code: 'UserErrorStorageAccountNotFound' },
  { workload: 'MARS agent', language: 'en', paste: 'Error 34506. The encryption passphrase stored on this computer is not correctly configured.', code: 'MarsPassphraseNotConfigured' },
  { workload: 'MARS agent', language: 'pl', paste: 'Podano nieprawidłowe poświadczenia magazynu. Plik jest uszkodzony albo nie zawiera najnowszych poświadczeń', code: 'MarsInvalidVaultCredentials' },
] as const;

test.each(otherWorkloads)('$workload: a failure pasted in $language gets its card with the causes in order', async ({ paste, code, language }) => {
  const answer = await d.ask(paste);
  const text = cardText(answer.card);
  expect(text.split('\n')[0]).toBe(code);
  const all = kb.orderedCauses(code);
  expect(text).toContain(label[language].cause(1, all.length));
  expect(causeList(answer.card, language)).toEqual(all.map((cause) => cause.title[language]));
});

test('codes lists every workload, with the codes of each', async () => {
  const codes = cardText((await d.ask('codes')).card);
  for (const entry of kb.codes) expect(codes).toContain(entry.id);
  for (const workload of workloadOrder) expect(codes).toContain(knowledgeWorkloadLabel(workload).en);
});
