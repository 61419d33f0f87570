import type { Activity } from 'botbuilder';
import { ConnectorStub, cardOf, cardText, type CapturedCall } from '../../helpers/connector-stub';
import { alex, executeInvoke, megan, mentionMessage, message } from '../../helpers/activities';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { type Harness, startHarness } from '../azure/simulator-harness';
import { parsePolicy } from '../../../src/core/remediation/policy';
import { FixVerbs } from '../../../src/core/remediation/fix-view';

/**
 * Who may reach the bot, and who may use its operator features, through the real CloudAdapter:
 * activities from another channel (Web Chat, Direct Line: the client writes `from` itself) or
 * another tenant are ignored before any handler; under a fix policy only operators subscribe,
 * unsubscribe and let Run checks use a read-only run command; fix presses need an Entra id.
 */

const channel = '19:oncall@thread.tacv2';
const alexOperator = `aad:${alex.aadObjectId}`;
const policy = parsePolicy(
  {
    version: 1,
    enabledFixes: ['retry-backup'],
    operators: [alexOperator],
    requesters: ['aad:ffffffff-0000-0000-0000-00000000f00d'],
    approvers: ['aad:ffffffff-0000-0000-0000-00000000f00d'],
    scope: { subscriptions: ['*'], resourceGroups: ['*'] },
    allowReadOnlyRunCommands: true,
  },
  'operators-policy.json',
);

let stub: ConnectorStub;
let serviceUrl: string;
let harness: Harness;
let state: ReturnType<typeof tempStateFile>;
let bot: TestBot;

beforeAll(async () => {
  stub = new ConnectorStub();
  serviceUrl = await stub.start();
  harness = await startHarness();
  state = tempStateFile();
  bot = await startTestBot(
    state.file,
    { ALLOWED_TENANT_IDS: 'tenant-1' },
    { azure: harness.gateway, alerts: { startWorkers: false }, remediation: { policy: { kind: 'loaded', policy, source: 'operators-policy.json' }, sleep: async () => undefined } },
  );
}, 30_000);

afterAll(async () => {
  await bot?.stop();
  await harness?.sim.close();
  await stub?.stop();
  state?.cleanup();
});

const subscriptionsHere = (conversationId = channel) => bot.app.alerts.sqlite!.subscriptions.listForConversation(conversationId);

/** Posts and waits for the first new call the bot makes to the connector. */
async function answerTo(activity: Partial<Activity>): Promise<CapturedCall> {
  const before = stub.calls.length;
  const response = await bot.post(activity);
  expect(response.status).toBeLessThan(300);
  const calls = await stub.waitFor((c) => c.length > before, 15_000);
  return calls[before] as CapturedCall;
}

/** Posts, then proves nothing came back: a control message after it is answered first. */
async function expectIgnored(activity: Partial<Activity>, conversationId: string): Promise<{ status: number }> {
  const before = stub.calls.length;
  const response = await bot.post(activity);
  const control = await answerTo(message('help', { serviceUrl, conversationId: 'conv-control' }));
  expect(control.conversationId).toBe('conv-control');
  expect(stub.calls.slice(before).filter((c) => c.conversationId !== 'conv-control')).toEqual([]);
  expect(stub.calls.slice(before).some((c) => c.conversationId === conversationId)).toBe(false);
  return response;
}

describe('entry check: only Teams, only allowed tenants', () => {
  test('a subscribe from another tenant is ignored: no reply, no subscription', async () => {
    const evil = mentionMessage('subscribe', { serviceUrl, conversationId: `${channel};messageid=1`, from: alex });
    const activity = { ...evil, conversation: { ...evil.conversation, tenantId: 'evil-tenant' } as Activity['conversation'], channelData: { tenant: { id: 'evil-tenant' } } };
    await expectIgnored(activity, `${channel};messageid=1`);
    expect(subscriptionsHere()).toEqual([]);
  });

  test('an activity whose channel data names another tenant is ignored too', async () => {
    const activity = { ...mentionMessage('subscribe', { serviceUrl, conversationId: `${channel};messageid=2`, from: alex }), channelData: { tenant: { id: 'evil-tenant' } } };
    await expectIgnored(activity, `${channel};messageid=2`);
    expect(subscriptionsHere()).toEqual([]);
  });

  test('Web Chat claiming an operator\'s Entra id is ignored, messages and button presses alike', async () => {
    const typed = { ...mentionMessage('subscribe', { serviceUrl, conversationId: `${channel};messageid=3`, from: alex }), channelId: 'webchat' };
    await expectIgnored(typed, `${channel};messageid=3`);
    expect(subscriptionsHere()).toEqual([]);
    const press = { ...executeInvoke(FixVerbs.plan, { v: 1, sessionId: 'any', fixId: 'retry-backup' }, 'msg-1', { serviceUrl, conversationId: 'conv-webchat', from: alex }), channelId: 'directline' };
    const refusalsBefore = (await bot.app.remediation?.audit.list({ limit: 500 }))?.length;
    const response = await expectIgnored(press, 'conv-webchat');
    // No handler ran: the invoke gets no card, and nothing reached the fix flow (not even its audit).
    expect(response.status).not.toBe(200);
    expect((await bot.app.remediation?.audit.list({ limit: 500 }))?.length).toBe(refusalsBefore);
  });

  test('the same message from Teams in the allowed tenant is answered', async () => {
    const reply = await answerTo(message('help', { serviceUrl, conversationId: 'conv-allowed', from: megan }));
    expect(reply.conversationId).toBe('conv-allowed');
  });
});

describe('operators under the fix policy', () => {
  test('someone who is not an operator cannot subscribe or unsubscribe the channel, in English or Polish', async () => {
    const en = await answerTo(mentionMessage('subscribe', { serviceUrl, conversationId: `${channel};messageid=10`, from: megan }));
    expect(en.activity.text).toContain('Only operators may subscribe');
    expect(en.activity.text).toContain('"operators"');
    const pl = await answerTo(mentionMessage('subscribe', { serviceUrl, conversationId: `${channel};messageid=11`, from: megan, locale: 'pl-PL' }));
    expect(pl.activity.text).toContain('Tylko operatorzy');
    expect(subscriptionsHere()).toEqual([]);

    const ok = await answerTo(mentionMessage('subscribe', { serviceUrl, conversationId: `${channel};messageid=12`, from: alex }));
    expect(ok.activity.text).toContain('Subscribed');
    expect(subscriptionsHere()).toHaveLength(1);

    const refused = await answerTo(mentionMessage('unsubscribe', { serviceUrl, conversationId: `${channel};messageid=13`, from: megan }));
    expect(refused.activity.text).toContain('Only operators may');
    expect(subscriptionsHere()).toHaveLength(1);
    const removed = await answerTo(mentionMessage('unsubscribe', { serviceUrl, conversationId: `${channel};messageid=14`, from: alex }));
    expect(removed.activity.text).toContain('Unsubscribed');
    expect(subscriptionsHere()).toEqual([]);
  });

  test('a mistyped subscribe echoes nothing to a non-operator, a short plain-text quote to an operator', async () => {
    const hostile = `[click](https://evil.example)${'x'.repeat(900_000)}`;
    const refused = await answerTo(mentionMessage(`subscribe vault ${hostile}`, { serviceUrl, conversationId: `${channel};messageid=20`, from: megan }));
    expect(refused.activity.text).toContain('Only operators may');
    expect(refused.activity.text).not.toContain('evil.example');

    const quoted = await answerTo(mentionMessage(`subscribe vault ${hostile}`, { serviceUrl, conversationId: `${channel};messageid=21`, from: alex }));
    // Plain text: Teams shows the brackets as written instead of a live link.
    expect(quoted.activity.textFormat).toBe('plain');
    expect(quoted.activity.text).toContain(`"${hostile.slice(0, 60)}…" is not a Recovery Services vault name.`);
    expect(quoted.activity.text.length).toBeLessThan(200);
  });

  test('Run checks reads the guest with a run command only for an operator', async () => {
    const conversationId = 'conv-run-checks';
    const card = await answerTo(message('why did the backup of vm-linux01 fail?', { serviceUrl, conversationId, from: megan }));
    const cardJson = cardOf(card);
    const run = findExecute(cardJson, 'Run checks');
    const runCommands = () => harness.sim.requests.filter((r) => r.path.toLowerCase().includes('/runcommand')).length;

    const before = runCommands();
    const byMegan = await bot.post(executeInvoke(run.verb, run.data, card.createdId, { serviceUrl, conversationId, from: megan }));
    expect(byMegan.status).toBe(200);
    expect(runCommands()).toBe(before);
    // The guest-configuration check says why it read nothing, on the cause it belongs to.
    const recorded = async () => JSON.stringify(await bot.app.troubleshoot.load((run.data as { sessionId: string }).sessionId));
    expect(await recorded()).toContain('Only operators may let the checks read the guest');
    expect(await recorded()).toContain('Tylko operatorzy mogą pozwolić sprawdzeniom');

    const byAlex = await bot.post(executeInvoke(run.verb, run.data, card.createdId, { serviceUrl, conversationId, from: alex }));
    expect(byAlex.status).toBe(200);
    expect(runCommands()).toBeGreaterThan(before);
    expect(await recorded()).not.toContain('Only operators may');
  }, 30_000);
});

test('a fix press without an Entra object id is refused and audited', async () => {
  const { aadObjectId: _dropped, ...anonymous } = alex;
  const response = await bot.post(executeInvoke(FixVerbs.plan, { v: 1, sessionId: 'any-session', fixId: 'retry-backup' }, 'msg-2', { serviceUrl, conversationId: 'conv-no-aad', from: anonymous }));
  expect(response.status).toBe(200);
  expect(cardText((response.body as { value: unknown }).value)).toContain('Microsoft Entra identity');
  const audit = (await bot.app.remediation?.audit.list({ limit: 500 })) ?? [];
  expect(audit.some((e) => e.action === 'fix.refused' && e.reason === 'unverified-identity')).toBe(true);
});

function findExecute(node: unknown, title: string): { verb: string; data: unknown } {
  const all: { title: string; verb: string; data: unknown }[] = [];
  const walk = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(walk);
    if (n === null || typeof n !== 'object') return;
    const r = n as Record<string, unknown>;
    if (r['type'] === 'Action.Execute') all.push({ title: String(r['title']), verb: String(r['verb']), data: r['data'] });
    for (const [k, v] of Object.entries(r)) if (k !== 'fallback') walk(v);
  };
  walk(node);
  const found = all.find((a) => a.title === title);
  if (!found) throw new Error(`no "${title}" on the card: ${all.map((a) => a.title).join(', ')}`);
  return found;
}
