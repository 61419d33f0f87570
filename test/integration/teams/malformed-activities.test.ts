import { message } from '../../helpers/activities';
import { cardText, ConnectorStub } from '../../helpers/connector-stub';
import { type TestBot, startTestBot, tempStateFile } from '../../helpers/test-app';

/**
 * Activities are JSON from outside: fields of the wrong type never throw inside a turn. A
 * message we can answer hears which field was wrong; an invoke gets a 400 naming it; an
 * activity with no sender or conversation is refused by the server with a 400 naming the field
 * (there is no one to answer in the chat). The bot keeps answering after each.
 */
const connector = new ConnectorStub();
let bot: TestBot;
let state: { file: string; cleanup: () => void };
let serviceUrl = '';

beforeAll(async () => {
  serviceUrl = await connector.start();
  state = tempStateFile();
  bot = await startTestBot(state.file);
});

afterAll(async () => {
  await bot.stop();
  await connector.stop();
  state.cleanup();
});

const base = () => message('help', { serviceUrl, conversationId: 'c-shapes' }) as Record<string, unknown>;
const said = () => connector.calls.map((c) => String(c.activity.text ?? cardText(c.activity.attachments?.[0]?.content)));

async function send(change: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  connector.clear();
  const response = await bot.post({ ...base(), ...change } as never);
  // Replies go out through the connector after the HTTP answer: give them a moment.
  await new Promise((resolve) => setTimeout(resolve, 150));
  return response;
}

test.each([
  ['text is a number', { text: 42 }, 'text must be a string'],
  ['text is an object', { text: { a: 1 } }, 'text must be a string'],
  ['a card button\'s value is a string', { text: '', value: 'verb' }, 'value must be an object (the data of a card button)'],
  ['entities is not a list', { entities: 'mention' }, 'entities must be a list'],
  ['locale is a number', { locale: 5 }, 'locale must be a string'],
])('a message whose %s gets an answer naming the field, and nothing else happens', async (_name, change, expected) => {
  const response = await send(change);
  expect(response.status).toBeLessThan(500);
  expect(said()).toEqual([expect.stringContaining(`I could not read this message (${expected})`)]);
});

test.each([
  ['from is missing', { from: undefined }],
  ['conversation.id is an object', { conversation: { id: { nested: true }, conversationType: 'personal' } }],
  ['membersAdded is not a list', { type: 'conversationUpdate', membersAdded: 'x' }],
])('an activity whose %s is not answered, and does not fail the request', async (_name, change) => {
  const response = await send(change);
  expect(response.status).toBeLessThan(500);
  expect(said()).toEqual([]);
});

test('an Action.Execute whose value is not an object is answered with "this button is no longer valid"', async () => {
  const response = await send({ type: 'invoke', name: 'adaptiveCard/action', value: 'x' });
  expect(response.status).toBe(200);
  expect(cardText((response.body as { value: unknown }).value)).toContain('This button is no longer valid');
});

test('an activity whose type is not a string gets a 400 naming the field (botbuilder alone would answer 500)', async () => {
  const response = await send({ type: 7 });
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ error: 'malformed_activity', field: 'type', reason: 'must be a non-empty string (the activity type)' });
  expect(said()).toEqual([]);
});

test.each(['not a url', 'file:///etc/passwd', 'javascript:alert(1)', ''])('an activity whose serviceUrl is %p gets a 400 naming the field, and nothing is sent anywhere', async (serviceUrl) => {
  const response = await send({ serviceUrl });
  expect(response.status).toBe(400);
  expect(response.body).toEqual({ error: 'malformed_activity', field: 'serviceUrl', reason: "must be an http(s) URL (the channel's URL to answer on)" });
  expect(said()).toEqual([]);
});

test('after all of that the bot still answers a good message', async () => {
  await send({});
  expect(said().join('\n')).toContain('UserErrorGuestAgentStatusUnavailable');
});
