import { Writable } from 'node:stream';
import { plainTextOf, slackConversationId } from '../../../src/channels/slack/slack-text';
import { code, escapeMrkdwn, link, truncate } from '../../../src/channels/slack/blocks/block-kit';
import { actionsBlocks, verbOfActionId } from '../../../src/channels/slack/blocks/buttons';
import { parseConfig } from '../../../src/config';
import { isCodedError } from '../../../src/core/errors';
import { createLogger } from '../../../src/logger';

const local = { BOT_MODE: 'local' };

describe('Slack settings', () => {
  test('Slack is off unless both the signing secret and the bot token are set', () => {
    expect(parseConfig(local).slack).toEqual({ enabled: false, signingSecret: undefined, botToken: undefined, apiUrl: undefined });
    const on = parseConfig({ ...local, SLACK_SIGNING_SECRET: 'secret-1', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_API_URL: 'http://127.0.0.1:9999/api' });
    expect(on.slack).toEqual({ enabled: true, signingSecret: 'secret-1', botToken: 'xoxb-1', apiUrl: 'http://127.0.0.1:9999/api/' });
  });

  test('half a set-up stops start-up naming the missing setting; a bad API URL too', () => {
    for (const [env, missing] of [
      [{ SLACK_SIGNING_SECRET: 'secret-1' }, 'SLACK_BOT_TOKEN'],
      [{ SLACK_BOT_TOKEN: 'xoxb-1' }, 'SLACK_SIGNING_SECRET'],
    ] as const) {
      let caught: unknown;
      try {
        parseConfig({ ...local, ...env });
      } catch (error) {
        caught = error;
      }
      expect(isCodedError(caught, 'config_invalid')).toBe(true);
      expect((caught as Error).message).toContain(missing);
    }
    expect(() => parseConfig({ ...local, SLACK_SIGNING_SECRET: 's', SLACK_BOT_TOKEN: 't', SLACK_API_URL: 'not a url' })).toThrow(/SLACK_API_URL/);
  });

  test('the signing secret and the bot token never reach a log line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(chunk.toString());
        callback();
      },
    });
    const logger = createLogger('info', sink);
    const config = parseConfig({ ...local, SLACK_SIGNING_SECRET: 'very-secret-signing', SLACK_BOT_TOKEN: 'xoxb-very-secret-token' });
    logger.info({ config }, 'config');
    logger.info({ slack: config.slack }, 'slack');
    logger.info(config.slack, 'flat');
    const all = lines.join('');
    expect(all).not.toContain('very-secret-signing');
    expect(all).not.toContain('xoxb-very-secret-token');
    expect(all).toContain('[redacted]');
  });
});

describe('Slack text in and out', () => {
  test('mentions, links and escapes are undone before identification', () => {
    expect(plainTextOf('<@U0BACKUPDOC> UserErrorGuestAgentStatusUnavailable')).toBe('UserErrorGuestAgentStatusUnavailable');
    expect(plainTextOf('<@U0BACKUPDOC|backup-doctor> see <https://aka.ms/AB-UserErrorRpCollectionLimitReached|aka.ms/AB-UserErrorRpCollectionLimitReached>')).toBe(
      'see https://aka.ms/AB-UserErrorRpCollectionLimitReached',
    );
    expect(plainTextOf('{&quot;a&quot;: 1} &lt;vm&gt; &amp; <!here>')).toBe('{&quot;a&quot;: 1} <vm> &');
    expect(plainTextOf('<#C0ONCALL|backup-oncall> pomoc')).toBe('#backup-oncall pomoc');
    expect(plainTextOf(undefined)).toBe('');
    expect(slackConversationId('T1', 'C2')).toBe('slack:T1:C2');
  });

  test('mrkdwn output: escaped text, code formatting for commands, safe links, safe cuts', () => {
    expect(escapeMrkdwn('a <b> & c')).toBe('a &lt;b&gt; &amp; c');
    expect(code('service walinuxagent start')).toBe('`service walinuxagent start`');
    expect(code('echo `date`')).toBe('```echo `date````');
    expect(link('https://example.com/a b', 'Docs | more')).toBe('<https://example.com/a%20b|Docs ¦ more>');
    expect(truncate('abc &amp; def', 8)).toBe('abc…');
    expect(truncate('see `code here` now', 10)).toBe('see…');
    expect(truncate('short', 10)).toBe('short');
  });

  test('buttons: the verb is the action id, made unique per message, and read back without the suffix', () => {
    const blocks = actionsBlocks(
      Array.from({ length: 30 }, (_, i) => ({ title: `Code ${i}`, verb: 'troubleshoot.start', data: { v: 1, codeId: `Code${i}` } })),
      'choose',
    );
    expect(blocks).toHaveLength(2);
    expect(blocks[0]?.elements).toHaveLength(25);
    const ids = blocks.flatMap((b) => b.elements.map((e) => e.action_id));
    expect(new Set(ids).size).toBe(30);
    expect(ids.map(verbOfActionId).every((v) => v === 'troubleshoot.start')).toBe(true);
    expect(JSON.parse(blocks[1]?.elements[0]?.value ?? '{}')).toEqual({ v: 1, codeId: 'Code25' });
  });
});
