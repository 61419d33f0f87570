import { mentionMessage } from '../../helpers/activities';
import { cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv, minimalAlert, postAlert } from './alert-test-kit';
import { FlakyConnector } from './flaky-connector';

/**
 * A channel that subscribes while incidents are open gets their cards at once (through the
 * outbox, so the same delivery guarantees hold), and the confirmation says how many.
 */
describe('subscribe after incidents were opened (Teams, real CloudAdapter, SQLite outbox)', () => {
  const connector = new FlakyConnector();
  let bot: TestBot;
  let state: { file: string; cleanup: () => void };
  const agent = 'UserErrorGuestAgentStatusUnavailable';
  const network = 'ExtensionSnapshotFailedNoNetwork';
  const limit = 'UserErrorRpCollectionLimitReached';

  const say = async (text: string, conversationId: string, locale = 'en-US'): Promise<string> => {
    const before = connector.of(conversationId, 'reply').length;
    await bot.post(mentionMessage(text, { serviceUrl: connector.url, conversationId, locale }));
    await connector.waitFor(() => connector.of(conversationId, 'reply').length > before);
    return connector.of(conversationId, 'reply').at(-1)!.activity.text as string;
  };
  const quiet = () => new Promise((r) => setTimeout(r, 400));

  beforeAll(async () => {
    await connector.start();
    state = tempStateFile();
    bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' }));
    // Before anyone subscribes: two open incidents in vault-late-a, one in vault-late-b, and one that already recovered.
    const alerts = [
      minimalAlert('vault-late-a', 'vm-a1', agent, 'late-1'),
      minimalAlert('vault-late-a', 'vm-a2', agent, 'late-2'),
      minimalAlert('vault-late-a', 'vm-a3', network, 'late-3'),
      minimalAlert('vault-late-b', 'vm-b1', agent, 'late-4'),
      minimalAlert('vault-late-b', 'vm-b2', limit, 'late-5'),
      minimalAlert('vault-late-b', 'vm-b2', limit, 'late-5', 'resolved'),
    ];
    for (const a of alerts) expect((await postAlert(bot.running.url, a)).status).toBe(202);
    await connector.waitFor(() => bot.app.alerts.sqlite!.incidents.count() === 4);
  });
  afterAll(async () => {
    await bot.stop();
    await connector.stop();
    state.cleanup();
  });

  it('`subscribe` posts a card for every open incident, says how many, and a second `subscribe` posts nothing twice', async () => {
    const reply = await say('subscribe', 'c-late');
    expect(reply).toContain('Subscribed: incident cards for all vaults will be posted here. 3 open incidents will be posted here.');
    await connector.waitFor(() => connector.of('c-late', 'create').length === 3 && bot.app.alerts.sqlite!.outbox.depth() === 0);
    const texts = connector.of('c-late', 'create').map((c) => cardText(c.activity.attachments[0].content));
    expect(texts.filter((t) => t.includes('2 VMs affected'))).toHaveLength(1);
    expect(texts.filter((t) => t.includes('1 VM affected'))).toHaveLength(2);
    // The recovered incident is not posted.
    const json = connector.of('c-late', 'create').map((c) => JSON.stringify(c.activity.attachments[0].content));
    expect(json.some((j) => j.includes(limit))).toBe(false);

    expect(await say('subscribe', 'c-late')).toContain('3 open incidents are already posted here.');
    await quiet();
    expect(connector.of('c-late', 'create')).toHaveLength(3);
    expect(connector.of('c-late', 'update')).toHaveLength(0);

    // Later alerts update those cards in place.
    await postAlert(bot.running.url, minimalAlert('vault-late-a', 'vm-a4', agent, 'late-6'));
    await connector.waitFor(() => connector.of('c-late', 'update').length === 1);
    expect(connector.of('c-late', 'create')).toHaveLength(3);
    expect(cardText(connector.of('c-late', 'update')[0]!.activity.attachments[0].content)).toContain('3 VMs affected');
  });

  it('`subscribe vault <name>` and `subscribe subscription <id>` post only the incidents they match, in the subscriber\'s language', async () => {
    expect(await say('subscribe vault vault-late-b', 'c-late-vault')).toContain('1 open incident will be posted here.');
    await connector.waitFor(() => connector.of('c-late-vault', 'create').length === 1 && bot.app.alerts.sqlite!.outbox.depth() === 0);
    expect(JSON.stringify(connector.of('c-late-vault', 'create')[0]!.activity.attachments[0].content)).toContain('"vault-late-b"');

    expect(await say('subskrybuj subskrypcja 00000000-0000-0000-0000-000000000001', 'c-late-pl', 'pl-PL')).toContain('Tutaj zostaną opublikowane 3 otwarte incydenty.');
    await connector.waitFor(() => connector.of('c-late-pl', 'create').length === 3 && bot.app.alerts.sqlite!.outbox.depth() === 0);
    expect(cardText(connector.of('c-late-pl', 'create')[0]!.activity.attachments[0].content)).toContain('Nieudane kopie zapasowe');

    expect(await say('subscribe subscription 00000000-0000-0000-0000-0000000000ff', 'c-late-none')).toContain('No incidents are open right now.');
    await quiet();
    expect(connector.of('c-late-none', 'create')).toHaveLength(0);
  });

  it('a code outside the catalogue (stated by another tool) gets no Troubleshoot button that could only fail, but a question to ask', async () => {
    await say('subscribe vault vault-late-c', 'c-late-uncat');
    expect((await postAlert(bot.running.url, minimalAlert('vault-late-c', 'vm-c1', 'AcmeSnapshotTimeout42', 'late-7'))).status).toBe(202);
    await connector.waitFor(() => connector.of('c-late-uncat', 'create').length === 1);
    const card = connector.of('c-late-uncat', 'create')[0]!.activity.attachments[0].content;
    expect(JSON.stringify(card)).toContain('"AcmeSnapshotTimeout42"');
    expect(card.actions).toEqual([]);
    expect(cardText(card)).toContain('this code is not in the catalogue; ask "why did the backup of <vm> fail?"');
  });
});
