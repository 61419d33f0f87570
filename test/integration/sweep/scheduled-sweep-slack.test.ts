import type { Clock } from '../../../src/core/ports';
import { PROD_VAULT, type Harness, startHarness } from '../azure/simulator-harness';
import { blocksText, eventBody, postSigned, type SlackTestBot, startSlackBot } from '../slack/slack-test-kit';

/**
 * The scheduled sweep on Slack: a channel subscribes with a signed mention through Bolt, the
 * digest is posted with chat.postMessage at the scheduled time and updated with chat.update at
 * the next one. The real SDK clients against the ARM simulator; the clock moves by whole days.
 */
const day = 86_400_000;
let offsetMs = 0;
const clock: Clock = { now: () => new Date(Date.now() + offsetMs) };
let harness: Harness;
let slack: SlackTestBot;

beforeAll(async () => {
  harness = await startHarness();
  slack = await startSlackBot({ SWEEP_SCHEDULE: '00:00' }, { azure: harness.gateway, clock, alerts: { startWorkers: false } });
}, 30_000);

afterAll(async () => {
  await slack.stop();
  await harness.sim.close();
});

const digests = (method: string) => slack.api.messages(method).filter((c) => /VMs at risk/.test(blocksText(c.args['blocks'] ?? [])));

test('a subscribed Slack channel gets one digest message, updated in place by the next scheduled sweep', async () => {
  const before = slack.api.messages().length;
  await postSigned(slack.bot.running.url, eventBody('app-mention-code.json', { text: '<@UBACKUPDOC> subscribe', ts: '1700003001.000100' }, { event_id: 'EvSweepSub1' }), 'application/json');
  await slack.api.waitFor((c) => c.length > before, 10_000);
  const sweep = slack.bot.app.scheduledSweep;
  if (!sweep) throw new Error('no scheduled sweep');

  expect(await sweep.tick()).toBe('swept');
  const posted = digests('chat.postMessage');
  expect(posted).toHaveLength(1);
  expect(posted[0]?.args['channel']).toBe('C0ONCALL');
  expect(blocksText(posted[0]?.args['blocks'])).toMatch(/7 of \d+ VMs at risk/);

  // vm-web01's NSG rule is removed; the next day's sweep updates the same message.
  const web = harness.sim.state.vm(PROD_VAULT.subscriptionId, 'rg-web', 'vm-web01');
  for (const nic of web.nics) nic.effectiveRules.splice(0, nic.effectiveRules.length, ...nic.effectiveRules.filter((r) => r.access !== 'Deny'));
  offsetMs += day;
  expect(await sweep.tick()).toBe('swept');
  expect(digests('chat.postMessage')).toHaveLength(1);
  const updated = digests('chat.update');
  expect(updated).toHaveLength(1);
  expect(updated[0]?.args['ts']).toBe(posted[0]?.ts);
  // Its last backup still failed, so it stays at risk, now under the cause only the guest shows.
  expect(blocksText(updated[0]?.args['blocks'])).toMatch(/7 of \d+ VMs at risk/);
  expect(blocksText(updated[0]?.args['blocks'])).not.toContain('Outbound 443 to Azure Storage is blocked');
});
