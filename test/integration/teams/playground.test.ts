import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Demo, startDemo, waitForPlayground } from '../../../scripts/demo';

/**
 * `npm run demo` as a user meets it, scripted through the Agents Playground's own HTTP API
 * (the browser UI uses the same routes): a message in the personal chat reaches the bot
 * through the playground's mocked Teams connector, and a button press comes back as an
 * adaptiveCard/action invoke whose answer is the bot's new card. Offline, loopback only.
 */

jest.setTimeout(90_000);

let demo: Demo;
let dataDir: string;
let chatId: string;
let userId: string;
let playground: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'backup-doctor-demo-'));
  demo = await startDemo({ botPort: 0, playgroundPort: await freePort(), dataDir, playgroundOutput: 'ignore' });
  playground = demo.playgroundUrl;
  await Promise.race([waitForPlayground(playground), demo.exitedEarly]);
  const config = (await (await fetch(`${playground}/_internal/v1/testConfig`)).json()) as { config: { personalChat: { id: string }; currentUser: { id: string } } };
  chatId = config.config.personalChat.id;
  userId = config.config.currentUser.id;
});

afterAll(async () => {
  await demo?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function say(text: string): Promise<void> {
  const response = await fetch(`${playground}/_conversation/v1/conversations/${chatId}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ from: { id: userId }, text, textFormat: 'plain' }),
  });
  expect(response.status).toBe(200);
}

interface StoredSession {
  id: string;
  codeId: string;
  language: string;
  activityId?: string;
}

/** The newest session whose card has been delivered (the bot records the playground's message id). */
async function newestSession(after: string | undefined): Promise<StoredSession> {
  for (let i = 0; i < 100; i += 1) {
    const row = demo.app.db.prepare('SELECT body FROM sessions_troubleshoot ORDER BY rowid DESC LIMIT 1').get() as { body: string } | undefined;
    const session = row ? (JSON.parse(row.body) as StoredSession) : undefined;
    if (session && session.id !== after && session.activityId) return session;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('no troubleshooting card was delivered');
}

async function invoke(verb: string, data: unknown, replyToId: string): Promise<{ type: string; value: unknown }> {
  const response = await fetch(`${playground}/_conversation/v1/invoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'adaptiveCard/action', from: { id: userId }, conversation: { id: chatId }, replyToId, value: { action: { type: 'Action.Execute', verb, data } } }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as { type: string; value: unknown };
}

/** What the playground delivered to its (browser) clients, from its own log. */
async function playgroundShows(text: string): Promise<void> {
  const log = join(dataDir, 'devTools', 'm365agentsplayground.log');
  for (let i = 0; i < 100; i += 1) {
    if (existsSync(log) && readFileSync(log, 'utf8').includes(text)) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the playground never showed "${text}"`);
}

test('a code in the personal chat gets its card; Next updates that card in place', async () => {
  await say('UserErrorGuestAgentStatusUnavailable');
  const session = await newestSession(undefined);
  expect(session.codeId).toBe('UserErrorGuestAgentStatusUnavailable');
  const answer = await invoke('troubleshoot.next', { v: 1, sessionId: session.id }, session.activityId as string);
  expect(answer.type).toBe('application/vnd.microsoft.card.adaptive');
  expect(JSON.stringify(answer.value)).toContain('Cause 2 of 6');
  await playgroundShows(`"action":"updateMessage","actionConversationId":"${chatId}","message":{"messageId":"${session.activityId}"`);

  await say('Nie można nawiązać komunikacji z usługą Azure Backup agent maszyny Wirtualnej');
  const polish = await newestSession(session.id);
  expect(polish).toMatchObject({ codeId: 'UserErrorGuestAgentStatusUnavailable', language: 'pl' });
  const previous = await invoke('troubleshoot.next', { v: 1, sessionId: polish.id }, polish.activityId as string);
  expect(JSON.stringify(previous.value)).toContain('Przyczyna 2 z 6');
});

test('help and codes answer in the playground', async () => {
  await say('help');
  await playgroundShows('How to ask Backup Doctor');
  await say('kody');
  await playgroundShows('Znane kody');
});
