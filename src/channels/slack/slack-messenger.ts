import type { webApi } from '@slack/bolt';
import type { SlackMessage } from './blocks/block-kit';
import { fitBlocks } from './blocks/fit-message';

/** Where a message goes: a channel (or DM) and, for a threaded reply, the thread's root ts. */
export interface SlackPlace {
  readonly channel: string;
  readonly threadTs?: string;
}

/**
 * The three Web API calls the channel makes, so handlers never hold a WebClient and a
 * future proactive path (alerts to Slack) can post through the same door.
 */
export interface SlackMessenger {
  /** Posts and returns the new message's ts (its id for chat.update). */
  post(place: SlackPlace, message: SlackMessage): Promise<string | undefined>;
  update(channel: string, ts: string, message: SlackMessage): Promise<void>;
  /** Only `user` sees it (used for presses that must not overwrite a shared message). */
  ephemeral(place: SlackPlace, user: string, message: SlackMessage): Promise<void>;
}

/**
 * The door every message leaves by: its blocks are held to Block Kit's limits here too, so a message
 * that did not come through a fitting renderer cannot be refused (msg_blocks_too_long). A fitted one
 * passes unchanged. The text is left as rendered: the renderer escaped it once, and a second escape
 * would show `&amp;lt;` for a `<` a user wrote.
 */
function fitted(message: SlackMessage): SlackMessage {
  return { text: message.text, blocks: fitBlocks(message.blocks, { moreLabel: '' }) };
}

export function webApiMessenger(client: webApi.WebClient): SlackMessenger {
  return {
    async post(place, unfitted) {
      const message = fitted(unfitted);
      const result = await client.chat.postMessage({
        channel: place.channel,
        text: message.text,
        blocks: [...message.blocks],
        ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
      });
      return typeof result.ts === 'string' ? result.ts : undefined;
    },
    async update(channel, ts, unfitted) {
      const message = fitted(unfitted);
      await client.chat.update({ channel, ts, text: message.text, blocks: [...message.blocks] });
    },
    async ephemeral(place, user, unfitted) {
      const message = fitted(unfitted);
      await client.chat.postEphemeral({
        channel: place.channel,
        user,
        text: message.text,
        blocks: [...message.blocks],
        ...(place.threadTs ? { thread_ts: place.threadTs } : {}),
      });
    },
  };
}
