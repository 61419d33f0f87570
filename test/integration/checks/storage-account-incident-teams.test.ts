import { executeInvoke, mentionMessage } from '../../helpers/activities';
import { cardExecutes, cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, fixture, postAlert } from '../alerts/alert-test-kit';
import { FlakyConnector } from '../alerts/flaky-connector';
import { type Harness, startHarness } from '../azure/simulator-harness';

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
  const connector = new FlakyConnector();
  let harness: Harness;
  let bot: TestBot;
  let state: ReturnType<typeof tempStateFile>;

  beforeAll(async () => {
    await connector.start();
    harness = await startHarness();
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' }), { azure: harness.gateway });
  }, 30_000);
  afterAll(async () => {
    await bot.stop();
    await harness.sim.close();
    await connector.stop();
    state.cleanup();
  });

  async function press(action: { verb: string; data: unknown }, replyToId: string, conversationId: string, locale = 'en-US'): Promise<unknown> {
    const r = await bot.post(executeInvoke(action.verb, action.data, replyToId, { serviceUrl: connector.url, conversationId, conversationType: 'channel', locale }));
    expect(r.status).toBe(200);
    return (r.body as { value: unknown }).value;
  }

  it('names the ReadOnly lock on the storage account as the likely cause', async () => {
    const conversationId = `${channel};messageid=4001`;
    await bot.post(mentionMessage('subscribe vault bv-prod-weu', { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
    expect(connector.of(conversationId, 'reply').at(-1)!.activity.text).toContain('Subscribed');

    expect((await postAlert(bot.running.url, lockedAlert())).status).toBe(202);
    await connector.waitFor(() => connector.of(channel, 'create').length === 1);
    const incident = connector.of(channel, 'create')[0]!;
    const causes = cardExecutes(incident.activity.attachments[0].content).find((a) => a.title === 'Causes of UserErrorStorageAccountInLockedState');
    expect(causes).toBeDefined();

    const before = connector.of(channel, 'reply').length;
    await press(causes!, incident.activityId, channel);
    await connector.waitFor(() => connector.of(channel, 'reply').length > before);
    const stepping = connector.of(channel, 'reply').at(-1)!;
    const steppingCard = stepping.activity.attachments[0].content;
    expect(cardText(steppingCard)).toContain('storage account stblobs01 (RG rg-data) · vault bv-prod-weu');

    const run = cardExecutes(steppingCard).find((a) => a.title === 'Run checks');
    expect(run).toBeDefined();
    const checked = cardText(await press(run!, stepping.activityId, channel));
    expect(checked).toContain('Check results: stblobs01');
    expect(checked).toContain('Storage account stblobs01 has ReadOnly lock "freeze-stblobs01": it refuses the changes backup and restore make to the account. Remove it, or use a CanNotDelete lock instead.');
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Likely/);
  });

  it('says the same in Polish in a channel subscribed in Polish', async () => {
    const polish = '19:obiekty-blob@thread.tacv2';
    await bot.post(mentionMessage('subskrybuj magazyn bv-prod-weu', { serviceUrl: connector.url, conversationId: `${polish};messageid=4002`, locale: 'pl-PL' }));
    await connector.waitFor(() => connector.of(polish, 'create').length === 1);
    const incident = connector.of(polish, 'create')[0]!;
    const causes = cardExecutes(incident.activity.attachments[0].content).find((a) => a.title === 'Przyczyny UserErrorStorageAccountInLockedState');
    expect(causes).toBeDefined();
    await press(causes!, incident.activityId, polish, 'pl-PL');
    await connector.waitFor(() => connector.of(polish, 'reply').length > 0);
    const stepping = connector.of(polish, 'reply').at(-1)!;
    const run = cardExecutes(stepping.activity.attachments[0].content).find((a) => a.title === 'Sprawdź w Azure');
    expect(run).toBeDefined();
    const text = cardText(await press(run!, stepping.activityId, polish, 'pl-PL'));
    expect(text).toContain('Na koncie magazynu stblobs01 jest blokada ReadOnly "freeze-stblobs01": odrzuca zmiany, które kopia i przywracanie wprowadzają na koncie. Usuń ją albo zastąp blokadą CanNotDelete.');
    expect(text).toMatch(/1\. ⚠️ [^\n]+: Prawdopodobna/);
  });
});
