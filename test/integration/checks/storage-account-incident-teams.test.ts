import { mentionMessage } from '../../helpers/activities';
import { fixture, postAlert } from '../alerts/alert-test-kit';
import { type IncidentChecksBot, causesThenChecks, startIncidentChecksBot } from './incident-checks-kit';

/**
 * A Blob backup failure about a locked storage account, end to end in Teams: the built-in Azure Monitor
 * alert of a Backup vault (test/fixtures/alerts/common-blob-backup-vault.json, with the documented message
 * of UserErrorStorageAccountInLockedState and its aka.ms/AB- link) reaches /api/alerts, its incident card posts to the subscribed
 * channel, "Causes of <code>" opens the stepping card for the storage account and vault, and "Run checks"
 * names the ReadOnly lock on the account, read through the real SDK clients (@azure/arm-locks) from the
 * ARM simulator's default scenario. Real CloudAdapter over HTTP.
 */
const channel = '19:blobs@thread.tacv2';

function lockedAlert(): Record<string, unknown> {
  const alert = fixture('common-blob-backup-vault.json') as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } };
  alert.data.essentials['description'] = 'Operation failed because storage account is in locked state.';
  alert.data.essentials['firedDateTime'] = new Date().toISOString();
  // The message alone is also Azure Files' twin code's; the alert's link to the code's article names it, as Azure Backup's alerts do.
  const extendedInfo = alert.data.alertContext['extendedInfo'] as Record<string, unknown>;
  alert.data.alertContext['extendedInfo'] = { ...extendedInfo, recommendedActions: 'Remove the read-only lock on the storage account. For troubleshooting instructions, see https://aka.ms/AB-usererrorstorageaccountinlockedstate' };
  return alert;
}

describe('a Blob backup alert about a locked storage account, "Causes of" and Run checks in Teams', () => {
  let kit: IncidentChecksBot;
  beforeAll(async () => {
    kit = await startIncidentChecksBot();
  }, 30_000);
  afterAll(() => kit.stop());

  it('names the ReadOnly lock on the storage account as the likely cause', async () => {
    const { bot, connector } = kit;
    const conversationId = `${channel};messageid=4001`;
    await bot.post(mentionMessage('subscribe vault bv-prod-weu', { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
    expect(connector.of(conversationId, 'reply').at(-1)!.activity.text).toContain('Subscribed');

    expect((await postAlert(bot.running.url, lockedAlert())).status).toBe(202);
    const { stepping, checked } = await causesThenChecks(kit, channel, 'UserErrorStorageAccountInLockedState', 'en');
    expect(stepping).toContain('storage account stblobs01 (RG rg-data) · vault bv-prod-weu');
    expect(checked).toContain('Check results: stblobs01');
    expect(checked).toContain('Storage account stblobs01 has ReadOnly lock "freeze-stblobs01": it refuses the changes backup and restore make to the account. Remove it, or use a CanNotDelete lock instead.');
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Likely/);
  });

  it('says the same in Polish in a channel subscribed in Polish', async () => {
    const polish = '19:obiekty-blob@thread.tacv2';
    await kit.bot.post(mentionMessage('subskrybuj magazyn bv-prod-weu', { serviceUrl: kit.connector.url, conversationId: `${polish};messageid=4002`, locale: 'pl-PL' }));
    const { checked } = await causesThenChecks(kit, polish, 'UserErrorStorageAccountInLockedState', 'pl');
    expect(checked).toContain('Na koncie magazynu stblobs01 jest blokada ReadOnly "freeze-stblobs01": odrzuca zmiany, które kopia i przywracanie wprowadzają na koncie. Usuń ją albo zastąp blokadą CanNotDelete.');
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Prawdopodobna/);
  });
});
