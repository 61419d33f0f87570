import { type Harness, startHarness } from '../azure/simulator-harness';
import { blocksText, button, buttonsOf, eventBody, postSigned, pressBody, type SlackTestBot, startSlackBot } from './slack-test-kit';

/**
 * Questions about real VMs and vaults from Slack, against the ARM simulator's default scenario
 * through the real SDK clients: signed mentions to the real server, answers in Block Kit.
 */

const json = 'application/json';
const form = 'application/x-www-form-urlencoded';
let harness: Harness;
let slack: SlackTestBot;
let counter = 0;

beforeAll(async () => {
  harness = await startHarness();
  slack = await startSlackBot({}, { azure: harness.gateway, alerts: { startWorkers: false } });
});

afterAll(async () => {
  await slack.stop();
  await harness.sim.close();
});

async function mention(text: string) {
  counter += 1;
  const before = slack.api.messages().length;
  const response = await postSigned(slack.bot.running.url, eventBody('app-mention-code.json', { text: `<@UBACKUPDOC> ${text}`, ts: `1700001${String(counter).padStart(3, '0')}.000100` }, { event_id: `Ev0Q${counter}` }), json);
  expect(response.status).toBe(200);
  return (await slack.api.waitFor((c) => c.length > before, 15_000))[before];
}

test('"why did the backup of vm-sql01 fail?" opens the troubleshooting message for its job, with the VM and vault, Run checks and the fix buttons', async () => {
  const posted = await mention('why did the backup of vm-sql01 fail?');
  expect(posted?.method).toBe('chat.postMessage');
  const text = blocksText(posted?.args['blocks']);
  expect(text).toContain('UserErrorGuestAgentStatusUnavailable');
  expect(text).toContain('vm-sql01');
  expect(text).toContain('rsv-prod-weu');
  const labels = buttonsOf(posted?.args['blocks']).map((b) => b.text);
  expect(labels).toContain('Run checks');
  expect(labels.some((l) => l.startsWith('🔧 '))).toBe(true);
  // The session holds the message's ts, so its buttons update it in place.
  const next = button(posted, 'Next');
  const stepped = (await (async () => {
    const before = slack.api.messages().length;
    await postSigned(slack.bot.running.url, pressBody({ actionId: next.actionId, value: next.value, messageTs: posted?.ts ?? '' }), form);
    return (await slack.api.waitFor((c) => c.length > before, 15_000))[before];
  })());
  expect(stepped?.method).toBe('chat.update');
  expect(stepped?.args['ts']).toBe(posted?.ts);
});

test('"failed backups today" lists every failed job with a Troubleshoot button; a press opens that job\'s troubleshooting message in the thread', async () => {
  const list = await mention('failed backups in the last 24 hours');
  const text = blocksText(list?.args['blocks']);
  expect(text).toContain('vm-sql01');
  expect(text).toContain('vm-files01');
  expect(text).toMatch(/\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/);
  const troubleshoot = buttonsOf(list?.args['blocks']).filter((b) => b.text.startsWith('Troubleshoot'));
  expect(troubleshoot.length).toBeGreaterThanOrEqual(7);
  const files = troubleshoot.find((b) => b.text.includes('vm-files01'));
  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, pressBody({ actionId: files?.actionId ?? '', value: files?.value ?? '', messageTs: list?.ts ?? '' }), form);
  const opened = (await slack.api.waitFor((c) => c.length > before, 15_000))[before];
  expect(opened?.method).toBe('chat.postMessage');
  expect(blocksText(opened?.args['blocks'])).toContain('vm-files01');
});

test('"status of vault rsv-prod-weu" and its Polish form answer with the vault\'s protected and failing VMs; an unknown vault names the known ones', async () => {
  const status = await mention('status of vault rsv-prod-weu');
  expect(blocksText(status?.args['blocks'])).toContain('rsv-prod-weu');
  const polish = await mention('stan magazynu rsv-prod-weu');
  expect(blocksText(polish?.args['blocks'])).toMatch(/magazyn/i);
  const unknown = await mention('status of vault rsv-nope');
  expect(blocksText(unknown?.args['blocks'])).toContain('rsv-prod-weu');
});
