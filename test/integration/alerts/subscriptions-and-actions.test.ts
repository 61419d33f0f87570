import { executeInvoke, mentionMessage, submitMessage } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, minimalAlert, postAlert } from './alert-test-kit';
import { FlakyConnector } from './flaky-connector';

describe('subscription commands and the incident card buttons (Teams, real CloudAdapter)', () => {
  const connector = new FlakyConnector();
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };
  const say = async (text: string, conversationId: string, locale = 'en-US') => {
    const before = connector.of(conversationId, 'reply').length;
    await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId, locale }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > before);
    return connector.of(conversationId, 'reply').at(-1)!.activity.text as string;
  };

  beforeAll(async () => {
    await connector.start();
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' }));
  });
  afterAll(async () => {
    await bot.stop();
    await connector.stop();
    state.cleanup();
  });

  it('subscribes, lists and unsubscribes, in English and Polish', async () => {
    expect(await say('subscriptions', 'c-cmd')).toContain('No subscriptions here');
    expect(await say('subscribe vault rsv-prod-weu', 'c-cmd')).toContain('vault rsv-prod-weu');
    expect(await say('subscribe subscription 00000000-0000-0000-0000-000000000001', 'c-cmd')).toContain('Subscribed');
    const list = await say('subscriptions', 'c-cmd');
    expect(list).toContain('vault rsv-prod-weu');
    expect(list).toContain('subscription 00000000-0000-0000-0000-000000000001');
    expect(await say('subscribe subscription nope', 'c-cmd')).toContain('not an Azure subscription id');
    expect(await say('unsubscribe', 'c-cmd')).toContain('2 removed');
    expect(bot.app.alerts.sqlite!.subscriptions.listForConversation('c-cmd')).toHaveLength(0);
    expect(await say('subscribe', 'c-pl', 'pl-PL')).toContain('Subskrypcja dodana');
    expect(bot.app.alerts.sqlite!.subscriptions.listForConversation('c-pl')[0]!.language).toBe('pl');
  });

  it('in a Teams channel a subscription belongs to the channel: cards are new posts there, and any later post can list or end it', async () => {
    const channel = '19:ops@thread.tacv2';
    const sayIn = async (text: string, post: string) => {
      const conversationId = `${channel};messageid=${post}`;
      const before = connector.of(conversationId, 'reply').length;
      await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId }));
      await connector.waitFor(() => connector.of(conversationId, 'reply').length > before);
      return connector.of(conversationId, 'reply').at(-1)!.activity.text as string;
    };
    expect(await sayIn('subscribe vault vault-ch', '1001')).toContain('Subscribed');
    expect(await sayIn('subscriptions', '1002')).toContain('vault vault-ch');
    await postAlert(bot.running.url, minimalAlert('vault-ch', 'vm-ch-1', 'UserErrorGuestAgentStatusUnavailable', 'ch-1'));
    // A new post in the channel itself, not a reply in the thread where `subscribe` was written.
    await connector.waitFor(() => connector.of(channel, 'create').length === 1);
    expect(connector.of(`${channel};messageid=1001`, 'create')).toHaveLength(0);
    expect(await sayIn('unsubscribe', '1003')).toContain('1 removed');
  });

  it('posts Polish cards to a Polish subscription', async () => {
    await postAlert(bot.running.url, minimalAlert('vault-pl', 'vm-pl-1', 'UserErrorGuestAgentStatusUnavailable', 'pl-1'));
    await connector.waitFor(() => connector.of('c-pl', 'create').length === 1);
    const text = cardText(connector.of('c-pl', 'create')[0]!.activity.attachments[0].content);
    expect(text).toContain('Nieudane kopie zapasowe');
    expect(text).toContain('Dotyczy: 1 maszyna wirtualna');
  });

  it('"Troubleshoot <vm>" opens the stepping flow with the VM, vault and job filled in (Action.Execute and the Submit fallback)', async () => {
    await say('subscribe vault vault-ts', 'c-ts');
    await postAlert(bot.running.url, minimalAlert('vault-ts', 'vm-ts-1', 'UserErrorGuestAgentStatusUnavailable', 'ts-job-1'));
    await connector.waitFor(() => connector.of('c-ts', 'create').length === 1);
    const created = connector.of('c-ts', 'create')[0]!;
    const card = created.activity.attachments[0].content;
    const action = card.actions[0];
    expect(action).toMatchObject({ type: 'Action.Execute', verb: 'incident.troubleshoot', title: 'Troubleshoot vm-ts-1' });
    expect(action.fallback).toMatchObject({ type: 'Action.Submit' });

    const before = connector.of('c-ts', 'reply').length;
    const r = await bot.post(executeInvoke(action.verb, action.data, created.activityId, { serviceUrl: connector.url, conversationId: 'c-ts', conversationType: 'channel' }));
    expect(r.status).toBe(200);
    await connector.waitFor(() => connector.of('c-ts', 'reply').length > before);
    const reply = connector.of('c-ts', 'reply').at(-1)!;
    const troubleshoot = cardText(reply.activity.attachments[0].content);
    expect(troubleshoot).toContain('UserErrorGuestAgentStatusUnavailable');
    expect(troubleshoot).toContain('vm-ts-1');
    // The incident card itself was not replaced.
    expect(connector.of('c-ts', 'update').filter((u) => u.activityId === created.activityId)).toHaveLength(0);

    const viaSubmit = await bot.post(submitMessage(action.fallback.data, created.activityId, { serviceUrl: connector.url, conversationId: 'c-ts', conversationType: 'channel' }));
    expect(viaSubmit.status).toBe(200);
    await connector.waitFor(() => connector.of('c-ts', 'reply').length > before + 1);
  });
});
