import { mentionMessage } from '../../helpers/activities';
import { cardOf, cardText, ConnectorStub } from '../../helpers/connector-stub';
import { alertSecret, minimalAlert, postAlert } from '../alerts/alert-test-kit';
import { blocksText, button, buttonsOf, eventBody, postSigned, pressBody, type SlackTestBot, startSlackBot } from './slack-test-kit';

/**
 * One outbox, two channels: a Teams channel and a Slack channel subscribe, an alert storm comes
 * in, and each gets one message per incident, updated in place as the storm goes on, within
 * its own channel's limits. Real server, CloudAdapter to a loopback connector, Bolt to a
 * loopback Slack API.
 */

const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
const TEAMS_CHANNEL = '19:oncall@thread.tacv2';
let slack: SlackTestBot;
let connector: ConnectorStub;
let serviceUrl: string;
let events = 0;

beforeAll(async () => {
  connector = new ConnectorStub();
  serviceUrl = await connector.start();
  slack = await startSlackBot({ ALERTS_SHARED_SECRET: alertSecret, INCIDENT_COALESCE_SECONDS: '0.2' });
});

afterAll(async () => {
  await slack.stop();
  await connector.stop();
});

async function slackSays(text: string, channel = 'C0ONCALL'): Promise<string> {
  events += 1;
  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, eventBody('app-mention-code.json', { text: `<@UBACKUPDOC> ${text}`, channel, ts: `1700002${String(events).padStart(3, '0')}.000100` }, { event_id: `Ev0INC${events}` }), json);
  return blocksText((await slack.api.waitFor((c) => c.length > before, 10_000))[before]?.args['blocks']);
}

const slackIncidentPosts = () => slack.api.messages('chat.postMessage').filter((c) => blocksText(c.args['blocks']).includes('Backup failures') || blocksText(c.args['blocks']).includes('incident recovered'));
const teamsIncidentCards = () => connector.calls.filter((c) => c.kind === 'send' && cardText(cardOf(c)).includes('Backup failures'));

test('a Teams channel and a Slack channel subscribe; a storm over two codes gives each one message per incident, updated in place; Troubleshoot works from Slack', async () => {
  expect(await slackSays('subscribe vault rsv-prod-weu')).toContain('Subscribed: incident cards for vault rsv-prod-weu');
  expect(await slackSays('subscriptions')).toContain('vault rsv-prod-weu');
  await slack.bot.post(mentionMessage('subscribe vault rsv-prod-weu', { serviceUrl, conversationId: TEAMS_CHANNEL, conversationType: 'channel' }));
  await connector.waitFor((c) => c.some((x) => cardText(x.activity).includes('Subscribed') || String(x.activity?.text ?? '').includes('Subscribed')));

  // 20 alerts: 12 VMs with the agent code, 8 with the snapshot code, all in one vault.
  const alerts = [
    ...Array.from({ length: 12 }, (_, i) => minimalAlert('rsv-prod-weu', `vm-agent-${i}`, 'UserErrorGuestAgentStatusUnavailable', `job-agent-${i}-0000`)),
    ...Array.from({ length: 8 }, (_, i) => minimalAlert('rsv-prod-weu', `vm-snap-${i}`, 'ExtensionSnapshotFailedNoNetwork', `job-snap-${i}-00000`)),
  ];
  for (const alert of alerts) expect((await postAlert(slack.bot.running.url, alert)).status).toBe(202);

  // Each channel: two incident messages, never more, and their last versions name every VM.
  const slackUpdates = () => slack.api.messages('chat.update');
  await slack.api.waitFor(() => slackIncidentPosts().length === 2 && [...slackIncidentPosts(), ...slackUpdates()].some((c) => blocksText(c.args['blocks']).includes('12 VMs affected')), 20_000);
  await connector.waitFor(() => teamsIncidentCards().length === 2 && connector.calls.some((c) => cardText(cardOf(c)).includes('12 VMs affected')), 20_000);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  expect(slackIncidentPosts()).toHaveLength(2);
  expect(teamsIncidentCards()).toHaveLength(2);
  const latestSlack = (ts: string) => [...slackIncidentPosts(), ...slackUpdates()].filter((c) => (c.ts ?? c.args['ts']) === ts).at(-1);
  const agentPost = slackIncidentPosts().find((c) => blocksText(c.args['blocks']).includes('UserErrorGuestAgentStatusUnavailable'));
  const agentLatest = latestSlack(agentPost?.ts ?? '');
  expect(blocksText(agentLatest?.args['blocks'])).toContain('12 VMs affected');
  for (const update of slackUpdates()) expect(slackIncidentPosts().map((p) => p.ts)).toContain(update.args['ts']);
  expect(slack.api.messages('chat.postMessage').every((c) => c.args['channel'] === 'C0ONCALL')).toBe(true);

  // Troubleshoot a VM from the Slack incident message: its troubleshooting message, with the VM and vault.
  const troubleshoot = buttonsOf(agentLatest?.args['blocks']).find((b) => b.text === 'Troubleshoot vm-agent-0');
  expect(troubleshoot).toBeDefined();
  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, pressBody({ actionId: troubleshoot?.actionId ?? '', value: troubleshoot?.value ?? '', messageTs: agentPost?.ts ?? '' }), form);
  const opened = (await slack.api.waitFor((c) => c.length > before, 10_000))[before];
  expect(opened?.method).toBe('chat.postMessage');
  const text = blocksText(opened?.args['blocks']);
  expect(text).toContain('UserErrorGuestAgentStatusUnavailable');
  expect(text).toContain('vm-agent-0');
  expect(button(opened, 'Next').actionId).toBeDefined();

  // Unsubscribed, the Slack channel gets nothing more; Teams still does.
  expect(await slackSays('unsubscribe')).toContain('Unsubscribed (1 removed)');
  const slackCount = slack.api.messages().length;
  const teamsCount = connector.calls.length;
  expect((await postAlert(slack.bot.running.url, minimalAlert('rsv-prod-weu', 'vm-late', 'BackUpOperationFailed', 'job-late-000000'))).status).toBe(202);
  await connector.waitFor((c) => c.length > teamsCount && c.some((x) => cardText(cardOf(x)).includes('BackUpOperationFailed')), 10_000);
  expect(slack.api.messages().length).toBe(slackCount);
}, 60_000);

test('Slack answers "ratelimited": the incident message waits for Retry-After and is then posted once', async () => {
  // Another channel, so nothing of the storm above is still on its way there.
  expect(await slackSays('subscribe vault rsv-limits', 'C0LIMITS')).toContain('Subscribed');
  slack.api.rateLimitNext(1, 1);
  const started = Date.now();
  expect((await postAlert(slack.bot.running.url, minimalAlert('rsv-limits', 'vm-limited', 'BackUpOperationFailed', 'job-limited-00000'))).status).toBe(202);
  const incidentIn = (c: { args: Record<string, unknown> }) => JSON.stringify(c.args).includes('rsv-limits') && JSON.stringify(c.args).includes('Backup failures');
  await slack.api.waitFor((c) => c.some((x) => x.method === 'chat.postMessage' && incidentIn(x)), 15_000);
  const calls = slack.api.calls.filter((c) => c.method.startsWith('chat.postMessage') && incidentIn(c));
  expect(calls.map((c) => c.method)).toEqual(['chat.postMessage (rate limited)', 'chat.postMessage']);
  // Retried no sooner than Slack asked.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  const metrics = await (await fetch(`${slack.bot.running.url}/metrics`)).text();
  expect(metrics).toMatch(/backup_doctor_delivery_retries_total\{status="429"\} [1-9]/);
}, 30_000);

test('Slack\'s Web API answering 503 and 500 and dropping connections for a while: every accepted alert reaches the channel, in one message', async () => {
  expect(await slackSays('subscribe vault rsv-faults', 'C0FAULTS')).toContain('Subscribed');
  slack.api.failNext(503, 'reset', 500, 'reset');
  const vms = ['vm-fault-1', 'vm-fault-2', 'vm-fault-3'];
  for (const [i, vm] of vms.entries()) expect((await postAlert(slack.bot.running.url, minimalAlert('rsv-faults', vm, 'BackUpOperationFailed', `job-fault-0000${i}`))).status).toBe(202);
  const incidentIn = (c: { args: Record<string, unknown> }) => JSON.stringify(c.args).includes('rsv-faults') && JSON.stringify(c.args).includes('Backup failures');
  const shown = () => slack.api.calls.filter((c) => (c.method === 'chat.postMessage' || c.method === 'chat.update') && incidentIn(c)).map((c) => blocksText(c.args['blocks'])).at(-1) ?? '';
  await slack.api.waitFor(() => vms.every((vm) => shown().includes(vm)), 25_000);
  expect(slack.api.calls.filter((c) => c.method.includes('(failed')).length).toBe(4);
  // One message for the incident: the failures were retried, never posted twice.
  expect(slack.api.calls.filter((c) => c.method === 'chat.postMessage' && incidentIn(c))).toHaveLength(1);
}, 30_000);

/** A press on a top-level message: Slack sends no thread_ts then (the recorded press was in a thread). */
function topLevelPress(vars: Parameters<typeof pressBody>[0]): string {
  const payload = JSON.parse(decodeURIComponent(pressBody(vars).slice('payload='.length))) as { container: Record<string, unknown>; message: Record<string, unknown> };
  delete payload.container['thread_ts'];
  delete payload.message['thread_ts'];
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** Presses a button as if it sat on the top-level message `ts` in `channel`, and returns the bot's first call after it. */
async function pressOnTopLevel(pressed: { actionId: string; value?: string }, ts: string | undefined, channel: string) {
  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, topLevelPress({ actionId: pressed.actionId, value: pressed.value ?? '', messageTs: ts ?? '', channel }), form);
  return (await slack.api.waitFor((c) => c.length > before, 10_000))[before];
}

/** Subscribes a channel to a vault (in the words given), sends one alert, and returns the incident message posted there. */
async function incidentMessageIn(channel: string, vault: string, vm: string, subscribe = 'subscribe vault', subscribed = 'Subscribed') {
  expect(await slackSays(`${subscribe} ${vault}`, channel)).toContain(subscribed);
  expect((await postAlert(slack.bot.running.url, minimalAlert(vault, vm, 'UserErrorGuestAgentStatusUnavailable', `job-${vm}-000000`))).status).toBe(202);
  const posted = (c: { method: string; args: Record<string, unknown> }) => c.method === 'chat.postMessage' && c.args['channel'] === channel && JSON.stringify(c.args).includes(vm);
  await slack.api.waitFor((c) => c.some(posted), 15_000);
  const incident = slack.api.messages().find(posted);
  expect(incident?.args['thread_ts']).toBeUndefined();
  return incident;
}

test('a Polish subscribe command is answered in Polish, its incident messages are Polish, and Diagnozuj opens Polish steps', async () => {
  const incident = await incidentMessageIn('C0POLSKA', 'rsv-pl', 'vm-pl-0', 'subskrybuj magazyn', 'Subskrypcja dodana');
  const diagnose = buttonsOf(incident?.args['blocks']).find((b) => b.text === 'Diagnozuj vm-pl-0');
  expect(diagnose).toBeDefined();

  const opened = await pressOnTopLevel({ actionId: diagnose?.actionId ?? '', value: diagnose?.value ?? '' }, incident?.ts, 'C0POLSKA');
  expect(blocksText(opened?.args['blocks'])).toMatch(/Przyczyna 1 z \d+/);
}, 30_000);

test('Troubleshoot on a top-level incident message answers in that message\'s thread', async () => {
  const incident = await incidentMessageIn('C0THREAD', 'rsv-thread', 'vm-thread-0');
  const troubleshoot = buttonsOf(incident?.args['blocks']).find((b) => b.text === 'Troubleshoot vm-thread-0');

  const opened = await pressOnTopLevel({ actionId: troubleshoot?.actionId ?? '', value: troubleshoot?.value ?? '' }, incident?.ts, 'C0THREAD');
  expect(opened?.method).toBe('chat.postMessage');
  expect(opened?.args['thread_ts']).toBe(incident?.ts);
}, 30_000);

test('a code press naming a message that never offered it (the incident message) gets a new message and leaves that one alone', async () => {
  const incident = await incidentMessageIn('C0FORGE', 'rsv-forge', 'vm-forge-0');
  const start = JSON.stringify({ v: 1, codeId: 'UserErrorRpCollectionLimitReached', lang: 'en' });

  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, topLevelPress({ actionId: 'troubleshoot.start', value: start, messageTs: incident?.ts ?? '', channel: 'C0FORGE' }), form);
  await slack.api.waitFor((c) => c.length > before, 10_000);
  await slack.bot.app.slack?.settled(10_000);
  const after = slack.api.messages().slice(before);
  expect(after.filter((c) => c.method === 'chat.update' && c.args['ts'] === incident?.ts)).toEqual([]);
  const opened = after.find((c) => c.method === 'chat.postMessage');
  expect(blocksText(opened?.args['blocks'])).toContain('UserErrorRpCollectionLimitReached');

  // Its Next press rewrites the troubleshooting message, even when the press names the incident message.
  const update = await pressOnTopLevel(button(opened, 'Next'), incident?.ts, 'C0FORGE');
  expect(update?.method).toBe('chat.update');
  expect(update?.args['ts']).toBe(opened?.ts);
}, 30_000);

test('the same press delivered twice (a replay) runs once', async () => {
  const incident = await incidentMessageIn('C0REPLAY', 'rsv-replay', 'vm-replay-0');
  const troubleshoot = buttonsOf(incident?.args['blocks']).find((b) => b.text === 'Troubleshoot vm-replay-0');
  const press = pressBody({ actionId: troubleshoot?.actionId ?? '', value: troubleshoot?.value ?? '', messageTs: incident?.ts ?? '', channel: 'C0REPLAY', trigger: '6012345678901.42.replayed' });

  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, press, form);
  await postSigned(slack.bot.running.url, press, form);
  await slack.api.waitFor((c) => c.length > before, 10_000);
  await slack.bot.app.slack?.settled(10_000);
  expect(slack.api.messages().slice(before).filter((c) => c.method === 'chat.postMessage')).toHaveLength(1);
}, 30_000);
