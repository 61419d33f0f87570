import { executeInvoke, mentionMessage } from '../../helpers/activities';
import { cardExecutes, cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, fixture, postAlert } from '../alerts/alert-test-kit';
import { FlakyConnector } from '../alerts/flaky-connector';
import { type Harness, startHarness } from '../azure/simulator-harness';

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

  it('counts the snapshots of the share the alert named, against the limit of 200', async () => {
    const conversationId = `${channel};messageid=5001`;
    await bot.post(mentionMessage('subscribe', { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
    expect(connector.of(conversationId, 'reply').at(-1)!.activity.text).toContain('Subscribed');

    expect((await postAlert(bot.running.url, filesAlert())).status).toBe(202);
    await connector.waitFor(() => connector.of(channel, 'create').length === 1);
    const incident = connector.of(channel, 'create')[0]!;
    const causes = cardExecutes(incident.activity.attachments[0].content).find((a) => a.title === `Causes of ${code}`);
    expect(causes).toBeDefined();

    const before = connector.of(channel, 'reply').length;
    await press(causes!, incident.activityId, channel);
    await connector.waitFor(() => connector.of(channel, 'reply').length > before);
    const stepping = connector.of(channel, 'reply').at(-1)!;
    const steppingCard = stepping.activity.attachments[0].content;
    expect(cardText(steppingCard)).toContain('file share finance (storage account stfiles01, RG rg-files) · vault Vault-Prod-WEU');

    const run = cardExecutes(steppingCard).find((a) => a.title === 'Run checks');
    expect(run).toBeDefined();
    const checked = cardText(await press(run!, stepping.activityId, channel));
    expect(checked).toContain('Check results: finance (stfiles01)');
    expect(checked).toContain('File share finance has 200 of 200 snapshots: no new backup fits until older ones are deleted or expire.');
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Likely/);
  });

  it('says the same in Polish in a channel subscribed in Polish', async () => {
    const polish = '19:udzialy@thread.tacv2';
    await bot.post(mentionMessage('subskrybuj', { serviceUrl: connector.url, conversationId: `${polish};messageid=5002`, locale: 'pl-PL' }));
    await connector.waitFor(() => connector.of(polish, 'create').length === 1);
    const incident = connector.of(polish, 'create')[0]!;
    const causes = cardExecutes(incident.activity.attachments[0].content).find((a) => a.title === `Przyczyny ${code}`);
    expect(causes).toBeDefined();
    await press(causes!, incident.activityId, polish, 'pl-PL');
    await connector.waitFor(() => connector.of(polish, 'reply').length > 0);
    const stepping = connector.of(polish, 'reply').at(-1)!;
    const run = cardExecutes(stepping.activity.attachments[0].content).find((a) => a.title === 'Sprawdź w Azure');
    expect(run).toBeDefined();
    const text = cardText(await press(run!, stepping.activityId, polish, 'pl-PL'));
    expect(text).toContain('Udział plików finance ma 200 z 200 migawek: nowa kopia się nie zmieści, dopóki starsze nie zostaną usunięte lub nie wygasną.');
    expect(text).toMatch(/1\. ⚠️ [^\n]+: Prawdopodobna/);
  });
});
