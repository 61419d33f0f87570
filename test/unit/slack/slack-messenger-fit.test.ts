import type { webApi } from '@slack/bolt';
import { BlockKitLimits, type SlackMessage, section } from '../../../src/channels/slack/blocks/block-kit';
import { blockChars } from '../../../src/channels/slack/blocks/fit-message';
import { webApiMessenger } from '../../../src/channels/slack/slack-messenger';

/** Whatever a handler hands the messenger, Slack gets a message within Block Kit's limits. */
describe('the Slack messenger holds every message to Block Kit’s limits', () => {
  const calls: { method: string; blocks: unknown[] }[] = [];
  const record = (method: string) => async (args: { blocks: unknown[] }) => {
    calls.push({ method, blocks: args.blocks });
    return { ok: true, ts: '1700000000.000100' };
  };
  const client = { chat: { postMessage: record('post'), update: record('update'), postEphemeral: record('ephemeral') } } as unknown as webApi.WebClient;
  const oversized: SlackMessage = { text: 'many findings', blocks: Array.from({ length: 80 }, (_, i) => section(`finding ${i}: ${'y'.repeat(4000)}`)) };

  it.each(['post', 'update', 'ephemeral'] as const)('%s', async (method) => {
    calls.length = 0;
    const messenger = webApiMessenger(client);
    if (method === 'post') await messenger.post({ channel: 'C1' }, oversized);
    if (method === 'update') await messenger.update('C1', '1700000000.000100', oversized);
    if (method === 'ephemeral') await messenger.ephemeral({ channel: 'C1' }, 'U1', oversized);
    const sent = calls[0]!.blocks as SlackMessage['blocks'];
    expect(sent.length).toBeLessThanOrEqual(BlockKitLimits.blocksPerMessage);
    expect(blockChars(sent)).toBeLessThanOrEqual(BlockKitLimits.totalBlockChars);
    expect(JSON.stringify(sent)).toContain('finding 0: yyy');
  });
});
