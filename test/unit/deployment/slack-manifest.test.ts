import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { slackEventsPath } from '../../../src/channels/slack/slack-route';

/**
 * "Create an app from this manifest" must give Slack exactly what the channel serves: the one
 * request URL for events and button presses, the events the bot listens to, and the scopes of
 * the Web API calls it makes (chat.postMessage, chat.update, chat.postEphemeral need chat:write).
 */
const manifest = JSON.parse(readFileSync(join(__dirname, '../../../appPackage/slack-app-manifest.json'), 'utf8')) as {
  features: { bot_user: { display_name: string } };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { request_url: string; bot_events: string[] }; interactivity: { is_enabled: boolean; request_url: string }; socket_mode_enabled: boolean };
};
const channelSource = readFileSync(join(__dirname, '../../../src/channels/slack/slack-channel.ts'), 'utf8');

test('events and presses go to the route the server mounts, over HTTP (not socket mode)', () => {
  expect(new URL(manifest.settings.event_subscriptions.request_url).pathname).toBe(slackEventsPath);
  expect(new URL(manifest.settings.interactivity.request_url).pathname).toBe(slackEventsPath);
  expect(manifest.settings.interactivity.is_enabled).toBe(true);
  expect(manifest.settings.socket_mode_enabled).toBe(false);
});

test('the bot subscribes to the events the channel handles, and has the scopes its calls need, no more', () => {
  expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual(['app_mention', 'message.im']);
  expect(channelSource).toContain("bolt.event('app_mention'");
  expect(channelSource).toContain("bolt.event('message'");
  expect(manifest.oauth_config.scopes.bot.sort()).toEqual(['app_mentions:read', 'chat:write', 'im:history']);
  expect(manifest.features.bot_user.display_name).toBe('Backup Doctor');
});
