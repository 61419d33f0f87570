import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// `ws` is the WebSocket client botbuilder's streaming package already brings (Node 20 has no global one).
import WebSocket from 'ws';
import { type Demo, startDemo, waitForPlayground } from '../../../scripts/demo';

/**
 * Drives `npm run demo` the way a person in the local Teams client (the Microsoft 365 Agents
 * Playground) does, through the playground's own HTTP API and the WebSocket its browser UI
 * listens on: messages typed in a chat or channel, card buttons pressed (as the current user, or
 * as another user of the simulated tenant), and every message the bot posts or updates, exactly
 * as the playground shows it. Loopback only; one demo per test file.
 */

export interface PlaygroundUser {
  readonly id: string;
  readonly name: string;
  readonly aadObjectId: string;
}

interface TestConfig {
  readonly config: {
    readonly tenantId: string;
    readonly bot: { readonly id: string; readonly name: string };
    readonly currentUser: PlaygroundUser;
    readonly users: readonly PlaygroundUser[];
    readonly personalChat: { readonly id: string };
    readonly teams: readonly { readonly id: string; readonly channels: readonly { readonly id: string; readonly name: string }[] }[];
  };
}

/** A message as the playground's UI shows it (`createMessage` / `updateMessage` on its stream). */
export interface ShownMessage {
  readonly messageId: string;
  /** The conversation the UI shows it in (a channel post's replies: the post's conversation). */
  readonly conversationId: string;
  /** For a new channel post: the post's own conversation id (replies and presses go there). */
  readonly postConversationId?: string;
  readonly fromBot: boolean;
  readonly text?: string;
  readonly card?: CardJson;
}

export interface ShownEvent {
  readonly seq: number;
  readonly action: 'createMessage' | 'updateMessage';
  readonly message: ShownMessage;
}

export type CardJson = Record<string, unknown>;

export interface SayOptions {
  /** Conversation id (default: the personal chat). A channel id posts a new post in that channel. */
  readonly conversation?: string;
  /** Mention the bot (`<at>Test Bot</at>` plus a mentions entry), as channels and group chats need. */
  readonly mention?: boolean;
}

export interface InvokeOptions {
  /** Press as another user of the tenant (sent through `/_internal/v1/customActivities`). */
  readonly asUser?: PlaygroundUser;
  /** Conversation holding the card (default: the personal chat). */
  readonly conversation?: string;
}

export interface WaitOptions {
  /** Only events after this sequence number (see `mark()`). */
  readonly after?: number;
  readonly conversation?: string;
  readonly timeoutMs?: number;
}

export interface InvokeAnswer {
  readonly statusCode?: number;
  readonly type: string;
  readonly value: unknown;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Every piece of text a person reads on a card: text blocks, facts, rich text, button titles. */
export function cardText(card: unknown): string {
  const parts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isRecord(node)) return;
    for (const key of ['text', 'title', 'value', 'label', 'placeholder']) {
      const v = node[key];
      if (typeof v === 'string') parts.push(v);
    }
    for (const [key, v] of Object.entries(node)) {
      if (key === 'data' || key === 'fallback' || key === 'refresh') continue;
      if (typeof v === 'object') walk(v);
    }
  };
  walk(card);
  return parts.join('\n');
}

export interface CardButton {
  readonly title: string;
  readonly verb: string;
  readonly data: unknown;
}

/** The Action.Execute buttons of a card, anywhere in it (actions, action sets, show-cards). */
export function cardButtons(card: unknown): CardButton[] {
  const buttons: CardButton[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(walk);
    if (!isRecord(node)) return;
    if (node['type'] === 'Action.Execute' && typeof node['verb'] === 'string') {
      buttons.push({ title: String(node['title'] ?? ''), verb: node['verb'], data: node['data'] });
    }
    for (const [key, v] of Object.entries(node)) {
      if (key === 'fallback' || key === 'refresh') continue;
      if (typeof v === 'object') walk(v);
    }
  };
  walk(card);
  return buttons;
}

/** The button with this verb (and title, when several share a verb); fails the test if absent. */
export function button(card: unknown, verb: string, title?: string | RegExp): CardButton {
  const all = cardButtons(card);
  const found = all.find((b) => b.verb === verb && (title === undefined || (typeof title === 'string' ? b.title === title : title.test(b.title))));
  if (!found) throw new Error(`no button ${verb}${title ? ` "${String(title)}"` : ''} on the card; buttons: ${all.map((b) => `${b.title} (${b.verb})`).join(', ')}`);
  return found;
}

export class PlaygroundDriver {
  private readonly events: ShownEvent[] = [];
  private readonly waiters = new Map<() => void, () => void>();
  private seq = 0;

  private constructor(
    readonly demo: Demo,
    readonly url: string,
    private readonly dataDir: string,
    private readonly socket: WebSocket,
    private readonly testConfig: TestConfig['config'],
  ) {
    socket.on('message', (raw: WebSocket.Data) => this.onStream(String(raw)));
  }

  /** Starts the demo (bot, simulator, playground) in a temp folder on free loopback ports. */
  static async start(options: { env?: Record<string, string> } = {}): Promise<PlaygroundDriver> {
    const dataDir = mkdtempSync(join(tmpdir(), 'backup-doctor-demo-'));
    const saved: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries({ LOG_LEVEL: 'silent', ...options.env })) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    let demo: Demo | undefined;
    try {
      demo = await startDemo({ botPort: 0, botHost: '127.0.0.1', playgroundPort: await freePort(), dataDir, playgroundOutput: 'ignore' });
      const url = demo.playgroundUrl;
      await Promise.race([waitForPlayground(url), demo.exitedEarly]);
      const config = ((await (await fetch(`${url}/_internal/v1/testConfig`)).json()) as TestConfig).config;
      const socket = new WebSocket(`${url.replace(/^http/, 'ws')}/_ws_conversation/v1/conversations/stream`);
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      return new PlaygroundDriver(demo, url, dataDir, socket, config);
    } catch (error) {
      await demo?.stop();
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  }

  async stop(): Promise<void> {
    // Nothing keeps waiting (or keeps jest alive) once the demo is gone.
    for (const cancel of [...this.waiters.values()]) cancel();
    this.socket.terminate();
    await this.demo.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  get personalChat(): string {
    return this.testConfig.personalChat.id;
  }

  get me(): PlaygroundUser {
    return this.testConfig.currentUser;
  }

  /** Another user of the simulated tenant (user-id-1 .. user-id-5). */
  user(id: string): PlaygroundUser {
    const user = this.testConfig.users.find((u) => u.id === id);
    if (!user) throw new Error(`no playground user ${id}`);
    return user;
  }

  /** The channel of "My Team" with this name (General, Announcements). */
  channel(name: string): string {
    const channel = this.testConfig.teams.flatMap((t) => t.channels).find((c) => c.name === name);
    if (!channel) throw new Error(`no channel ${name}`);
    return channel.id;
  }

  get botName(): string {
    return this.testConfig.bot.name;
  }

  /** The sequence number of the latest event: wait for things after it. */
  mark(): number {
    return this.seq;
  }

  shown(): readonly ShownEvent[] {
    return this.events;
  }

  /** Types a message as the current user; returns the playground's ids for it. */
  async say(text: string, options: SayOptions = {}): Promise<{ messageId: string; postConversationId?: string }> {
    const conversation = options.conversation ?? this.personalChat;
    const bot = this.testConfig.bot;
    const mentionText = `<at>${bot.name}</at>`;
    const body = options.mention
      ? { from: { id: this.me.id }, text: `${mentionText} ${text}`, textFormat: 'plain', mentions: [{ mentioned: { id: bot.id }, text: mentionText }] }
      : { from: { id: this.me.id }, text, textFormat: 'plain' };
    const response = await fetch(`${this.url}/_conversation/v1/conversations/${encodeURIComponent(conversation)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new Error(`the playground refused the message: ${response.status} ${await response.text()}`);
    return (await response.json()) as { messageId: string; postConversationId?: string };
  }

  /**
   * Presses an Action.Execute button. As the current user it goes through the playground's own
   * invoke route and returns the bot's invoke answer (what the presser sees at once); as another
   * user it is forwarded as-is (the playground has no UI to switch users), and the answer is only
   * visible through the message update the bot makes, so `undefined` is returned.
   */
  async invoke(verb: string, data: unknown, replyToId: string, options: InvokeOptions = {}): Promise<InvokeAnswer | undefined> {
    const conversation = options.conversation ?? this.personalChat;
    const value = { action: { type: 'Action.Execute', verb, data } };
    if (!options.asUser || options.asUser.id === this.me.id) {
      const response = await fetch(`${this.url}/_conversation/v1/invoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'adaptiveCard/action', from: { id: this.me.id }, conversation: { id: conversation }, replyToId, value }),
      });
      if (response.status !== 200) throw new Error(`the playground refused the invoke: ${response.status} ${await response.text()}`);
      return (await response.json()) as InvokeAnswer;
    }
    const template = (await (await fetch(`${this.url}/_internal/v1/customActivities/template?conversationId=${encodeURIComponent(conversation)}`)).json()) as Record<string, unknown>;
    const user = options.asUser;
    const activity = {
      ...template,
      type: 'invoke',
      name: 'adaptiveCard/action',
      from: { id: user.id, name: user.name, aadObjectId: user.aadObjectId },
      replyToId,
      locale: 'en-US',
      value,
    };
    const response = await fetch(`${this.url}/_internal/v1/customActivities`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(activity),
    });
    if (response.status !== 200) throw new Error(`the playground refused the custom activity: ${response.status}`);
    return undefined;
  }

  /**
   * Types `text` (in the personal chat unless `conversation` says otherwise) and returns the bot's
   * first card in answer, as the playground shows it.
   */
  async ask(text: string, options: SayOptions & { timeoutMs?: number } = {}): Promise<ShownMessage> {
    const mark = this.mark();
    const sent = await this.say(text, options);
    const conversation = sent.postConversationId ?? options.conversation ?? this.personalChat;
    return this.waitForBotMessage((m) => m.card !== undefined, { after: mark, conversation, timeoutMs: options.timeoutMs ?? 20_000 });
  }

  /** The first bot message created after `after` (in `conversation`, when given) that matches. */
  async waitForBotMessage(match: (m: ShownMessage) => boolean = () => true, options: WaitOptions = {}): Promise<ShownMessage> {
    const event = await this.waitFor(
      (e) => e.action === 'createMessage' && e.message.fromBot && (!options.conversation || this.inConversation(e.message, options.conversation)) && match(e.message),
      options,
      'a bot message',
    );
    return event.message;
  }

  /** The first update of message `messageId` after `after` that matches. */
  async waitForUpdate(messageId: string, match: (m: ShownMessage) => boolean = () => true, options: WaitOptions = {}): Promise<ShownMessage> {
    const event = await this.waitFor((e) => e.action === 'updateMessage' && e.message.messageId === messageId && match(e.message), options, `an update of ${messageId}`);
    return event.message;
  }

  /** The bot's card shown for a message right now (after all updates seen so far). */
  latest(messageId: string): ShownMessage | undefined {
    for (let i = this.events.length - 1; i >= 0; i -= 1) {
      const e = this.events[i] as ShownEvent;
      if (e.message.messageId === messageId) return e.message;
    }
    return undefined;
  }

  /** Bot messages created after `after` (in a conversation, when given). */
  botMessages(options: { after?: number; conversation?: string } = {}): ShownMessage[] {
    return this.events
      .filter((e) => e.seq > (options.after ?? 0) && e.action === 'createMessage' && e.message.fromBot)
      .filter((e) => !options.conversation || this.inConversation(e.message, options.conversation))
      .map((e) => e.message);
  }

  /** Updates of a message after `after`. */
  updatesOf(messageId: string, after = 0): ShownMessage[] {
    return this.events.filter((e) => e.seq > after && e.action === 'updateMessage' && e.message.messageId === messageId).map((e) => e.message);
  }

  private inConversation(m: ShownMessage, conversation: string): boolean {
    return m.conversationId === conversation || m.postConversationId === conversation;
  }

  private async waitFor(predicate: (e: ShownEvent) => boolean, options: WaitOptions, what: string): Promise<ShownEvent> {
    const after = options.after ?? 0;
    const timeoutMs = options.timeoutMs ?? 15_000;
    const find = (): ShownEvent | undefined => this.events.find((e) => e.seq > after && predicate(e));
    const now = find();
    if (now) return now;
    return new Promise<ShownEvent>((resolve, reject) => {
      const check = (): void => {
        const found = find();
        if (!found) return;
        cleanup();
        resolve(found);
      };
      const timer = setTimeout(() => {
        cleanup();
        const seen = this.events
          .filter((e) => e.seq > after)
          .map((e) => `${e.action} ${e.message.messageId} in ${e.message.conversationId}: ${(e.message.text ?? cardText(e.message.card)).slice(0, 160).replace(/\n/g, ' | ')}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; the playground showed:\n${seen.join('\n') || '(nothing)'}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.set(check, () => {
        cleanup();
        reject(new Error(`the demo stopped while waiting for ${what}`));
      });
    });
  }

  private onStream(raw: string): void {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      return;
    }
    if (!isRecord(data) || (data['action'] !== 'createMessage' && data['action'] !== 'updateMessage') || !isRecord(data['message'])) return;
    const m = data['message'];
    const attachments = Array.isArray(m['attachments']) ? m['attachments'] : [];
    const card = attachments.map((a: unknown) => (isRecord(a) && a['contentType'] === 'application/vnd.microsoft.card.adaptive' && isRecord(a['content']) ? a['content'] : undefined)).find(Boolean);
    const from = isRecord(m['from']) ? String(m['from']['id']) : '';
    const message: ShownMessage = {
      messageId: String(m['messageId']),
      conversationId: String(data['actionConversationId']),
      ...(typeof m['postConversationId'] === 'string' ? { postConversationId: m['postConversationId'] } : {}),
      fromBot: from === this.testConfig.bot.id,
      ...(typeof m['text'] === 'string' ? { text: m['text'] } : {}),
      ...(card ? { card } : {}),
    };
    this.seq += 1;
    this.events.push({ seq: this.seq, action: data['action'], message });
    for (const waiter of [...this.waiters.keys()]) waiter();
  }
}
