import { executeInvoke, mentionMessage } from '../../helpers/activities';
import { cardExecutes, cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, fixture, postAlert } from '../alerts/alert-test-kit';
import { FlakyConnector } from '../alerts/flaky-connector';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * A Disk backup failure end to end in Teams: the built-in Azure Monitor alert of a Backup vault
 * (test/fixtures/alerts/common-disk-backup-vault.json, with the code's documented message) reaches
 * /api/alerts, its incident card posts to the subscribed channel, "Causes of <code>" opens the stepping
 * card for that disk and vault, and "Run checks" shows what the vault's identity lacks, read through the
 * real SDK clients from the ARM simulator's default scenario (bv-prod-weu lacks Disk Backup Reader on
 * disk-data01 and has Disk Snapshot Contributor on rg-snapshots). Real CloudAdapter over HTTP.
 */
const channel = '19:disks@thread.tacv2';
const message = 'Backup Vault managed identity is missing the necessary permissions to do this operation.';

function diskAlert(jobId: string, diskName = 'disk-data01'): Record<string, unknown> {
  const alert = fixture('common-disk-backup-vault.json') as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> } };
  const diskId = `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-disks/providers/Microsoft.Compute/disks/${diskName}`;
  alert.data.essentials['description'] = message;
  alert.data.essentials['firedDateTime'] = new Date().toISOString();
  alert.data.alertContext = { ...alert.data.alertContext, sourceId: diskId, affectedItems: diskId, linkedResourceId: diskId, linkedResourceName: diskName, extendedInfo: { jobId } };
  return alert;
}

describe('a Disk backup alert, "Causes of" and Run checks in Teams', () => {
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

  async function say(text: string, post: string, locale = 'en-US'): Promise<string> {
    const conversationId = `${channel};messageid=${post}`;
    const before = connector.of(conversationId, 'reply').length;
    await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId, locale }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > before);
    return connector.of(conversationId, 'reply').at(-1)!.activity.text as string;
  }

  async function press(action: { verb: string; data: unknown }, replyToId: string): Promise<unknown> {
    const r = await bot.post(executeInvoke(action.verb, action.data, replyToId, { serviceUrl: connector.url, conversationId: channel, conversationType: 'channel' }));
    expect(r.status).toBe(200);
    return (r.body as { value: unknown }).value;
  }

  it('shows the missing Disk Backup Reader as the likely cause, and the snapshot role as ruled out', async () => {
    expect(await say('subscribe vault bv-prod-weu', '2001')).toContain('Subscribed');
    const accepted = await postAlert(bot.running.url, diskAlert('aaaaaaaa-0000-0000-0000-0000000000d1'));
    expect(accepted.status).toBe(202);
    await connector.waitFor(() => connector.of(channel, 'create').length === 1);
    const incident = connector.of(channel, 'create')[0]!;
    const incidentCard = incident.activity.attachments[0].content;
    expect(cardText(incidentCard)).toContain('UserErrorDiskBackupAuthorizationFailed');
    const causes = cardExecutes(incidentCard).find((a) => a.title === 'Causes of UserErrorDiskBackupAuthorizationFailed');
    expect(causes).toBeDefined();

    const before = connector.of(channel, 'reply').length;
    await press(causes!, incident.activityId);
    await connector.waitFor(() => connector.of(channel, 'reply').length > before);
    const stepping = connector.of(channel, 'reply').at(-1)!;
    const steppingCard = stepping.activity.attachments[0].content;
    expect(cardText(steppingCard)).toContain('disk disk-data01 (RG rg-disks) · vault bv-prod-weu');

    const run = cardExecutes(steppingCard).find((a) => a.title === 'Run checks');
    expect(run).toBeDefined();
    const checked = cardText(await press(run!, stepping.activityId));
    expect(checked).toContain('Check results: disk-data01');
    expect(checked).toContain(
      "The Backup vault bv-prod-weu's managed identity (object id b0b0b0b0-0000-4000-8000-000000000001) has no role on disk disk-data01: it needs Disk Backup Reader there.",
    );
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Likely/);
    expect(checked).toMatch(/2\. ✅ [^\n]+: Ruled out/);
  });

  it('answers in Polish in a channel subscribed in Polish (the open incident is posted when it subscribes)', async () => {
    const polish = '19:dyski@thread.tacv2';
    const conversationId = `${polish};messageid=3001`;
    await bot.post(mentionMessage('subskrybuj magazyn bv-prod-weu', { serviceUrl: connector.url, conversationId, locale: 'pl-PL' }));
    await connector.waitFor(() => connector.of(polish, 'create').length === 1);
    const incident = connector.of(polish, 'create')[0]!;
    const causes = cardExecutes(incident.activity.attachments[0].content).find((a) => a.title === 'Przyczyny UserErrorDiskBackupAuthorizationFailed');
    expect(causes).toBeDefined();
    const options = { serviceUrl: connector.url, conversationId: polish, conversationType: 'channel' as const, locale: 'pl-PL' };
    expect((await bot.post(executeInvoke(causes!.verb, causes!.data, incident.activityId, options))).status).toBe(200);
    await connector.waitFor(() => connector.of(polish, 'reply').length > 0);
    const stepping = connector.of(polish, 'reply').at(-1)!;
    const run = cardExecutes(stepping.activity.attachments[0].content).find((a) => a.title === 'Sprawdź w Azure');
    expect(run).toBeDefined();
    const checked = await bot.post(executeInvoke(run!.verb, run!.data, stepping.activityId, options));
    const text = cardText((checked.body as { value: unknown }).value);
    expect(text).toContain('Tożsamość zarządzana magazynu kopii zapasowych bv-prod-weu (identyfikator obiektu b0b0b0b0-0000-4000-8000-000000000001) nie ma żadnej roli na dysku disk-data01: potrzebuje tam roli Disk Backup Reader.');
    expect(text).toMatch(/2\. ✅ [^\n]+: Wykluczona/);
  });
});
