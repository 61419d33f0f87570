import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppOverrides } from '../../../src/app';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';
import { FakeSlackApi, type SlackApiCall } from './fake-slack-api';

/**
 * Slack end to end without Slack: recorded request bodies, signed here with a test secret,
 * POSTed to the real restify server (createApp + createServer) at /api/slack/events; Bolt's
 * Web API client talks to a loopback fake that records chat.postMessage / chat.update.
 */

export const signingSecret = 'test-signing-secret-8f3a1c0e';
export const botToken = 'xoxb-0000-test-token';
const fixtures = join(__dirname, '../../fixtures/slack');

export interface SlackTestBot {
  readonly bot: TestBot;
  readonly api: FakeSlackApi;
  stop(): Promise<void>;
}

export async function startSlackBot(env: Record<string, string> = {}, overrides: AppOverrides = {}, existing?: { api: FakeSlackApi; stateFile: string }): Promise<SlackTestBot> {
  const api = existing?.api ?? new FakeSlackApi();
  const apiUrl = existing ? (api.url as string) : await api.start();
  const state = existing ? { file: existing.stateFile, cleanup: () => undefined } : tempStateFile();
  const bot = await startTestBot(state.file, { SLACK_SIGNING_SECRET: signingSecret, SLACK_BOT_TOKEN: botToken, SLACK_API_URL: apiUrl, POLL_INTERVAL_MINUTES: '0', ...env }, overrides);
  return {
    bot,
    api,
    async stop() {
      await bot.stop();
      if (!existing) {
        await api.stop();
        state.cleanup();
      }
    },
  };
}

/**
 * The first Web API call the bot made after `before` calls, once it has finished handling every
 * event and press Slack already has its answer for: a press that makes two calls (a notice, then a
 * redraw) has made both, so none of them lands in the next step of a test.
 */
export async function firstCallAfter(slack: SlackTestBot, before: number, timeoutMs = 15_000): Promise<SlackApiCall | undefined> {
  if (!(await slack.bot.app.slack?.settled(timeoutMs))) throw new Error(`the bot was still handling Slack events after ${timeoutMs} ms`);
  return (await slack.api.waitFor((c) => c.length > before, timeoutMs))[before];
}

export interface SignOptions {
  /** Seconds since the epoch; default now. */
  readonly timestamp?: number;
  readonly secret?: string;
  /** Replaces the computed signature. */
  readonly signature?: string;
  readonly retryNum?: number;
}

export function sign(rawBody: string, timestamp: number, secret = signingSecret): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${rawBody}`).digest('hex')}`;
}

/** POSTs a raw body the way Slack does: signed over the exact bytes sent. */
export async function postSigned(baseUrl: string, rawBody: string, contentType: string, options: SignOptions = {}): Promise<{ status: number; text: string }> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = {
    'content-type': contentType,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': options.signature ?? sign(rawBody, timestamp, options.secret),
    'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
  };
  if (options.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(options.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const response = await fetch(`${baseUrl}/api/slack/events`, { method: 'POST', headers, body: rawBody });
  return { status: response.status, text: await response.text() };
}

type Json = Record<string, unknown>;

/** A recorded event body with some event fields (and the event id) replaced. */
export function eventBody(fixture: string, event: Json = {}, top: Json = {}): string {
  const recorded = JSON.parse(readFileSync(join(fixtures, fixture), 'utf8')) as Json;
  return JSON.stringify({ ...recorded, ...top, event: { ...(recorded['event'] as Json), ...event } });
}

export function rawFixture(fixture: string): string {
  return readFileSync(join(fixtures, fixture), 'utf8');
}

let presses = 0;

/**
 * A signed block_actions body as Slack sends it for one press of a button: the recorded press with
 * its action, value and message filled in, and a trigger id and action time of its own (Slack gives
 * each press new ones; `trigger` repeats one, as a replayed delivery would).
 */
export function pressBody(vars: { actionId: string; value: string; messageTs: string; channel?: string; team?: string; user?: string; trigger?: string }): string {
  // Form-encoded, as Slack posts it.
  let text = readFileSync(join(fixtures, 'block-actions-button.json'), 'utf8');
  const payload = JSON.parse(text) as Json;
  const fill = (value: unknown): unknown => {
    if (typeof value === 'string') return value.replace('{{actionId}}', vars.actionId).replace('{{value}}', vars.value).replace('{{messageTs}}', vars.messageTs);
    if (Array.isArray(value)) return value.map(fill);
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)]));
    return value;
  };
  const filled = fill(payload) as Json;
  if (vars.channel) {
    filled['channel'] = { id: vars.channel, name: 'elsewhere' };
    filled['container'] = { ...(filled['container'] as Json), channel_id: vars.channel };
  }
  if (vars.team) filled['team'] = { id: vars.team, domain: 'other' };
  if (vars.user) filled['user'] = { ...(filled['user'] as Json), id: vars.user, username: vars.user.toLowerCase(), name: vars.user.toLowerCase() };
  presses += 1;
  filled['trigger_id'] = vars.trigger ?? `6012345678901.${process.pid}.${presses}`;
  filled['actions'] = (filled['actions'] as Json[]).map((action) => ({ ...action, action_ts: vars.trigger ? '1700000500.123456' : `1700000500.${String(presses).padStart(6, '0')}` }));
  text = JSON.stringify(filled);
  return `payload=${encodeURIComponent(text)}`;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Block Kit JSON as Slack received it
type Block = Record<string, any>;

/** Every text a person would see in a message's blocks, in order. */
export function blocksText(blocks: readonly object[]): string {
  const parts: string[] = [];
  for (const block of blocks as Block[]) {
    if (block['text']?.text) parts.push(block['text'].text as string);
    for (const element of (block['elements'] ?? []) as Block[]) {
      if (typeof element['text'] === 'string') parts.push(element['text']);
      else if (element['text']?.text) parts.push(element['text'].text as string);
    }
  }
  return parts.join('\n');
}

export function buttonsOf(blocks: readonly object[]): { text: string; actionId: string; value?: string; url?: string }[] {
  return (blocks as Block[])
    .filter((b) => b['type'] === 'actions')
    .flatMap((b) => b['elements'] as Block[])
    .map((e) => ({ text: e['text'].text as string, actionId: e['action_id'] as string, ...(e['value'] ? { value: e['value'] as string } : {}), ...(e['url'] ? { url: e['url'] as string } : {}) }));
}

export function button(call: SlackApiCall | undefined, text: string): { actionId: string; value: string } {
  const found = buttonsOf(call?.args['blocks'] ?? []).find((b) => b.text === text);
  if (!found || found.value === undefined) throw new Error(`no "${text}" button; buttons: ${buttonsOf(call?.args['blocks'] ?? []).map((b) => b.text).join(', ')}`);
  return { actionId: found.actionId, value: found.value };
}

/**
 * Waits until the session behind a posted troubleshooting message holds that message's ts: the bot
 * adds it once Slack has answered the post, after the test has already seen the call. For tests that
 * stop the bot next, or read the ts back from the session.
 */
export async function sessionAttached(bot: TestBot, call: SlackApiCall | undefined): Promise<void> {
  const value = buttonsOf(call?.args['blocks'] ?? []).find((b) => b.value?.includes('sessionId'))?.value;
  if (value === undefined || call?.ts === undefined) return;
  const sessionId = String((JSON.parse(value) as Record<string, unknown>)['sessionId']);
  for (let i = 0; i < 100; i += 1) {
    const loaded = await bot.app.troubleshoot.load(sessionId);
    if (loaded.kind === 'ok' && loaded.session.activityId === call.ts) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`session ${sessionId} never held the message ts ${call.ts}`);
}
