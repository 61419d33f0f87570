import { executeInvoke } from '../../helpers/activities';
import { cardExecutes, cardText } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { alertEnv } from '../alerts/alert-test-kit';
import { FlakyConnector } from '../alerts/flaky-connector';
import { type Harness, startHarness } from '../azure/simulator-harness';

/**
 * The bot as the Backup vault, storage account and file share end-to-end tests run it: alerts on
 * /api/alerts, cards to a connector stub through the real CloudAdapter, Azure through the real SDK
 * clients against the ARM simulator's default scenario.
 */
export interface IncidentChecksBot {
  readonly bot: TestBot;
  readonly connector: FlakyConnector;
  stop(): Promise<void>;
}

export async function startIncidentChecksBot(): Promise<IncidentChecksBot> {
  const connector = new FlakyConnector();
  await connector.start();
  const harness: Harness = await startHarness();
  const state = tempStateFile();
  const bot = await startTestBot(state.file, alertEnv('http://127.0.0.1:9/keys', { INCIDENT_COALESCE_SECONDS: '0' }), { azure: harness.gateway });
  return {
    bot,
    connector,
    async stop() {
      await bot.stop();
      await harness.sim.close();
      await connector.stop();
      state.cleanup();
    },
  };
}

const titles = {
  en: { causes: 'Causes of', run: 'Run checks' },
  pl: { causes: 'Przyczyny', run: 'Sprawdź w Azure' },
};

/** Presses a card's Action.Execute button in a channel, as Teams does, and returns the card it answers with. */
async function press(kit: IncidentChecksBot, action: { verb: string; data: unknown }, replyToId: string, conversationId: string, locale: string): Promise<unknown> {
  const r = await kit.bot.post(executeInvoke(action.verb, action.data, replyToId, { serviceUrl: kit.connector.url, conversationId, conversationType: 'channel', locale }));
  expect(r.status).toBe(200);
  return (r.body as { value: unknown }).value;
}

/**
 * On the incident card the channel got first: "Causes of <code>" (the stepping card is posted as a
 * reply), then that card's "Run checks". Returns the text of both cards.
 */
export async function causesThenChecks(kit: IncidentChecksBot, channel: string, code: string, language: 'en' | 'pl'): Promise<{ stepping: string; checked: string }> {
  const { connector } = kit;
  const locale = language === 'pl' ? 'pl-PL' : 'en-US';
  await connector.waitFor(() => connector.of(channel, 'create').length === 1);
  const incident = connector.of(channel, 'create')[0]!;
  const causes = cardExecutes(incident.activity.attachments[0].content).find((a) => a.title === `${titles[language].causes} ${code}`);
  expect(causes).toBeDefined();
  const before = connector.of(channel, 'reply').length;
  await press(kit, causes!, incident.activityId, channel, locale);
  await connector.waitFor(() => connector.of(channel, 'reply').length > before);
  const stepping = connector.of(channel, 'reply').at(-1)!;
  const steppingCard = stepping.activity.attachments[0].content;
  const run = cardExecutes(steppingCard).find((a) => a.title === titles[language].run);
  expect(run).toBeDefined();
  return { stepping: cardText(steppingCard), checked: cardText(await press(kit, run!, stepping.activityId, channel, locale)) };
}
