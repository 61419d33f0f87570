import { mentionMessage } from '../../helpers/activities';
import { fixture, postAlert } from '../alerts/alert-test-kit';
import { type IncidentChecksBot, causesThenChecks, startIncidentChecksBot } from './incident-checks-kit';

/**
 * An Azure Files backup failure end to end in Teams: the built-in Azure Monitor alert of a Recovery
 * Services vault (test/fixtures/alerts/common-files.json, protected item "AzureFileShare;finance" in
 * "StorageContainer;Storage;rg-files;stfiles01", with AFSMaxSnapshotReached's documented message) reaches
 * /api/alerts, its incident card posts to the subscribed channel, "Causes of <code>" opens the stepping
 * card for that share, and "Run checks" counts the share's snapshots through the real SDK clients
 * (@azure/arm-storage) in the ARM simulator's default scenario (finance has 200). Real CloudAdapter over HTTP.
 */
const channel = '19:files@thread.tacv2';
const code = 'AFSMaxSnapshotReached';

function filesAlert(): Record<string, unknown> {
  const alert = fixture('common-files.json') as { data: { essentials: Record<string, unknown> } };
  alert.data.essentials['description'] = "You have reached the max limit of snapshots for this file share; you'll be able to take more once the older ones expire.";
  // The fixture's originAlertId names another code; this alert is about the snapshot limit.
  alert.data.essentials['originAlertId'] = '2516288980568183370_0_2_azurestoragebackupfailedlog';
  alert.data.essentials['firedDateTime'] = new Date().toISOString();
  return alert;
}

describe('an Azure Files alert, "Causes of" and Run checks in Teams', () => {
  let kit: IncidentChecksBot;
  beforeAll(async () => {
    kit = await startIncidentChecksBot();
  }, 30_000);
  afterAll(() => kit.stop());

  it('counts the snapshots of the share the alert named, against the limit of 200', async () => {
    const { bot, connector } = kit;
    const conversationId = `${channel};messageid=5001`;
    await bot.post(mentionMessage('subscribe', { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
    expect(connector.of(conversationId, 'reply').at(-1)!.activity.text).toContain('Subscribed');

    expect((await postAlert(bot.running.url, filesAlert())).status).toBe(202);
    const { stepping, checked } = await causesThenChecks(kit, channel, code, 'en');
    expect(stepping).toContain('file share finance (storage account stfiles01, RG rg-files) · vault Vault-Prod-WEU');
    expect(checked).toContain('Check results: finance (stfiles01)');
    expect(checked).toContain('File share finance has 200 of 200 snapshots: no new backup fits until older ones are deleted or expire.');
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Likely/);
  });

  it('says the same in Polish in a channel subscribed in Polish', async () => {
    const polish = '19:udzialy@thread.tacv2';
    await kit.bot.post(mentionMessage('subskrybuj', { serviceUrl: kit.connector.url, conversationId: `${polish};messageid=5002`, locale: 'pl-PL' }));
    const { checked } = await causesThenChecks(kit, polish, code, 'pl');
    expect(checked).toContain('Udział plików finance ma 200 z 200 migawek: nowa kopia się nie zmieści, dopóki starsze nie zostaną usunięte lub nie wygasną.');
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Prawdopodobna/);
  });
});
