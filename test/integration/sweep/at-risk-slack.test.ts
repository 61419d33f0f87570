import { type SlackApiCall } from '../slack/fake-slack-api';
import { loadedRemediationPolicy, remediationPolicy } from '../remediation/remediation-scenario';
import { type Harness, startHarness } from '../azure/simulator-harness';
import { blocksText, buttonsOf, eventBody, firstCallAfter, postSigned, pressBody, type SlackTestBot, startSlackBot } from '../slack/slack-test-kit';

/**
 * "at risk" in Slack: signed mentions and presses through Bolt on the real server, the real SDK
 * clients against the ARM simulator's default scenario, answers in Block Kit to a fake Web API.
 */
const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
let harness: Harness;
let slack: SlackTestBot;
let counter = 0;

beforeAll(async () => {
  harness = await startHarness();
  const policy = loadedRemediationPolicy({ ...remediationPolicy(), groups: { operators: ['slack:T0TEST/U0OPERATOR'] }, scope: { subscriptions: ['*'], resourceGroups: ['*'] } });
  slack = await startSlackBot({}, { azure: harness.gateway, alerts: { startWorkers: false }, remediation: { azure: harness.gateway, policy, sleep: async () => undefined } });
}, 30_000);

afterAll(async () => {
  await slack.stop();
  await harness.sim.close();
});

async function mention(text: string): Promise<SlackApiCall | undefined> {
  counter += 1;
  const before = slack.api.messages().length;
  const response = await postSigned(slack.bot.running.url, eventBody('app-mention-code.json', { text: `<@UBACKUPDOC> ${text}`, ts: `1700002${String(counter).padStart(3, '0')}.000100` }, { event_id: `EvSweep${counter}` }), json);
  expect(response.status).toBe(200);
  return (await slack.api.waitFor((c) => c.length > before, 20_000))[before];
}

async function press(action: { actionId: string; value: string }, messageTs: string): Promise<SlackApiCall | undefined> {
  const before = slack.api.messages().length;
  const response = await postSigned(slack.bot.running.url, pressBody({ actionId: action.actionId, value: action.value, messageTs }), form);
  expect(response.status).toBe(200);
  // Once the bot has finished with the press: a plan's message is remembered after it is posted, and the next press needs that.
  return firstCallAfter(slack, before);
}

/** A row's buttons: those carrying the same VM index as the row's Troubleshoot. */
function rowButtons(call: SlackApiCall | undefined, vm: string): { text: string; actionId: string; value: string }[] {
  const blocks = (call?.args['blocks'] ?? []) as { type: string; text?: { text: string } }[];
  const at = blocks.findIndex((b) => b.type === 'section' && (b.text?.text ?? '').startsWith(`• *${vm}*`));
  if (at < 0) throw new Error(`${vm} is not on the digest`);
  return buttonsOf([blocks[at + 1] as object]).map((b) => ({ text: b.text, actionId: b.actionId, value: b.value ?? '' }));
}

test('"at risk" posts one Block Kit digest grouped by cause, within Slack’s limits, with each VM’s evidence and buttons', async () => {
  const posted = await mention('at risk');
  expect(posted?.method).toBe('chat.postMessage');
  const blocks = posted?.args['blocks'] as object[];
  expect(blocks.length).toBeLessThanOrEqual(50);
  const text = blocksText(blocks);
  expect(text).toContain('7 of ');
  expect(text).toMatch(/\*A resource group lock keeps old restore points \(1\)\*\n• \*vm-files01\*/);
  expect(text).toMatch(/\*Outbound 443 to Azure Storage is blocked \(1\)\*\n• \*vm-web01\*/);
  expect(text).toContain('deny-storage-outbound');
  expect(rowButtons(posted, 'vm-linux01').map((b) => b.text)).toEqual(['Troubleshoot', '🔧 Update the Linux agent and enable auto-update', '🔧 Restart the Linux agent']);
});

test('Troubleshoot on a row posts the troubleshooting message at the VM’s cause; a fix button posts the plan, and Request this fix waits for approval', async () => {
  const digest = await mention('zagrożone');
  expect(blocksText(digest?.args['blocks'] as object[])).toMatch(/Zagrożone maszyny: 7 z \d+/);
  const troubleshoot = rowButtons(digest, 'vm-web01').find((b) => b.text === 'Rozwiąż problem');
  const session = await press(troubleshoot as { actionId: string; value: string }, digest?.ts ?? '');
  expect(session?.method).toBe('chat.postMessage');
  const sessionText = blocksText(session?.args['blocks'] as object[]);
  expect(sessionText).toContain('ExtensionSnapshotFailedNoNetwork');
  expect(sessionText).toContain('deny-storage-outbound');

  const fix = rowButtons(digest, 'vm-sql01').find((b) => b.text.startsWith('🔧 '));
  const plan = await press(fix as { actionId: string; value: string }, digest?.ts ?? '');
  expect(plan?.method).toBe('chat.postMessage');
  const request = buttonsOf(plan?.args['blocks'] as object[]).find((b) => b.text === 'Zleć tę poprawkę');
  expect(request).toBeDefined();
  const requested = await press({ actionId: request?.actionId ?? '', value: request?.value ?? '' }, plan?.ts ?? '');
  expect(requested?.method).toBe('chat.update');
  expect(blocksText(requested?.args['blocks'] as object[])).toContain('Oczekuje na zatwierdzenie');
});

test('a changed button value is refused to the presser alone', async () => {
  const digest = await mention('health');
  const troubleshoot = rowButtons(digest, 'vm-app02').find((b) => b.text === 'Troubleshoot') as { actionId: string; value: string };
  const forged = { ...troubleshoot, value: JSON.stringify({ ...(JSON.parse(troubleshoot.value) as object), vm: 4242 }) };
  const answer = await press(forged, digest?.ts ?? '');
  expect(answer?.method).toBe('chat.postEphemeral');
  expect(blocksText(answer?.args['blocks'] as object[])).toContain('This sweep is gone');
});

test('a refused fix press on a digest row (a fix the cause does not offer, a changed value) is told to the presser alone and audited', async () => {
  const digest = await mention('at risk');
  const fix = rowButtons(digest, 'vm-web01').find((b) => b.text === 'Troubleshoot') as { actionId: string; value: string };
  const row = JSON.parse(fix.value) as Record<string, unknown>;
  const audit = slack.bot.app.remediation?.audit;
  if (!audit) throw new Error('remediation is not wired');
  const before = (await audit.list({ limit: 500 })).length;
  const notOffered = await press({ actionId: 'sweep.fix', value: JSON.stringify({ ...row, fixId: 'clear-restore-points-behind-lock' }) }, digest?.ts ?? '');
  expect(notOffered?.method).toBe('chat.postEphemeral');
  expect(blocksText(notOffered?.args['blocks'] as object[])).toMatch(/not offered/i);
  const changed = await press({ actionId: 'sweep.fix', value: JSON.stringify({ ...row, fixId: 'Restart Everything!' }) }, digest?.ts ?? '');
  expect(changed?.method).toBe('chat.postEphemeral');
  expect(blocksText(changed?.args['blocks'] as object[])).toContain('card data was changed');
  const added = (await audit.list({ limit: 500 })).slice(0, -before || undefined);
  expect(added.map((e) => `${e.action}:${e.reason ?? ''}`).sort()).toEqual(['fix.refused:fix-not-offered', 'fix.refused:tampered']);
});
