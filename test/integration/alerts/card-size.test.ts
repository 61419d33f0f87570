import { cardByteSize, maxCardBytes, renderCard } from '../../../src/channels/teams/card-renderer';
import { incidentCardData } from '../../../src/core/incidents/incident-view';
import { mentionMessage } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { ManualClock, alertEnv, fixture, metricValue, metricsText, postAlert } from './alert-test-kit';
import { FlakyConnector } from './flaky-connector';

/**
 * An incident whose card would be far over Teams' limit (Azure's 8,000-character description,
 * 1,000-character resource names) still reaches the channel: through the webhook, the SQLite
 * outbox and the real CloudAdapter to a connector stub on loopback, the worker driven by hand.
 */
describe('incident cards larger than Teams takes', () => {
  const connector = new FlakyConnector();
  const sub = '00000000-0000-0000-0000-000000000001';
  const vaultName = `rsv-${'v'.repeat(800)}`;
  const vmName = (i: number) => `vm-${i}-${'x'.repeat(1000)}`;
  let bot: TestBot;
  let clock: ManualClock;
  let state: { file: string; cleanup: () => void };

  /** The Azure Monitor Backup Failure alert for one VM, with Azure's longest description and very long names. */
  function hugeAlert(i: number): Record<string, unknown> {
    const alert = fixture('common-vm.json') as { data: { essentials: Record<string, unknown>; alertContext: Record<string, unknown> & { extendedInfo: Record<string, unknown> } } };
    const vmId = `/subscriptions/${sub}/resourceGroups/rg-${'r'.repeat(850)}/providers/Microsoft.Compute/virtualMachines/${vmName(i)}`;
    alert.data.essentials['alertId'] = `/subscriptions/${sub}/providers/Microsoft.AlertsManagement/alerts/huge-${i}`;
    alert.data.essentials['alertTargetIDs'] = [`/subscriptions/${sub}/resourcegroups/rg-backup/providers/microsoft.recoveryservices/vaults/${vaultName}`];
    alert.data.essentials['configurationItems'] = [vaultName];
    alert.data.essentials['description'] = `VM Agent unable to communicate with Azure Backup. ${'Azure said more. '.repeat(600)}`.slice(0, 8000);
    alert.data.essentials['firedDateTime'] = clock.now().toISOString();
    for (const key of ['sourceId', 'affectedItems', 'linkedResourceId']) alert.data.alertContext[key] = vmId;
    alert.data.alertContext['linkedResourceName'] = null;
    alert.data.alertContext['protectedItemId'] = null;
    alert.data.alertContext.extendedInfo['jobId'] = `huge-job-${i}`;
    return alert;
  }

  async function subscribe(conversationId: string): Promise<void> {
    await bot.post(mentionMessage('subscribe', { serviceUrl: connector.url, conversationId }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > 0);
  }

  async function openHugeIncident(): Promise<string> {
    let incidentId = '';
    for (let i = 0; i < 12; i++) {
      const r = await postAlert(bot.running.url, hugeAlert(i));
      expect([r.status, r.body['field']]).toEqual([202, undefined]);
      incidentId = String(r.body['incidentId']);
    }
    // As rendered before any fitting, this card is far over the limit: the premise of these tests.
    const incident = bot.app.alerts.sqlite!.incidents.get(incidentId)!;
    expect(cardByteSize(renderCard('incident', incidentCardData(incident, 'en')))).toBeGreaterThan(40_000);
    return incidentId;
  }

  beforeAll(() => connector.start());
  afterAll(() => connector.stop());
  beforeEach(async () => {
    clock = new ManualClock(new Date('2026-06-01T10:00:00Z'));
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' }), { clock, alerts: { startWorkers: false, random: () => 0.5 } });
  });
  afterEach(async () => {
    await bot.stop();
    state.cleanup();
  });

  it('a 44 KB incident reaches the channel as one card within the limit, its texts cut with "…" and a link to the rest', async () => {
    await subscribe('c-huge');
    await openHugeIncident();
    expect(await bot.app.alerts.delivery.runOnce()).toBe(1);

    const created = connector.of('c-huge', 'create');
    expect(created).toHaveLength(1);
    const card = created[0]!.activity.attachments[0].content;
    expect(cardByteSize(card)).toBeLessThanOrEqual(maxCardBytes);
    const text = cardText(card);
    expect(text).toContain('VM Agent unable to communicate with Azure Backup. Azure said more.');
    expect(text).toContain('…');
    expect(text).toContain('12 VMs affected, 0 recovered');
    expect(JSON.stringify(card)).toContain('"url":"https://learn.microsoft.com/azure/backup/backup-azure-vms-troubleshoot"');
    // The Troubleshoot buttons still carry the whole VM key, so a press finds the VM.
    const pressed = (card.actions as { data: { vm: string } }[]).map((a) => a.data.vm);
    expect(pressed).toEqual([0, 1, 2].map((i) => vmName(i).toLowerCase()));
    expect(bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  });

  it('a 413 from the channel leads to a smaller card sent again, not a dropped incident', async () => {
    await subscribe('c-413');
    await openHugeIncident();
    connector.failNext(2, 413, {}, 'c-413');
    expect(await bot.app.alerts.delivery.runOnce()).toBe(1);

    const refused = connector.refused.filter((r) => r.conversationId === 'c-413');
    expect(refused.map((r) => r.status)).toEqual([413, 413]);
    const created = connector.of('c-413', 'create');
    expect(created).toHaveLength(1);
    // Each card sent after a 413 is smaller than the one refused.
    const sizes = [...refused.map((r) => r.cardBytes), cardByteSize(created[0]!.activity.attachments[0].content)];
    expect(sizes[0]).toBeLessThanOrEqual(maxCardBytes);
    expect(sizes[1]).toBeLessThan(sizes[0]!);
    expect(sizes[2]).toBeLessThan(sizes[1]!);
    expect(bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
    const metrics = await metricsText(bot.running.url);
    expect(metricValue(metrics, 'backup_doctor_delivery_failures_total') ?? 0).toBe(0);

    // Later updates of the same card are fitted too, and replace it in place.
    connector.failNext(1, 413, {}, 'c-413');
    clock.advance(60_000);
    expect((await postAlert(bot.running.url, hugeAlert(20))).status).toBe(202);
    expect(await bot.app.alerts.delivery.runOnce()).toBe(1);
    const updates = connector.of('c-413', 'update');
    expect(updates).toHaveLength(1);
    expect(updates[0]!.activityId).toBe(created[0]!.activityId);
    expect(cardText(updates[0]!.activity.attachments[0].content)).toContain('13 VMs affected, 0 recovered');
  });

  it('a channel that refuses even the smallest form of the card gets it again later, rather than never', async () => {
    await subscribe('c-413-all');
    await openHugeIncident();
    connector.failNext(10, 413, {}, 'c-413-all');
    expect(await bot.app.alerts.delivery.runOnce()).toBe(1);
    expect(connector.of('c-413-all', 'create')).toHaveLength(0);
    expect(bot.app.alerts.sqlite!.outbox.depth()).toBe(1);

    // Every form was refused, each smaller than the one before; nothing was marked failed for good.
    const sizes = connector.refused.filter((r) => r.conversationId === 'c-413-all').map((r) => r.cardBytes);
    expect(sizes.length).toBeGreaterThan(2);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThan(sizes[i - 1]!);
    expect(metricValue(await metricsText(bot.running.url), 'backup_doctor_delivery_failures_total') ?? 0).toBe(0);

    connector.clearFailures();
    clock.advance(5 * 60_000);
    expect(await bot.app.alerts.delivery.runOnce()).toBe(1);
    expect(connector.of('c-413-all', 'create')).toHaveLength(1);
    expect(bot.app.alerts.sqlite!.outbox.depth()).toBe(0);
  });
});
