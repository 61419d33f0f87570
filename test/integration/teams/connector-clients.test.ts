import { message } from '../../helpers/activities';
import { ConnectorStub } from '../../helpers/connector-stub';
import { startTestBot, tempStateFile, type TestBot } from '../../helpers/test-app';

/**
 * The bot keeps one connector client per service URL instead of CloudAdapter's new one per turn:
 * turns that alternate between two Teams regions must still be answered each on its own region.
 */
describe('connector clients kept per service URL', () => {
  const state = tempStateFile();
  const emea = new ConnectorStub();
  const amer = new ConnectorStub();
  let emeaUrl: string;
  let amerUrl: string;
  let bot: TestBot;

  beforeAll(async () => {
    emeaUrl = await emea.start();
    amerUrl = await amer.start();
    bot = await startTestBot(state.file);
  });
  afterAll(async () => {
    await bot.stop();
    await emea.stop();
    await amer.stop();
    state.cleanup();
  });

  it('answers each turn on the service URL it came from when turns alternate between regions', async () => {
    for (let turn = 1; turn <= 3; turn += 1) {
      expect((await bot.post(message('UserErrorGuestAgentStatusUnavailable', { serviceUrl: emeaUrl, conversationId: 'conv-emea' }))).status).toBe(200);
      expect((await bot.post(message('help', { serviceUrl: amerUrl, conversationId: 'conv-amer' }))).status).toBe(200);
    }
    await emea.waitFor((calls) => calls.length === 3);
    await amer.waitFor((calls) => calls.length === 3);
    expect(emea.calls.every((call) => call.conversationId === 'conv-emea')).toBe(true);
    expect(amer.calls.every((call) => call.conversationId === 'conv-amer')).toBe(true);
    expect(emea.calls.every((call) => call.activity.attachments?.[0]?.contentType === 'application/vnd.microsoft.card.adaptive')).toBe(true);
  });
});
