import { mentionMessage } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { fixture, postAlert } from '../alerts/alert-test-kit';
import { type IncidentChecksBot, causesThenChecks, startIncidentChecksBot } from './incident-checks-kit';

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
  let kit: IncidentChecksBot;
  beforeAll(async () => {
    kit = await startIncidentChecksBot();
  }, 30_000);
  afterAll(() => kit.stop());

  it('shows the missing Disk Backup Reader as the likely cause, and the snapshot role as ruled out', async () => {
    const { bot, connector } = kit;
    const conversationId = `${channel};messageid=2001`;
    await bot.post(mentionMessage('subscribe vault bv-prod-weu', { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
    expect(connector.of(conversationId, 'reply').at(-1)!.activity.text).toContain('Subscribed');

    expect((await postAlert(bot.running.url, diskAlert('aaaaaaaa-0000-0000-0000-0000000000d1'))).status).toBe(202);
    const { stepping, checked } = await causesThenChecks(kit, channel, 'UserErrorDiskBackupAuthorizationFailed', 'en');
    expect(cardText(connector.of(channel, 'create')[0]!.activity.attachments[0].content)).toContain('UserErrorDiskBackupAuthorizationFailed');
    expect(stepping).toContain('disk disk-data01 (RG rg-disks) · vault bv-prod-weu');
    expect(checked).toContain('Check results: disk-data01');
    expect(checked).toContain(
      "The Backup vault bv-prod-weu's managed identity (object id b0b0b0b0-0000-4000-8000-000000000001) has no role on disk disk-data01: it needs Disk Backup Reader there.",
    );
    expect(checked).toMatch(/1\. ⚠️ [^\n]+: Likely/);
    expect(checked).toMatch(/2\. ✅ [^\n]+: Ruled out/);
  });

  it('answers in Polish in a channel subscribed in Polish (the open incident is posted when it subscribes)', async () => {
    const polish = '19:dyski@thread.tacv2';
    await kit.bot.post(mentionMessage('subskrybuj magazyn bv-prod-weu', { serviceUrl: kit.connector.url, conversationId: `${polish};messageid=3001`, locale: 'pl-PL' }));
    const { checked } = await causesThenChecks(kit, polish, 'UserErrorDiskBackupAuthorizationFailed', 'pl');
    expect(checked).toContain('Tożsamość zarządzana magazynu kopii zapasowych bv-prod-weu (identyfikator obiektu b0b0b0b0-0000-4000-8000-000000000001) nie ma żadnej roli na dysku disk-data01: potrzebuje tam roli Disk Backup Reader.');
    expect(checked).toMatch(/2\. ✅ [^\n]+: Wykluczona/);
  });
});
