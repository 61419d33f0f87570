import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PlaygroundDriver, type ShownMessage, button, cardButtons, cardText } from './playground-driver';

/**
 * Issue 4, "Done when", as a user runs it: in the demo, `@Backup Doctor subscribe` in a team
 * channel, then `npm run demo:alerts` (the real script, pointed at the demo's bot) posts a storm of
 * sample alerts; the channel shows one card per incident, updated in place, whose Troubleshoot
 * button opens a troubleshooting card on which Run checks works.
 */

jest.setTimeout(120_000);

const repoRoot = join(__dirname, '..', '..', '..');
let d: PlaygroundDriver;
let general: string;

beforeAll(async () => {
  d = await PlaygroundDriver.start();
  general = d.channel('General');
});

afterAll(async () => {
  await d?.stop();
});

/** A new post in the channel mentioning the bot; returns the bot's reply in that post's thread. */
async function post(text: string): Promise<ShownMessage> {
  const mark = d.mark();
  const sent = await d.say(text, { conversation: general, mention: true });
  expect(sent.postConversationId).toBeDefined();
  return d.waitForBotMessage(undefined, { after: mark, conversation: sent.postConversationId as string });
}

/** `npm run demo:alerts` against this demo: resolves with its output once it has posted everything. */
function runDemoAlerts(env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(repoRoot, 'node_modules', '.bin', 'tsx'), [join(repoRoot, 'scripts', 'demo-alerts.ts'), d.demo.bot.url], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`demo:alerts exited with ${String(code)}:\n${output}`));
    });
  });
}

/** Waits until the playground has shown nothing new for `quietMs` (the outbox has drained), at most `maxMs`. */
async function settle(quietMs = 3_000, maxMs = 40_000): Promise<void> {
  const start = Date.now();
  let seen = d.mark();
  let since = Date.now();
  while (Date.now() - start < maxMs) {
    await new Promise((done) => setTimeout(done, 250));
    if (d.mark() !== seen) {
      seen = d.mark();
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
  }
  throw new Error('the playground never settled');
}

function fact(card: unknown, label: string): string | undefined {
  const lines = cardText(card).split('\n');
  const at = lines.indexOf(label);
  return at >= 0 ? lines[at + 1] : undefined;
}

let stormStart = 0;

test('subscribe in a channel is confirmed in the thread, and "subscriptions" in a later post finds it', async () => {
  const confirm = await post('subscribe');
  expect(confirm.text ?? cardText(confirm.card)).toContain('Subscribed: incident cards for all vaults will be posted here');
  const list = await post('subscriptions');
  expect(list.text ?? cardText(list.card)).toContain('This conversation receives incident cards for:\n- all vaults');
});

test('npm run demo:alerts: one card per incident in the channel, each updated in place', async () => {
  stormStart = d.mark();
  const output = await runDemoAlerts();
  expect(output).toContain('done:');
  expect(output).not.toContain('duplicate');
  await settle();

  const cards = d.botMessages({ after: stormStart }).filter((m) => m.card !== undefined);
  // Every card is a new post in the channel itself, none in the personal chat or in the subscribe thread.
  for (const c of cards) {
    expect(c.conversationId).toBe(general);
    expect(c.postConversationId).toBeDefined();
  }
  // The storm spans 2 vaults x 3 codes: exactly 6 incidents, one card each.
  const groups = cards.map((c) => `${fact(c.card, 'Vault') ?? '?'} ${fact(c.card, 'Error code') ?? '?'}`).sort();
  expect(groups).toEqual(
    [
      'rsv-dr-neu ExtensionSnapshotFailedNoNetwork',
      'rsv-dr-neu UserErrorGuestAgentStatusUnavailable',
      'rsv-dr-neu UserErrorRpCollectionLimitReached',
      'rsv-prod-weu ExtensionSnapshotFailedNoNetwork',
      'rsv-prod-weu UserErrorGuestAgentStatusUnavailable',
      'rsv-prod-weu UserErrorRpCollectionLimitReached',
    ].sort(),
  );

  // Updated in place as the storm went on: the biggest card changed after it was posted, a bounded number of times.
  const agent = cards.find((c) => fact(c.card, 'Vault') === 'rsv-prod-weu' && fact(c.card, 'Error code') === 'UserErrorGuestAgentStatusUnavailable') as ShownMessage;
  const updates = d.updatesOf(agent.messageId, stormStart);
  expect(updates.length).toBeGreaterThanOrEqual(1);
  const allUpdates = cards.reduce((sum, c) => sum + d.updatesOf(c.messageId, stormStart).length, 0);
  expect(allUpdates).toBeLessThanOrEqual(cards.length * 10);
  const latest = cardText(d.latest(agent.messageId)?.card);
  expect(latest).toMatch(/\d+ VMs affected, 5 recovered/);
  expect(latest).toContain('vm-sql01: failing');
  expect(latest).toContain('vm-linux01: failing');
  expect(latest).toContain('vm-batch-01: recovered');
  expect(latest).toMatch(/and \d+ more/);
  // Since when, in the reader's own time zone: Teams' DATE/TIME formatting, never a raw ISO time.
  expect(latest).toMatch(/^First alert \{\{DATE\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ, SHORT\)\}\} \{\{TIME\(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\}\}$/m);
  expect(latest).toMatch(/^Last alert \{\{DATE\(/m);
  expect(latest.replace(/\{\{(DATE|TIME)\([^)]*\)\}\}/g, '')).not.toMatch(/\d{4}-\d\d-\d\dT\d\d:\d\d/);
  // Where, and what to do next.
  expect(fact(agent.card, 'Resource group')).toBe('rg-backup');
  expect(latest).toMatch(/^Recovering: \d+ of \d+ VMs still failing\.$/m);
  expect(latest).toMatch(/Buttons cover 3 of \d+ failing VMs; for any other, ask "why did the backup of <vm> fail\?"/);
});

test('Troubleshoot vm-sql01 on the incident card opens its troubleshooting card in the thread, and Run checks finds the cause', async () => {
  const agent = d
    .botMessages({ after: stormStart })
    .find((c) => fact(c.card, 'Vault') === 'rsv-prod-weu' && fact(c.card, 'Error code') === 'UserErrorGuestAgentStatusUnavailable') as ShownMessage;
  const current = d.latest(agent.messageId);
  const troubleshoot = button(current?.card, 'incident.troubleshoot', 'Troubleshoot vm-sql01');
  const thread = agent.postConversationId as string;

  let mark = d.mark();
  await d.invoke(troubleshoot.verb, troubleshoot.data, agent.messageId, { conversation: thread });
  const card = await d.waitForBotMessage((m) => m.card !== undefined, { after: mark, conversation: thread });
  const text = cardText(card.card);
  expect(text.split('\n')[0]).toBe('UserErrorGuestAgentStatusUnavailable');
  expect(text).toContain('Target: VM vm-sql01 · vault rsv-prod-weu');
  expect(text).toContain('Cause 1 of');
  // The incident card is still there, unchanged by the press.
  expect(cardText(d.latest(agent.messageId)?.card)).toContain('Backup failures');

  const run = button(card.card, 'checks.run');
  mark = d.mark();
  const answer = await d.invoke(run.verb, run.data, card.messageId, { conversation: card.conversationId });
  expect(cardText(answer?.value)).toContain('The agent is installed in the VM but unresponsive (Windows VMs): Likely');
  const shown = await d.waitForUpdate(card.messageId, undefined, { after: mark });
  expect(cardText(shown.card)).toContain('Check results: vm-sql01');
  expect(cardButtons(shown.card).map((b) => b.title)).toContain('Go to likely cause (2)');
});

test('/healthz, /readyz and /metrics describe the alert path', async () => {
  const health = await fetch(`${d.demo.bot.url}/healthz`);
  expect(health.status).toBe(200);
  const ready = await fetch(`${d.demo.bot.url}/readyz`);
  expect(ready.status).toBe(200);
  expect(JSON.stringify(await ready.json())).toMatch(/outbox/i);
  const metrics = await (await fetch(`${d.demo.bot.url}/metrics`)).text();
  expect(metrics).toMatch(/backup_doctor_alerts_received_total\{outcome="grouped"\} \d+/);
  expect(metrics).toMatch(/backup_doctor_deliveries_total\{kind="create"\} 6/);
  // Without the shared secret the webhook refuses.
  const refused = await fetch(`${d.demo.bot.url}/api/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(refused.status).toBe(401);
});

test('unsubscribe written in a later post of the channel stops the cards there', async () => {
  const reply = await post('unsubscribe');
  expect(reply.text ?? cardText(reply.card)).toContain('Unsubscribed (1 removed)');
  const mark = d.mark();
  const response = await fetch(`${d.demo.bot.url}/api/alerts?code=local-demo-secret`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vault: 'rsv-prod-weu', vm: 'vm-app02', errorCode: 'ExtensionOperationFailedForManagedDisks', subscriptionId: '00000000-0000-0000-0000-000000000001', resourceGroup: 'rg-backup' }),
  });
  expect(response.status).toBe(202);
  await settle(2_000, 10_000);
  expect(d.botMessages({ after: mark, conversation: general })).toEqual([]);
});

test('a channel that subscribes after the storm gets the open incidents at once, one card each, and never twice', async () => {
  const announcements = d.channel('Announcements');
  const subscribeThere = async (): Promise<string> => {
    const mark = d.mark();
    const sent = await d.say('subscribe', { conversation: announcements, mention: true });
    const reply = await d.waitForBotMessage(undefined, { after: mark, conversation: sent.postConversationId as string });
    return reply.text ?? cardText(reply.card);
  };
  const mark = d.mark();
  // The six storm incidents and the one opened while General had unsubscribed: none has fully recovered.
  expect(await subscribeThere()).toContain('Subscribed: incident cards for all vaults will be posted here. 7 open incidents will be posted here.');
  await settle(2_000, 20_000);
  const cards = d.botMessages({ after: mark, conversation: announcements }).filter((m) => m.card !== undefined);
  expect(cards).toHaveLength(7);
  expect(new Set(cards.map((c) => `${fact(c.card, 'Vault') ?? '?'} ${fact(c.card, 'Error code') ?? '?'}`)).size).toBe(7);

  const again = d.mark();
  expect(await subscribeThere()).toContain('7 open incidents are already posted here.');
  await settle(2_000, 10_000);
  expect(d.botMessages({ after: again, conversation: announcements }).filter((m) => m.card !== undefined)).toEqual([]);
});

test('a second npm run demo:alerts against the same state posts new alerts (fresh job ids), none of them duplicates', async () => {
  const again = await runDemoAlerts({ DEMO_ALERTS: '5' });
  expect(again).toMatch(/done: \d+ grouped/);
  expect(again).not.toContain('duplicate');
});
