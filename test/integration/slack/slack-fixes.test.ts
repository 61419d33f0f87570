import { type ArmSimulator, startArmSimulator } from '../../../dev/arm-simulator/server';
import { loadedRemediationPolicy, remediationGateway, remediationPolicy, remediationScenario } from '../remediation/remediation-scenario';
import type { SlackApiCall } from './fake-slack-api';
import { blocksText, button, eventBody, postSigned, pressBody, type SlackTestBot, startSlackBot } from './slack-test-kit';

/**
 * The approved-fix loop from Slack, against the ARM simulator through the real SDK clients:
 * signed button presses to the real server, Block Kit answers recorded by a loopback Slack API.
 * The policy names Slack people as `slack:<team>/<user>`.
 */

const form = 'application/x-www-form-urlencoded';
const CHANNEL = 'slack:T0TEST:C0ONCALL';
const LOCK = { name: 'keep-backups', level: 'CanNotDelete', notes: 'Change board CB-1234: do not remove' };

function slackPolicy(): Record<string, unknown> {
  return {
    ...remediationPolicy(),
    groups: { operators: ['slack:T0TEST/U0OPERATOR', 'slack:T0TEST/U0APPROVER'] },
    twoPersonRule: 'high-risk',
  };
}

describe('fixes from Slack', () => {
  let sim: ArmSimulator;
  let slack: SlackTestBot;

  beforeEach(async () => {
    sim = await startArmSimulator({ scenario: remediationScenario });
    const azure = remediationGateway(sim);
    slack = await startSlackBot(
      { FIX_VERIFY_POLL_SECONDS: '0.01' },
      { azure, alerts: { startWorkers: false }, remediation: { azure, policy: loadedRemediationPolicy(slackPolicy()), sleep: async () => undefined } },
    );
  });

  afterEach(async () => {
    await slack.stop();
    await sim.close();
  });

  const remediation = () => {
    const r = slack.bot.app.remediation;
    if (!r) throw new Error('remediation module not wired');
    return r;
  };

  /** Presses a button as `user` and returns the Slack API calls the press caused. */
  async function press(actionId: string, value: string, messageTs: string, user: string): Promise<SlackApiCall[]> {
    const before = slack.api.messages().length;
    expect((await postSigned(slack.bot.running.url, pressBody({ actionId, value, messageTs, user }), form)).status).toBe(200);
    await slack.api.waitFor((c) => c.length > before, 15_000);
    // Presses are acknowledged first and handled after: wait until the handler has finished its calls.
    if (!(await slack.bot.app.slack?.settled(15_000))) throw new Error('the bot was still handling the press after 15 s');
    return slack.api.messages().slice(before);
  }

  const audit = async () => (await remediation().audit.list({ limit: 200 })).map((e) => `${e.action}:${e.reason ?? ''}:${e.actor.userId}`);

  /** A session on win-rp at the lock cause, its card at `sessionTs`, and the lock fix's plan posted by the operator. */
  async function lockFixPlan(sessionTs: string): Promise<SlackApiCall | undefined> {
    const app = slack.bot.app;
    // As "Troubleshoot win-rp" from an incident would open it, at the lock cause.
    const session = await app.troubleshoot.start({ codeId: 'UserErrorRpCollectionLimitReached', language: 'en', conversationId: CHANNEL, createdBy: 'T0TEST/U0OPERATOR', target: { vm: 'win-rp' }, activityId: sessionTs });
    const fixButton = button({ method: 'chat.postMessage', args: { blocks: app.slack?.renderSession(session).blocks ?? [] }, token: undefined }, '🔧 Clear the restore point collection behind the resource group lock');
    return (await press(fixButton.actionId, fixButton.value, sessionTs, 'U0OPERATOR')).find((c) => c.method === 'chat.postMessage');
  }

  test('request by one Slack user, approval by a second: the lock fix runs against Azure, the backup proves it, and the messages say fixed; self-approval and an outsider are refused and audited', async () => {
    const sessionTs = '1700000777.000100';
    // Plan: a new message with the exact operations and "Request this fix".
    const planned = await lockFixPlan(sessionTs);
    expect(blocksText(planned?.args['blocks'])).toContain('nothing has been changed yet');
    const planTs = planned?.ts ?? '';
    const requestButton = button(planned, 'Request this fix');

    // Request: the plan message becomes the pending request, with Approve and Reject.
    const requested = (await press(requestButton.actionId, requestButton.value, planTs, 'U0OPERATOR')).find((c) => c.method === 'chat.update');
    expect(requested?.args['ts']).toBe(planTs);
    expect(blocksText(requested?.args['blocks'])).toContain('Awaiting approval');
    const approve = button(requested, 'Approve');

    // The requester may not approve a high-risk fix; someone outside the policy may not approve at all.
    const self = (await press(approve.actionId, approve.value, planTs, 'U0OPERATOR')).find((c) => c.method === 'chat.postEphemeral');
    expect(self?.args['user']).toBe('U0OPERATOR');
    expect(blocksText(self?.args['blocks'])).toContain('the person who requested it cannot approve it');
    const outsider = (await press(approve.actionId, approve.value, planTs, 'U0STRANGER')).find((c) => c.method === 'chat.postEphemeral');
    expect(blocksText(outsider?.args['blocks'])).toContain('not allowed to approve');
    expect(await audit()).toEqual(expect.arrayContaining(['fix.refused:self-approval:T0TEST/U0OPERATOR', 'fix.refused:not-approver:T0TEST/U0STRANGER']));
    expect(sim.state.collections.some((c) => c.name === 'AzureBackup_win-rp_1700000000')).toBe(true);

    // A second person approves: the fix runs once, the lock comes back, a backup proves it.
    await press(approve.actionId, approve.value, planTs, 'U0APPROVER');
    await remediation().actions.idle();
    const requestId = (JSON.parse(approve.value) as { requestId: string }).requestId;
    expect((await remediation().service.get(requestId))?.state).toBe('verified-fixed');
    expect(sim.state.collections.some((c) => c.name === 'AzureBackup_win-rp_1700000000')).toBe(false);
    expect(sim.state.locks.filter((l) => l.name === LOCK.name).map((l) => ({ name: l.name, level: l.level, notes: l.notes }))).toEqual([LOCK]);
    const updates = slack.api.messages('chat.update');
    const fixCard = updates.filter((c) => c.args['ts'] === planTs).at(-1);
    expect(blocksText(fixCard?.args['blocks'])).toContain('Fixed: the backup succeeded.');
    const sessionCard = updates.filter((c) => c.args['ts'] === sessionTs).at(-1);
    expect(blocksText(sessionCard?.args['blocks'])).toMatch(/fixed/i);
    const trail = (await audit()).filter((a) => a.startsWith('fix.') && !a.startsWith('fix.refused')).reverse();
    expect(trail.map((a) => a.split(':')[0])).toEqual(['fix.requested', 'fix.approved', 'fix.execution-started', 'fix.succeeded', 'fix.verification-started', 'fix.verified-fixed']);
    expect(trail[1]).toBe('fix.approved::T0TEST/U0APPROVER');

    // `audit win-rp`: every step for the people the policy names; nothing for anyone else.
    // In the channel it is a note only the asker sees (it names people and resources); in a direct message, a message.
    const auditAs = async (user: string, direct = false) => {
      const before = slack.api.messages().length;
      const body = direct ? eventBody('direct-message.json', { text: 'audit win-rp', user, channel: 'D0APPROVER' }, { event_id: `Ev0AUDITDM${user}` }) : eventBody('app-mention-code.json', { text: '<@UBACKUPDOC> audit win-rp', user }, { event_id: `Ev0AUDIT${user}` });
      await postSigned(slack.bot.running.url, body, 'application/json');
      const answer = (await slack.api.waitFor((c) => c.length > before, 10_000))[before];
      expect({ method: answer?.method, user: answer?.args['user'] }).toEqual(direct ? { method: 'chat.postMessage', user: undefined } : { method: 'chat.postEphemeral', user });
      return blocksText(answer?.args['blocks']);
    };
    expect(await auditAs('U0APPROVER', true)).toContain('Fix audit for win-rp');
    const readable = await auditAs('U0APPROVER');
    expect(readable).toContain('Fix audit for win-rp');
    for (const action of ['fix.requested', 'fix.approved', 'fix.verified-fixed', 'fix.refused']) expect(readable).toContain(action);
    expect(await auditAs('U0STRANGER')).toContain('does not let you read the audit');
  });

  test('an approver rejects from Slack: the request message says so for everyone, nothing runs in Azure, and the VM can be requested again', async () => {
    const planned = await lockFixPlan('1700000999.000100');
    const requested = (await press(button(planned, 'Request this fix').actionId, button(planned, 'Request this fix').value, planned?.ts ?? '', 'U0OPERATOR')).find((c) => c.method === 'chat.update');
    const reject = button(requested, 'Reject');
    await press(reject.actionId, reject.value, planned?.ts ?? '', 'U0APPROVER');
    await remediation().actions.idle();
    const last = slack.api.messages('chat.update').filter((c) => c.args['ts'] === planned?.ts).at(-1);
    expect(blocksText(last?.args['blocks'])).toMatch(/Rejected/);
    expect(sim.state.collections.some((c) => c.name === 'AzureBackup_win-rp_1700000000')).toBe(true);
    // The VM is free for a new request once this one is decided. The plan's Request pressed again
    // (a stale copy) posts it anew: the rejected request's message stays as it is.
    const calls = await press(button(planned, 'Request this fix').actionId, button(planned, 'Request this fix').value, planned?.ts ?? '', 'U0OPERATOR');
    expect(calls.filter((c) => c.args['ts'] === planned?.ts)).toEqual([]);
    expect(blocksText(calls.find((c) => c.method === 'chat.postMessage')?.args['blocks'])).toContain('Awaiting approval');
  });

  test('a fix button whose value was changed is refused to the presser only and audited as tampering', async () => {
    const app = slack.bot.app;
    const session = await app.troubleshoot.start({ codeId: 'UserErrorRpCollectionLimitReached', language: 'en', conversationId: CHANNEL, createdBy: 'T0TEST/U0OPERATOR', target: { vm: 'win-rp' }, activityId: '1700000888.000100' });
    const forged = JSON.stringify({ v: 1, sessionId: session.id, fixId: 'clear-restore-points-behind-lock', vm: 'fin-db' });
    const calls = await press('fix.plan', forged, '1700000888.000100', 'U0OPERATOR');
    expect(calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    expect(await audit()).toContain('fix.refused:tampered:T0TEST/U0OPERATOR');
  });

  test.each([
    ['not JSON', 'approve-it-please', 'button value is not a JSON object'],
    ['a JSON array', '["requestId"]', 'button value is not a JSON object'],
    ['longer than any button value Slack carries', JSON.stringify({ v: 1, requestId: 'x'.repeat(2100) }), "button value of 2122 characters, over Slack's 2000"],
  ])('a fix button whose value is %s is refused to the presser only and audited, saying what came', async (_name, value, detail) => {
    const calls = await press('fix.approve', value, '1700000888.000200', 'U0APPROVER');
    expect(calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    expect(blocksText(calls[0]?.args['blocks'])).toContain('card data was changed');
    const entry = (await remediation().audit.list({ limit: 10 })).find((e) => e.action === 'fix.refused');
    expect(entry).toMatchObject({ reason: 'tampered', actor: { userId: 'T0TEST/U0APPROVER' } });
    expect(entry?.detail).toContain(detail);
  });
  test('Request this fix pressed on a message that is not its plan posts the request as a new message and leaves that message as it was', async () => {
    const planned = await lockFixPlan('1700000778.000100');
    const requestButton = button(planned, 'Request this fix');
    // The same genuine button, with the press naming some other message of the channel.
    const elsewhereTs = '1700000999.000100';
    const calls = await press(requestButton.actionId, requestButton.value, elsewhereTs, 'U0OPERATOR');
    expect(calls.filter((c) => c.args['ts'] === elsewhereTs)).toEqual([]);
    const posted = calls.find((c) => c.method === 'chat.postMessage');
    expect(blocksText(posted?.args['blocks'])).toContain('Awaiting approval');
    const requestId = (JSON.parse(button(posted, 'Approve').value) as { requestId: string }).requestId;
    expect((await remediation().service.get(requestId))?.card?.activityId).toBe(posted?.ts);
  });
});
