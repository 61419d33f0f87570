import { uniqueContainerName, uniqueTablePrefix, useAzuriteAccount } from './azurite';
import { eventBody, postSigned, startSlackBot } from '../slack/slack-test-kit';

/**
 * STATE_STORE=blob with two bot instances, each with its own SQLite file, on one storage
 * account (Azurite's blob and table services): what one instance saw, the other knows.
 */

const account = useAzuriteAccount();

function sharedAccountEnv(): Record<string, string> {
  return {
    STATE_STORE: 'blob',
    STATE_BLOB_CONNECTION_STRING: account()?.connectionString ?? '',
    STATE_BLOB_CONTAINER: uniqueContainerName('app-table'),
    STATE_TABLE_PREFIX: uniqueTablePrefix('app'),
  };
}

test('a Slack event retried to another instance is answered once', async () => {
  const env = sharedAccountEnv();
  const first = await startSlackBot(env, { alerts: { startWorkers: false } });
  const second = await startSlackBot(env, { alerts: { startWorkers: false } }, { api: first.api, stateFile: `${first.bot.app.config.stateFile}.second` });
  try {
    const body = eventBody('app-mention-code.json', {}, { event_id: 'Ev0SCALEOUT1' });
    expect((await postSigned(first.bot.running.url, body, 'application/json')).status).toBe(200);
    await first.api.waitFor((calls) => calls.length >= 1);
    // Slack thought the first answer too slow and retries; the load balancer picks the other instance.
    expect((await postSigned(second.bot.running.url, body, 'application/json', { retryNum: 1 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 500));
    expect(first.api.messages('chat.postMessage')).toHaveLength(1);
    // A new event on the second instance is answered as usual.
    const other = eventBody('app-mention-code.json', {}, { event_id: 'Ev0SCALEOUT2' });
    expect((await postSigned(second.bot.running.url, other, 'application/json')).status).toBe(200);
    await first.api.waitFor((calls) => calls.filter((c) => c.method === 'chat.postMessage').length >= 2);
  } finally {
    await second.stop();
    // Last: it stops the fake Slack API and removes the state folder both files are in.
    await first.stop();
  }
}, 60_000);
