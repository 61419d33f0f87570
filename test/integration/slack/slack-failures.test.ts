import { Writable } from 'node:stream';
import { createLogger } from '../../../src/logger';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { botToken, eventBody, postSigned, signingSecret } from './slack-test-kit';

describe('when Slack itself fails', () => {
  let bot: TestBot;
  let state: ReturnType<typeof tempStateFile>;
  const lines: string[] = [];

  beforeAll(async () => {
    state = tempStateFile();
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    // Port 9 on loopback: nothing listens, so every Web API call fails with a request error.
    bot = await startTestBot(
      state.file,
      { SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: 'http://127.0.0.1:9/api/', POLL_INTERVAL_MINUTES: '0' },
      { logger: createLogger('debug', sink), alerts: { startWorkers: false } },
    );
  });

  afterAll(async () => {
    await bot.stop();
    state.cleanup();
  });

  test('an unreachable Web API is logged without the bot token, and the server keeps answering', async () => {
    const response = await postSigned(bot.running.url, eventBody('app-mention-code.json', {}, { event_id: 'Ev0UNREACHABLE' }), 'application/json');
    expect(response.status).toBe(200);
    const started = Date.now();
    while (!lines.some((l) => l.includes('slack listener failed')) && Date.now() - started < 15000) await new Promise((r) => setTimeout(r, 50));
    const all = lines.join('');
    expect(all).toContain('slack listener failed');
    expect(all).not.toContain(botToken);
    expect(all).not.toContain(signingSecret);
    const health = await fetch(`${bot.running.url}/healthz`);
    expect(health.status).toBe(200);
  });
});
