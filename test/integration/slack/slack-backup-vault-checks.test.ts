import { alertSecret, fixture, postAlert } from '../alerts/alert-test-kit';
import { type Harness, startHarness } from '../azure/simulator-harness';
import { blocksText, buttonsOf, eventBody, postSigned, pressBody, type SlackTestBot, startSlackBot } from './slack-test-kit';

/**
 * A Blob backup failure end to end in Slack: the built-in Azure Monitor alert of a Backup vault
 * (test/fixtures/alerts/common-blob-backup-vault.json, with the code's documented message) reaches
 * /api/alerts, the incident message posts to the subscribed channel, "Causes of <code>" opens the
 * troubleshooting message for that storage account, and "Run checks" shows that the vault's identity
 * has only Reader on it (the ARM simulator's default scenario), through Bolt and the real SDK clients.
 */
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const channel = 'C0BLOBS';

function blobAlert(): Record<string, unknown> {
  const alert = fixture('common-blob-backup-vault.json') as { data: { essentials: Record<string, unknown> } };
  alert.data.essentials['description'] = 'Appropriate permissions to perform the operation are missing.';
  alert.data.essentials['firedDateTime'] = new Date().toISOString();
  return alert;
}

let harness: Harness;
let slack: SlackTestBot;

beforeAll(async () => {
  harness = await startHarness();
  slack = await startSlackBot({ ALERTS_SHARED_SECRET: alertSecret, INCIDENT_COALESCE_SECONDS: '0', POLL_INTERVAL_MINUTES: '0' }, { azure: harness.gateway });
}, 30_000);
afterAll(async () => {
  await slack.stop();
  await harness.sim.close();
});

async function press(button: { actionId: string; value?: string }, messageTs: string): Promise<{ method: string; text: string; ts: string; blocks: object[] }> {
  const before = slack.api.messages().length;
  expect((await postSigned(slack.bot.running.url, pressBody({ actionId: button.actionId, value: button.value ?? '', messageTs, channel }), form)).status).toBe(200);
  const call = (await slack.api.waitFor((c) => c.length > before, 15_000))[before];
  const blocks = (call?.args['blocks'] ?? []) as object[];
  return { method: call?.method ?? '', text: blocksText(blocks), ts: String(call?.ts ?? call?.args['ts'] ?? ''), blocks };
}

test('a Blob backup alert: Causes of, then Run checks names the role the vault identity lacks on the storage account', async () => {
  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, eventBody('app-mention-code.json', { text: '<@UBACKUPDOC> subscribe vault bv-prod-weu', channel, ts: '1700003001.000100' }, { event_id: 'Ev0BLOB1' }), json);
  expect(blocksText((await slack.api.waitFor((c) => c.length > before, 10_000))[before]?.args['blocks'])).toContain('Subscribed');

  expect((await postAlert(slack.bot.running.url, blobAlert())).status).toBe(202);
  const incidentPost = () => slack.api.messages('chat.postMessage').find((c) => blocksText(c.args['blocks']).includes('UserErrorMissingRequiredPermissions'));
  await slack.api.waitFor(() => incidentPost() !== undefined, 15_000);
  const incident = incidentPost()!;
  const causes = buttonsOf(incident.args['blocks']).find((b) => b.text === 'Causes of UserErrorMissingRequiredPermissions');
  expect(causes).toBeDefined();

  const opened = await press(causes!, String(incident.ts));
  expect(opened.method).toBe('chat.postMessage');
  expect(opened.text).toContain('storage account stblobs01 (RG rg-data) · vault bv-prod-weu');
  const run = buttonsOf(opened.blocks).find((b) => b.text === 'Run checks');
  expect(run).toBeDefined();

  const checked = await press(run!, opened.ts);
  expect(checked.method).toBe('chat.update');
  expect(checked.text).toContain('Check results: stblobs01');
  expect(checked.text).toContain("The Backup vault bv-prod-weu's managed identity has only Reader on storage account stblobs01, not Storage Account Backup Contributor.");
}, 60_000);
